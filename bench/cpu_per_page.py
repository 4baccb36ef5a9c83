"""CPU time per page, in process: a load-independent companion to ``make bench``.

    BENCH_DB=sqlite|postgresql python bench/cpu_per_page.py

Renders each benchmark page through the WSGI app (no HTTP server) and reports
the median *CPU time of this process* per request (``time.process_time``) and
its wall time. CPU time hardly changes when other processes compete for the
cores, so on a shared machine it says what a page costs where wrk's numbers
cannot. For PostgreSQL the server's own CPU is not included (it is small: see
the statement timings in docs/performance.md).
"""

from __future__ import annotations

import os
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
    app = create_app(overrides={"DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    n = int(os.environ.get("BENCH_REPEAT", 15))
    print(f"| page | CPU ms (median of {n}) | wall ms | ⇒ req/s on 2 idle cores |")
    print("| --- | ---: | ---: | ---: |")
    ids = {"consultation_500": info.consultation_500, "feedback_1000": info.feedback_1000,
           "post_target": info.post_target, "board_slug": info.board_slug}
    for name, path, script in pages(ids, 900):
        if script is not None:
            continue
        client.get(path)  # warm caches
        cpu, wall = [], []
        for _ in range(n if "feedback" not in name and ".ics" not in name else max(3, n // 3)):
            c0, w0 = time.process_time(), time.perf_counter()
            response = client.get(path)
            response.get_data()
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        c = statistics.median(cpu)
        print(f"| {name} | {c:.1f} | {statistics.median(wall):.1f} | {2000 / c:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
