"""Public and staff consultation pages over HTTP."""

from __future__ import annotations

import io
import re

import pytest
from icalendar import Calendar

from app.accounts.models import Role
from app.boards.models import BoardKind
from app.consultations.models import Consultation
from app.consultations.models import ConsultationStatus as S
from tests.conftest import in_days
from tests.support import first_group

# --- Public pages -----------------------------------------------------------------


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_public_pages_render(client, create_consultation, board, lang):
    c = create_consultation(board=board)
    for url in (
        f"/{lang}/",
        f"/{lang}/consultations/",
        f"/{lang}/consultations/{c.id}",
        f"/{lang}/boards/",
        f"/{lang}/boards/kultur",
        f"/{lang}/privacy",
        f"/{lang}/accessibility",
        f"/{lang}/login",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    html = client.get(f"/{lang}/consultations/{c.id}").get_data(as_text=True)
    assert (c.title_rom if lang == "rom" else c.title_sv) in html


def test_draft_is_not_public(client, create_consultation):
    draft = create_consultation(status=S.DRAFT)
    assert client.get(f"/sv/consultations/{draft.id}").status_code == 404
    assert client.get(f"/sv/consultations/{draft.id}.ics").status_code == 404
    assert draft.title_sv not in client.get("/sv/consultations/?when=all").get_data(as_text=True)


def test_romani_fallback_is_marked_swedish(client, create_consultation):
    c = create_consultation(summary_rom=None, title_rom=None, romani_pending=True)
    html = client.get(f"/rom/consultations/{c.id}").get_data(as_text=True)
    assert re.search(r'<div lang="sv" class="fallback"><p>Vad vill ni ha på fritidsgården\?</p>', html)
    assert '<span lang="sv" class="fallback">Samråd om fritidsgårdar</span>' in html
    assert "Översättning till romani chib pågår" in html  # the pending notice, in both languages


def test_cancelled_consultation_shows_reason(client, create_consultation):
    c = create_consultation(status=S.CANCELLED, cancel_reason_sv="Lokalen är stängd.")
    html = client.get(f"/sv/consultations/{c.id}").get_data(as_text=True)
    assert "Lokalen är stängd." in html


def test_listing_ignores_bad_filters(client, create_consultation):
    create_consultation()
    for query in ("?page=-3", "?page=abc", "?page=99999999999", "?when=<script>", "?board=%00", "?format=x"):
        response = client.get(f"/sv/consultations/{query}")
        assert response.status_code == 200, query
        assert "<script>" not in response.get_data(as_text=True)


def test_listing_paginates(client, create_consultation, app):
    for day in range(app.config["PAGE_SIZE"] + 3):
        create_consultation(start_dt=in_days(day + 1))
    first = client.get("/sv/consultations/").get_data(as_text=True)
    second = client.get("/sv/consultations/?page=2").get_data(as_text=True)
    assert 'rel="next"' in first and 'rel="prev"' in second
    assert second.count('class="card"') == 3


def test_markdown_is_sanitised(client, create_consultation):
    c = create_consultation(summary_sv="Hej <script>alert(1)</script> [x](javascript:alert(1)) **fet**")
    html = client.get(f"/sv/consultations/{c.id}").get_data(as_text=True)
    assert "<script>alert" not in html
    assert 'href="javascript:' not in html
    assert "<strong>fet</strong>" in html


# --- Feeds ------------------------------------------------------------------------------


def _events(data: bytes):
    return [c for c in Calendar.from_ical(data).walk("VEVENT")]


def test_ics_for_one_consultation(client, create_consultation):
    c = create_consultation(start_dt=in_days(5, hour=17), end_dt=in_days(5, hour=19))
    response = client.get(f"/sv/consultations/{c.id}.ics")
    assert response.mimetype == "text/calendar"
    (event,) = _events(response.data)
    assert str(event["uid"]) == f"consultation-{c.id}@localhost"
    assert event.decoded("dtstart") == c.start_dt
    assert event["dtstart"].params["TZID"] == "Europe/Stockholm"
    assert str(event["summary"]) == c.title_sv
    assert str(event["status"]) == "CONFIRMED"
    cal = Calendar.from_ical(response.data)
    assert cal.walk("VTIMEZONE")


def test_ics_cancellation_updates_subscribers(client, create_consultation, db_session):
    c = create_consultation()
    (before,) = _events(client.get(f"/sv/consultations/{c.id}.ics").data)
    c.status = S.CANCELLED
    c.ics_sequence += 1
    db_session.commit()
    (after,) = _events(client.get(f"/sv/consultations/{c.id}.ics").data)
    assert str(after["uid"]) == str(before["uid"])
    assert str(after["status"]) == "CANCELLED"
    assert int(after["sequence"]) == int(before["sequence"]) + 1


def test_ics_all_and_per_board(client, create_consultation, board, create_board):
    mine = create_consultation(board=board)
    other = create_consultation(board=create_board())
    create_consultation(status=S.DRAFT, board=board)
    all_uids = {str(e["uid"]) for e in _events(client.get("/sv/consultations.ics").data)}
    assert {f"consultation-{mine.id}@localhost", f"consultation-{other.id}@localhost"} <= all_uids
    assert len(all_uids) == 2
    board_uids = {str(e["uid"]) for e in _events(client.get("/rom/boards/kultur.ics").data)}
    assert board_uids == {f"consultation-{mine.id}@localhost"}


def test_atom_feed(client, create_consultation):
    c = create_consultation()
    response = client.get("/rom/consultations.atom")
    assert response.mimetype == "application/atom+xml"
    assert c.title_rom in response.get_data(as_text=True)


# --- Staff: permissions ------------------------------------------------------------------


def test_staff_pages_need_login(client, create_consultation):
    c = create_consultation()
    for url in ("/sv/staff/", "/sv/staff/consultations/new", f"/rom/staff/consultations/{c.id}/edit"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]


def test_other_board_gets_403(client, auth, create_consultation, board, create_user, create_board):
    c = create_consultation(board=board, status=S.DRAFT)
    outsider = create_user(boards={create_board(): Role.PUBLISHER})
    auth.login(outsider)
    for url in (
        f"/sv/staff/consultations/{c.id}",
        f"/sv/staff/consultations/{c.id}/edit",
        f"/sv/staff/consultations/{c.id}/preview",
        f"/sv/staff/consultations/{c.id}/agenda",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/sv/staff/consultations/{c.id}/publish", data={}).status_code == 403
    assert client.post(f"/sv/staff/consultations/{c.id}/edit", data={"title_sv": "Hacked"}).status_code == 403
    assert c.title_sv != "Hacked"


def test_co_host_editor_gets_access(client, auth, create_consultation, board, create_user, create_board):
    district = create_board()
    c = create_consultation(board=board, status=S.DRAFT, co_hosts=[district])
    auth.login(create_user(boards={district: Role.EDITOR}))
    assert client.get(f"/sv/staff/consultations/{c.id}/edit").status_code == 200
    # but an editor may not publish
    assert client.get(f"/sv/staff/consultations/{c.id}/publish").status_code == 403


def test_agenda_item_of_another_consultation_is_404(client, auth, create_consultation, board, publisher, create_board):
    mine = create_consultation(board=board)
    theirs = create_consultation(board=create_board())
    from app.consultations.models import AgendaItem

    item = AgendaItem(title_sv="Deras fråga", position=1)
    theirs.agenda_items.append(item)
    client.application.extensions["db"].external_session.commit()
    auth.login(publisher)
    response = client.post(f"/sv/staff/consultations/{mine.id}/agenda/{item.id}/delete")
    assert response.status_code == 404
    assert item in theirs.agenda_items


# --- Staff: flows ---------------------------------------------------------------------------


def _form(**overrides):
    data = {
        "lead_board_id": "",
        "title_sv": "Samråd om biblioteket",
        "title_rom": "Sfatuipe vash i biblioteka",
        "summary_sv": "Vi vill höra er.",
        "summary_rom": "Kamas te ashunas tumen.",
        "influence_sv": "Öppettiderna.",
        "influence_rom": "O vakto.",
        "decided_sv": "Lokalen.",
        "decided_rom": "O than.",
        "is_open": "open",
        "format": "in_person",
        "start_dt": "2031-03-10T18:00",
        "end_dt": "2031-03-10T20:00",
        "address": "Sveavägen 73",
        "interpreter_languages": ["kalderash", "arli"],
        "capacity": "30",
    }
    data.update(overrides)
    return data


def test_schedule_co_hosted_consultation_and_publish(client, auth, board, publisher, create_board, db_session):
    district = create_board(kind=BoardKind.DISTRICT)
    auth.login(publisher)
    response = client.post("/sv/staff/consultations/new", data=_form(lead_board_id=board.id, co_host_ids=[district.id]))
    assert response.status_code == 302, response.get_data(as_text=True)
    consultation = db_session.query(Consultation).filter_by(title_sv="Samråd om biblioteket").one()
    assert consultation.start_dt.isoformat() == "2031-03-10T17:00:00+00:00"  # 18:00 Stockholm (CET)
    assert [b.id for b in consultation.co_hosts] == [district.id]
    assert consultation.interpreter_languages == ["kalderash", "arli"]
    manage = client.get(f"/sv/staff/consultations/{consultation.id}").get_data(as_text=True)
    assert "Publicera" in manage or "Publish" in manage
    assert client.post(f"/sv/staff/consultations/{consultation.id}/publish", data={}).status_code == 302
    assert consultation.status is S.PUBLISHED
    listing = client.get("/rom/consultations/").get_data(as_text=True)
    assert "Sfatuipe vash i biblioteka" in listing
    page = client.get(f"/sv/consultations/{consultation.id}").get_data(as_text=True)
    assert "kl. 18.00–20.00" in page
    assert str(district.name_sv) in page


@pytest.mark.parametrize(
    "overrides,field,kept",
    [
        ({"title_sv": ""}, "title_sv", "Vi vill höra er."),
        ({"start_dt": "2031-13-45T99:00"}, "start_dt", "2031-13-45T99:00"),
        ({"end_dt": "2031-03-10T17:00"}, "end_dt", "Kamas te ashunas tumen."),
        ({"capacity": "lots"}, "capacity", "lots"),
        ({"capacity": "99999999999999999999"}, "capacity", "Öppettiderna."),
        ({"join_url": "javascript:alert(1)"}, "join_url", "Sveavägen 73"),
        ({"format": "teleport"}, "format", "Lokalen."),
        ({"interpreter_languages": ["klingon"]}, "interpreter_languages", "Vi vill höra er."),
        ({"title_sv": "x" * 500}, "title_sv", "x" * 500),
    ],
)
def test_bad_input_is_shown_next_to_field_and_text_kept(client, auth, board, publisher, overrides, field, kept):
    auth.login(publisher)
    response = client.post("/sv/staff/consultations/new", data=_form(lead_board_id=board.id, **overrides))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html
    assert f'href="#{field}"' in html
    assert f'id="{field}-error"' in html
    assert kept in html


def test_other_boards_id_in_form_is_refused(client, auth, publisher, create_board):
    foreign = create_board()
    auth.login(publisher)
    response = client.post("/sv/staff/consultations/new", data=_form(lead_board_id=foreign.id))
    assert response.status_code == 200
    assert 'id="lead_board_id-error"' in response.get_data(as_text=True)


def test_publish_without_romani_needs_confirmation(client, auth, board, publisher, create_consultation):
    c = create_consultation(board=board, status=S.DRAFT, title_rom=None, summary_rom=None)
    auth.login(publisher)
    response = client.post(f"/sv/staff/consultations/{c.id}/publish", data={})
    assert response.status_code == 200
    assert 'id="romani_pending-error"' in response.get_data(as_text=True)
    assert c.status is S.DRAFT
    client.post(f"/sv/staff/consultations/{c.id}/publish", data={"romani_pending": "y"})
    assert c.status is S.PUBLISHED and c.romani_pending  # type: ignore[comparison-overlap]  # the call above changed it; mypy keeps the narrowing


def test_cancel_flow(client, auth, board, publisher, create_consultation):
    c = create_consultation(board=board)
    auth.login(publisher)
    response = client.post(f"/sv/staff/consultations/{c.id}/cancel", data={"reason_sv": ""})
    assert 'id="reason_sv-error"' in response.get_data(as_text=True)
    client.post(f"/sv/staff/consultations/{c.id}/cancel", data={"reason_sv": "Sjukdom", "reason_rom": "Nasvalipe"})
    assert c.status is S.CANCELLED
    assert "Nasvalipe" in client.get(f"/rom/consultations/{c.id}").get_data(as_text=True)


def test_edit_conflict_keeps_my_text(client, auth, board, publisher, create_consultation, db_session):
    c = create_consultation(board=board, status=S.DRAFT)
    auth.login(publisher)
    stale_version = c.version
    c.title_sv = "Kollegans titel"
    db_session.commit()
    response = client.post(
        f"/sv/staff/consultations/{c.id}/edit",
        data=_form(title_sv="Min titel", version=str(stale_version)),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Min titel" in html
    assert "Kollegans titel" in html
    assert c.title_sv == "Kollegans titel"


def test_agenda_builder(client, auth, board, publisher, create_consultation):
    c = create_consultation(board=board, status=S.DRAFT)
    auth.login(publisher)
    client.post(f"/sv/staff/consultations/{c.id}/agenda", data={"title_sv": "Första", "title_rom": "Angluno"})
    client.post(f"/sv/staff/consultations/{c.id}/agenda", data={"title_sv": "Andra"})
    second = c.agenda_items[1]
    client.post(f"/sv/staff/consultations/{c.id}/agenda/{second.id}/move", data={"direction": "up"})
    assert [i.title_sv for i in c.agenda_items] == ["Andra", "Första"]
    response = client.post(
        f"/sv/staff/consultations/{c.id}/agenda", data={"title_sv": "", "description_sv": "behåll mig"}
    )
    assert "behåll mig" in response.get_data(as_text=True)


def test_document_upload_and_download(client, auth, board, publisher, create_consultation):
    c = create_consultation(board=board)
    auth.login(publisher)
    fake = client.post(
        f"/sv/staff/consultations/{c.id}/documents",
        data={"title": "Fejk", "language": "sv", "file": (io.BytesIO(b"\x00\x01binary"), "report.pdf")},
        content_type="multipart/form-data",
    )
    assert 'id="file-error"' in fake.get_data(as_text=True)
    client.post(
        f"/sv/staff/consultations/{c.id}/documents",
        data={"title": "Underlag", "language": "sv", "file": (io.BytesIO(b"%PDF-1.4 test"), "underlag.pdf")},
        content_type="multipart/form-data",
    )
    (doc,) = c.documents
    with client.get(f"/sv/consultations/{c.id}/documents/{doc.id}") as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.data == b"%PDF-1.4 test"


def test_login_failure_message_next_to_field(client, publisher):
    response = client.post("/sv/login", data={"email": publisher.email, "password": "wrong password!"})
    html = response.get_data(as_text=True)
    assert 'id="password-error"' in html
    assert publisher.email in html


def test_login_redirects_only_locally(client, publisher):
    from tests.conftest import PASSWORD

    response = client.post(
        "/sv/login", data={"email": publisher.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/sv/staff/"


def test_dashboard_lists_my_boards(client, auth, board, publisher, create_consultation, create_board):
    mine = create_consultation(board=board, status=S.DRAFT, title_sv="Mitt utkast")
    create_consultation(board=create_board(), status=S.DRAFT, title_sv="Annans utkast")
    auth.login(publisher)
    html = client.get("/rom/staff/").get_data(as_text=True)
    assert "Mitt utkast" in html or mine.title_rom in html
    assert "Annans utkast" not in html


class TestCsrf:
    @pytest.fixture
    def app_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_post_without_token_is_refused(self, client, publisher):
        from tests.conftest import PASSWORD

        response = client.post("/sv/login", data={"email": publisher.email, "password": PASSWORD})
        assert response.status_code == 400
        assert "<html" in response.get_data(as_text=True)

    @pytest.mark.parametrize("token", [None, "expired-or-garbage"])
    def test_a_refused_token_gives_back_what_was_typed_but_not_the_password(self, client, auth, publisher, token):
        from tests.conftest import PASSWORD

        data = {"email": publisher.email, "password": PASSWORD, **({"csrf_token": token} if token else {})}
        html = client.post("/rom/login", data=data).get_data(as_text=True)
        assert publisher.email in html and PASSWORD not in html and 'class="conflict-text kept-input"' in html
        assert 'lang="rom"' in html

    def test_post_with_token_works(self, client, publisher):
        from tests.conftest import PASSWORD

        page = client.get("/sv/login").get_data(as_text=True)
        token = first_group(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        response = client.post("/sv/login", data={"email": publisher.email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302


def test_translation_status_lists_missing_romani(client, auth, board, publisher, create_consultation, create_board):
    missing = create_consultation(board=board, summary_rom=None, title_sv="Saknar romani")
    create_consultation(board=board, title_sv="Komplett")
    create_consultation(board=board, status=S.DRAFT, summary_rom=None, title_sv="Utkast utan romani")
    create_consultation(board=create_board(), summary_rom=None, title_sv="Annan nämnd")
    auth.login(publisher)
    html = client.get("/sv/staff/translations").get_data(as_text=True)
    assert "Saknar romani" in html
    for absent in ("Komplett", "Utkast utan romani", "Annan nämnd"):
        assert absent not in html
    assert missing.title_sv in html


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_error_summary_does_not_double_punctuation(client, auth, board, publisher, create_consultation, lang):
    """Issue 16.13: the summary joined a label ending in "." with ": message"."""
    c = create_consultation(board=board, status=S.DRAFT, title_rom=None, summary_rom=None)
    auth.login(publisher, lang=lang)
    html = client.post(f"/{lang}/staff/consultations/{c.id}/publish", data={}).get_data(as_text=True)
    summary = html[html.index('class="error-summary"') : html.index("</div>", html.index('class="error-summary"'))]
    link = first_group(r'<a href="#romani_pending">(.*?)</a>', summary, re.S)
    assert re.search(r"[.:;?!…]\s*[–:]", link) is None, link
    assert " – " in link


def test_co_hosts_and_fields_needed_to_publish_are_shown(client, auth, board, publisher, create_board):
    """Issue 16.10/13: co-hosts not folded away; what publishing needs is said in words."""
    create_board(slug="distrikt")
    auth.login(publisher)
    html = client.get("/sv/staff/consultations/new").get_data(as_text=True)
    assert "<details" not in html
    assert 'name="co_host_ids"' in html
    address = first_group(r'<label for="address">(.*?)</label>', html, re.S)
    assert "behövs för att publicera" in address.lower() or "needed to publish" in address.lower()
    title = first_group(r'<label for="title_sv">(.*?)</label>', html, re.S)
    assert "obligatorisk" in title.lower() or "required" in title.lower()


# --- Issue 16.10/11: offer only what is possible now, and say why not --------------------------


def test_mark_held_offered_from_the_start_not_the_end(client, auth, board, publisher, create_consultation):
    from datetime import timedelta

    from tests.conftest import in_days

    started = in_days(0, hour=0) - timedelta(days=1)
    c = create_consultation(board=board, start_dt=started, end_dt=in_days(3))  # started, not ended yet
    auth.login(publisher)
    page = client.get(f"/sv/staff/consultations/{c.id}").get_data(as_text=True)
    assert f'action="/sv/staff/consultations/{c.id}/held"' in page
    response = client.post(f"/sv/staff/consultations/{c.id}/held", data={})
    assert response.status_code == 302
    assert c.status is S.HELD and c.held_on is None


def test_meeting_moved_earlier_is_marked_held_on_its_day(client, auth, board, publisher, create_consultation):
    from tests.conftest import in_days

    c = create_consultation(board=board, start_dt=in_days(5))
    auth.login(publisher)
    page = client.get(f"/rom/staff/consultations/{c.id}").get_data(as_text=True)
    assert 'name="held_on"' in page  # why not yet, and the way for a moved meeting
    assert client.post(f"/sv/staff/consultations/{c.id}/held", data={}).status_code == 200
    assert c.status is S.PUBLISHED
    future = in_days(1).date().isoformat()
    html = client.post(f"/sv/staff/consultations/{c.id}/held", data={"held_on": future}).get_data(as_text=True)
    assert 'id="held_on-error"' in html and future in html and c.status is S.PUBLISHED
    yesterday = in_days(-1).date()
    assert (
        client.post(f"/sv/staff/consultations/{c.id}/held", data={"held_on": yesterday.isoformat()}).status_code == 302
    )
    assert c.status is S.HELD and c.held_on == yesterday  # type: ignore[comparison-overlap]  # the call above changed it; mypy keeps the narrowing
    assert "flyttades" in client.get(f"/sv/consultations/{c.id}").get_data(as_text=True)


def test_editor_is_told_who_publishes(client, auth, board, create_user, create_consultation):
    c = create_consultation(board=board, status=S.DRAFT)
    auth.login(create_user(boards={board: Role.EDITOR}))
    page = client.get(f"/sv/staff/consultations/{c.id}").get_data(as_text=True)
    assert f"/staff/consultations/{c.id}/publish" not in page
    assert "En publicerare i Kulturnämnden måste publicera det här." in page


# --- Issue 16.20: staff navigation and dates in the past -------------------------------------------


def test_staff_navigation_links_overdue_and_admin_pages(client, auth, publisher, create_user):
    auth.login(publisher)
    page = client.get("/sv/staff/").get_data(as_text=True)
    assert 'href="/sv/staff/feedback/overdue"' in page
    assert "/sv/staff/admin/users" not in page and "/sv/staff/audit" not in page
    auth.logout()
    auth.login(create_user(is_site_admin=True))
    page = client.get("/rom/staff/").get_data(as_text=True)
    assert 'href="/rom/staff/admin/users"' in page and 'href="/rom/staff/audit"' in page


def test_publishing_a_meeting_in_the_past_asks_to_confirm(client, auth, board, publisher, create_consultation):
    from datetime import date

    from tests.conftest import in_days

    c = create_consultation(board=board, status=S.DRAFT, start_dt=in_days(-3), feedback_due_date=date(2020, 1, 31))
    auth.login(publisher)
    page = client.get(f"/sv/staff/consultations/{c.id}/publish").get_data(as_text=True)
    assert "Mötet börjar i det förflutna" in page and "31 januari 2020" in page
    assert 'name="past_confirmed"' in page
    response = client.post(f"/sv/staff/consultations/{c.id}/publish", data={})
    assert response.status_code == 200 and 'id="past_confirmed-error"' in response.get_data(as_text=True)
    assert c.status is S.DRAFT
    assert client.post(f"/sv/staff/consultations/{c.id}/publish", data={"past_confirmed": "y"}).status_code == 302
    assert c.status is S.PUBLISHED  # type: ignore[comparison-overlap]  # the call above changed it; mypy keeps the narrowing


def test_publishing_a_future_meeting_asks_nothing_more(client, auth, board, publisher, create_consultation):
    c = create_consultation(board=board, status=S.DRAFT)
    auth.login(publisher)
    assert 'name="past_confirmed"' not in client.get(f"/sv/staff/consultations/{c.id}/publish").get_data(as_text=True)
