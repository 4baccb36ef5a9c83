"""Single-line fields refuse line breaks and control characters (next to the
field, in both languages), and what was stored before cannot break a calendar,
a document download or an e-mail."""

from __future__ import annotations

import pytest
from wtforms import EmailField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.validators import Optional

from app.consultations.models import Consultation, Document
from app.mail.models import OutboxMessage
from app.mail.services import SmtpSettings, deliver_pending
from app.web.forms import BaseForm, is_single_line
from tests.consultations.test_views import _form
from tests.mail.helpers import smtp_server

MESSAGES = {
    "sv": "Skriv det här på en rad, utan radbrytningar eller kontrolltecken.",
    "rom": "Ramosar kado ande jekh linia, bi nevi linia thaj bi kontrolake semnura.",
}


class _Probe(BaseForm):
    title = StringField("Title")
    email = EmailField("E-mail", validators=[Optional()])
    body = TextAreaField("Body")
    secret = PasswordField("Password")
    key = HiddenField()


@pytest.mark.parametrize("bad", ["A\rB", "A\nB", "A\tB", "A\x0bB", "A\x1bB", "A\x85B", "A\u2028B", "A\x7fB"])
def test_every_single_line_field_refuses_breaks_and_control_characters(app, bad):
    with app.test_request_context(
        "/sv/",
        method="POST",
        data={
            "title": bad,
            "email": f"{bad}@example.org",
            "body": f"line one\r\n{bad}",
            "secret": bad,
            "key": bad,
        },
    ):
        form = _Probe()
        assert not form.validate()
        assert set(form.errors) == {"title", "email"}
        assert form.errors["title"] == [MESSAGES["sv"]]
        assert form.title.data == bad  # what was typed is shown again


def test_single_line_fields_are_found_by_type(app):
    with app.test_request_context("/sv/"):
        form = _Probe()
        assert [f.name for f in form if is_single_line(f)] == ["title", "email"]


def test_ordinary_text_still_passes(app):
    with app.test_request_context(
        "/sv/", method="POST", data={"title": "Samråd om ÅÄÖ – 😀 ‘quoted’", "body": "a\r\nb"}
    ):
        assert _Probe().validate()


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_cr_in_a_consultation_title_is_refused_next_to_the_field(client, auth, board, publisher, db_session, lang):
    auth.login(publisher, lang=lang)
    response = client.post(
        f"/{lang}/staff/consultations/new", data=_form(lead_board_id=board.id, title_sv="Samråd\rX-INJECTED:1")
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="title_sv-error"' in html
    assert MESSAGES[lang] in html
    assert "Samråd\rX-INJECTED:1" in html or "Samråd\nX-INJECTED:1" in html  # typed text kept
    assert db_session.query(Consultation).filter(Consultation.title_sv.like("Samråd%X-INJECTED%")).count() == 0


def test_cr_in_a_registrants_name_is_refused(client, create_consultation):
    c = create_consultation()
    response = client.post(
        f"/rom/consultations/{c.id}/register",
        data={"name": "Ana\r\nBcc: x@example.org", "language": "sv", "consent": "y"},
    )
    assert response.status_code == 200
    assert MESSAGES["rom"] in response.get_data(as_text=True)


# --- Stored before the check: output stays safe ------------------------------------------------

BAD_TITLE = "Samråd\rX-INJECTED:1\nATTENDEE:mailto:evil@example.org\x0b"


def test_stored_cr_cannot_inject_lines_into_the_calendar(client, create_consultation):
    c = create_consultation(title_sv=BAD_TITLE, venue_name="Träff\r\nX-VENUE:1")
    for url in (f"/sv/consultations/{c.id}.ics", "/sv/consultations.ics"):
        response = client.get(url)
        assert response.status_code == 200
        body = response.data.decode()
        lines = body.split("\r\n")
        assert [line for line in lines if line.startswith(("X-INJECTED", "ATTENDEE", "X-VENUE"))] == []
        assert not any(ch in body.replace("\r\n", "") for ch in "\r\n\x0b")
        assert "SUMMARY:Samråd X-INJECTED:1 ATTENDEE:mailto:evil@example.org" in body.replace("\r\n ", "")


def test_stored_cr_in_a_document_title_still_downloads(client, create_consultation, app, db_session, tmp_path):
    from app.consultations.documents import DocumentStore

    c = create_consultation()
    stored_name, kind = DocumentStore(app.config["UPLOAD_DIR"]).save(b"%PDF-1.4 test")
    c.documents.append(
        Document(
            title="Underlag\r\nSet-Cookie: x=1",
            language="sv",
            original_filename="u.pdf",
            stored_name=stored_name,
            content_type=kind.content_type,
            extension=kind.extension,
            size_bytes=13,
        )
    )
    db_session.commit()
    (doc,) = c.documents
    with client.get(f"/sv/consultations/{c.id}/documents/{doc.id}") as response:
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        disposition = response.headers["Content-Disposition"]
        assert "\r" not in disposition and "\n" not in disposition
        assert "Underlag" in disposition


def test_stored_cr_in_a_title_does_not_stop_the_confirmation_mail(client, create_consultation, app, db_session):
    c = create_consultation(title_sv=BAD_TITLE)
    c.title_sv = BAD_TITLE  # as stored before the forms refused it
    db_session.commit()
    response = client.post(
        f"/sv/consultations/{c.id}/register",
        data={"name": "Ana", "email": "ana@example.org", "language": "sv", "consent": "y", "submission_key": "k1"},
    )
    assert response.status_code == 302
    (message,) = db_session.query(OutboxMessage).filter_by(to_address="ana@example.org").all()
    assert "\r" not in message.subject and "\n" not in message.subject
    with smtp_server() as (sink, port), app.app_context():
        sent, failed = deliver_pending(
            db_session, SmtpSettings(host="127.0.0.1", port=port, sender="x@example.org", timeout=5)
        )
    assert (sent, failed) == (1, 0)
    (received,) = sink.messages
    assert "X-INJECTED" not in received.keys()
    assert "Samråd X-INJECTED:1" in received["Subject"]


def test_helpers_make_one_line():
    from app.common.text import one_line, plain_text

    assert one_line(" a\r\n\tb\u2028c ") == "a b c"
    assert one_line(None) == ""
    assert plain_text("a\r\nb\rc\x0bd\te") == "a\nb\ncd\te"
