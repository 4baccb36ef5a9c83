"""Warming a new worker before it takes requests, so the first minute after a
deploy is as fast as any other (gunicorn.conf.py calls :func:`warm` in
``post_worker_init``; ``make bench`` measures it in its cold-start scenario).

What a new process would otherwise do on its first requests: build the
calendar of all consultations from nothing (its events are then kept, see
:class:`app.consultations.feeds.CalendarOfAll`), compile the templates, load
the message catalogs, prepare the statements, and render the most-read pages
into the page cache. :func:`warm` asks for those pages through the app itself,
in every UI language, under the public address (so the page cache keys are the
ones visitors' requests use), until ``WARM_UP_SECONDS`` have passed (0: no
warm-up). A page that fails is logged and skipped: warming never stops a worker
from starting.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Flask

log = logging.getLogger(__name__)


def warm_paths(app: Flask) -> list[str]:
    """The public pages to render first: per language, the calendar of all, the
    home page, the list, the boards, the feed, the upcoming consultations' pages
    and the latest published feedback pages."""
    from app.consultations import queries as consultations
    from app.db import get_session
    from app.feedback.public import list_recent_feedback

    with app.app_context():
        session = get_session()
        upcoming = [c.id for c in consultations.list_upcoming(session, app.config["PAGE_SIZE"])]
        feedback = [c.id for c, _ in list_recent_feedback(session)]
    languages = list(app.config["LANGUAGES"])
    # The costliest first (the calendar), and every language before the next page, so
    # a warm-up cut short by its time limit has warmed what matters most.
    pages = [
        "consultations.ics",
        "",
        "consultations/",
        "boards/",
        "consultations.atom",
        *(f"consultations/{cid}" for cid in upcoming),
        *(f"consultations/{cid}/feedback" for cid in feedback),
    ]
    return [f"/{lang}/{page}" for page in pages for lang in languages]


def warm(app: Flask, tick: Callable[[], object] | None = None) -> int:
    """Request :func:`warm_paths` in this process; returns how many answered 200.
    ``tick`` is called after each page (gunicorn's heartbeat: a worker silent for
    its ``timeout`` is killed, warming or not)."""
    budget = float(app.config.get("WARM_UP_SECONDS", 0) or 0)
    if budget <= 0:
        return 0
    started = time.monotonic()
    try:
        paths = warm_paths(app)
    except Exception:  # a database that is not there yet: the worker starts cold
        log.exception("warm-up: could not list the pages to warm")
        return 0
    client = app.test_client()
    base = app.config["PUBLIC_BASE_URL"]
    done = 0
    for path in paths:
        if time.monotonic() - started > budget:
            break
        try:
            response = client.get(path, base_url=base)
            response.close()  # runs a streamed body's cleanup; the body itself is not needed
            done += response.status_code == 200
        except Exception:
            log.exception("warm-up: %s failed", path)
        if tick is not None:
            tick()
    log.info("warm-up: %d of %d pages in %.1f s", done, len(paths), time.monotonic() - started)
    return done
