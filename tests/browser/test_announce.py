"""Staff on a phone, in Romani, see before saving how many people a change or a
cancellation will be told to (issue 16, item 1). Nothing is saved: the live server is shared."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from tests.browser.support import LiveServer

PHONE = {"width": 390, "height": 844}


def _told(server: LiveServer, consultation_id: int) -> tuple[int, int]:
    """Registrants with a place, and on the waiting list, who gave an e-mail address."""
    from sqlalchemy.orm import Session

    from app.participation.models import Contact
    from app.registrations.models import Registration

    with Session(server.app.extensions["db"].engine) as session:
        rows = session.execute(
            sa.select(Registration.status, sa.func.count())
            .join(Contact, Registration.contact_id == Contact.id)
            .where(Registration.consultation_id == consultation_id, Contact.email.is_not(None))
            .group_by(Registration.status)
        ).all()
    counts = {status.value: n for status, n in rows}
    return counts.get("confirmed", 0), counts.get("waitlisted", 0)


def _romani(server: LiveServer, singular: str, plural: str, n: int) -> str:
    from app.i18n import force_language, ngettext

    with server.app.test_request_context("/rom/"), force_language("rom"):
        return ngettext(singular, plural, n)


def test_the_staff_edit_and_cancel_forms_say_who_will_be_told_on_a_phone_in_romani(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    server = live_server
    consultation_id = server.demo.upcoming_id
    participant = new_context(viewport=PHONE, bypass_csp=False).new_page()
    participant.goto(server(f"/rom/consultations/{consultation_id}/register"))
    participant.locator("#name").fill("Ljuba")
    participant.locator("#email").fill("ljuba.announce@example.org")
    participant.locator("input[name=language][value=rom]").check()
    participant.locator("#consent").check()
    with participant.expect_navigation():
        participant.locator("main form button[type=submit]").last.click()
    assert "/rom/registrations/" in participant.url, participant.url

    registrants, waitlisted = _told(server, consultation_id)
    assert registrants + waitlisted >= 1
    staff = new_context(staff=True, viewport=PHONE, bypass_csp=False).new_page()
    staff.goto(server(f"/rom/staff/consultations/{consultation_id}/edit"))
    notice = staff.locator("#audience-where")
    assert notice.is_visible()
    text = " ".join(notice.inner_text().split())
    assert (
        _romani(
            server,
            "If you change the time, date, place, format or link, %(num)d registrant will be told by e-mail,",
            "If you change the time, date, place, format or link, %(num)d registrants will be told by e-mail,",
            registrants,
        )
        in text
    )
    assert (
        _romani(
            server, "and %(num)d person on the waiting list.", "and %(num)d people on the waiting list.", waitlisted
        )
        in text
    )
    # it sits with the time and place fields, and the save button points to it
    assert staff.locator("fieldset:has(#start_dt) #audience-where").count() == 1
    assert staff.locator("main form button[type=submit][aria-describedby=audience-where]").count() == 1
    box = notice.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert staff.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    staff.goto(server(f"/rom/staff/consultations/{consultation_id}/cancel"))
    text = " ".join(staff.locator("#audience-cancel").inner_text().split())
    assert (
        _romani(
            server,
            "%(num)d registrant will be told by e-mail that the meeting is cancelled,",
            "%(num)d registrants will be told by e-mail that the meeting is cancelled,",
            registrants,
        )
        in text
    )
    assert staff.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_speaker_corrects_the_transcription_on_a_phone_in_romani(
    live_server: LiveServer, new_context: Callable[..., Any]
) -> None:
    """Issue 16, item 17: the private link from the e-mail, on a phone, without JavaScript too."""
    server = live_server
    token = server.demo.speaker_token()
    page = new_context(viewport=PHONE, bypass_csp=False, java_script_enabled=False).new_page()
    response = page.goto(server(f"/rom/views/check/{token}"))
    assert response is not None and response.status == 200
    assert response.headers["cache-control"] == "no-store"
    assert page.locator("html").get_attribute("lang") == "rom"
    assert page.locator("h1").inner_text() == _romani_text(server, "Is this what you said?")
    box = page.locator("#body")
    assert box.get_attribute("lang") == "rom"
    assert "tolmači" in box.input_value()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for button in ("#confirm", "#correct"):  # both answers reachable and big enough to tap
        size = page.locator(button).bounding_box()
        assert size is not None and size["height"] >= 24 and size["x"] + size["width"] <= PHONE["width"]
    box.fill("Kamas te avel jekh romano tolmači ande sa le kidimata.")
    with page.expect_navigation():
        page.locator("#correct").click()
    assert page.locator("main .notice-success").is_visible()
    assert "romano tolmači" in page.locator("main blockquote").inner_text()
    assert page.locator("#correct").count() == 0  # answered once
    statuses = server.demo.values("viewpoints", "speaker_check", speaker_token_hash=_hash(token))
    assert statuses == ["corrected"]


def _romani_text(server: LiveServer, message: str) -> str:
    from app.i18n import force_language, gettext

    with server.app.test_request_context("/rom/"), force_language("rom"):
        return gettext(message)


def _hash(token: str) -> str:
    from app.participation.speaker import hash_token

    return hash_token(token)
