"""Feedback rules in the service layer."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.common.errors import DeletedMeanwhile, DomainError, PermissionDenied
from app.consultations.models import ConsultationStatus as S
from app.consultations.services import TransitionError
from app.feedback import consultation as consultation_reports
from app.feedback import ledger as feedback_ledger
from app.feedback import promises, publication, snapshots
from app.feedback import public as feedback_public
from app.feedback import services as fb
from app.feedback.models import Decision, FeedbackRevision, Outcome
from app.mail.models import OutboxMessage
from tests.support import blind_first_lookup, present

TODAY = date(2026, 3, 10)


@pytest.fixture
def report(db_session, publisher, held):
    return consultation_reports.start_report(db_session, publisher, held)


@pytest.fixture
def theme(db_session, publisher, report, held, create_viewpoint):
    v = create_viewpoint(held)
    return fb.add_theme(db_session, publisher, report, {"title_sv": "Läxhjälp", "title_rom": "Zhutipe"}, [v.id])


def _answer(db_session, user, theme, **overrides):
    data = {"outcome": "implemented", "body_sv": "Vi öppnar läxhjälp i Tensta.", "body_rom": "Putras."}
    data.update(overrides)
    return fb.save_response(db_session, user, theme, data, today=TODAY)


# --- Outcome rules ----------------------------------------------------------------------


def test_response_needs_outcome_and_swedish_text(db_session, publisher, theme):
    with pytest.raises(DomainError) as error:
        _answer(db_session, publisher, theme, outcome="maybe")
    assert error.value.field == "outcome"
    with pytest.raises(DomainError) as error:
        _answer(db_session, publisher, theme, body_sv="  ")
    assert error.value.field == "body_sv"


def test_not_implemented_needs_reason(db_session, publisher, theme):
    with pytest.raises(DomainError) as error:
        _answer(db_session, publisher, theme, outcome="not_implemented")
    assert error.value.field == "reason_sv"
    response = _answer(db_session, publisher, theme, outcome="not_implemented", reason_sv="Pengarna räcker inte.")
    assert response.outcome is Outcome.NOT_IMPLEMENTED and response.reason_sv == "Pengarna räcker inte."


def test_forwarded_needs_another_board(db_session, publisher, theme, board, other_board):
    with pytest.raises(DomainError) as error:
        _answer(db_session, publisher, theme, outcome="forwarded")
    assert error.value.field == "forwarded_to_board_id"
    with pytest.raises(DomainError) as error:
        _answer(db_session, publisher, theme, outcome="forwarded", forwarded_to_board_id=board.id)
    assert error.value.field == "forwarded_to_board_id"
    with pytest.raises(DomainError):
        _answer(db_session, publisher, theme, outcome="forwarded", forwarded_to_board_id=999999)
    response = _answer(db_session, publisher, theme, outcome="forwarded", forwarded_to_board_id=other_board.id)
    assert response.forwarded_to is other_board


def test_under_consideration_needs_future_date(db_session, publisher, theme):
    with pytest.raises(DomainError) as error:
        _answer(db_session, publisher, theme, outcome="under_consideration")
    assert error.value.field == "next_update_date"
    with pytest.raises(DomainError) as error:
        _answer(db_session, publisher, theme, outcome="under_consideration", next_update_date=TODAY - timedelta(days=1))
    assert error.value.field == "next_update_date"
    response = _answer(db_session, publisher, theme, outcome="under_consideration", next_update_date=TODAY)
    assert response.next_update_date == TODAY


def test_changing_outcome_clears_fields_that_no_longer_apply(db_session, publisher, theme, other_board):
    _answer(
        db_session,
        publisher,
        theme,
        outcome="forwarded",
        forwarded_to_board_id=other_board.id,
        reason_sv="Inte vårt ansvar",
    )
    response = _answer(db_session, publisher, theme, outcome="already_in_place", next_update_date=TODAY)
    assert response.forwarded_to_board_id is None and response.next_update_date is None and response.reason_sv is None


# --- Themes ---------------------------------------------------------------------------------


def test_a_view_may_be_in_several_themes(db_session, publisher, report, held, create_viewpoint):
    v = create_viewpoint(held)
    a = fb.add_theme(db_session, publisher, report, {"title_sv": "A"}, [v.id])
    b = fb.add_theme(db_session, publisher, report, {"title_sv": "B"}, [v.id])
    assert a.viewpoints == [v] and b.viewpoints == [v]
    assert [t.position for t in report.themes] == [1, 2]


def test_theme_refuses_views_of_another_consultation(
    db_session, publisher, report, create_consultation, create_viewpoint
):
    foreign = create_viewpoint(create_consultation(status=S.HELD))
    with pytest.raises(DomainError) as error:
        fb.add_theme(db_session, publisher, report, {"title_sv": "X"}, [foreign.id])
    assert error.value.field == "viewpoint_ids"
    with pytest.raises(DomainError) as error:
        fb.add_theme(db_session, publisher, report, {"title_sv": ""}, [])
    assert error.value.field == "title_sv"


def test_other_board_may_not_touch_feedback(db_session, held, create_user, create_board, report):
    outsider = create_user(boards={create_board(): Role.PUBLISHER})
    with pytest.raises(PermissionDenied):
        consultation_reports.start_report(db_session, outsider, held)
    with pytest.raises(PermissionDenied):
        fb.add_theme(db_session, outsider, report, {"title_sv": "X"})


def test_two_staff_starting_the_report_at_the_same_moment_share_one(db_session, publisher, held, monkeypatch):
    """The colleague's report was committed after this request looked for one."""
    theirs = consultation_reports.start_report(db_session, publisher, held)
    db_session.commit()
    blind_first_lookup(monkeypatch, consultation_reports, "get_report")
    mine = consultation_reports.start_report(db_session, publisher, held)
    assert mine.id == theirs.id
    db_session.commit()  # nothing half-written


