"""The whole loop in real Chromium: consultation → views → meeting → feedback → e-mail → "what happened to my view".

Everything a person does goes through the real pages (CSRF tokens, redirects,
the Romani UI); the database is only read, to assert and to run the outbox
delivery, which in production is a scheduled job. E-mail goes to a real SMTP
server on the loopback interface.

Fields are found by id (the WTForms field names) or by value, never by their
translated labels: the participant uses the Romani UI and the catalogs change.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from tests.browser.support import SCREENSHOT_DIR, LiveServer

pytestmark = pytest.mark.browser

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PARTICIPANT_EMAIL = "participant@example.org"
OFFLINE_EMAIL = "utan.javascript@example.org"
ROMANI_VIEW = "Mangas te avel jekh kher kaj o terne shaj sikhljon butyi ande romani chib."
OFFLINE_VIEW = "Kamas maj but informacia pe papiri, na numa pe internet."
SPOKEN_VIEW = "O phuro manush phendas kaj o autobuso na avel dosta drom ando Rinkeby."
SPOKEN_TRANSLATION = "Den äldre personen sa att bussen inte går tillräckligt ofta i Rinkeby."
CASE_REFERENCE = "AMN 2026/123"
SCREENSHOTS = os.environ.get("SCREENSHOTS") == "1"


def _local(dt: datetime) -> str:
    """A value for a ``datetime-local`` input (Stockholm time, minutes)."""
    return dt.astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M")


def _at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    today = datetime.now(STOCKHOLM).date()
    return datetime.combine(today + timedelta(days=day_offset), time(hour, minute), tzinfo=STOCKHOLM)


def _path(page: Any) -> str:
    return urlsplit(page.url).path


def _submit(page: Any, form: str = "main form[method=post]") -> None:
    """Click the form's submit button and wait for the answer; fail on a form error summary."""
    with page.expect_navigation():
        page.locator(form).locator("button[type=submit]").last.click()
    errors = page.locator(".error-summary").all_inner_texts()
    assert not errors, f"{page.url}: the form was refused: {' / '.join(errors)}"


def _check_ok(response: Any, what: str) -> None:
    assert response is not None and response.ok, f"{what}: HTTP {response.status if response else 'no response'}"


def _screenshot(page: Any, name: str) -> None:
    """``docs/screenshots/<name>-1280.png`` and ``-360.png``, only with SCREENSHOTS=1."""
    if not SCREENSHOTS:
        return
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}-{width}.png"), full_page=True)
    if original:
        page.set_viewport_size(original)


@dataclass
class Participation:
    manage_url: str
    reference_code: str


def _query(server: LiveServer, sql: str, **params: Any) -> list[Any]:
    """The first column of a read-only query on the live server's database."""
    from sqlalchemy import text

    with server.app.extensions["db"].engine.connect() as connection:
        return [row[0] for row in connection.execute(text(sql), params)]


def _board_id(server: LiveServer, slug: str) -> int:
    ids = server.demo.ids("boards", slug=slug)
    assert ids, f"no board {slug!r} in the seed data (app/boards/seed.py)"
    return ids[0]


# --- the steps -------------------------------------------------------------------------------


