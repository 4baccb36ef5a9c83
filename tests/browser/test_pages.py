"""Page weight, no-JavaScript use, keyboard use, reflow at 320 px, and screenshots."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.pages import PageRule, build_url, public_pages, resolve_or_fail
from tests.browser.support import SCREENSHOT_DIR, LiveServer, login

pytestmark = pytest.mark.browser

MAX_PAGE_BYTES = 50 * 1024
LANGS = ("sv", "rom")


def _urls(rule: PageRule, server: LiveServer) -> list[str]:
    return [build_url(server.app, rule, values) for values in resolve_or_fail(rule, server)]


# --- page weight and third parties ----------------------------------------------------------


@pytest.fixture(scope="module")
def cold_page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """A page whose every load is cold (Chromium's HTTP cache disabled)."""
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    yield page
    context.close()


@pytest.mark.parametrize("rule", public_pages(), ids=lambda r: r.id)
def test_public_page_weight_and_hosts(rule: PageRule, site_data: LiveServer, cold_page: Any) -> None:
    """A cold load moves at most 50 KB in all, and every request goes to our own host."""
    page = cold_page
    failures = []
    live_server = site_data
    for url in _urls(rule, live_server):
        requests: list[Any] = []

        def record(request: Any) -> None:
            requests.append(request)

        page.on("request", record)
        page.goto(live_server(url), wait_until="load")
        page.remove_listener("request", record)
        total = 0
        lines = []
        for request in requests:
            host = urlsplit(request.url).hostname
            if host != "127.0.0.1" and not request.url.startswith("data:"):
                failures.append(f"{url}: request to another host: {request.url}")
            if request.response() is None:
                continue
            sizes = request.sizes()
            size = sizes["responseHeadersSize"] + max(sizes["responseBodySize"], 0)
            total += size
            lines.append(f"    {size:>7} B  {request.url}")
        if total > MAX_PAGE_BYTES:
            failures.append(f"{url}: {total} bytes > {MAX_PAGE_BYTES}\n" + "\n".join(lines))
        assert total > 0, f"{url}: no transfer sizes were recorded"
    assert not failures, "\n".join(failures)


# --- without JavaScript ---------------------------------------------------------------------


def test_everything_works_without_javascript(live_server: LiveServer, new_context: Callable[..., Any]) -> None:
    page = new_context(java_script_enabled=False, bypass_csp=False).new_page()
    assert page.goto(live_server("/rom/")).ok
    assert page.locator("html").get_attribute("lang") == "rom"

    card_link = page.locator("main .cards a").first
    title = card_link.inner_text().strip()
    with page.expect_navigation():
        card_link.click()
    assert "/rom/consultations/" in page.url
    assert title in page.locator("h1").inner_text()

    page.go_back()
    assert urlsplit(page.url).path == "/rom/"

    with page.expect_navigation():
        page.locator("nav.lang-switch a[hreflang=sv]").click()
    assert urlsplit(page.url).path == "/sv/"
    assert page.locator("html").get_attribute("lang") == "sv"

    with page.expect_navigation():
        page.locator("footer a[href$='/sv/login']").click()
    page.locator("input[name=email]").fill(live_server.demo.staff_email)
    page.locator("input[name=password]").fill(live_server.demo.staff_password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert urlsplit(page.url).path == "/sv/staff/", f"login without JS ended at {page.url}"

    with page.expect_navigation():
        page.locator("nav.main-nav a[href$='/sv/staff/']").click()
    assert urlsplit(page.url).path == "/sv/staff/"
    assert page.locator("main h1").count() == 1
    assert page.locator("main a[href*='/staff/consultations/']").count() > 0, "the dashboard lists no consultations"


# --- keyboard -------------------------------------------------------------------------------

_FOCUS_STATE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), id: el.id, cls: el.className, text: (el.textContent || '').trim().slice(0, 40),
    outline: style.outlineStyle, outlineWidth: style.outlineWidth, shadow: style.boxShadow,
  };
}"""


def _focus_visible(state: dict[str, Any]) -> bool:
    outline = state["outline"] != "none" and state["outlineWidth"] not in ("0px", "")
    return outline or state["shadow"] not in ("none", "")


@pytest.mark.parametrize("lang", LANGS)
def test_keyboard_skip_link_and_visible_focus(
    lang: str, live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = new_context(bypass_csp=False).new_page()
    page.goto(live_server(f"/{lang}/consultations/{live_server.demo.upcoming_id}"))

    page.keyboard.press("Tab")
    state = page.evaluate(_FOCUS_STATE)
    assert "skip-link" in state["cls"], f"the first Tab focuses {state}, not the skip link"
    assert _focus_visible(state), f"the skip link has no visible focus: {state}"
    assert page.locator(".skip-link").bounding_box()["x"] >= 0, "the focused skip link stays off screen"

    page.keyboard.press("Enter")
    state = page.evaluate(_FOCUS_STATE)
    assert state["tag"] == "main", f"Enter on the skip link focused {state}, not <main>"

    # The next tab stops are inside main, and every one of them shows where focus is.
    seen = 0
    for _ in range(25):
        page.keyboard.press("Tab")
        state = page.evaluate(_FOCUS_STATE)
        if state["tag"] == "body":
            break
        assert _focus_visible(state), f"focus is not visible on {state}"
        seen += 1
    assert seen > 0, "nothing after the skip link can be reached with Tab"


# --- reflow (WCAG 1.4.10) -------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_no_horizontal_scrolling_at_320px(lang: str, live_server: LiveServer, new_context: Callable[..., Any]) -> None:
    page = new_context(viewport={"width": 320, "height": 640}, bypass_csp=False).new_page()
    failures = []
    for path in ("/", "/consultations/", f"/consultations/{live_server.demo.upcoming_id}", "/boards/"):
        url = live_server(f"/{lang}{path}")
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            wide = page.evaluate(
                """() => [...document.querySelectorAll('body *')]
                     .filter(e => e.getBoundingClientRect().right > 320)
                     .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""
            )
            failures.append(f"{url}: scrollWidth {width} > 320; too wide: {wide}")
    assert not failures, "\n".join(failures)


# --- screenshots (docs/screenshots, only with SCREENSHOTS=1) ---------------------------------


@pytest.mark.skipif(os.environ.get("SCREENSHOTS") != "1", reason="set SCREENSHOTS=1 to regenerate docs/screenshots")
@pytest.mark.parametrize("width", [1280, 360])
def test_screenshots(width: int, live_server: LiveServer, new_context: Callable[..., Any]) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page = new_context(viewport={"width": width, "height": 900}, bypass_csp=False).new_page()
    shots = {
        "home": "/sv/",
        "consultation": f"/sv/consultations/{live_server.demo.upcoming_id}",
    }
    for name, path in shots.items():
        page.goto(live_server(path))
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}-{width}.png"), full_page=True)
    login(page, live_server, "sv")
    page.goto(live_server("/sv/staff/"))
    page.screenshot(path=str(SCREENSHOT_DIR / f"staff-dashboard-{width}.png"), full_page=True)