def test_no_feedback_on_a_draft(db_session, publisher, create_consultation, board):
    draft = create_consultation(board=board, status=S.DRAFT)
    with pytest.raises(TransitionError):
        consultation_reports.start_report(db_session, publisher, draft)


# --- Decisions ------------------------------------------------------------------------------------


def test_decision_is_reused_across_consultations(
    db_session, publisher, theme, board, create_consultation, create_viewpoint
):
    response = _answer(db_session, publisher, theme)
    data = {
        "board_id": board.id,
        "meeting_date": date(2026, 2, 20),
        "case_reference": "UBN 2025/809",
        "paragraph": "§ 12",
        "title_sv": "Läxhjälp i ytterstaden",
        "minutes_url": "https://example.se/p.pdf",
    }
    first = fb.cite_decision(db_session, publisher, response, data)
    assert first.paragraph == "12"
    other = create_consultation(board=board, status=S.HELD)
    other_report = consultation_reports.start_report(db_session, publisher, other)
    other_theme = fb.add_theme(db_session, publisher, other_report, {"title_sv": "Skola"})
    other_response = _answer(db_session, publisher, other_theme)
    again = fb.cite_decision(
        db_session,
        publisher,
        other_response,
        {
            "board_id": board.id,
            "case_reference": "ubn  2025/809",
            "paragraph": "12",
            "title_sv": "Annan titel",
            "title_rom": "Sikhlimasko zhutipe",
        },
    )
    assert again is first
    # Cited again: the title stays, the translation it lacked is added.
    assert (first.title_sv, first.title_rom) == ("Läxhjälp i ytterstaden", "Sikhlimasko zhutipe")
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 1
    fb.cite_decision(
        db_session, publisher, response, {"board_id": board.id, "case_reference": "UBN 2025/809", "paragraph": "12"}
    )
    assert response.decisions == [first]