def _schedule_and_publish(page: Any, server: LiveServer) -> int:
    """Step 1: staff (Swedish UI) schedule a consultation with a co-host, and publish it."""
    lead = _board_id(server, "arbetsmarknadsnamnden")
    co_host = _board_id(server, "rinkeby-kista")
    _check_ok(page.goto(server("/sv/staff/consultations/new")), "new consultation form")
    page.locator("#lead_board_id").select_option(str(lead))
    # Issue 16.13: the co-hosts are on the form, not folded away in a <details>.
    assert page.locator("#co_host_ids").is_visible() and page.locator("details:has(#co_host_ids)").count() == 0
    page.locator(f"input[name=co_host_ids][value='{co_host}']").check()
    texts = {
        "title_sv": "Unga romers väg till arbete",
        "title_rom": "O drom e terne romengo karing e butyi",
        "summary_sv": "Vi vill höra hur stadens stöd för att hitta ett arbete fungerar för unga romer.",
        "summary_rom": "Kamas te ashunas sar zhal o azhutipe e forosko te arakhen butyi e terne roma.",
        "influence_sv": "Hur vägledningen och praktikplatserna utformas.",
        "influence_rom": "Sar keras o sikavipe thai e thana praktikake.",
        "decided_sv": "Budgeten för 2026 är redan beslutad.",
        "decided_rom": "O budzheto vash o 2026 si już decidime.",
        "venue_name": "Rinkeby bibliotek",
        "address": "Skolvägen 2, 163 55 Spånga",
        "room": "Stora salen",
    }
    for name, value in texts.items():
        page.locator(f"#{name}").fill(value)
    page.locator("input[name=is_open][value=open]").check()
    page.locator("input[name=format][value=in_person]").check()
    page.locator("#start_dt").fill(_local(_at(4, 18)))
    page.locator("#end_dt").fill(_local(_at(4, 20)))
    page.locator("#registration_deadline_dt").fill(_local(_at(3, 12)))
    page.locator("#capacity").fill("10")
    page.locator("#input_opens_dt").fill(_local(datetime.now(STOCKHOLM) - timedelta(hours=1)))
    page.locator("#input_closes_dt").fill(_local(_at(20, 23, 59)))
    _submit(page)
    match = re.fullmatch(r"/sv/staff/consultations/(\d+)", _path(page))
    assert match, f"saving the draft did not lead to its overview: {page.url}"
    consultation_id = int(match.group(1))

    with page.expect_navigation():
        page.locator(f"main a[href$='/staff/consultations/{consultation_id}/publish']").click()
    assert page.locator("#romani_pending").count() == 0, "the Romani texts were given, yet reported missing"
    _submit(page)
    assert _path(page) == f"/sv/staff/consultations/{consultation_id}"
    status = server.demo.values("consultations", "status", id=consultation_id)
    assert status == ["published"], status
    co_hosts = _query(server, "SELECT board_id FROM consultation_hosts WHERE consultation_id = :id", id=consultation_id)
    assert co_hosts == [co_host], f"the co-host was lost: {co_hosts}"
    return consultation_id


def _check_public_listing(page: Any, server: LiveServer, consultation_id: int) -> None:
    _check_ok(page.goto(server("/rom/consultations/")), "the Romani list")
    assert page.locator(f"main a[href$='/rom/consultations/{consultation_id}']").count() > 0, (
        "the published consultation is not in /rom/consultations/"
    )
    response = page.request.get(server(f"/rom/consultations/{consultation_id}.ics"))
    _check_ok(response, "the consultation's calendar file")
    assert response.headers["content-type"].startswith("text/calendar"), response.headers["content-type"]
    ics = response.text()
    assert "BEGIN:VEVENT" in ics and "Skolv" in ics.replace("\r\n ", ""), ics[:500]


