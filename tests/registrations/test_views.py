"""Registration pages over HTTP: the form, the private link, and the staff list."""

from __future__ import annotations

import csv
import io
import re
import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.consultations.models import ConsultationStatus as S
from app.db import utcnow
from app.i18n import force_language, gettext
from app.mail.models import OutboxMessage
from app.participation.models import Contact
from app.registrations import services
from app.registrations.models import Registration
from app.registrations.models import RegistrationStatus as R
from tests.support import first_group


def _form(**overrides):
    data = {
        "name": "Sara Lindberg",
        "email": "sara@example.com",
        "phone": "",
        "organisation": "Romska ungdomsförbundet",
        "language": "rom",
        "romani_variety": "kalderash",
        "needs_interpreter": "y",
        "interpreter_variety": "kalderash",
        "needs": "Jag behöver en hörslinga.",
        "consent": "y",
        "submission_key": secrets.token_urlsafe(12),  # one per opened form, as the page gives it
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _registrations(db_session):
    return list(db_session.scalars(sa.select(Registration).order_by(Registration.id)))


def _token_from(location: str) -> str:
    match = re.fullmatch(r"/(sv|rom)/registrations/([A-Za-z0-9_-]+)", location)
    assert match, location
    return match.group(2)


# --- Registering --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_register_and_see_the_private_page(client, db_session, create_consultation, lang):
    c = create_consultation(capacity=10)
    page = client.get(f"/{lang}/consultations/{c.id}/register")
    assert page.status_code == 200
    assert 'name="consent"' in page.get_data(as_text=True)

    response = client.post(f"/{lang}/consultations/{c.id}/register", data=_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    token = _token_from(response.headers["Location"])
    (registration,) = _registrations(db_session)
    assert registration.token == token
    assert registration.status is R.CONFIRMED
    assert registration.contact.name == "Sara Lindberg"
    assert registration.needs_interpreter and registration.interpreter_variety.value == "kalderash"
    (mail,) = db_session.scalars(sa.select(OutboxMessage)).all()
    assert mail.to_address == "sara@example.com" and mail.language == "rom"
    assert f"/rom/registrations/{token}" in mail.body_text

    private = client.get(response.headers["Location"])
    html = private.get_data(as_text=True)
    assert private.status_code == 200
    assert "Sara Lindberg" in html and "Jag behöver en hörslinga." in html
    assert f"/registrations/{token}/cancel" in html
    assert private.headers["Referrer-Policy"] == "no-referrer"
    assert private.headers["Cache-Control"] == "no-store"


def test_only_the_name_and_consent_are_required(client, db_session, create_consultation):
    c = create_consultation()
    response = client.post(
        f"/sv/consultations/{c.id}/register",
        data={"name": "Pseudonym", "language": "sv", "consent": "y", "submission_key": "k-pseudonym"},
    )
    assert response.status_code == 302
    (registration,) = _registrations(db_session)
    assert (registration.contact.email, registration.contact.phone) == (None, None)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_full_meeting_puts_people_on_the_waiting_list(client, db_session, create_consultation):
    c = create_consultation(capacity=1)
    client.post(f"/sv/consultations/{c.id}/register", data=_form(name="Först"))
    detail = client.get(f"/sv/consultations/{c.id}").get_data(as_text=True)
    assert f"/sv/consultations/{c.id}/register" in detail  # the waiting list is still open
    form_page = client.get(f"/sv/consultations/{c.id}/register").get_data(as_text=True)
    assert 'class="notice notice-info"' in form_page  # says the meeting is full before one fills in anything
    response = client.post(f"/sv/consultations/{c.id}/register", data=_form(name="Sedan"))
    first, second = _registrations(db_session)
    assert (first.status, second.status) == (R.CONFIRMED, R.WAITLISTED)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1" in first_group(r'<p class="lead">(.*?)</p>', page, re.S)  # place in the queue


@pytest.mark.parametrize(
    "overrides,field,kept",
    [
        ({"name": ""}, "name", "Jag behöver en hörslinga."),
        ({"consent": None}, "consent", "Sara Lindberg"),
        ({"email": "sara(at)example"}, "email", "sara(at)example"),
        ({"phone": "ring mig"}, "phone", "ring mig"),
        ({"language": "klingon"}, "language", "Romska ungdomsförbundet"),
        ({"romani_variety": "klingon"}, "romani_variety", "Sara Lindberg"),
        ({"name": "x" * 300}, "name", "x" * 300),
        ({"needs": "y" * 5000}, "needs", "Sara Lindberg"),
    ],
)
def test_bad_input_keeps_the_text_with_the_error_next_to_the_field(
    client, db_session, create_consultation, overrides, field, kept
):
    c = create_consultation()
    response = client.post(f"/sv/consultations/{c.id}/register", data=_form(**overrides))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html
    assert f'href="#{field}"' in html
    assert f'id="{field}-error"' in html
    assert f'id="{field}"' in html or f'id="{field}-0"' in html  # radios: the first option
    assert kept in html
    assert _registrations(db_session) == []


def test_deadline_passed_says_so_and_stores_nothing(client, db_session, create_consultation):
    c = create_consultation(registration_deadline_dt=utcnow() - timedelta(minutes=1))
    page = client.get(f"/sv/consultations/{c.id}/register")
    assert page.status_code == 200
    assert 'name="consent"' not in page.get_data(as_text=True)
    response = client.post(f"/sv/consultations/{c.id}/register", data=_form())
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    with client.application.test_request_context("/sv/"), force_language("sv"):
        message = gettext("The registration deadline has passed. Contact the board if you still want to come.")
    assert message in html
    assert _registrations(db_session) == []
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Contact)) == 0
    assert db_session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    detail = client.get(f"/sv/consultations/{c.id}").get_data(as_text=True)
    assert message in detail
    assert f"/consultations/{c.id}/register" not in detail