def test_new_decision_needs_date_title_and_safe_link(db_session, publisher, theme, board):
    response = _answer(db_session, publisher, theme)
    base = {"board_id": board.id, "case_reference": "KS 2025/1", "paragraph": "3"}
    with pytest.raises(DomainError) as error:
        fb.cite_decision(db_session, publisher, response, base)
    assert error.value.field == "meeting_date"
    with pytest.raises(DomainError) as error:
        fb.cite_decision(db_session, publisher, response, {**base, "meeting_date": TODAY})
    assert error.value.field == "title_sv"
    with pytest.raises(DomainError) as error:
        fb.cite_decision(
            db_session,
            publisher,
            response,
            {**base, "meeting_date": TODAY, "title_sv": "T", "minutes_url": "javascript:alert(1)"},
        )
    assert error.value.field == "minutes_url"
    with pytest.raises(DomainError) as error:
        fb.cite_decision(db_session, publisher, response, {**base, "paragraph": "§"})
    assert error.value.field == "paragraph"


# --- Publication and versions ------------------------------------------------------------------------


def test_publish_needs_a_response_to_every_theme(db_session, publisher, report, theme, held):
    fb.update_summary(db_session, publisher, report, {"summary_sv": "Vi hörde er."})
    fb.add_theme(db_session, publisher, report, {"title_sv": "Obesvarat"})
    _answer(db_session, publisher, theme)
    problems = publication.check_publishable(report)
    assert list(problems) == [f"theme-{report.themes[1].id}"]
    with pytest.raises(DomainError):
        publication.publish_feedback(db_session, publisher, report)
    assert held.status is S.HELD


def test_publish_only_from_held_and_only_by_publisher(db_session, publisher, editor, report, theme, held):
    fb.update_summary(db_session, publisher, report, {"summary_sv": "Vi hörde er."})
    _answer(db_session, publisher, theme)
    with pytest.raises(PermissionDenied):
        publication.publish_feedback(db_session, editor, report)
    held.status = S.PUBLISHED
    with pytest.raises(TransitionError):
        publication.publish_feedback(db_session, publisher, report)
    held.status = S.HELD
    revision = publication.publish_feedback(db_session, publisher, report)
    assert held.status is S.FEEDBACK_PUBLISHED
    assert revision.number == 1 and report.published_dt is not None
    assert revision.snapshot["themes"][0]["response"]["outcome"] == "implemented"
    with pytest.raises(TransitionError):
        publication.publish_feedback(db_session, publisher, report)


def test_later_edits_are_versioned(db_session, publisher, report, theme, held, board):
    fb.update_summary(db_session, publisher, report, {"summary_sv": "Vi hörde er."})
    _answer(db_session, publisher, theme)
    publication.publish_feedback(db_session, publisher, report)
    # A draft edit does not change what the public sees
    _answer(db_session, publisher, theme, outcome="partly", body_sv="Bara i Tensta.")
    published = present(feedback_public.public_feedback(db_session, report))
    assert present(published.themes[0].response).outcome is Outcome.IMPLEMENTED
    assert snapshots.has_unpublished_changes(report)
    with pytest.raises(DomainError) as error:
        publication.publish_update(db_session, publisher, report, change_note_sv=" ")
    assert error.value.field == "change_note_sv"
    new_theme = fb.add_theme(db_session, publisher, report, {"title_sv": "Lokaler"})
    _answer(db_session, publisher, new_theme, outcome="already_in_place")
    revision = publication.publish_update(
        db_session, publisher, report, change_note_sv="Nytt svar om Tensta.", change_note_rom="Nevo"
    )
    assert revision.number == 2
    kinds = {(c["kind"], c["theme_id"]) for c in revision.changes}
    assert kinds == {("response_changed", theme.id), ("theme_added", new_theme.id)}
    assert (
        present(present(feedback_public.public_feedback(db_session, report)).themes[0].response).outcome
        is Outcome.PARTLY
    )
    assert not snapshots.has_unpublished_changes(report)
    with pytest.raises(DomainError):
        publication.publish_update(db_session, publisher, report, change_note_sv="Inget nytt")
    count = db_session.scalar(sa.select(sa.func.count()).select_from(FeedbackRevision))
    assert count == 2


# --- Notifications ------------------------------------------------------------------------------------


