"""Suggested themes in a real browser (issue 22): staff ask for suggestions, take a view out of a
proposal, rename it and accept it as a theme, on a 390 px phone, without JavaScript, in Romani."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import sqlalchemy as sa

from tests.browser.support import LiveServer, insert_held_consultation
from tests.feedback import three_topics

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
_runs = itertools.count(1)


def _consultation_with_three_topics(server: LiveServer) -> int:
    """A held consultation of the demo staff member's board with the three topics' views."""
    from app.db import make_engine

    run = next(_runs)
    engine = make_engine(server.demo.db_url)
    try:
        with engine.begin() as conn:
            cid = insert_held_consultation(conn, server, f"Förslagssamråd {run}")
            three_topics.insert_views(conn, cid, f"BS{run}")
    finally:
        engine.dispose()
    return cid


def _theme(server: LiveServer, title: str) -> list[int]:
    """The view ids of the theme titled ``title`` (empty if there is none)."""
    from app.db import make_engine
    from app.feedback.models import Theme, theme_viewpoints

    engine = make_engine(server.demo.db_url)
    try:
        with engine.connect() as conn:
            return list(
                conn.scalars(
                    sa.select(theme_viewpoints.c.viewpoint_id)
                    .join(Theme, Theme.id == theme_viewpoints.c.theme_id)
                    .where(Theme.title_sv == title)
                )
            )
    finally:
        engine.dispose()


def test_accept_a_suggested_theme_on_a_phone_without_javascript(new_context: Any, live_server: LiveServer) -> None:
    cid = _consultation_with_three_topics(live_server)
    page = new_context(staff=True, java_script_enabled=False, bypass_csp=False, viewport=PHONE).new_page()
    page.goto(live_server(f"/rom/staff/consultations/{cid}/feedback"))
    with page.expect_navigation():
        page.locator(f"a[href$='/rom/staff/consultations/{cid}/feedback/suggestions']").click()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()  # suggest themes (the views in no theme)
    assert not page.locator(".error-summary").count(), page.locator(".error-summary").inner_text()
    proposals = page.locator("section.proposal")
    assert proposals.count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # A view that does not belong is taken out on the proposal's own page.
    with page.expect_navigation():
        proposals.first.locator("a[href*='/feedback/suggestions/']").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.locator("input[name=viewpoint_ids]").first.check()
    with page.expect_navigation():
        page.locator("#remove button[type=submit]").click()
    assert not page.locator(".error-summary").count(), page.locator(".error-summary").inner_text()
    page.goto(live_server(f"/rom/staff/consultations/{cid}/feedback/suggestions"))
    proposals = page.locator("section.proposal")
    first = proposals.first
    count = int(first.locator("p").first.inner_text().split()[0])
    first.locator("input[name$='-title']").fill("Busi thaj stanici")
    with page.expect_navigation():
        first.locator("input[name$='-accept']").click()
    assert page.locator(".notice-success, [role=status]").first.is_visible()
    assert len(_theme(live_server, "Busi thaj stanici")) == count
    assert page.locator("section.proposal").count() == 2  # the accepted one is off the list
