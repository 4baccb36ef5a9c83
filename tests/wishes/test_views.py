"""Wishes over HTTP: the public form and list, the staff answer and moderation pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.mail.models import OutboxMessage
from app.participation.models import Contact
from app.wishes.models import Wish, WishStatus


def _count(db_session) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(Wish))


def _post(client, boards, lang="sv", **overrides):
    data = {
        "kind": "topic",
        "text": "Ett samråd om skolan, gärna på kvällen.",
        "language": "sv",
        "board_ids": [str(b.id) for b in boards],
        "submission_key": "w-1",
        "romani_variety": "",
    }
    data.update(overrides)
    return client.post(f"/{lang}/wishes/new", data=data)


# --- Public ---------------------------------------------------------------------------


def test_form_lists_boards_as_checkboxes(client, board, other_board):
    html = client.get("/sv/wishes/new").get_data(as_text=True)
    assert f'type="checkbox" value="{board.id}"' in html and f'type="checkbox" value="{other_board.id}"' in html
    assert 'name="website"' in html and 'name="submission_key"' in html


def test_anonymous_wish_to_several_boards_stores_no_personal_data(client, board, other_board, db_session):
    contacts = db_session.scalar(sa.select(sa.func.count()).select_from(Contact))
    response = client.post(
        "/sv/wishes/new",
        data={
            "kind": "time",
            "text": "Helst på lördagar",
            "language": "sv",
            "board_ids": [str(board.id), str(other_board.id)],
            "submission_key": "w-anon",
        },
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
        headers={"User-Agent": "SecretBrowser/1.0"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/sv/wishes/thanks")
    wish = db_session.scalar(sa.select(Wish).where(Wish.idempotency_key.startswith("w-anon.")))
    assert wish.board_ids == {board.id, other_board.id} and wish.contact_id is None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Contact)) == contacts
    for table in ("wishes", "wish_boards", "contacts"):
        for row in db_session.execute(sa.text(f"SELECT * FROM {table}")).all():
            flat = " ".join(str(v) for v in row)
            assert "203.0.113.77" not in flat and "SecretBrowser" not in flat
    assert client.get(response.headers["Location"]).status_code == 200


def test_contact_kept_apart_in_the_page_language(client, board, db_session):
    _post(
        client,
        [board],
        lang="rom",
        language="rom",
        romani_variety="kalderash",
        name="Maria",
        email="maria@example.org",
        wants_answer="y",
        submission_key="w-contact",
    )
    wish = db_session.scalar(sa.select(Wish).where(Wish.idempotency_key.startswith("w-contact.")))
    assert wish.wants_answer and wish.lang_tag == "rmy"
    contact = db_session.get(Contact, wish.contact_id)
    assert (contact.name, contact.email, contact.language) == ("Maria", "maria@example.org", "rom")


def test_boards_must_be_chosen_and_text_is_kept(client, db_session):
    text = "Åäö <b>skola</b> 😀"
    response = _post(client, [], text=text, name="Zoran")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="board_ids-error"' in html and 'href="#board_ids"' in html
    assert "Åäö &lt;b&gt;skola&lt;/b&gt; 😀" in html and 'value="Zoran"' in html
    assert _count(db_session) == 0


@pytest.mark.parametrize(
    "field,value",
    [
        ("text", "   "),
        ("kind", "nonsense"),
        ("language", "klingon"),
        ("romani_variety", "elvish"),
        ("email", "not-an-email"),
    ],
)
def test_bad_input_error_next_to_field(client, board, db_session, field, value):
    html = _post(client, [board], **{field: value}).get_data(as_text=True)
    assert f'id="{field}-error"' in html and f'href="#{field}"' in html
    assert _count(db_session) == 0


def test_unknown_board_is_an_error(client, board, db_session):
    html = client.post(
        "/sv/wishes/new",
        data={"kind": "topic", "text": "x", "language": "sv", "board_ids": ["999999"], "submission_key": "w-x"},
    ).get_data(as_text=True)
    assert 'id="board_ids-error"' in html and _count(db_session) == 0


def test_answer_wish_needs_email(client, board, db_session):
    html = _post(client, [board], wants_answer="y").get_data(as_text=True)
    assert 'id="email-error"' in html and _count(db_session) == 0


def test_honeypot(client, board, db_session):
    html = _post(client, [board], website="http://spam.example").get_data(as_text=True)
    assert 'class="error-summary"' in html and "spam.example" not in html
    assert _count(db_session) == 0
    assert _post(client, [board], website="").status_code == 302


def test_resent_form_creates_no_duplicate(client, board, db_session):
    first, second = _post(client, [board]), _post(client, [board])
    assert first.status_code == second.status_code == 302
    assert _count(db_session) == 1


class TestRateLimit:
    @pytest.fixture
    def app_overrides(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}

    def test_rate_limit_answers_with_a_page(self, client, board):
        from app.web.intake import PER_FORM_SESSION

        per_minute = int(PER_FORM_SESSION.split()[0])  # one client: one form session
        statuses = [_post(client, [board], submission_key=f"k{i}").status_code for i in range(per_minute + 1)]
        assert statuses[:per_minute] == [302] * per_minute and statuses[-1] == 429
        response = _post(client, [board], submission_key="k-last")
        assert response.status_code == 429 and "<html" in response.get_data(as_text=True)
        assert client.get("/sv/wishes/new").status_code == 200  # reading is not limited


def test_public_list_shows_answers_in_both_languages(client, auth, staff, create_wish, db_session):
    wish = create_wish(text="Samråd om bostäder", language="sv")
    auth.login(staff)
    response = client.post(
        f"/sv/staff/wishes/{wish.id}",
        data={"status": "answered", "answer_sv": "Vi håller ett samråd i maj.", "answer_rom": ""},
    )
    assert response.status_code == 302
    assert wish.status is WishStatus.ANSWERED
    auth.logout()
    sv = client.get("/sv/wishes/").get_data(as_text=True)
    assert f'id="wish-{wish.id}"' in sv and "Vi håller ett samråd i maj." in sv and 'data-status="answered"' in sv
    rom = client.get("/rom/wishes/").get_data(as_text=True)
    assert '<div lang="sv" class="fallback"><p>Vi håller ett samråd i maj.</p>' in rom  # marked as Swedish
    auth.login(staff)
    client.post(
        f"/sv/staff/wishes/{wish.id}",
        data={
            "status": "answered",
            "answer_sv": "Vi håller ett samråd i maj.",
            "answer_rom": "Keras jekh sfatuipe ando maj.",
        },
    )
    auth.logout()
    rom = client.get("/rom/wishes/").get_data(as_text=True)
    assert "Keras jekh sfatuipe ando maj." in rom and "Vi håller ett samråd i maj." not in rom


def test_hidden_wishes_are_never_public(client, auth, staff, create_wish, db_session):
    wish = create_wish(text="Ring Kalle på 070-1234567")
    auth.login(staff)
    response = client.post(
        f"/sv/staff/wishes/{wish.id}/hide", data={"reason": "personal_data", "note": "Telefonnummer"}
    )
    assert response.status_code == 302 and wish.is_hidden
    staff_page = client.get("/sv/staff/wishes/").get_data(as_text=True)
    assert "Ring Kalle" in staff_page
    auth.logout()
    for lang in ("sv", "rom"):
        assert "070-1234567" not in client.get(f"/{lang}/wishes/").get_data(as_text=True)
    actions = db_session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "Wish", AuditEvent.object_id == wish.id)
    ).all()
    assert actions == ["wish.hide"]
    auth.login(staff)
    client.post(f"/sv/staff/wishes/{wish.id}/unhide")
    assert not wish.is_hidden


# --- Staff ---------------------------------------------------------------------------


def test_declined_without_reason_is_an_error(client, auth, staff, create_wish):
    wish = create_wish()
    auth.login(staff)
    response = client.post(
        f"/sv/staff/wishes/{wish.id}", data={"status": "declined", "answer_sv": "", "answer_rom": "Na"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="answer_sv-error"' in html and "Na</textarea>" in html
    assert wish.status is WishStatus.NEW


def test_answer_is_audited_and_person_emailed_in_their_language(client, auth, staff, board, db_session):
    client.post(
        "/rom/wishes/new",
        data={
            "kind": "format",
            "text": "Amen kamas digitalno sfatuipe",
            "language": "rom",
            "board_ids": [str(board.id)],
            "submission_key": "w-mail",
            "email": "dragan@example.org",
            "wants_answer": "y",
        },
    )
    wish = db_session.scalar(sa.select(Wish).where(Wish.idempotency_key.startswith("w-mail.")))
    auth.login(staff)
    client.post(
        f"/sv/staff/wishes/{wish.id}",
        data={
            "status": "planned",
            "answer_sv": "Vi planerar ett digitalt samråd.",
            "answer_rom": "Planisaras jekh digitalno sfatuipe.",
        },
    )
    message = db_session.scalar(sa.select(OutboxMessage).where(OutboxMessage.to_address == "dragan@example.org"))
    assert message is not None and message.language == "rom"
    assert "Planisaras jekh digitalno sfatuipe." in message.body_text
    event = db_session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "wish.answer", AuditEvent.object_id == wish.id)
    )
    assert event.actor_id == staff.id and event.after["status"] == "planned"


def test_staff_of_another_board_gets_403(client, auth, create_wish, create_user, create_board):
    wish = create_wish()
    auth.login(create_user(boards={create_board(): Role.PUBLISHER}))
    assert client.get(f"/sv/staff/wishes/{wish.id}").status_code == 403
    assert client.post(f"/sv/staff/wishes/{wish.id}", data={"status": "answered", "answer_sv": "x"}).status_code == 403
    assert client.post(f"/sv/staff/wishes/{wish.id}/hide", data={"reason": "offensive"}).status_code == 403
    assert wish.status is WishStatus.NEW and not wish.is_hidden
    assert "Samråd om bostäder" not in client.get("/sv/staff/wishes/").get_data(as_text=True)


def test_staff_pages_render(client, auth, staff, create_wish):
    wish = create_wish()
    auth.login(staff)
    assert "Samråd om bostäder" in client.get("/sv/staff/wishes/?status=new").get_data(as_text=True)
    assert "Samråd om bostäder" not in client.get("/sv/staff/wishes/?status=answered").get_data(as_text=True)
    for lang in ("sv", "rom"):
        assert client.get(f"/{lang}/staff/wishes/{wish.id}").status_code == 200
        assert client.get(f"/{lang}/staff/wishes/{wish.id}/hide").status_code == 200
    assert "/sv/staff/wishes/" in client.get("/sv/staff/").get_data(as_text=True)


def test_footer_links_to_the_form(client):
    assert 'href="/sv/wishes/new"' in client.get("/sv/wishes/").get_data(as_text=True)
    assert client.get("/rom/wishes/new").status_code == 200
    assert client.get("/sv/wishes/thanks").status_code == 200


# --- Issue 16.21: translation with provenance, answer history, filter by board --------------------


def test_staff_translate_a_romani_wish_with_provenance(client, auth, staff, create_wish, db_session):
    wish = create_wish(text="Amen kamas sfatuipe pa le khera", language="rom")
    auth.login(staff)
    page = client.get(f"/sv/staff/wishes/{wish.id}").get_data(as_text=True)
    assert f'href="/sv/staff/wishes/{wish.id}/translate"' in page
    html = client.post(
        f"/sv/staff/wishes/{wish.id}/translate",
        data={"language": "sv", "body": "Vi vill ha samråd om bostäder", "provenance": "human"},
    ).get_data(as_text=True)
    assert 'id="translator-error"' in html and "Vi vill ha samråd om bostäder" in html  # who translated?
    response = client.post(
        f"/sv/staff/wishes/{wish.id}/translate",
        data={
            "language": "sv",
            "body": "Vi vill ha samråd om bostäder",
            "provenance": "human",
            "translator": "Maria (brobyggare)",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/sv/staff/wishes/{wish.id}").get_data(as_text=True)
    assert '<blockquote lang="sv">Vi vill ha samråd om bostäder</blockquote>' in page
    assert "Översatt av en person: Maria (brobyggare)" in page
    assert wish.text == "Amen kamas sfatuipe pa le khera"  # the original stays
    event = db_session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "wish.translate"))
    assert event.object_id == wish.id and event.actor_id == staff.id


def test_changed_answer_keeps_the_earlier_one(client, auth, staff, create_wish):
    wish = create_wish()
    auth.login(staff)
    client.post(f"/sv/staff/wishes/{wish.id}", data={"status": "planned", "answer_sv": "Vi planerar det till våren."})
    client.post(f"/sv/staff/wishes/{wish.id}", data={"status": "answered", "answer_sv": "Samrådet hölls i maj."})
    assert wish.answer_sv == "Samrådet hölls i maj."
    assert [(a.status, a.answer_sv, a.answered_by_id) for a in wish.earlier_answers] == [
        (WishStatus.PLANNED, "Vi planerar det till våren.", staff.id)
    ]
    page = client.get(f"/sv/staff/wishes/{wish.id}").get_data(as_text=True)
    assert "Tidigare svar" in page and "Vi planerar det till våren." in page and staff.name in page


def test_staff_filter_wishes_by_board(client, auth, board, other_board, create_user, create_wish):
    create_wish(boards=[board], text="Till första nämnden")
    create_wish(boards=[other_board], text="Till andra nämnden")
    auth.login(create_user(boards={board: Role.EDITOR, other_board: Role.EDITOR}))
    page = client.get("/sv/staff/wishes/").get_data(as_text=True)
    assert 'name="board"' in page and "Till första nämnden" in page and "Till andra nämnden" in page
    page = client.get(f"/sv/staff/wishes/?board={other_board.id}").get_data(as_text=True)
    assert "Till första nämnden" not in page and "Till andra nämnden" in page