def test_notifications_in_each_recipients_language(app, db_session, publisher, report, theme, held, create_viewpoint):
    create_viewpoint(held, wants_feedback=True, email="rom@example.org", contact_language="rom")
    create_viewpoint(held, wants_feedback=True, email="ROM@example.org", contact_language="rom")  # same person
    create_viewpoint(held, wants_feedback=True, email="sv@example.org", contact_language="sv", publish_consent=False)
    create_viewpoint(held, wants_feedback=False, email="quiet@example.org")
    create_viewpoint(held, wants_feedback=True)  # no address
    fb.update_summary(db_session, publisher, report, {"summary_sv": "Vi hörde er."})
    _answer(db_session, publisher, theme)
    with app.app_context():
        publication.publish_feedback(db_session, publisher, report)
    messages = db_session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.to_address, m.language, m.kind) for m in messages] == [
        ("rom@example.org", "rom", "feedback.published"),
        ("sv@example.org", "sv", "feedback.published"),
    ]
    rom, sv = messages
    assert f"/rom/consultations/{held.id}/feedback" in rom.body_text
    assert f"/sv/consultations/{held.id}/feedback" in sv.body_text
    assert rom.body_text.count("/rom/views/") == 2  # both of that person's views
    assert held.title_rom in rom.subject and held.title_sv in sv.subject

    _answer(db_session, publisher, theme, outcome="partly")
    with app.app_context():
        publication.publish_update(db_session, publisher, report, change_note_sv="Ändrat", change_note_rom="Paruvdo")
    updates = db_session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "feedback.updated")).all()
    assert {m.language for m in updates} == {"rom", "sv"}
    assert "Paruvdo" in next(m for m in updates if m.language == "rom").body_text


# --- The promise ---------------------------------------------------------------------------------------


def test_overdue_from_the_day_after_the_promised_date(create_consultation):
    c = create_consultation(status=S.HELD, feedback_due_date=TODAY)
    assert not promises.is_overdue(c, TODAY)
    assert promises.is_overdue(c, TODAY + timedelta(days=1))
    for status in (S.FEEDBACK_PUBLISHED, S.CLOSED, S.CANCELLED, S.DRAFT):
        c.status = status
        assert not promises.is_overdue(c, TODAY + timedelta(days=30))


@pytest.mark.parametrize(
    "utc_now,expected",
    [
        # CET (UTC+1) in winter: midnight in Stockholm is 23:00 UTC
        (datetime(2026, 3, 10, 22, 59, tzinfo=timezone.utc), False),
        (datetime(2026, 3, 10, 23, 0, tzinfo=timezone.utc), True),
        # CEST (UTC+2) in summer: midnight in Stockholm is 22:00 UTC
        (datetime(2026, 7, 10, 21, 59, tzinfo=timezone.utc), False),
        (datetime(2026, 7, 10, 22, 0, tzinfo=timezone.utc), True),
    ],
)
def test_overdue_is_judged_in_stockholm_time(create_consultation, utc_now, expected):
    c = create_consultation(status=S.HELD, feedback_due_date=utc_now.date())
    assert promises.is_overdue(c, promises.stockholm_today(utc_now)) is expected


def test_list_overdue_per_board(db_session, create_consultation, create_user, board, other_board):
    late = create_consultation(board=board, status=S.HELD, feedback_due_date=TODAY - timedelta(days=3))
    create_consultation(board=board, status=S.HELD, feedback_due_date=TODAY)  # due today: not late
    create_consultation(board=board, status=S.FEEDBACK_PUBLISHED, feedback_due_date=TODAY - timedelta(days=9))
    theirs = create_consultation(board=other_board, status=S.PUBLISHED, feedback_due_date=TODAY - timedelta(days=1))
    member = create_user(boards={board: Role.EDITOR})
    admin = create_user(is_site_admin=True)
    assert promises.list_overdue(db_session, member, TODAY) == [(board, [late])]
    assert dict(promises.list_overdue(db_session, admin, TODAY)) == {board: [late], other_board: [theirs]}
    assert promises.list_overdue(db_session, create_user(), TODAY) == []