def _participate(
    page: Any,
    server: LiveServer,
    consultation_id: int,
    *,
    email: str,
    name: str,
    view: str,
    shots: str | None = None,
    javascript: bool = True,
) -> Participation:
    """Steps 2 and 8: a participant (Romani UI) registers, then sends a written view in Romani (kalderash)."""
    _check_ok(page.goto(server(f"/rom/consultations/{consultation_id}")), "the Romani consultation page")
    assert page.locator("html").get_attribute("lang") == "rom"
    with page.expect_navigation():
        page.locator(f"main a[href$='/rom/consultations/{consultation_id}/register']").first.click()
    page.locator("#name").fill(name)
    page.locator("#email").fill(email)
    page.locator("input[name=language][value=rom]").check()
    page.locator("#romani_variety").select_option("kalderash")
    if page.locator("#wants_feedback").count():
        page.locator("#wants_feedback").check()
    page.locator("#consent").check()
    _submit(page)
    assert re.fullmatch(r"/rom/registrations/[^/]+", _path(page)), f"no confirmation page: {page.url}"
    assert page.locator("html").get_attribute("lang") == "rom"
    private_link = page.locator("main .private-link a").inner_text().strip()
    assert urlsplit(private_link).path == _path(page), f"the private link {private_link} is not this page {page.url}"
    manage_url = page.url
    copy = page.locator("main button[data-copy]")
    width = page.viewport_size["width"] if page.viewport_size else 0
    if width and width <= 400:  # on a phone the long private link wraps instead of widening the page
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    if javascript:
        # Progressive enhancement: the link can be copied with one tap, and the page says so.
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server(""))
        copy.click()
        status = page.locator("main [data-copy-status]")
        page.wait_for_function("() => document.querySelector('main [data-copy-status]').textContent.trim() !== ''")
        assert page.evaluate("() => navigator.clipboard.readText()") == private_link
        assert status.inner_text().strip(), "no word that the link was copied"
    else:
        assert not copy.is_visible(), "a copy button that cannot work without JavaScript"
    if shots:
        _screenshot(page, f"registration-{shots}")

    _check_ok(page.goto(server(f"/rom/consultations/{consultation_id}")), "the Romani consultation page")
    with page.expect_navigation():
        page.locator(f"main a[href$='/rom/consultations/{consultation_id}/views/new']").first.click()
    page.locator("#body").fill(view)
    page.locator("input[name=language][value=rom]").check()
    page.locator("#romani_variety").select_option("kalderash")
    page.locator("#name").fill(name)
    page.locator("#email").fill(email)
    page.locator("#wants_feedback").check()
    page.locator("#publish_consent").check()
    _submit(page)
    assert _path(page).startswith("/rom/views/receipt/"), f"no receipt: {page.url}"
    code = page.locator("main .receipt .reference-code").inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)+", code), f"odd reference code {code!r}"
    if shots:
        _screenshot(page, f"receipt-{shots}")
    return Participation(manage_url=manage_url, reference_code=code)


def _find_view(page: Any, code: str) -> None:
    """Type the code as people do: lower case, a space instead of the dash."""
    typed = code.lower().replace("-", " ")
    form = page.locator("main form.find-view")
    form.locator("#code").fill(f" {typed} ")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert _path(page) == f"/rom/views/{code}", f"{typed!r} did not find {code}: {page.url}"


def _record_spoken_view_and_translate(page: Any, server: LiveServer, consultation_id: int) -> None:
    """Step 3: staff record what was said at the meeting, in Romani, and translate it into Swedish."""
    _check_ok(page.goto(server(f"/sv/staff/consultations/{consultation_id}/views")), "the staff view list")
    with page.expect_navigation():
        page.locator(f"main a[href$='/staff/consultations/{consultation_id}/views/new']").click()
    page.locator("input[name=channel][value=meeting]").check()
    page.locator("#body").fill(SPOKEN_VIEW)
    page.locator("input[name=language][value=rom]").check()
    page.locator("#romani_variety").select_option("kalderash")
    page.locator("#publish_consent").check()
    _submit(page)

    _check_ok(page.goto(server(f"/sv/staff/consultations/{consultation_id}/views")), "the staff view list")
    card = page.locator("main article.view-card", has_text=SPOKEN_VIEW)
    assert card.count() == 1, "the spoken view is not in the staff list"
    with page.expect_navigation():
        card.locator("a[href$='/translate']").click()
    page.locator("input[name=language][value=sv]").check()
    page.locator("#body").fill(SPOKEN_TRANSLATION)
    page.locator("input[name=provenance][value=human]").check()
    page.locator("#translator").fill("Ljubica Brobyggare")
    _submit(page)
    _check_ok(page.goto(server(f"/sv/staff/consultations/{consultation_id}/views")), "the staff view list")
    card = page.locator("main article.view-card", has_text=SPOKEN_VIEW)
    assert card.locator("blockquote[lang=sv]", has_text=SPOKEN_TRANSLATION).count() == 1, "the translation is missing"
    assert "Ljubica Brobyggare" in card.inner_text()


