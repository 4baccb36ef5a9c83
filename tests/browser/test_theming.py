"""Theming at scale in a real browser (issue 22): 200 views that match a filter go into a theme in
one action, with JavaScript and without; the reading mode's keys put a view in a theme."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from tests.browser.support import LiveServer, insert_held_consultation

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
MATCHING = 200
_runs = itertools.count(1)


def _consultation_with_views(server: LiveServer) -> tuple[int, int]:
    """A held consultation of the demo staff member's board with 260 views, 200 of them about buses
    in Romani, and an empty theme; written with bulk INSERTs. Returns (consultation id, theme id)."""
    from app.db import make_engine
    from app.feedback.models import FeedbackReport, Theme
    from app.participation.models import Viewpoint

    run = next(_runs)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    engine = make_engine(server.demo.db_url)
    try:
        with engine.begin() as conn:
            cid = insert_held_consultation(conn, server, f"Trafiksamråd {run}")
            conn.execute(
                sa.insert(Viewpoint.__table__),
                [
                    {
                        "consultation_id": cid,
                        "reference_code": f"BR{run}{i:04d}"[:9] + f"-{i:03d}",
                        "body": f"Le busi naj avel {i}" if i < MATCHING else f"Skolan behöver fler lärare {i}",
                        "language": "rom" if i < MATCHING else "sv",
                        "channel": "web",
                        "publish_consent": True,
                        "show_name": False,
                        "wants_feedback": False,
                        "created_dt": now - timedelta(days=1),
                    }
                    for i in range(MATCHING + 60)
                ],
            )
            report_id = conn.execute(
                sa.insert(FeedbackReport.__table__)
                .values(
                    consultation_id=cid,
                    version=1,
                    created_dt=now,
                    updated_dt=now,
                )
                .returning(FeedbackReport.__table__.c.id)
            ).scalar_one()
            theme_id = conn.execute(
                sa.insert(Theme.__table__)
                .values(
                    report_id=report_id,
                    position=1,
                    title_sv=f"Bussar {run}",
                    version=1,
                )
                .returning(Theme.__table__.c.id)
            ).scalar_one()
    finally:
        engine.dispose()
    return cid, theme_id


def _members(server: LiveServer, theme_id: int) -> int:
    from app.db import make_engine
    from app.feedback.models import theme_viewpoints

    engine = make_engine(server.demo.db_url)
    try:
        with engine.connect() as conn:
            return (
                conn.scalar(
                    sa.select(sa.func.count())
                    .select_from(theme_viewpoints)
                    .where(theme_viewpoints.c.theme_id == theme_id)
                )
                or 0
            )
    finally:
        engine.dispose()


def _assign_all_matching(page: Any, server: LiveServer, cid: int, theme_id: int) -> None:
    page.goto(server(f"/sv/staff/consultations/{cid}/views"))
    page.locator("#filter-language").select_option("rom")
    page.locator("#filter-q").fill("busi")
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    assert "language=rom" in page.url and "q=busi" in page.url  # the filter is in the URL
    assert page.locator("p.result-count").inner_text().startswith(str(MATCHING))
    page.locator("input[name=action][value=assign]").check()
    page.locator("#to_theme").select_option(str(theme_id))
    page.locator("input[name=scope][value=all]").check()
    with page.expect_navigation():
        page.locator("#bulk button[type=submit]").click()
    assert not page.locator(".error-summary").count(), page.locator(".error-summary").inner_text()
    assert "language=rom" in page.url and "q=busi" in page.url  # back to the same filtered list


def test_assign_200_filtered_views_in_one_action(new_context: Any, live_server: LiveServer) -> None:
    cid, theme_id = _consultation_with_views(live_server)
    page = new_context(staff=True, viewport=PHONE).new_page()
    _assign_all_matching(page, live_server, cid, theme_id)
    assert _members(live_server, theme_id) == MATCHING
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_assign_200_filtered_views_without_javascript(new_context: Any, live_server: LiveServer) -> None:
    cid, theme_id = _consultation_with_views(live_server)
    page = new_context(staff=True, java_script_enabled=False, bypass_csp=False, viewport=PHONE).new_page()
    _assign_all_matching(page, live_server, cid, theme_id)
    assert _members(live_server, theme_id) == MATCHING
    # Ticked views, without JavaScript too: the two first of the views in no theme go in.
    page.goto(live_server(f"/sv/staff/consultations/{cid}/views?theme=none"))
    boxes = page.locator("input[name=viewpoint_ids]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.locator("#to_theme").select_option(str(theme_id))
    page.locator("input[name=scope][value=ticked]").check()
    with page.expect_navigation():
        page.locator("#bulk button[type=submit]").click()
    assert _members(live_server, theme_id) == MATCHING + 2


def test_reading_mode_keys(new_context: Any, live_server: LiveServer) -> None:
    cid, theme_id = _consultation_with_views(live_server)
    page = new_context(staff=True, bypass_csp=False).new_page()
    page.goto(live_server(f"/sv/staff/consultations/{cid}/views/read?language=rom"))
    first = page.locator("#view-title").inner_text()
    with page.expect_navigation():
        page.keyboard.press("1")  # the first theme
    assert _members(live_server, theme_id) == 1
    assert page.locator("#view-title").inner_text() != first  # on to the next view
    with page.expect_navigation():
        page.keyboard.press("ArrowLeft")
    assert page.locator("#view-title").inner_text() == first


def test_a_theme_title_without_spaces_does_not_widen_the_themes_pages(
    new_context: Any, live_server: LiveServer
) -> None:
    """The themes tables of a consultation's feedback and of a service's measures scroll in their own
    region: a 150-character word (a pasted address) does not make the page scroll sideways at 390 px."""
    cid = _held_consultation(live_server)
    sid = live_server.demo.ids("city_services")[0]
    page = new_context(staff=True, java_script_enabled=False, viewport=PHONE).new_page()
    long_title = "https://example.org/" + "x" * 130
    for base in (f"/rom/staff/consultations/{cid}/feedback", f"/rom/staff/experiences/services/{sid}/measures"):
        page.goto(live_server(base + "/themes/new"))
        page.locator("input[name=title_sv]").fill(long_title)
        with page.expect_navigation():
            page.locator("main form[method=post] button[type=submit]").first.click()
        page.goto(live_server(base))
        assert page.locator("td > span[lang=sv]", has_text=long_title).count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], base


def _held_consultation(server: LiveServer) -> int:
    from app.db import make_engine

    engine = make_engine(server.demo.db_url)
    try:
        with engine.begin() as conn:
            return insert_held_consultation(conn, server, f"Långa ord {next(_runs)}")
    finally:
        engine.dispose()