def test_promise_kept_or_broken(db_session, publisher, report, theme, held):
    held.feedback_due_date = TODAY
    fb.update_summary(db_session, publisher, report, {"summary_sv": "Vi hörde er."})
    _answer(db_session, publisher, theme)
    publication.publish_feedback(db_session, publisher, report, now=datetime(2026, 3, 10, 23, 30, tzinfo=timezone.utc))
    promise = promises.promise(held, report, TODAY + timedelta(days=5))
    assert promise.published_on == date(2026, 3, 11)  # already the 11th in Stockholm
    assert promise.kept is False and not promise.overdue


def test_reference_codes_are_found_however_typed(db_session, held, create_viewpoint):
    v = create_viewpoint(held, reference_code="ABCD-EFGH")
    for typed in ("ABCD-EFGH", "abcd efgh", " abcdefgh ", "AbCd–EfGh"):
        assert feedback_public.find_viewpoint(db_session, typed) is v, typed
    assert feedback_public.find_viewpoint(db_session, "") is None
    assert feedback_public.find_viewpoint(db_session, "ZZZZ-ZZZZ") is None


# --- The influence ledger ------------------------------------------------------------------------------


def test_board_ledger(db_session, publisher, board, other_board, create_consultation, create_viewpoint):
    from tests.conftest import in_days

    def held_with_feedback(start, due, published):
        c = create_consultation(board=board, status=S.HELD, start_dt=start, feedback_due_date=due)
        create_viewpoint(c, language="rom")
        report = consultation_reports.start_report(db_session, publisher, c)
        fb.update_summary(db_session, publisher, report, {"summary_sv": "S"})
        theme = fb.add_theme(db_session, publisher, report, {"title_sv": "T"})
        _answer(db_session, publisher, theme, outcome="already_in_place")
        publication.publish_feedback(db_session, publisher, report, now=published)
        return c

    utc = timezone.utc
    # On time: meeting 1 Feb, promised 1 Mar, published 20 Feb (19 days)
    held_with_feedback(datetime(2025, 2, 1, 17, tzinfo=utc), date(2025, 3, 1), datetime(2025, 2, 20, 9, tzinfo=utc))
    # Late by half an hour in Stockholm: published 00:30 on 2 Mar local (23:30 UTC on 1 Mar), 29 days
    held_with_feedback(datetime(2026, 2, 1, 17, tzinfo=utc), date(2026, 3, 1), datetime(2026, 3, 1, 23, 30, tzinfo=utc))
    # Overdue, no feedback
    late = create_consultation(
        board=board, status=S.HELD, start_dt=datetime(2026, 1, 10, 17, tzinfo=utc), feedback_due_date=date(2026, 2, 10)
    )
    create_viewpoint(late, language="sv")
    create_viewpoint(late, language="rom")
    create_consultation(board=board, status=S.PUBLISHED, start_dt=in_days(10))  # not held: not counted
    create_consultation(board=other_board, status=S.HELD, start_dt=datetime(2026, 1, 1, 17, tzinfo=utc))

    ledger = feedback_ledger.board_ledger(db_session, board, today=date(2026, 3, 10))
    assert ledger.held_per_year == [(2025, 1), (2026, 2)]
    assert ledger.views_by_language == [("rom", 3), ("sv", 1)]
    assert dict(ledger.responses_by_outcome)[Outcome.ALREADY_IN_PLACE] == 2
    assert (ledger.feedback_on_time, ledger.feedback_due) == (1, 3)
    assert ledger.median_days_to_feedback == 24.0


# --- Optimistic locking: a stale save is refused, not written over a colleague's --------------------


