"""Feedback pages over HTTP: public, permalinks, staff flows and permissions."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.consultations.models import ConsultationStatus as S
from app.feedback import consultation as consultation_reports
from app.feedback import promises, publication
from app.feedback import services as fb
from app.mail.models import OutboxMessage
from tests.support import present


@pytest.fixture
def views(held, create_viewpoint):
    """Four views: public anonymous, public named, not consented, hidden."""
    return {
        "anonymous": create_viewpoint(held, "Läxhjälp behövs.", name="Hemlig Person", email="a@example.org"),
        "named": create_viewpoint(
            held, "Mer sport.", name="Sara Nilsson", show_name=True, language="rom", romani_variety=None
        ),
        "private": create_viewpoint(held, "Privat text om min familj.", publish_consent=False),
        "hidden": create_viewpoint(held, "Elak text med personnummer.", hidden=True),
    }


@pytest.fixture
def published(db_session, publisher, held, views):
    report = consultation_reports.start_report(db_session, publisher, held)
    fb.update_summary(
        db_session, publisher, report, {"summary_sv": "Vi hörde er om skolan.", "summary_rom": "Ashundam."}
    )
    ids = [v.id for v in views.values()]
    theme = fb.add_theme(
        db_session, publisher, report, {"title_sv": "Läxhjälp", "title_rom": "Zhutipe ande sityaripe"}, ids
    )
    other = fb.add_theme(db_session, publisher, report, {"title_sv": "Idrott"}, [views["named"].id])
    for t in (theme, other):
        fb.save_response(
            db_session, publisher, t, {"outcome": "implemented", "body_sv": "Vi gör det.", "body_rom": "Keras."}
        )
    publication.publish_feedback(db_session, publisher, report)
    db_session.commit()
    return report


# --- Public ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_feedback_page_renders_in_both_languages(client, held, published, lang):
    response = client.get(f"/{lang}/consultations/{held.id}/feedback")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}"' in html
    assert ("Zhutipe ande sityaripe" if lang == "rom" else "Läxhjälp") in html
    assert ("Ashundam." if lang == "rom" else "Vi hörde er om skolan.") in html
    # a Swedish-only theme on the Romani page is marked as Swedish
    if lang == "rom":
        assert '<span lang="sv" class="fallback">Idrott</span>' in html


def test_feedback_page_hides_what_must_not_be_shown(client, held, published, views):
    html = client.get(f"/sv/consultations/{held.id}/feedback").get_data(as_text=True)
    assert "Läxhjälp behövs." in html and "Mer sport." in html
    assert "Privat text om min familj." not in html
    assert "Elak text med personnummer." not in html
    assert views["hidden"].reference_code not in html
    assert views["private"].reference_code not in html
    assert "Hemlig Person" not in html  # anonymous author
    assert "Sara Nilsson" in html  # chose to show the name
    assert f'<blockquote lang="{views["named"].lang_tag}"' in html
    assert '<blockquote lang="sv" class="viewpoint-body">Läxhjälp behövs.' in html
    # the counts are honest
    assert 'data-hidden-count="1" data-unpublished-count="1"' in html
    assert f'href="#theme-{published.themes[0].id}"' in html
    assert f'id="theme-{published.themes[0].id}"' in html


def test_view_hidden_after_publication_disappears(client, held, published, views, db_session):
    from app.db import utcnow

    views["named"].hidden_dt = utcnow()
    db_session.commit()
    html = client.get(f"/sv/consultations/{held.id}/feedback").get_data(as_text=True)
    assert "Mer sport." not in html and "Sara Nilsson" not in html
    assert 'data-hidden-count="2"' in html


def test_unpublished_feedback_says_so_and_shows_promise(client, held):
    html = client.get(f"/sv/consultations/{held.id}/feedback").get_data(as_text=True)
    assert held.feedback_due_date.strftime("%Y") in html
    assert "promise-late" not in html


def test_late_feedback_is_admitted(client, create_consultation, board):
    c = create_consultation(
        board=board, status=S.HELD, feedback_due_date=promises.stockholm_today() - timedelta(days=1)
    )
    for url in (f"/sv/consultations/{c.id}/feedback", f"/sv/consultations/{c.id}", f"/rom/consultations/{c.id}"):
        assert "promise-late" in client.get(url).get_data(as_text=True), url


def test_consultation_page_links_to_published_feedback(client, held, published):
    html = client.get(f"/rom/consultations/{held.id}").get_data(as_text=True)
    assert f'href="/rom/consultations/{held.id}/feedback"' in html


def test_draft_feedback_is_not_public(client, db_session, publisher, held, views):
    report = consultation_reports.start_report(db_session, publisher, held)
    fb.add_theme(db_session, publisher, report, {"title_sv": "Hemligt utkast"}, [views["anonymous"].id])
    db_session.commit()
    html = client.get(f"/sv/consultations/{held.id}/feedback").get_data(as_text=True)
    assert "Hemligt utkast" not in html
    assert "Läxhjälp behövs." not in html


def test_feedback_of_a_draft_consultation_is_404(client, create_consultation):
    assert client.get(f"/sv/consultations/{create_consultation(status=S.DRAFT).id}/feedback").status_code == 404


# --- Permalinks and "find your view" ------------------------------------------------------------


def test_view_permalink_shows_public_text_and_theme(client, held, published, views):
    code = views["anonymous"].reference_code
    html = client.get(f"/rom/views/{code}").get_data(as_text=True)
    assert "Läxhjälp behövs." in html
    assert "Hemlig Person" not in html
    assert f"/rom/consultations/{held.id}/feedback#theme-{published.themes[0].id}" in html


@pytest.mark.parametrize("which", ["private", "hidden"])
def test_view_permalink_without_consent_shows_only_the_theme(client, held, published, views, which):
    v = views[which]
    html = client.get(f"/sv/views/{v.reference_code}").get_data(as_text=True)
    assert v.body not in html
    assert "Läxhjälp" in html


def test_find_your_view_is_tolerant(client, held, published, views):
    code = views["private"].reference_code
    typed = code.lower().replace("-", " ")
    response = client.get("/sv/views/find", query_string={"code": typed})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sv/views/{code}")
    # an odd spelling in the URL itself redirects to the canonical permalink
    assert client.get(f"/sv/views/{code.replace('-', '').lower()}").status_code == 301


def test_find_unknown_code_shows_error_next_to_field(client):
    response = client.get("/rom/views/find", query_string={"code": "NOPE-0000"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert 'id="code-error"' in html and 'value="NOPE-0000"' in html
    assert client.get("/sv/views/find").status_code == 200
    assert client.get("/sv/views/ZZZZ-ZZZZ").status_code == 404


# --- Staff: permissions --------------------------------------------------------------------------


def _staff_urls(c, report=None):
    urls = [
        f"/sv/staff/consultations/{c.id}/feedback",
        f"/sv/staff/consultations/{c.id}/feedback/themes/new",
        "/rom/staff/feedback/overdue",
    ]
    if report is not None:
        t = report.themes[0]
        urls += [
            f"/sv/staff/consultations/{c.id}/feedback/themes/{t.id}",
            f"/sv/staff/consultations/{c.id}/feedback/themes/{t.id}/response",
            f"/sv/staff/consultations/{c.id}/feedback/preview",
            f"/sv/staff/consultations/{c.id}/feedback/publish",
        ]
    return urls


def test_staff_feedback_pages_need_login(client, held, published):
    for url in _staff_urls(held, published):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login?next=" in response.headers["Location"]


def test_other_board_gets_403(client, auth, held, published, create_user, create_board):
    auth.login(create_user(boards={create_board(): Role.PUBLISHER}))
    for url in _staff_urls(held, published)[:2] + _staff_urls(held, published)[3:]:
        assert client.get(url).status_code == 403, url
    t = published.themes[0]
    assert (
        client.post(
            f"/sv/staff/consultations/{held.id}/feedback/themes/{t.id}/response",
            data={"outcome": "partly", "body_sv": "Hackat"},
        ).status_code
        == 403
    )
    assert client.post(f"/sv/staff/consultations/{held.id}/feedback/themes/{t.id}/delete").status_code == 403
    assert t.response.body_sv == "Vi gör det."


def test_editor_may_write_but_not_publish(client, auth, held, editor):
    auth.login(editor)
    assert (
        client.post(f"/sv/staff/consultations/{held.id}/feedback/themes/new", data={"title_sv": "Tema"}).status_code
        == 302
    )
    assert client.get(f"/sv/staff/consultations/{held.id}/feedback/publish").status_code == 403


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_staff_pages_render(client, auth, held, published, publisher, lang):
    auth.login(publisher)
    for url in _staff_urls(held, published):
        url = url.replace("/sv/", f"/{lang}/").replace("/rom/", f"/{lang}/")
        assert client.get(url).status_code == 200, url


# --- Staff: flows ---------------------------------------------------------------------------------


def test_write_and_publish_feedback(client, auth, held, publisher, views, other_board, db_session, create_viewpoint):
    create_viewpoint(held, wants_feedback=True, email="deltagare@example.org", contact_language="rom")
    auth.login(publisher)
    base = f"/sv/staff/consultations/{held.id}/feedback"
    assert (
        client.post(base, data={"summary_sv": "Tack för era synpunkter.", "summary_rom": "Naisi."}).status_code == 302
    )
    response = client.post(f"{base}/themes/new", data={"title_sv": "Läxhjälp"})
    assert response.status_code == 302
    report = present(consultation_reports.get_report(db_session, held))
    theme = report.themes[0]
    # The views go in from the views list (issue 22: no checkbox per view on the theme form).
    response = client.post(
        f"/sv/staff/consultations/{held.id}/views",
        data={
            "action": "assign",
            "to_theme": theme.id,
            "scope": "ticked",
            "viewpoint_ids": [views["anonymous"].id],
            "versions": f"{theme.id}:{theme.version}",
        },
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert theme.viewpoints == [views["anonymous"]]
    # a bad response: error next to the field, text kept
    bad = client.post(
        f"{base}/themes/{theme.id}/response",
        data={"outcome": "not_implemented", "body_sv": "Det går inte i år.", "reason_sv": ""},
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and 'id="reason_sv-error"' in html and "Det går inte i år." in html
    bad = client.post(f"{base}/themes/{theme.id}/response", data={"outcome": "forwarded", "body_sv": "Skickat vidare."})
    assert 'id="forwarded_to_board_id-error"' in bad.get_data(as_text=True)
    bad = client.post(
        f"{base}/themes/{theme.id}/response",
        data={"outcome": "under_consideration", "body_sv": "Vi utreder.", "next_update_date": "nästa år"},
    )
    html = bad.get_data(as_text=True)
    assert 'id="next_update_date-error"' in html and "Vi utreder." in html
    ok = client.post(
        f"{base}/themes/{theme.id}/response",
        data={"outcome": "forwarded", "body_sv": "Skickat vidare.", "forwarded_to_board_id": other_board.id},
    )
    assert ok.status_code == 302
    bad = client.post(
        f"{base}/themes/{theme.id}/decisions",
        data={
            "board_id": other_board.id,
            "case_reference": "SN 2026/1",
            "paragraph": "4",
            "meeting_date": "2026-02-02",
            "title_sv": "",
        },
    )
    html = bad.get_data(as_text=True)
    assert 'id="title_sv-error"' in html and "SN 2026/1" in html
    client.post(
        f"{base}/themes/{theme.id}/decisions",
        data={
            "board_id": other_board.id,
            "case_reference": "SN 2026/1",
            "paragraph": "4",
            "meeting_date": "2026-02-02",
            "title_sv": "Läxhjälp i hela staden",
            "minutes_url": "https://example.se/protokoll.pdf",
        },
    )
    assert [d.case_reference for d in present(theme.response).decisions] == ["SN 2026/1"]
    preview = client.get(f"{base}/preview").get_data(as_text=True)
    assert "Läxhjälp i hela staden" in preview and "Socialnämnden" in preview

    assert client.post(f"{base}/publish", data={}).status_code == 302
    assert held.status is S.FEEDBACK_PUBLISHED
    page = client.get(f"/sv/consultations/{held.id}/feedback").get_data(as_text=True)
    assert "Läxhjälp i hela staden" in page and 'href="https://example.se/protokoll.pdf"' in page
    mail = db_session.query(OutboxMessage).filter_by(to_address="deltagare@example.org").one()
    assert mail.language == "rom" and "/rom/consultations/" in mail.body_text

    # an update needs a note on what changed
    client.post(f"{base}/themes/{theme.id}/response", data={"outcome": "already_in_place", "body_sv": "Finns redan."})
    bad = client.post(f"{base}/publish", data={"change_note_sv": "", "change_note_rom": "Nevo"})
    html = bad.get_data(as_text=True)
    assert 'id="change_note_sv-error"' in html and "Nevo" in html
    assert client.post(f"{base}/publish", data={"change_note_sv": "Rättat svaret."}).status_code == 302
    page = client.get(f"/sv/consultations/{held.id}/feedback").get_data(as_text=True)
    assert "Rättat svaret." in page and "Finns redan." in page


def test_overdue_page_lists_my_boards_only(
    client, auth, board, other_board, publisher, create_consultation, create_user
):
    yesterday = promises.stockholm_today() - timedelta(days=1)
    mine = create_consultation(board=board, status=S.HELD, feedback_due_date=yesterday, title_sv="Mitt sena samråd")
    create_consultation(board=other_board, status=S.HELD, feedback_due_date=yesterday, title_sv="Andras sena samråd")
    auth.login(publisher)
    html = client.get("/sv/staff/feedback/overdue").get_data(as_text=True)
    assert "Mitt sena samråd" in html and "Andras sena samråd" not in html
    assert f"/sv/staff/consultations/{mine.id}/feedback" in html
    auth.logout()
    auth.login(create_user(is_site_admin=True))
    html = client.get("/sv/staff/feedback/overdue").get_data(as_text=True)
    assert "Mitt sena samråd" in html and "Andras sena samråd" in html


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_ledger_page(client, board, held, published, lang):
    response = client.get(f"/{lang}/boards/{board.slug}/ledger")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-outcome="implemented">2<' in html
    assert 'data-on-time="1/1"' in html
    assert client.get(f"/{lang}/boards/no-such-board/ledger").status_code == 404


# --- Staff: two people editing the same text (optimistic locking) ---------------------------------


def _version_in(html):
    match = re.search(r'<input id="version" name="version" type="hidden" value="(\d+)">', html)
    assert match, "no hidden version field"
    return match.group(1)


def test_stale_summary_shows_both_versions_and_overwrites_nothing(client, auth, db_session, held, publisher):
    report = consultation_reports.start_report(db_session, publisher, held)
    fb.update_summary(db_session, publisher, report, {"summary_sv": "Första"})
    db_session.commit()
    auth.login(publisher)
    url = f"/sv/staff/consultations/{held.id}/feedback"
    opened = _version_in(client.get(url).get_data(as_text=True))
    assert opened == str(report.version)
    fb.update_summary(db_session, publisher, report, {"summary_sv": "Kollegans sammanfattning"})
    db_session.commit()
    response = client.post(url, data={"summary_sv": "Min <sammanfattning>", "summary_rom": "Miri", "version": opened})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'id="conflict-title"' in html and 'class="error-summary"' in html
    assert "Kollegans sammanfattning" in html and "Min &lt;sammanfattning&gt;" in html and "Miri" in html
    assert report.summary_sv == "Kollegans sammanfattning"
    # The form now carries the version the user has seen: saving again overwrites on purpose.
    assert _version_in(html) == str(report.version) != opened
    again = client.post(url, data={"summary_sv": "Min sammanfattning", "version": _version_in(html)})
    assert again.status_code == 302
    assert report.summary_sv == "Min sammanfattning"


def test_summary_form_opened_before_the_report_existed(client, auth, db_session, held, publisher):
    auth.login(publisher)
    url = f"/sv/staff/consultations/{held.id}/feedback"
    assert _version_in(client.get(url).get_data(as_text=True)) == "0"
    assert client.post(url, data={"summary_sv": "Kollegans", "version": "0"}).status_code == 302
    response = client.post(url, data={"summary_sv": "Min", "version": "0"})
    assert response.status_code == 409 and "Kollegans" in response.get_data(as_text=True)
    assert present(consultation_reports.get_report(db_session, held)).summary_sv == "Kollegans"


def _theme_form_opened(client, auth, db_session, held, editor, views):
    """A theme with one view, and its edit form opened by ``editor``: (theme, form URL, version shown)."""
    report = consultation_reports.start_report(db_session, editor, held)
    theme = fb.add_theme(db_session, editor, report, {"title_sv": "Läxhjälp"}, [views["anonymous"].id])
    db_session.commit()
    auth.login(editor)
    url = f"/sv/staff/consultations/{held.id}/feedback/themes/{theme.id}"
    return theme, url, _version_in(client.get(url).get_data(as_text=True))


def test_stale_theme_shows_both_versions_and_overwrites_nothing(client, auth, db_session, held, editor, views):
    theme, url, opened = _theme_form_opened(client, auth, db_session, held, editor, views)
    fb.update_theme(
        db_session,
        editor,
        theme,
        {"title_sv": "Kollegans tema", "summary_sv": "Kollegan skrev."},
        [views["anonymous"].id, views["named"].id],
    )
    db_session.commit()
    response = client.post(url, data={"title_sv": "Mitt tema", "summary_sv": "Jag skrev.", "version": opened})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'id="conflict-title"' in html
    assert "Kollegans tema" in html and "Kollegan skrev." in html
    assert 'value="Mitt tema"' in html and "Jag skrev." in html
    assert theme.title_sv == "Kollegans tema" and len(theme.viewpoints) == 2
    again = client.post(url, data={"title_sv": "Mitt tema", "version": _version_in(html)})
    assert again.status_code == 302
    db_session.expire_all()
    # The text form never touches the theme's views (they are changed from the views list).
    assert theme.title_sv == "Mitt tema" and len(theme.viewpoints) == 2


def test_saving_a_theme_deleted_meanwhile_gives_back_the_text(
    client, auth, db_session, held, editor, views, monkeypatch
):
    from app.feedback.models import Theme, theme_viewpoints

    theme, url, opened = _theme_form_opened(client, auth, db_session, held, editor, views)
    real_update = fb.update_theme

    def deleted_after_loading(session, *args, **kwargs):
        # The colleague's delete commits after this request loaded the theme.
        session.execute(sa.delete(theme_viewpoints).where(theme_viewpoints.c.theme_id == theme.id))
        session.execute(sa.delete(Theme).where(Theme.id == theme.id), execution_options={"synchronize_session": False})
        return real_update(session, *args, **kwargs)

    monkeypatch.setattr(fb, "update_theme", deleted_after_loading)
    response = client.post(url, data={"title_sv": "Mitt tema", "summary_sv": "Jag skrev.", "version": opened})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Mitt tema" in html and "Jag skrev." in html  # nothing typed is lost
    assert "<h1>Someone else has deleted this while you were editing it.</h1>" in html or "tagit bort" in html


def test_stale_response_shows_both_versions_and_overwrites_nothing(
    client, auth, db_session, held, publisher, other_board
):
    report = consultation_reports.start_report(db_session, publisher, held)
    theme = fb.add_theme(db_session, publisher, report, {"title_sv": "Läxhjälp"})
    db_session.commit()
    auth.login(publisher)
    url = f"/sv/staff/consultations/{held.id}/feedback/themes/{theme.id}/response"
    # Both open the empty form; the colleague saves first.
    assert _version_in(client.get(url).get_data(as_text=True)) == "0"
    fb.save_response(
        db_session,
        publisher,
        theme,
        {"outcome": "forwarded", "body_sv": "Kollegans svar", "forwarded_to_board_id": other_board.id},
    )
    db_session.commit()
    response = client.post(
        url, data={"outcome": "implemented", "body_sv": "Mitt svar", "body_rom": "Miro", "version": "0"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert 'id="conflict-title"' in html
    assert "Kollegans svar" in html and "Socialnämnden" in html
    assert "Mitt svar" in html and "Miro" in html
    assert present(theme.response).body_sv == "Kollegans svar"
    seen = _version_in(html)
    assert seen == str(present(theme.response).version)
    # The colleague saves once more: the version the conflict showed is stale in its turn.
    fb.save_response(db_session, publisher, theme, {"outcome": "partly", "body_sv": "Kollegans andra svar"})
    db_session.commit()
    assert client.post(url, data={"outcome": "implemented", "body_sv": "Mitt svar", "version": seen}).status_code == 409
    assert present(theme.response).body_sv == "Kollegans andra svar"
    again = client.post(
        url, data={"outcome": "implemented", "body_sv": "Mitt svar", "version": str(present(theme.response).version)}
    )
    assert again.status_code == 302
    response = present(theme.response)
    assert response.body_sv == "Mitt svar" and response.outcome.value == "implemented"


def test_publish_feedback_not_offered_before_the_meeting_is_held(
    client, auth, board, publisher, editor, create_consultation, db_session
):
    """Issue 16.10: the button was offered, then refused; now the page says why."""
    from app.feedback.models import FeedbackReport

    c = create_consultation(board=board)  # published, not held
    db_session.add(FeedbackReport(consultation=c, summary_sv="Sammanfattning"))
    db_session.commit()
    auth.login(publisher)
    page = client.get(f"/sv/staff/consultations/{c.id}/feedback").get_data(as_text=True)
    assert f"/staff/consultations/{c.id}/feedback/publish" not in page
    assert "markerats som genomfört" in page
    auth.logout()
    auth.login(editor)
    page = client.get(f"/sv/staff/consultations/{c.id}/feedback").get_data(as_text=True)
    assert "måste publicera det här" in page