@pytest.mark.parametrize("status", [S.DRAFT, S.CLOSED, S.HELD, S.CANCELLED])
def test_unpublished_or_finished_consultation_is_404(client, db_session, create_consultation, status):
    c = create_consultation(status=status)
    assert client.get(f"/sv/consultations/{c.id}/register").status_code == 404
    assert client.post(f"/sv/consultations/{c.id}/register", data=_form()).status_code == 404
    assert _registrations(db_session) == []


def test_unknown_consultation_is_404(client):
    assert client.get("/sv/consultations/999999/register").status_code == 404


def test_call_to_action_on_the_consultation_page(client, create_consultation, auth, create_user):
    c = create_consultation(capacity=3)
    html = client.get(f"/sv/consultations/{c.id}").get_data(as_text=True)
    assert f'href="/sv/consultations/{c.id}/register"' in html
    draft = create_consultation(status=S.DRAFT, board=c.lead_board)
    auth.login(create_user(is_site_admin=True))
    preview = client.get(f"/sv/staff/consultations/{draft.id}/preview").get_data(as_text=True)
    assert "/register" not in preview


# --- The private link ------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["nonsense", "A" * 43, "%00", "x" * 300])
def test_wrong_token_gives_a_clear_message(client, token):
    response = client.get(f"/rom/registrations/{token}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<h1>" in html and "registrations" in response.request.path
    with client.application.test_request_context("/rom/"), force_language("rom"):
        assert gettext("This link does not work") in html
    assert client.post(f"/rom/registrations/{token}/cancel").status_code == 404


def test_cancel_through_the_private_link_promotes_the_waiting_list(client, db_session, create_consultation):
    c = create_consultation(capacity=1)
    first = client.post(f"/sv/consultations/{c.id}/register", data=_form(name="Först")).headers["Location"]
    client.post(f"/sv/consultations/{c.id}/register", data=_form(name="Sedan", email="sedan@example.com"))
    holder, waiting = _registrations(db_session)

    assert client.get(f"{first}/cancel").status_code == 200  # a link only asks, it never cancels
    assert holder.status is R.CONFIRMED
    response = client.post(f"{first}/cancel")
    assert response.status_code == 302
    assert response.headers["Location"] == first
    assert (holder.status, waiting.status) == (R.CANCELLED, R.CONFIRMED)
    kinds = set(
        db_session.scalars(sa.select(OutboxMessage.kind).where(OutboxMessage.to_address == "sedan@example.com"))
    )
    assert kinds == {"registration.waitlisted", "registration.promoted"}
    page = client.get(first).get_data(as_text=True)
    assert "/cancel" not in page  # nothing left to cancel
    client.post(f"{first}/cancel")  # again: harmless
    assert holder.status is R.CANCELLED  # type: ignore[comparison-overlap]  # the call above changed it; mypy keeps the narrowing


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_cancelling_asks_once_then_confirms_by_e_mail_in_the_registrants_language(
    client, db_session, create_consultation, lang
):
    c = create_consultation()
    other = "sv" if lang == "rom" else "rom"
    # the pages are read in one language, the registrant chose the other for e-mails
    location = client.post(f"/{lang}/consultations/{c.id}/register", data=_form(language=other)).headers["Location"]
    (registration,) = _registrations(db_session)

    page = client.get(location).get_data(as_text=True)
    assert f'href="{location}/cancel"' in page
    assert 'method="post" action="' + location + '/cancel"' not in page  # one tap does not cancel

    confirm = client.get(f"{location}/cancel")
    assert confirm.status_code == 200
    assert confirm.headers["Cache-Control"] == "no-store"
    html = confirm.get_data(as_text=True)
    assert _text(client, lang, "Cancel your registration?") in html
    assert f'<form method="post" action="{location}/cancel"' in html  # a plain form: works without JavaScript
    assert f'href="{location}"' in html  # "no, keep it"
    assert registration.status is R.CONFIRMED
    assert not list(db_session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "registration.cancelled")))

    response = client.post(f"{location}/cancel", follow_redirects=True)
    assert registration.status is R.CANCELLED  # type: ignore[comparison-overlap]  # the call above changed it; mypy keeps the narrowing
    assert _text(
        client,
        lang,
        "Your registration is cancelled. Thank you for telling us. We have sent you an e-mail to confirm it.",
    ) in response.get_data(as_text=True)
    (mail,) = db_session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "registration.cancelled"))
    assert mail.to_address == "sara@example.com"
    assert mail.language == other
    title = c.title_rom if other == "rom" else c.title_sv
    assert mail.subject == _text(client, other, "Your registration is cancelled – %(title)s", title=title)
    assert _text(client, other, "Hello %(name)s,", name="Sara Lindberg") in mail.body_text
    assert f"/{other}/consultations/{c.id}" in mail.body_text

    client.post(f"{location}/cancel")  # again: no second mail
    assert (
        len(list(db_session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "registration.cancelled"))))
        == 1
    )
    assert client.get(f"{location}/cancel").status_code == 302  # nothing left to confirm