def test_stale_summary_is_refused(db_session, publisher, report):
    opened = report.version
    fb.update_summary(
        db_session, publisher, report, {"summary_sv": "Kollegans sammanfattning"}, expected_version=opened
    )
    assert report.version == opened + 1
    with pytest.raises(fb.StaleSummary) as error:
        fb.update_summary(db_session, publisher, report, {"summary_sv": "Min sammanfattning"}, expected_version=opened)
    assert error.value.report.summary_sv == "Kollegans sammanfattning"
    db_session.expire_all()
    assert report.summary_sv == "Kollegans sammanfattning" and report.version == opened + 1
    # Saved again with the version the conflict showed: a deliberate overwrite.
    fb.update_summary(db_session, publisher, report, {"summary_sv": "Min sammanfattning"}, expected_version=opened + 1)
    assert report.summary_sv == "Min sammanfattning" and report.version == opened + 2


def test_summary_opened_before_the_report_existed(db_session, publisher, report, theme):
    # A colleague created the report by adding a theme: no summary to overwrite.
    fb.update_summary(db_session, publisher, report, {"summary_sv": "Första"}, expected_version=0)
    assert report.summary_sv == "Första"
    # A second form opened before the report existed now would overwrite that summary.
    with pytest.raises(fb.StaleSummary):
        fb.update_summary(db_session, publisher, report, {"summary_sv": "Andra"}, expected_version=0)
    assert report.summary_sv == "Första"


def test_stale_theme_is_refused(db_session, publisher, theme):
    opened = theme.version
    fb.update_theme(db_session, publisher, theme, {"title_sv": "Kollegans tema"}, expected_version=opened)
    assert theme.version == opened + 1
    with pytest.raises(fb.StaleTheme) as error:
        fb.update_theme(db_session, publisher, theme, {"title_sv": "Mitt tema"}, expected_version=opened)
    assert error.value.theme.title_sv == "Kollegans tema"
    db_session.expire_all()
    assert theme.title_sv == "Kollegans tema"
    fb.update_theme(db_session, publisher, theme, {"title_sv": "Mitt tema"}, expected_version=opened + 1)
    assert theme.title_sv == "Mitt tema" and theme.version == opened + 2


def test_regrouping_views_alone_bumps_the_theme_version(db_session, publisher, theme, held, create_viewpoint):
    other = create_viewpoint(held, "Fler fritidsgårdar.")
    opened = theme.version
    data = {"title_sv": theme.title_sv, "title_rom": theme.title_rom}
    fb.update_theme(
        db_session, publisher, theme, data, [v.id for v in theme.viewpoints] + [other.id], expected_version=opened
    )
    assert theme.version == opened + 1
    with pytest.raises(fb.StaleTheme):
        fb.update_theme(db_session, publisher, theme, data, [], expected_version=opened)
    assert other in theme.viewpoints
    # Saving the same views again changes nothing and keeps the version.
    fb.update_theme(db_session, publisher, theme, data, [v.id for v in theme.viewpoints], expected_version=opened + 1)
    assert theme.version == opened + 1


def test_stale_response_is_refused(db_session, publisher, theme):
    response = fb.save_response(
        db_session,
        publisher,
        theme,
        {"outcome": "implemented", "body_sv": "Första svaret"},
        today=TODAY,
        expected_version=0,
    )
    opened = response.version
    assert opened == 1
    fb.save_response(
        db_session,
        publisher,
        theme,
        {"outcome": "partly", "body_sv": "Kollegans svar"},
        today=TODAY,
        expected_version=opened,
    )
    assert response.version == opened + 1
    with pytest.raises(fb.StaleResponse) as error:
        fb.save_response(
            db_session,
            publisher,
            theme,
            {"outcome": "implemented", "body_sv": "Mitt svar"},
            today=TODAY,
            expected_version=opened,
        )
    assert error.value.response.body_sv == "Kollegans svar"
    # A form opened before the first response was written is stale as well.
    with pytest.raises(fb.StaleResponse):
        fb.save_response(
            db_session,
            publisher,
            theme,
            {"outcome": "implemented", "body_sv": "Mitt svar"},
            today=TODAY,
            expected_version=0,
        )
    db_session.expire_all()
    assert theme.response.body_sv == "Kollegans svar" and theme.response.outcome is Outcome.PARTLY
    fb.save_response(
        db_session,
        publisher,
        theme,
        {"outcome": "implemented", "body_sv": "Mitt svar"},
        today=TODAY,
        expected_version=opened + 1,
    )
    assert theme.response.body_sv == "Mitt svar" and theme.response.version == opened + 2


