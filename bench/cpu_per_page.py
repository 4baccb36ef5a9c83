"""CPU time per page, in process: a load-independent companion to ``make bench``.

    BENCH_DB=sqlite|postgresql python bench/cpu_per_page.py

Renders each benchmark page through the WSGI app (no HTTP server) and reports
the median *CPU time of this process* per request (``time.process_time``) and
its wall time. CPU time hardly changes when other processes compete for the
cores, so on a shared machine it says what a page costs where wrk's numbers
cannot. For PostgreSQL the server's own CPU is not included (it is small: see
the statement timings in docs/performance.md).

Two columns: *cached* (as served, the page cache on) and *rendered* (an app
with ``PAGE_CACHE_URL=off``: what a page costs after a change; for the calendar
of all, its events are kept across requests as in production), and the SQL
statements a rendered page sends. ``BENCH_PROFILE=<page name>`` prints a
cProfile (CPU time) of that page rendered.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from bench.run import database_url, pages

    backend = os.environ.get("BENCH_DB", "sqlite")
    url = database_url(backend)
    os.environ["SAMRAD_BENCH"] = "1"
    import sqlalchemy as sa

    from app import create_app
    from app.db import make_engine
    from bench.datagen import dataset_present

    engine = make_engine(url)
    with engine.connect() as connection:
        info = dataset_present(connection)
    engine.dispose()
    if info is None:
        print("No bench dataset: run make bench first.", file=sys.stderr)
        return 1
    settings = {"DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}
    cached = create_app(overrides=settings).test_client()
    uncached_app = create_app(overrides={**settings, "PAGE_CACHE_URL": "off"})
    rendered = uncached_app.test_client()
    statements = []
    sa.event.listen(uncached_app.extensions["db"].engine, "before_cursor_execute", lambda *args: statements.append(1))
    n = int(os.environ.get("BENCH_REPEAT", 15))
    profile = os.environ.get("BENCH_PROFILE")
    print(
        f"| page | CPU ms cached (median of {n}) | CPU ms rendered | statements | wall ms rendered "
        "| ⇒ req/s rendered on 2 idle cores |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    ids = {
        "consultation_500": info.consultation_500,
        "feedback_1000": info.feedback_1000,
        "post_target": info.post_target,
        "board_slug": info.board_slug,
    }
    for name, path, script in pages(ids, 900):
        if script is not None:
            continue
        cpu = {}
        for label, client in (("cached", cached), ("rendered", rendered)):
            client.get(path).get_data()  # warm caches
            times, wall = [], []
            statements.clear()
            for _ in range(n):
                c0, w0 = time.process_time(), time.perf_counter()
                response = client.get(path)
                response.get_data()
                times.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
                assert response.status_code == 200, (path, response.status_code)
            cpu[label] = statistics.median(times)
        count = len(statements) / n
        print(
            f"| {name} | {cpu['cached']:.1f} | {cpu['rendered']:.1f} | {count:.0f} | {statistics.median(wall):.1f} "
            f"| {2000 / cpu['rendered']:.0f} |",
            flush=True,
        )
        if profile and profile in name:
            profiler = cProfile.Profile(time.process_time)
            profiler.runcall(lambda: [rendered.get(path).get_data() for _ in range(n)])
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(main())