def test_cancelling_without_an_address_sends_nothing(client, db_session, create_consultation):
    c = create_consultation()
    location = client.post(f"/sv/consultations/{c.id}/register", data=_form(email="")).headers["Location"]
    html = client.get(f"{location}/cancel").get_data(as_text=True)
    assert _text(client, "sv", "Cancel your registration?") in html
    assert _text(client, "sv", "We will send you an e-mail to confirm the cancellation.") not in html
    client.post(f"{location}/cancel")
    assert not list(db_session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "registration.cancelled")))


def test_withdrawing_contact_data_sends_no_cancellation_mail(client, db_session, create_consultation):
    c = create_consultation()
    location = client.post(f"/sv/consultations/{c.id}/register", data=_form()).headers["Location"]
    client.post(f"{location}/withdraw")
    assert not list(db_session.scalars(sa.select(OutboxMessage).where(OutboxMessage.to_address == "sara@example.com")))


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_the_private_link_is_a_tappable_link(client, db_session, create_consultation, lang):
    c = create_consultation()
    location = client.post(f"/{lang}/consultations/{c.id}/register", data=_form()).headers["Location"]
    html = client.get(location).get_data(as_text=True)
    link = f"http://localhost{location}"
    assert f'<p class="private-link"><a id="private-link" href="{link}" rel="nofollow">{link}</a></p>' in html
    assert "<code" not in html