def _hold_meeting(page: Any, server: LiveServer, consultation_id: int) -> None:
    """Step 4: the meeting happens.

    A consultation can only be marked as held once it has started. Rather than
    fake the clock inside the server, staff move the meeting to yesterday through
    the edit form, the honest way to let time pass in a test; the registration
    deadline has to move before the new start as well.
    """
    _check_ok(page.goto(server(f"/sv/staff/consultations/{consultation_id}/edit")), "the edit form")
    assert page.locator("#title_sv").input_value() == "Unga romers väg till arbete", "the edit form lost the title"
    page.locator("#registration_deadline_dt").fill(_local(_at(-2, 12)))
    page.locator("#start_dt").fill(_local(_at(-1, 18)))
    page.locator("#end_dt").fill(_local(_at(-1, 20)))
    _submit(page)
    assert _path(page) == f"/sv/staff/consultations/{consultation_id}"
    with page.expect_navigation():
        page.locator(f"main form[action$='/staff/consultations/{consultation_id}/held'] button[type=submit]").click()
    assert server.demo.values("consultations", "status", id=consultation_id) == ["held"]


def _put_in_theme(page: Any, title: str, texts: list[str]) -> str:
    """Tick the views that show these texts in the staff views list and add them to the theme; its id."""
    for text in texts:
        page.locator("article.view-card", has_text=text).locator("input[name=viewpoint_ids]").check()
    theme_id = page.locator("#to_theme option", has_text=title).get_attribute("value")
    page.locator("#to_theme").select_option(theme_id)
    page.locator("input[name=action][value=assign]").check()
    page.locator("input[name=scope][value=ticked]").check()
    _submit(page, "#bulk")
    return theme_id


def _write_and_publish_feedback(page: Any, server: LiveServer, consultation_id: int, codes: list[str]) -> None:
    """Step 5: summary, two themes with responses, a cited decision, publish."""
    base = f"/sv/staff/consultations/{consultation_id}/feedback"
    _check_ok(page.goto(server(base)), "the staff feedback overview")
    page.locator("#summary_sv").fill("Många vill ha stöd på romani och bättre bussar. Vi startar vägledning på romani.")
    page.locator("#summary_rom").fill("But manusha kamen azhutipe pe romani chib. Putras sikavipe pe romani chib.")
    _submit(page, "main form[method=post]:has(#summary_sv)")
    assert _path(page) == base

    # Theme 1: the participant's written view and the spoken view.
    with page.expect_navigation():
        page.locator(f"main a[href$='{base}/themes/new']").click()
    page.locator("#title_sv").fill("Vägledning på romani")
    page.locator("#title_rom").fill("Sikavipe pe romani chib")
    page.locator("#summary_sv").fill("Deltagarna vill få vägledning och praktik på sitt eget språk.")
    page.locator("#summary_rom").fill("E manusha kamen sikavipe thai praktika pe pengi chib.")
    _submit(page)
    # Then its views are ticked in the list of views (issue 22), which the new theme opens.
    assert _path(page) == f"/sv/staff/consultations/{consultation_id}/views", page.url
    theme_id = _put_in_theme(page, "Vägledning på romani", [codes[0], SPOKEN_VIEW[:40]])
    _check_ok(page.goto(server(f"{base}/themes/{theme_id}/response")), "the response form")
    page.locator("input[name=outcome][value=implemented]").check()
    page.locator("#body_sv").fill("Från hösten finns en vägledare som talar romani på jobbtorget i Rinkeby.")
    page.locator("#body_rom").fill("Katar o terno si jekh sikavno kaj vorbil romani ando jobbtorg ando Rinkeby.")
    _submit(page, "main form[method=post]:has(#outcome)")
    decision = page.locator("main form[action$='/decisions']")
    decision.locator("#board_id").select_option(str(_board_id(server, "arbetsmarknadsnamnden")))
    decision.locator("#meeting_date").fill(_at(-1, 0).date().isoformat())
    decision.locator("#case_reference").fill(CASE_REFERENCE)
    decision.locator("#paragraph").fill("12")
    decision.locator("#title_sv").fill("Vägledning på romani vid jobbtorget")
    decision.locator("#title_rom").fill("Sikavipe pe romani ando jobbtorg")
    decision.locator("#minutes_url").fill("https://insynsverige.se/stockholm-arbetsmarknad/protokoll-2026")
    _submit(page, "main form[action$='/decisions']")
    assert page.locator("main", has_text=CASE_REFERENCE).count() == 1, "the cited decision is not listed"

    # Theme 2: the view sent without JavaScript, with another outcome.
    _check_ok(page.goto(server(f"{base}/themes/new")), "the new theme form")
    page.locator("#title_sv").fill("Information på papper")
    page.locator("#title_rom").fill("Informacia pe papiri")
    _submit(page)
    theme_id = _put_in_theme(page, "Information på papper", [codes[1]])
    _check_ok(page.goto(server(f"{base}/themes/{theme_id}/response")), "the response form")
    page.locator("input[name=outcome][value=not_implemented]").check()
    page.locator("#body_sv").fill("Vi fortsätter att informera digitalt.")
    page.locator("#body_rom").fill("Sikavas mai dur pe internet.")
    page.locator("#reason_sv").fill("Det finns inga pengar till tryck i år.")
    page.locator("#reason_rom").fill("Kadale bersh nai love vash o tipariba.")
    _submit(page, "main form[method=post]:has(#outcome)")

    _check_ok(page.goto(server(base)), "the staff feedback overview")
    with page.expect_navigation():
        page.locator(f"main a[href$='{base}/publish']").click()
    _submit(page)
    assert _path(page) == base
    assert server.demo.values("consultations", "status", id=consultation_id) == ["feedback_published"]


