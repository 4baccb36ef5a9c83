"""Measure the staff CSV export of views: time and peak memory (RSS) for N views.

    python bench/export_rss.py [--views 1000000] [--database-url URL]

Builds (once) a database whose first consultation holds every view, logs in a
site administrator through the test client and reads
``/sv/staff/consultations/<id>/views.csv`` chunk by chunk, as a browser would.
Prints the peak RSS of this process before and after the export (Linux
``ru_maxrss``), the time, and the size of the CSV. Not a unit test.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--views", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{ROOT / 'instance' / f'export-{args.views}.sqlite'}"

    import sqlalchemy as sa

    from app import create_app
    from app.accounts.services import create_user
    from app.db import get_session, make_engine
    from app.participation.models import Viewpoint
    from bench.datagen import Sizes, dataset_present, generate

    engine = make_engine(url)
    with engine.connect() as connection:
        present = dataset_present(connection)
    if present is None:
        print(f"Building {args.views} views in {url} …")
        result = generate(engine, Sizes(boards=2, consultations=4, views=args.views, registrations=0))
        target = result.consultation_500
        with engine.begin() as connection:
            connection.execute(sa.update(Viewpoint).values(consultation_id=target))
        engine.dispose()
        # Measure in a fresh process: building the data raised this one's peak.
        import os

        os.execv(sys.executable, [sys.executable, *sys.argv])
    else:
        target = present.consultation_500
    with engine.connect() as connection:
        n = connection.scalar(sa.select(sa.func.count()).where(Viewpoint.consultation_id == target))
    engine.dispose()

    app = create_app(overrides={"DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    password = "bench export password 2026"
    with app.app_context():
        session = get_session()
        from app.accounts.models import User

        if session.scalar(sa.select(User).where(User.email == "export-editor@stockholm.example")) is None:
            from app.accounts.models import Role
            from app.accounts.services import grant_role
            from app.consultations.models import Consultation

            user = create_user(session, email="export-editor@stockholm.example", name="Export", password=password)
            consultation = session.get(Consultation, target)
            assert consultation is not None, f"consultation {target} is not in the bench data"
            grant_role(session, user, consultation.lead_board, Role.EDITOR)
            session.commit()
    client = app.test_client()
    assert (
        client.post("/sv/login", data={"email": "export-editor@stockholm.example", "password": password}).status_code
        == 302
    )
    client.get("/sv/staff/")  # warm up (not the views page: it lists every view)

    before_peak, before_now = peak_rss_mb(), current_rss_mb()
    started = time.perf_counter()
    response = client.get(f"/sv/staff/consultations/{target}/views.csv", buffered=False)
    assert response.status_code == 200, (response.status_code, response.headers.get("Location"))
    size = rows = 0
    highest = current_rss_mb()
    for i, chunk in enumerate(response.response):
        size += len(chunk)
        rows += chunk.count(b"\r\n") if isinstance(chunk, bytes) else chunk.count("\r\n")
        if i % 50 == 0:
            highest = max(highest, current_rss_mb())
    response.close()
    seconds = time.perf_counter() - started
    after_peak = peak_rss_mb()
    print(f"views in the consultation: {n}")
    print(
        f"CSV: {rows - 1} data rows, {size / 1024 / 1024:.1f} MiB in {seconds:.1f} s ({(rows - 1) / seconds:,.0f} rows/s)"
    )
    print(
        f"RSS before export: {before_now:.0f} MiB (peak so far {before_peak:.0f} MiB); "
        f"peak after export: {after_peak:.0f} MiB; highest RSS sampled during the export: {highest:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
