"""The one anonymous-intake guard (app/web/intake.py), with every caller run through it:
honeypot, a submission key that survives the back button, the body size limit
checked before parsing, and rate limits that let a room on one venue Wi-Fi take
part while one client hammering is still stopped."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from app.consultations.models import ConsultationStatus
from app.db import utcnow
from app.experiences.models import ExperienceRecord
from app.experiences.services import MAX_TEXT as MAX_SURVEY_TEXT
from app.minutes.models import Evaluation
from app.minutes.services import MAX_COMMENT
from app.participation.models import Viewpoint
from app.participation.services import MAX_BODY
from app.registrations.models import Registration
from app.registrations.services import MAX_NEEDS
from app.web.intake import PER_ADDRESS, PER_CONTENT, PER_FORM_SESSION, guarded_endpoints
from app.web.public import PUBLIC_ENDPOINTS
from app.wishes.models import Wish
from app.wishes.services import MAX_TEXT as MAX_WISH_TEXT
from tests.experiences.conftest import create_survey, service  # noqa: F401 - fixtures

#: Every endpoint anyone may post to without logging in, and why it is where it is.
GUARDED = {
    "participation.submit",
    "experiences.answer",
    "minutes.evaluation",
    "wishes.new",
    "registrations.register",
    "registrations.cancel",
    "registrations.withdraw",
    "minutes.correction",
    "participation.speaker",
}
#: Anonymous posts with a throttle of their own (signing in and its throttling belong to accounts).
OWN_THROTTLE = {
    "accounts.login",
    "accounts.login_code",
    "accounts.logout",
    "accounts.forgot_password",
    "accounts.reset_password",
    "sso.break_glass",
}

SESSION_PER_MINUTE = int(PER_FORM_SESSION.split()[0])
ADDRESS_PER_MINUTE = int(PER_ADDRESS.split()[0])
CONTENT_PER_HOUR = int(PER_CONTENT.split()[0])


@dataclass
class Caller:
    """A public form that stores what it is sent."""

    name: str
    url: str
    data: Callable[[int], dict[str, Any]]  # the form of participant ``i``, with a long text of its own
    model: Any
    text_field: str
    max_chars: int
    extra_bytes: int = 0  # a file the form may carry besides its text (a view's recording)

    def count(self, db_session: Any) -> int:
        return db_session.scalar(sa.select(sa.func.count()).select_from(self.model))


def _text(i: int) -> str:
    return f"Deltagare nummer {i} tycker att mötet borde hållas på kvällen i Tensta träff."


@pytest.fixture
def callers(app, create_consultation, create_survey, board, db_session) -> dict[str, Caller]:  # noqa: F811
    from app.participation.audio import public_limits

    consultation = create_consultation(board=board)
    held = create_consultation(board=board)
    held.status = ConsultationStatus.HELD
    held.held_dt = utcnow()
    survey = create_survey()
    db_session.commit()
    q_text, q_choice, q_scale = survey.questions
    return {
        c.name: c
        for c in [
            Caller(
                "view",
                f"/sv/consultations/{consultation.id}/views/new",
                lambda i: {"body": _text(i), "language": "sv", "agenda_item_id": ""},
                Viewpoint,
                "body",
                MAX_BODY,
                public_limits(app.config)["max_bytes"],
            ),
            Caller(
                "survey",
                f"/sv/s/{survey.short_code}",
                lambda i: {
                    q_text.field_name: _text(i),
                    q_choice.field_name: str(q_choice.options[0].id),
                    q_scale.field_name: "4",
                    "language": "sv",
                },
                ExperienceRecord,
                q_text.field_name,
                MAX_SURVEY_TEXT,
            ),
            Caller(
                "evaluation",
                f"/sv/consultations/{held.id}/evaluation",
                lambda i: {"well_run": "4", "could_speak": "5", "language_support": "3", "comment": _text(i)},
                Evaluation,
                "comment",
                MAX_COMMENT,
            ),
            Caller(
                "wish",
                "/sv/wishes/new",
                lambda i: {"kind": "topic", "text": _text(i), "language": "sv", "board_ids": [str(board.id)]},
                Wish,
                "text",
                MAX_WISH_TEXT,
            ),
            Caller(
                "registration",
                f"/sv/consultations/{consultation.id}/register",
                lambda i: {"name": f"Deltagare {i}", "language": "sv", "consent": "y", "needs": _text(i)},
                Registration,
                "needs",
                MAX_NEEDS,
            ),
        ]
    }


CALLERS = ["view", "survey", "evaluation", "wish", "registration"]


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert match, f"no {name} in the form"
    return match.group(1)


def _open(client: FlaskClient, caller: Caller) -> dict[str, str]:
    """Open the form as a browser does: the hidden fields it carries."""
    response = client.get(caller.url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    fields = {"submission_key": _hidden(html, "submission_key")}
    if 'name="csrf_token"' in html:
        fields["csrf_token"] = _hidden(html, "csrf_token")
    assert 'class="honeypot"' in html and 'name="website"' in html
    return fields


def _send(client: FlaskClient, caller: Caller, i: int, hidden: dict[str, str], **extra: Any) -> Any:
    return client.post(caller.url, data={**caller.data(i), **hidden, **extra})


# --- Every caller goes through the guard -------------------------------------------------------


def test_every_anonymous_post_endpoint_is_guarded(app):
    guarded = set(guarded_endpoints(app))
    assert guarded == GUARDED
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()) or "/staff" in rule.rule or "/admin" in rule.rule:
            continue
        assert rule.endpoint in guarded | OWN_THROTTLE, f"{rule.rule} takes anonymous posts without the intake guard"
    # A cached form page would hand every visitor the same submission key.
    assert not guarded & PUBLIC_ENDPOINTS


@pytest.mark.parametrize("name", CALLERS)
def test_honeypot_stops_a_robot_and_lets_a_person_send_again(client, db_session, callers, name):
    caller = callers[name]
    hidden = _open(client, caller)
    response = _send(client, caller, 1, hidden, website="http://spam.example")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'class="error-summary"' in html
    assert "Formuläret kunde inte skickas" in html and "spam.example" not in html
    assert _text(1) in html  # what was typed is kept
    assert caller.count(db_session) == 0
    assert _send(client, caller, 1, hidden, website="").status_code == 302
    assert caller.count(db_session) == 1


@pytest.mark.parametrize("name", CALLERS)
def test_a_form_without_its_key_is_not_stored(client, db_session, callers, name):
    caller = callers[name]
    hidden = _open(client, caller)
    response = _send(client, caller, 1, {**hidden, "submission_key": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Formuläret var ofullständigt" in html
    assert caller.count(db_session) == 0
    assert _hidden(html, "submission_key")  # the page gives it back: sending again works
    assert (
        client.post(
            caller.url, data={**caller.data(1), **hidden, "submission_key": _hidden(html, "submission_key")}
        ).status_code
        == 302
    )


#: What a post of a key already stored answers: the survey shows an "already received" page with the receipt.
RESENT_STATUS = {"survey": 200}
#: Forms a browser sends once (no new form is offered afterwards).
ONCE = {"evaluation"}


def _new_form_link(html: str) -> str | None:
    match = re.search(r'href="([^"]*[?&]after=[^"]*)"', html)
    return match.group(1).replace("&amp;", "&") if match else None


@pytest.mark.parametrize("name", CALLERS)
def test_the_submission_key_survives_the_back_button(client, app, db_session, callers, name):
    caller = callers[name]
    resent = RESENT_STATUS.get(name, 302)
    first = _open(client, caller)
    assert _open(client, caller)["submission_key"] == first["submission_key"]  # reload, back: the same form
    # The post is stored, but its answer never reaches the browser (a dropped
    # connection): the browser's cookie is the one it had before.
    lost = app.test_client()
    lost.set_cookie("session", client.get_cookie("session").value)
    assert _send(lost, caller, 1, first).status_code == 302
    assert caller.count(db_session) == 1
    # Back, and send again: the same key, so nothing is stored twice.
    again = _open(client, caller)
    assert again["submission_key"] == first["submission_key"]
    assert _send(client, caller, 1, again).status_code == resent
    assert _send(client, caller, 1, again).status_code == resent  # a double click
    assert caller.count(db_session) == 1
    # After a submission succeeded, going back fetches the form again (the browser
    # restores what was typed): it still carries the sent key, so sending again
    # stores nothing.
    response = client.get(caller.url)
    html = response.get_data(as_text=True)
    if name in ONCE:
        # Answered once per browser: the page says so, with no form and no invitation to answer again.
        assert 'name="submission_key"' not in html and _new_form_link(html) is None
        assert _send(client, caller, 1, first).status_code == resent
        assert _send(client, caller, 2, {**first, "submission_key": "a-key-of-my-own"}).status_code == 200
        assert caller.count(db_session) == 1
        return
    assert _hidden(html, "submission_key") == first["submission_key"]
    assert _send(client, caller, 1, {**first, "submission_key": _hidden(html, "submission_key")}).status_code == resent
    assert caller.count(db_session) == 1
    link = _new_form_link(html)
    # A new, empty form is one click away; the link names the sent key, so an old
    # link in the history cannot start a third form.
    assert link and first["submission_key"] not in link
    following = client.get(link).get_data(as_text=True)
    second_key = _hidden(following, "submission_key")
    assert second_key != first["submission_key"]
    assert _send(client, caller, 2, {**first, "submission_key": second_key}).status_code == 302
    assert caller.count(db_session) == 2
    assert _hidden(client.get(link).get_data(as_text=True), "submission_key") == second_key
    assert caller.count(db_session) == 2


@pytest.mark.parametrize("name", sorted(set(CALLERS) - ONCE))
def test_a_different_text_in_a_form_whose_key_was_used_is_not_lost(client, db_session, callers, name):
    """Sent once, then the form opened again (it carries the sent key) and something else
    written in it without starting a new form: that is a second submission, stored; sending
    the same again stores nothing."""
    caller = callers[name]
    first = _open(client, caller)
    assert _send(client, caller, 1, first).status_code == 302
    again = _open(client, caller)
    assert again["submission_key"] == first["submission_key"]
    assert _send(client, caller, 2, again).status_code == 302
    assert caller.count(db_session) == 2
    assert _send(client, caller, 2, again).status_code == RESENT_STATUS.get(name, 302)
    assert _send(client, caller, 1, again).status_code == RESENT_STATUS.get(name, 302)
    assert caller.count(db_session) == 2


@pytest.mark.parametrize("name", CALLERS)
def test_a_body_larger_than_the_biggest_form_is_refused_before_parsing(
    client, app, db_session, callers, name, monkeypatch
):
    caller = callers[name]
    hidden = _open(client, caller)
    # The largest legitimate text (four bytes per character, percent-encoded) goes through...
    biggest = {**caller.data(1), **hidden, caller.text_field: "😀" * caller.max_chars}
    response = client.post(caller.url, data=biggest)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert caller.count(db_session) == 1
    # ...anything larger than the form could ever be is refused before it is read.
    from flask import Request

    parsed = []
    original = Request._load_form_data

    def counting_load(self):
        parsed.append(1)
        return original(self)

    monkeypatch.setattr(Request, "_load_form_data", counting_load)
    padding = "x" * (12 * caller.max_chars + caller.extra_bytes + 64 * 1024)
    other = app.test_client()  # another browser (one that has answered gets no second evaluation form)
    response = other.post(caller.url, data={**caller.data(2), **_open(other, caller), "padding": padding})
    assert response.status_code == 413
    assert "<html" in response.get_data(as_text=True)
    assert parsed == []
    assert caller.count(db_session) == 1


def test_the_private_link_forms_have_a_small_body_limit(client, db_session, create_consultation):
    from app.registrations import services
    from app.registrations.services import RegistrationData

    consultation = create_consultation()
    registration = services.register(db_session, consultation, RegistrationData(name="Ana", consent=True))
    db_session.commit()
    for url in (
        f"/sv/registrations/{registration.token}/cancel",
        f"/sv/registrations/{registration.token}/withdraw",
        f"/sv/registrations/{registration.token}/correction",
    ):
        assert client.post(url, data={"text": "x" * 200_000}).status_code == 413, url
    assert registration.contact_id is not None


# --- Venue Wi-Fi: one address, many people -------------------------------------------------------


class TestVenueWifi:
    """Rate limits on, and CSRF on as in production: each participant's phone has its own form session."""

    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", "WTF_CSRF_ENABLED": True}

    @pytest.mark.parametrize("name", CALLERS)
    def test_forty_participants_on_one_address_are_all_accepted_and_a_hammering_client_is_stopped(
        self, app, db_session, callers, name
    ):
        caller = callers[name]
        started = time.monotonic()
        statuses = []
        for i in range(40):
            phone = app.test_client()  # every participant from 127.0.0.1, as behind the venue's router
            statuses.append(_send(phone, caller, i, _open(phone, caller)).status_code)
        assert statuses == [302] * 40
        assert time.monotonic() - started < 120
        assert caller.count(db_session) == 40

        hammer = app.test_client()
        hidden = _open(hammer, caller)
        statuses = [
            _send(hammer, caller, 1000 + i, {**hidden, "submission_key": f"h{i}"}).status_code
            for i in range(SESSION_PER_MINUTE + 3)
        ]
        assert statuses[SESSION_PER_MINUTE:] == [429] * 3
        if name in ONCE:
            # Keys of its own making are not taken: the evaluation counts one answer per browser.
            assert statuses[:SESSION_PER_MINUTE] == [200] * SESSION_PER_MINUTE
            assert caller.count(db_session) == 40
        else:
            assert statuses[:SESSION_PER_MINUTE] == [302] * SESSION_PER_MINUTE
            assert caller.count(db_session) == 40 + SESSION_PER_MINUTE

        # The room is not punished for the hammering client.
        phone = app.test_client()
        assert _send(phone, caller, 2000, _open(phone, caller)).status_code == 302

    def test_the_same_text_from_many_sessions_is_limited(self, app, db_session, callers):
        caller = callers["view"]
        statuses = []
        for _ in range(CONTENT_PER_HOUR + 2):
            bot = app.test_client()
            statuses.append(_send(bot, caller, 7, _open(bot, caller)).status_code)
        assert statuses == [302] * CONTENT_PER_HOUR + [429] * 2
        assert caller.count(db_session) == CONTENT_PER_HOUR

    def test_one_address_has_a_ceiling_across_all_forms(self, app, db_session, callers):
        statuses = []
        for i in range(ADDRESS_PER_MINUTE + 2):
            caller = callers[CALLERS[i % len(CALLERS)]]
            bot = app.test_client()
            bot.environ_base["REMOTE_ADDR"] = "198.51.100.7"
            statuses.append(_send(bot, caller, 3000 + i, _open(bot, caller)).status_code)
        assert statuses == [302] * ADDRESS_PER_MINUTE + [429] * 2
        other = app.test_client()  # another address is not affected
        assert _send(other, callers["view"], 4000, _open(other, callers["view"])).status_code == 302

    def test_a_form_post_without_the_csrf_session_is_refused(self, app, db_session, callers):
        caller = callers["view"]
        response = app.test_client().post(caller.url, data={**caller.data(1), "submission_key": "k"})
        assert response.status_code == 400
        assert caller.count(db_session) == 0