def _text(client, lang, message, **kwargs):
    with client.application.test_request_context(f"/{lang}/"), force_language(lang):
        return gettext(message, **kwargs)


@pytest.mark.parametrize("lang", ["sv", "rom"])
@pytest.mark.parametrize("status", [S.HELD, S.FEEDBACK_PUBLISHED, S.CLOSED])
def test_link_after_the_meeting_says_registration_is_closed(client, db_session, create_consultation, lang, status):
    c = create_consultation()
    token = _token_from(client.post(f"/{lang}/consultations/{c.id}/register", data=_form()).headers["Location"])
    c.status = status
    c.start_dt = utcnow() - timedelta(days=3)
    c.end_dt = c.start_dt + timedelta(hours=2)
    db_session.execute(sa.update(Registration).values(contact_id=None))  # purged after the feedback
    db_session.commit()
    response = client.get(f"/{lang}/registrations/{token}")
    assert response.status_code == 410
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert _text(client, lang, "Registration is closed") in html
    assert _text(client, lang, "This link does not work") not in html
    assert f'href="/{lang}/consultations/{c.id}"' in html


def test_link_of_a_meeting_still_to_come_without_contact_data_is_not_found(client, db_session, create_consultation):
    c = create_consultation()
    location = client.post(f"/sv/consultations/{c.id}/register", data=_form()).headers["Location"]
    client.post(f"{location}/withdraw")
    response = client.get(location)
    assert response.status_code == 404
    assert f"/consultations/{c.id}" not in response.get_data(as_text=True)


def test_link_of_a_draft_consultation_is_not_found(client, db_session, create_consultation):
    c = create_consultation()
    location = client.post(f"/sv/consultations/{c.id}/register", data=_form()).headers["Location"]
    c.status = S.DRAFT
    c.start_dt = utcnow() - timedelta(days=3)
    db_session.commit()
    assert client.get(location).status_code == 404


@pytest.mark.parametrize("lang", ["sv", "rom"])
@pytest.mark.parametrize("waitlisted", [False, True])
def test_cancelled_consultation_says_one_thing(client, db_session, create_consultation, lang, waitlisted):
    c = create_consultation(capacity=0 if waitlisted else 5)
    location = client.post(f"/{lang}/consultations/{c.id}/register", data=_form()).headers["Location"]
    c.status = S.CANCELLED
    c.cancelled_dt = utcnow()
    c.cancel_reason_sv = "Lokalen är stängd."
    db_session.commit()
    html = client.get(location).get_data(as_text=True)
    assert (
        _text(
            client,
            lang,
            "This consultation is cancelled. The meeting will not take place, so there is nothing you need to do.",
        )
        in html
    )
    for promise in ("You have a place at the meeting.", "You are on the waiting list.", "Cancel my registration"):
        assert _text(client, lang, promise) not in html


