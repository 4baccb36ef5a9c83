"""Surveys and evaluations on a phone (390 × 844) in Romani, in real Chromium (issue 16, items 7 and 18).

The back button is the real one: Chromium fetches the form again and restores
what was typed, which is how a second answer used to be stored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.support import LiveServer, format_violations, run_axe

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _phone(new_context: Callable[..., Any]) -> Any:
    context = new_context(viewport=PHONE)
    from tests.browser.support import axe_source

    context.add_init_script(script=axe_source())
    return context.new_page()


def _no_axe_violations(page: Any) -> None:
    violations = run_axe(page)
    assert not violations, format_violations(page.url, violations)


def _send(page: Any) -> None:
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").last.click()


def _count(server: LiveServer, table: str) -> int:
    return len(server.demo.ids(table))


def test_survey_on_a_phone_in_romani(live_server: LiveServer, new_context: Callable[..., Any]) -> None:
    code = live_server.demo.values("experience_surveys", "short_code")[0]
    page = _phone(new_context)
    page.goto(live_server(f"/rom/s/{code}"))
    assert page.locator("html").get_attribute("lang") == "rom"
    # Required questions say so in words; the intro no longer says every question may be skipped.
    legends = page.locator("main form fieldset legend").all_inner_texts()
    required = [text for text in legends if text.endswith("(trobul)")]
    assert required, legends
    intro = page.locator("main").inner_text()
    assert "De respunso numa pe kodola pušimata kaj kames" not in intro and "“(trobul)”" in intro

    # An incomplete answer: every error at once, each next to its field, typed text kept.
    page.locator("main form textarea").first.fill("Mangas maj but lila ande romani čhib.")
    page.locator("#wants_updates").check()
    _send(page)
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    links = summary.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "#email" in links and len(links) >= 2, links
    for href in links:
        assert page.locator(f"{href}-error").count() == 1, href
    assert page.locator("main form textarea").first.input_value() == "Mangas maj but lila ande romani čhib."
    _no_axe_violations(page)

    # Open the form anew (going back to a page that answered a post asks to post again),
    # answer the required question and send: one record.
    before = _count(live_server, "experience_records")
    page.goto(live_server(f"/rom/s/{code}"))
    page.locator("main form textarea").first.fill("Mangas maj but lila ande romani čhib.")
    page.locator("main form fieldset").filter(has_text="(trobul)").first.locator("input[type=radio]").nth(3).check()
    _send(page)
    assert page.url.endswith("/thanks"), page.url
    assert _count(live_server, "experience_records") == before + 1

    # Back, and send again: the answers are restored by the browser, nothing is stored twice.
    page.go_back()
    assert page.locator("main form textarea").first.input_value() == "Mangas maj but lila ande romani čhib."
    assert page.locator("main .notice").filter(has_text="Bičhaldan kadja forma").count() == 1
    _send(page)
    assert _count(live_server, "experience_records") == before + 1
    main = page.locator("main").inner_text()
    assert "Tje respunsuri imar sas line" in main
    assert "Mangas maj but lila ande romani čhib." in main  # the receipt: what was stored
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _no_axe_violations(page)


def test_evaluation_once_per_browser_on_a_phone_in_romani(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    consultation_id = live_server.demo.held_id
    page = _phone(new_context)
    page.goto(live_server(f"/rom/consultations/{consultation_id}"))
    results_url = f"/rom/consultations/{consultation_id}/evaluation/results"
    assert page.locator(f"main a[href='{results_url}']").count() == 1, "no link to the evaluation's results"
    form_url = f"/rom/consultations/{consultation_id}/evaluation"
    page.goto(live_server(form_url))
    if page.locator("main form[method=post]").count() == 0:
        pytest.fail(f"the demo's held consultation has no open evaluation: {page.locator('main').inner_text()[:300]}")
    _no_axe_violations(page)
    before = _count(live_server, "minutes_evaluations")
    for name in ("well_run", "could_speak", "language_support"):
        page.locator(f"input[name={name}][value='4']").check()
    _send(page)
    assert page.url.endswith(results_url), page.url
    assert _count(live_server, "minutes_evaluations") == before + 1
    # The thanks page does not invite to answer again.
    assert page.locator(f"main a[href='{form_url}']").count() == 0
    _no_axe_violations(page)

    # Back: no second form; the same browser cannot answer again.
    page.go_back()
    assert page.locator("main form[method=post]").count() == 0
    assert page.locator(f"main a[href='{results_url}']").count() == 1
    page.goto(live_server(form_url))
    assert page.locator("main form[method=post]").count() == 0
    assert _count(live_server, "minutes_evaluations") == before + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_survey_results_are_readable_on_a_phone_in_romani(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    """Issue 16.8: chart labels at least 12 px on a 390 px screen, scale rows with the words of the scale."""
    code = live_server.demo.values("experience_surveys", "short_code")[0]
    page = _phone(new_context)
    page.goto(live_server(f"/rom/s/{code}/results"))
    charts = page.locator("main svg.chart")
    assert charts.count() >= 1, page.locator("main").inner_text()[:500]
    sizes = page.evaluate("""() => [...document.querySelectorAll('main svg.chart text')].map(t => {
        const box = t.getBoundingClientRect();
        return {size: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a, right: box.right,
                text: t.textContent};
    })""")
    assert sizes and min(s["size"] for s in sizes) >= 12, sizes
    assert max(s["right"] for s in sizes) <= PHONE["width"], sizes  # no label runs off the screen
    labels = page.locator("main table th[scope=row]").all_inner_texts()
    assert any(label.startswith("5 – ") for label in labels), labels  # "5 – but mišto", not "5"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _no_axe_violations(page)


def test_the_qr_poster_prints_clean_in_both_languages(live_server: LiveServer, new_context: Callable[..., Any]) -> None:
    """Issue 16.16: printing the poster hides the site's navigation and the back/print links; "Open
    until …" is in both languages; the QR codes carry the public address (PUBLIC_BASE_URL)."""
    survey_id = live_server.demo.ids("experience_surveys")[0]
    code = live_server.demo.values("experience_surveys", "short_code")[0]
    context = new_context(staff=True, viewport=PHONE)
    page = context.new_page()
    page.goto(live_server(f"/rom/staff/experiences/surveys/{survey_id}/poster"))
    poster = page.locator("main .poster")
    captions = poster.locator("figcaption").all_inner_texts()
    assert any(live_server(f"/rom/s/{code}") in text for text in captions), captions
    assert any(live_server(f"/sv/s/{code}") in text for text in captions), captions
    until = poster.locator(".poster-until").all_inner_texts()
    assert len(until) == 2, until
    assert until[0].startswith("Putardi ži ka") and until[1].startswith("Öppen till och med"), until
    assert page.locator("main .poster-tools").is_visible()
    page.emulate_media(media="print")
    for hidden in ("main .poster-tools", "header.site-header", "footer.site-footer"):
        assert not page.locator(hidden).first.is_visible(), hidden
    assert poster.is_visible()
    assert page.pdf(format="A4")[:4] == b"%PDF"
