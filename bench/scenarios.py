"""The spread and mixed scenarios of ``make bench`` (issue 20).

*spread*: consultation pages over ``SPREAD_IDS`` ids, Zipf-distributed
(``bench/spread.lua``), the page cache cold for them at the start.
*mixed*: the same while visitors submit views through the public form at
``WRITES_PER_SECOND`` (a thread beside wrk), each counted and then verified in
the database. Both print the page cache's hit rate.
*cold start*: the server is started anew (a deploy) and loaded at once with
the spread plus the home page, the list and the calendar of all
(``COLD_START_OTHERS``); then the same load again on the now warm server, to
compare the p99 of the first seconds after a deploy with the steady state.
"""

from __future__ import annotations

import re
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "spread.lua"
SPREAD_IDS = 2000
WRITES_PER_SECOND = 5
#: Other pages mixed into the cold-start load, with the fraction of requests each gets.
COLD_START_OTHERS = {"/sv/consultations.ics": 0.01, "/sv/": 0.05, "/sv/consultations/": 0.05}
MARKER = "Synpunkt från blandade lasttestet"


def spread_ids(url: str, n: int = SPREAD_IDS) -> list[int]:
    """``n`` published consultation ids, evenly over the dataset, in a fixed shuffled order (the Zipf ranks)."""
    import random

    import sqlalchemy as sa

    from app.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        ids = list(connection.scalars(sa.text("SELECT id FROM consultations WHERE status <> 'draft' ORDER BY id")))
    engine.dispose()
    step = max(1, len(ids) // n)
    chosen = ids[::step][:n]
    random.Random(20).shuffle(chosen)
    return chosen


def other_paths(weights: dict[str, float]) -> str:
    """``BENCH_OTHER_PATHS`` for spread.lua."""
    return ",".join(f"{path} {weight}" for path, weight in weights.items())


def hit_rate(wrk_output: str) -> tuple[int, int]:
    match = re.search(r"Page cache: (\d+) hits, (\d+) misses", wrk_output)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def count_marked_views(url: str) -> int:
    import sqlalchemy as sa

    from app.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(sa.text("SELECT count(*) FROM viewpoints WHERE body LIKE :m"), {"m": MARKER + "%"})
    engine.dispose()
    return int(count or 0)


class Writer(threading.Thread):
    """Posts a view to ``target`` (a consultation path) ``per_second`` times a second until stopped."""

    def __init__(self, base: str, target: str, per_second: float = WRITES_PER_SECOND) -> None:
        super().__init__(daemon=True)
        self.base, self.target, self.interval = base, target, 1 / per_second
        self.stop = threading.Event()
        self.sent = self.accepted = 0

    def run(self) -> None:
        n = 0
        next_at = time.monotonic()
        while not self.stop.is_set():
            n += 1
            body = urllib.parse.urlencode(
                {
                    "body": f"{MARKER} {n}.",
                    "language": "sv",
                    "publish_consent": "y",
                    "website": "",
                    "agenda_item_id": "",
                    "submission_key": f"mixed-{time.time_ns()}-{n}",
                }
            ).encode()
            request = urllib.request.Request(self.base + self.target + "/views/new", data=body, method="POST")
            request.add_header("Content-Type", "application/x-www-form-urlencoded")
            self.sent += 1
            try:
                # A stored view answers with a redirect to its receipt; urllib follows it (200).
                with urllib.request.urlopen(request, timeout=10) as response:  # nosec B310 - the bench's own server
                    if "/views/receipt/" in response.geturl():
                        self.accepted += 1
            except OSError:
                pass
            next_at += self.interval
            self.stop.wait(max(0.0, next_at - time.monotonic()))