class TestCsrf:
    @pytest.fixture
    def app_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_cancel_needs_the_csrf_token(self, client, db_session, create_consultation):
        c = create_consultation()
        r = services.RegistrationData(name="Sara", consent=True)
        with client.application.test_request_context("/sv/"):
            registration = services.register(db_session, c, r)
        db_session.commit()
        assert client.post(f"/sv/registrations/{registration.token}/cancel").status_code == 400
        assert registration.status is R.CONFIRMED
        page = client.get(f"/sv/registrations/{registration.token}/cancel").get_data(as_text=True)
        token = first_group(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        response = client.post(f"/sv/registrations/{registration.token}/cancel", data={"csrf_token": token})
        assert response.status_code == 302
        assert registration.status is R.CANCELLED  # type: ignore[comparison-overlap]  # the call above changed it; mypy keeps the narrowing


# --- Staff -----------------------------------------------------------------------------------


@pytest.fixture
def registered(client, db_session, create_consultation, board):
    c = create_consultation(board=board, capacity=2)
    for form in (
        _form(name="Ett", needs='=HYPERLINK("http://evil")'),
        _form(name="Två", language="sv", romani_variety="", needs_interpreter=None, interpreter_variety="", needs=""),
        _form(name="Tre", interpreter_variety="arli"),
    ):
        assert client.post(f"/sv/consultations/{c.id}/register", data=form).status_code == 302
    return c


def test_staff_pages_need_login_and_permission(client, auth, registered, create_user, create_board):
    c = registered
    urls = (f"/sv/staff/consultations/{c.id}/registrations", f"/sv/staff/consultations/{c.id}/registrations.csv")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    auth.login(create_user(boards={create_board(): Role.PUBLISHER}))
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/sv/staff/consultations/{c.id}/registrations/attendance", data={}).status_code == 403
    assert client.get("/sv/staff/consultations/999999/registrations").status_code == 404


def test_staff_list_summarises_for_planning(client, auth, registered, create_user, board):
    auth.login(create_user(boards={board: Role.EDITOR}))
    html = client.get(f"/sv/staff/consultations/{registered.id}/registrations").get_data(as_text=True)
    for name in ("Ett", "Två", "Tre"):
        assert name in html
    facts = dict(re.findall(r"<div><dt>(.*?)</dt><dd>(.*?)</dd></div>", html, re.S))
    values = [re.sub(r"\s+", " ", v).strip() for v in facts.values()]
    assert values[0] == "2 / 2" and values[1] == "1"  # places, waiting list
    assert any("Kalderash: 1" in v for v in values)  # interpreter by variety (Tre is waiting: not counted)
    assert 'type="checkbox"' not in html  # attendance only once the meeting has started


def test_attendance_after_the_meeting(client, auth, db_session, registered, create_user, board):
    c = registered
    c.start_dt = utcnow() - timedelta(hours=3)
    c.end_dt = utcnow() - timedelta(hours=1)
    db_session.commit()
    one, two, three = _registrations(db_session)
    auth.login(create_user(boards={board: Role.EDITOR}))
    html = client.get(f"/sv/staff/consultations/{c.id}/registrations").get_data(as_text=True)
    assert html.count('type="checkbox" name="attended"') == 3
    response = client.post(
        f"/sv/staff/consultations/{c.id}/registrations/attendance", data={"attended": [one.id, three.id]}
    )
    assert response.status_code == 302
    assert (one.attended, two.attended, three.attended) == (True, False, True)
    bad = client.post(f"/sv/staff/consultations/{c.id}/registrations/attendance", data={"attended": ["999999"]})
    assert bad.status_code == 200
    bad_html = bad.get_data(as_text=True)
    assert 'href="#attended"' in bad_html and 'id="attended-error"' in bad_html
    assert one.attended is True


def test_csv_export(client, auth, registered, create_user, board):
    auth.login(create_user(boards={board: Role.EDITOR}))
    response = client.get(f"/sv/staff/consultations/{registered.id}/registrations.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.is_streamed
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 4 and len(set(map(len, rows))) == 1
    names = [row[2] for row in rows[1:]]
    assert names == ["Ett", "Två", "Tre"]
    assert rows[1][3] == "sara@example.com"
    assert rows[1][10].startswith("'=")  # a formula is never run by a spreadsheet
    assert rows[0][:4] == ["status", "registered_utc", "name", "email"]  # stable, whatever the UI language
    assert response.headers["Cache-Control"] == "no-store"
