"""WCAG 2.1 A/AA checks with axe-core on every HTML page of the URL map, in both languages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.pages import PageRule, build_url, page_rules, resolve_or_fail
from tests.browser.support import LiveServer, format_violations, run_axe

pytestmark = pytest.mark.browser


def _visit(page: Any, url: str) -> None:
    response = page.goto(url)
    assert response is not None, f"{url}: no response"
    _check_response(url, response)


def _check_response(url: str, response: Any) -> None:
    hint = {
        403: "neither the demo staff user nor the site admin may see this page",
        404: "the resolver's value does not fit this page: adjust RESOLVERS in tests/browser/pages.py",
    }.get(response.status, "the page should render for the resolved values")
    assert response.status < 400, f"{url}: HTTP {response.status}: {hint}"
    content_type = response.headers.get("content-type", "")
    assert content_type.startswith("text/html"), (
        f"{url}: {content_type!r} is not an HTML page; exclude it in tests/browser/pages.py"
    )


def _assert_accessible(page: Any, url: str) -> None:
    violations = run_axe(page)
    assert not violations, "axe-core found WCAG 2.1 AA violations:\n" + format_violations(url, violations)


@pytest.mark.parametrize("rule", page_rules(), ids=lambda r: r.id)
def test_page_has_no_axe_violations(rule: PageRule, site_data: LiveServer, request: pytest.FixtureRequest) -> None:
    live_server = site_data
    combos = resolve_or_fail(rule, live_server)
    page = request.getfixturevalue("staff_page" if rule.staff else "anon_page")
    failures = []
    for values in combos:
        url = build_url(live_server.app, rule, values)
        response = page.goto(live_server(url))
        if rule.staff and response is not None and response.status == 403:
            page = request.getfixturevalue("admin_page")  # a site-admin page
            response = page.goto(live_server(url))
        assert response is not None, f"{url}: no response"
        _check_response(url, response)
        if rule.staff:
            assert "/login" not in page.url, f"{url}: staff page redirected to the login form"
        violations = run_axe(page)
        if violations:
            failures.append(format_violations(url, violations))
    assert not failures, "axe-core found WCAG 2.1 AA violations:\n" + "\n".join(failures)


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_login_form_with_errors_is_accessible(
    lang: str, live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = new_context().new_page()
    page.goto(live_server(f"/{lang}/login"))
    page.locator("input[name=email]").fill("not-an-address")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator(".error-summary").count() == 1, "the invalid login shows no error summary"
    _assert_accessible(page, page.url + " (after invalid input)")

    page.locator("input[name=email]").fill(live_server.demo.staff_email)
    page.locator("input[name=password]").fill("wrong password")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator(".error-summary").count() == 1, "a wrong password shows no error summary"
    _assert_accessible(page, page.url + " (after a wrong password)")


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_new_consultation_form_with_errors_is_accessible(
    lang: str, live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    page = new_context(staff=True).new_page()
    page.goto(live_server(f"/{lang}/staff/consultations/new"))
    page.locator("input[name=title_sv]").fill("")
    page.locator("input[name=join_url]").fill("not a url")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.locator(".error-summary").count() == 1, "the invalid form shows no error summary"
    assert page.locator(".error-message").count() >= 2, "expected errors at the title and the link"
    _assert_accessible(page, page.url + " (after invalid input)")