def _saved_behind_the_sessions_back(db_session, model, row_id, **values):
    """Another transaction's save that this session has not seen (the ORM object keeps its old version)."""
    db_session.execute(
        sa.update(model).where(model.id == row_id).values(version=model.version + 1, **values),
        execution_options={"synchronize_session": False},
    )


def test_save_that_loses_the_race_at_the_database_is_a_conflict(db_session, publisher, report, theme):
    from app.feedback.models import FeedbackReport, Theme, ThemeResponse

    response = _answer(db_session, publisher, theme)
    db_session.commit()
    # Each save passes the version check (the form and the loaded row agree), but
    # the row changed in between: UPDATE … WHERE version = … matches nothing.
    _saved_behind_the_sessions_back(db_session, FeedbackReport, report.id, summary_sv="Kollegans")
    with pytest.raises(fb.StaleSummary) as summary_error:
        fb.update_summary(db_session, publisher, report, {"summary_sv": "Min"}, expected_version=report.version)
    assert summary_error.value.report.summary_sv == "Kollegans"

    _saved_behind_the_sessions_back(db_session, Theme, theme.id, title_sv="Kollegans tema")
    with pytest.raises(fb.StaleTheme) as theme_error:
        fb.update_theme(db_session, publisher, theme, {"title_sv": "Mitt tema"}, expected_version=theme.version)
    assert theme_error.value.theme.title_sv == "Kollegans tema"

    _saved_behind_the_sessions_back(db_session, ThemeResponse, response.id, body_sv="Kollegans svar")
    with pytest.raises(fb.StaleResponse) as response_error:
        fb.save_response(
            db_session,
            publisher,
            theme,
            {"outcome": "implemented", "body_sv": "Mitt svar"},
            today=TODAY,
            expected_version=response.version,
        )
    assert response_error.value.response.body_sv == "Kollegans svar"
    # The conflict showed the current versions, and saving with them goes through.
    assert (summary_error.value.report.version, theme_error.value.theme.version) == (report.version, theme.version)
    fb.update_theme(db_session, publisher, theme, {"title_sv": "Mitt tema"}, expected_version=theme.version)
    db_session.commit()
    assert theme.title_sv == "Mitt tema"
    assert report.summary_sv == "Kollegans" and theme.response.body_sv == "Kollegans svar"


def test_saving_a_theme_a_colleague_deleted_meanwhile_is_an_error_not_a_500(db_session, publisher, report, theme):
    from app.feedback.models import Theme, theme_viewpoints

    db_session.commit()
    # The colleague deleted the theme after this request loaded it.
    db_session.execute(sa.delete(theme_viewpoints).where(theme_viewpoints.c.theme_id == theme.id))
    db_session.execute(sa.delete(Theme).where(Theme.id == theme.id), execution_options={"synchronize_session": False})
    with pytest.raises(DeletedMeanwhile):
        fb.update_theme(db_session, publisher, theme, {"title_sv": "Mitt tema"}, expected_version=theme.version)
    db_session.rollback()  # the session is usable afterwards


def test_two_first_responses_at_the_same_moment(db_session, publisher, theme):
    from app.feedback.models import ThemeResponse

    assert theme.response is None
    # The colleague's first response, committed after this request loaded the theme.
    db_session.execute(
        sa.insert(ThemeResponse).values(theme_id=theme.id, outcome=Outcome.PARTLY, body_sv="Kollegans svar")
    )
    with pytest.raises(fb.StaleResponse) as error:
        fb.save_response(
            db_session,
            publisher,
            theme,
            {"outcome": "implemented", "body_sv": "Mitt svar"},
            today=TODAY,
            expected_version=0,
        )
    assert error.value.response.body_sv == "Kollegans svar" and error.value.response.version == 1
    db_session.commit()
    assert present(theme.response).body_sv == "Kollegans svar"