def _deliver_mail(server: LiveServer) -> list[EmailMessage]:
    """Step 6: the outbox job, run once against a real SMTP server on the loopback interface."""
    from sqlalchemy.orm import Session

    from app.mail.services import SmtpSettings, deliver_pending
    from tests.mail.helpers import smtp_server

    with smtp_server() as (sink, port):
        settings = SmtpSettings(host="127.0.0.1", port=port, sender="Samrådsportalen <noreply@example.org>", timeout=5)
        with Session(server.app.extensions["db"].engine) as session:
            sent, failed = deliver_pending(session, settings, limit=500)
        assert failed == 0, f"{failed} messages failed ({sent} sent)"
        return list(sink.messages)


def _mail_to(messages: list[EmailMessage], address: str) -> list[EmailMessage]:
    return [m for m in messages if address in str(m["To"])]


# --- the test --------------------------------------------------------------------------------


def test_the_whole_loop(live_server: LiveServer, new_context: Callable[..., Any]) -> None:
    server = live_server
    staff = new_context(staff=True, bypass_csp=False).new_page()

    # 1. Staff schedule and publish.
    consultation_id = _schedule_and_publish(staff, server)
    _check_public_listing(staff, server, consultation_id)

    # 2. A participant with JavaScript, in Romani.
    # A participant on a phone (390 × 844), in Romani.
    participant = new_context(bypass_csp=False, viewport={"width": 390, "height": 844}).new_page()
    mine = _participate(
        participant, server, consultation_id, email=PARTICIPANT_EMAIL, name="Ljuba", view=ROMANI_VIEW, shots="rom"
    )
    _check_ok(participant.goto(mine.manage_url), "the private registration link")

    # 8. The same as a participant without JavaScript (before the meeting, so registration is open).
    offline = new_context(java_script_enabled=False, bypass_csp=False).new_page()
    theirs = _participate(
        offline, server, consultation_id, email=OFFLINE_EMAIL, name="Dragan", view=OFFLINE_VIEW, javascript=False
    )
    _check_ok(
        offline.goto(server(f"/rom/consultations/{consultation_id}/feedback")), "the feedback page before feedback"
    )
    _find_view(offline, theirs.reference_code)
    assert offline.locator("main blockquote[lang=rmy]", has_text=OFFLINE_VIEW).count() == 1

    registered = server.demo.values("registrations", "status", consultation_id=consultation_id)
    assert registered == ["confirmed", "confirmed"], registered

    # 3. Staff record a spoken view and translate it.
    _record_spoken_view_and_translate(staff, server, consultation_id)

    # 4. The meeting is held.
    _hold_meeting(staff, server, consultation_id)

    # 5. Feedback.
    _write_and_publish_feedback(staff, server, consultation_id, [mine.reference_code, theirs.reference_code])

    # 6. E-mail.
    messages = _deliver_mail(server)
    to_participant = _mail_to(messages, PARTICIPANT_EMAIL)
    assert to_participant, f"nothing for {PARTICIPANT_EMAIL}; sent to {[str(m['To']) for m in messages]}"
    for message in to_participant:
        assert message["Content-Language"] == "rom", (message["Subject"], message["Content-Language"])
    feedback_path = f"/rom/consultations/{consultation_id}/feedback"
    from tests.mail.helpers import plain_text

    # the text part (a confirmation also carries the meeting as a calendar entry)
    bodies = [plain_text(m) for m in to_participant]
    invitations = [a for m in to_participant for a in m.iter_attachments() if a.get_content_type() == "text/calendar"]
    assert any(a.get_param("method") == "REQUEST" for a in invitations), "the confirmation carries no calendar entry"
    feedback_mails = [b for b in bodies if feedback_path in b]
    assert feedback_mails, "no feedback e-mail with a Romani link:\n\n" + "\n---\n".join(bodies)
    confirmations = [b for b in bodies if urlsplit(mine.manage_url).path in b]
    assert confirmations, "no registration confirmation with the private link:\n\n" + "\n---\n".join(bodies)
    assert any(f"/rom/views/{mine.reference_code}" in b for b in feedback_mails), "the e-mail lacks the view's link"
    assert _mail_to(messages, OFFLINE_EMAIL), "the participant without JavaScript got no e-mail"

    # 7. The participant follows the link from the e-mail and finds what came of the view.
    link = re.search(rf"https?://\S+{re.escape(feedback_path)}\S*", feedback_mails[0])
    assert link, feedback_mails[0]
    _check_ok(participant.goto(link.group(0)), "the feedback link from the e-mail")
    assert participant.locator("html").get_attribute("lang") == "rom"
    assert participant.locator("main", has_text=CASE_REFERENCE).count() == 1
    _screenshot(participant, "feedback-rom")
    _find_view(participant, mine.reference_code)
    assert participant.locator("html").get_attribute("lang") == "rom"
    assert participant.locator("main blockquote[lang=rmy]", has_text=ROMANI_VIEW).count() == 1, (
        "the view's text is not marked up as Kalderash Romani (lang=rmy)"
    )
    _screenshot(participant, "view-rom")
    theme_link = participant.locator("main section.theme h2 a").first
    with participant.expect_navigation():
        theme_link.click()
    assert _path(participant) == feedback_path and urlsplit(participant.url).fragment.startswith("theme-")
    theme = participant.locator(f"#{urlsplit(participant.url).fragment}")
    assert theme.locator(".tag-outcome.tag-implemented").count() == 1, "the theme's outcome is not shown"
    assert CASE_REFERENCE in theme.locator(".decisions").inner_text(), "the decision's case reference is not shown"
    assert theme.locator(".decisions a[href^='https://']").count() == 1, "the minutes are not linked"
    # The theme links to its views (listed once, below the themes): the participant follows it to the
    # spoken view, shown with its human translation only in the Swedish UI; in Romani it needs none.
    theme_id = urlsplit(participant.url).fragment.removeprefix("theme-")
    with participant.expect_navigation():
        theme.locator(f"a[href*='?theme={theme_id}#views-title']").click()
    assert _path(participant) == feedback_path and urlsplit(participant.url).query == f"theme={theme_id}"
    views = participant.locator("main section.views")
    assert views.locator("h2", has_text="Sikavipe pe romani chib").count() == 1, "the list does not say which theme"
    assert views.locator("blockquote[lang=rmy]", has_text=SPOKEN_VIEW).count() == 1
    assert views.locator(f"#view-{mine.reference_code} a[href='#theme-{theme_id}']").count() == 1, (
        "the participant's view does not link back to its theme"
    )
