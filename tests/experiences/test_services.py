"""Experiences without HTTP: answers, notes, results with a minimum group size, measures, ledger."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from app.common.errors import DomainError, PermissionDenied
from app.experiences import answers as xp_answers
from app.experiences import ledger as xp_ledger
from app.experiences import measures as xp_measures
from app.experiences import results as xp_results
from app.experiences.models import (
    ExperienceRecord,
    Measure,
    MeasureStatus,
    RecordKind,
    theme_experiences,
)
from app.feedback import services as fb
from app.feedback import snapshots
from app.feedback.models import FeedbackReport, Outcome, Theme, ThemeResponse
from app.mail.models import OutboxMessage
from app.participation.models import Channel, Contact
from tests.support import blind_first_lookup, present


def _count(db_session, model) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(model))


def test_anonymous_answers_store_no_personal_data(app, db_session, survey) -> None:
    q_text, q_choice, q_scale = survey.questions
    contacts = _count(db_session, Contact)
    with app.test_request_context("/sv/"):
        record, created = xp_answers.submit_answers(
            db_session,
            survey,
            xp_answers.AnswerData(
                answers={q_text.id: "Bra böcker", q_choice.id: str(q_choice.options[1].id), q_scale.id: "5"}
            ),
            idempotency_key="k1",
        )
    assert created and record.contact_id is None
    assert _count(db_session, Contact) == contacts
    assert record.channel is Channel.WEB and record.kind is RecordKind.SURVEY
    assert [(a.text, a.option_id, a.scale_value) for a in record.answers] == [
        ("Bra böcker", None, None),
        (None, q_choice.options[1].id, None),
        (None, None, 5),
    ]
    columns = {c.name for c in ExperienceRecord.__table__.columns}
    assert not {"ip", "ip_address", "user_agent", "remote_addr"} & columns


def test_same_key_never_creates_a_second_record(app, db_session, survey) -> None:
    data = xp_answers.AnswerData(answers={survey.questions[2].id: "3"})
    with app.test_request_context("/sv/"):
        first, _ = xp_answers.submit_answers(db_session, survey, data, idempotency_key="same")
        again, created = xp_answers.submit_answers(db_session, survey, data, idempotency_key="same")
    assert again.id == first.id and not created
    assert _count(db_session, ExperienceRecord) == 1


@pytest.mark.parametrize("value", ["0", "6", "x"])
def test_scale_out_of_range_is_refused_at_the_field(app, db_session, survey, value) -> None:
    with pytest.raises(DomainError) as caught, app.test_request_context("/sv/"):
        xp_answers.submit_answers(
            db_session, survey, xp_answers.AnswerData(answers={survey.questions[2].id: value}), idempotency_key="bad"
        )
    assert caught.value.field == survey.questions[2].field_name


def test_closed_survey_refuses_answers(app, db_session, create_survey) -> None:
    from tests.conftest import in_days

    closed = create_survey(opens_dt=in_days(-10), closes_dt=in_days(-1))
    with pytest.raises(DomainError), app.test_request_context("/sv/"):
        xp_answers.submit_answers(
            db_session, closed, xp_answers.AnswerData(answers={closed.questions[2].id: "3"}), idempotency_key="c"
        )


def test_staff_enter_paper_answers_with_channel(app, db_session, editor, survey) -> None:
    with app.test_request_context("/sv/"):
        record = xp_answers.record_answers(
            db_session,
            editor,
            survey,
            xp_answers.AnswerData(answers={survey.questions[0].id: "Skrivet på papper"}, language="rom"),
            channel=Channel.LETTER,
            occurred_on=date(2026, 4, 2),
        )
    assert record.channel is Channel.LETTER and record.entered_by_id == editor.id
    assert record.occurred_on == date(2026, 4, 2) and record.language == "rom"
    with pytest.raises(DomainError) as caught, app.test_request_context("/sv/"):
        xp_answers.record_answers(
            db_session,
            editor,
            survey,
            xp_answers.AnswerData(answers={survey.questions[0].id: "x"}),
            channel=Channel.WEB,
            occurred_on=date(2026, 4, 2),
        )
    assert caught.value.field == "channel"


def test_other_board_cannot_enter_answers(app, db_session, create_user, create_board, survey) -> None:
    from app.accounts.models import Role

    outsider = create_user(boards={create_board(): Role.PUBLISHER})
    with pytest.raises(PermissionDenied), app.test_request_context("/sv/"):
        xp_answers.record_answers(
            db_session,
            outsider,
            survey,
            xp_answers.AnswerData(answers={survey.questions[0].id: "x"}),
            channel=Channel.LETTER,
            occurred_on=date(2026, 4, 2),
        )


def test_note_needs_a_summary_and_keeps_kind_and_language(app, db_session, editor, service) -> None:
    base = {
        "kind": "group_interview",
        "channel": "visit",
        "occurred_on": date(2026, 3, 3),
        "language": "rom",
        "romani_variety": "arli",
    }
    with pytest.raises(DomainError) as caught:
        xp_answers.record_note(db_session, editor, service, base)
    assert caught.value.field == "summary_sv"
    note = xp_answers.record_note(db_session, editor, service, {**base, "summary_rom": "Phende kai..."})
    assert note.kind is RecordKind.GROUP_INTERVIEW and note.lang_tag == "rmn"


def test_minimum_group_size_hides_small_groups(app, db_session, survey, add_answers) -> None:
    for _i in range(4):
        add_answers(survey, text="Bra")
    with app.test_request_context("/sv/"):
        results = xp_results.survey_results(db_session, survey, min_group=5)
        assert results.too_few and results.respondents == 4
        assert all(q.too_few and not q.rows and not q.texts for q in results.questions)
        csv_text = "".join(xp_results.results_csv(results))
    assert csv_text.endswith(";;;;;;too_few\r\n") and "Varje vecka" not in csv_text and "Vad var bra?" not in csv_text

    add_answers(survey, text="Mycket bra", option=1, scale=None)
    with app.test_request_context("/sv/"):
        results = xp_results.survey_results(db_session, survey, min_group=5)
        assert not results.too_few
        text_q, choice_q, scale_q = results.questions
        # Issue 16.8: every option chosen by fewer than five is held back, not only the question's total.
        assert [(r.label, r.count, r.percent) for r in choice_q.rows] == [
            ("Varje vecka", None, None),
            ("Sällan", None, None),
        ]
        assert scale_q.too_few  # only four answered the scale question
        assert len(text_q.texts) == 5
        csv_text = "".join(xp_results.results_csv(results))
    assert f";Hur ofta kommer du?;{choice_q.rows[0].value};Varje vecka;;;too_few\r\n" in csv_text
    assert ";4;80.0;" not in csv_text and ";1;20.0;" not in csv_text
    assert ";Hur nöjd är du?;;;;;too_few\r\n" in csv_text
    assert ";Vad var bra?;;;5;;free_text\r\n" in csv_text


@pytest.mark.parametrize(
    ("counts", "shown"),
    [
        ([10, 6, 0], [10, 6, 0]),  # nothing small
        ([12, 1, 0], [None, None, 0]),  # 1 is small; alone it would be 13 - 12: the 12 goes too
        ([6, 5, 1, 0, 0], [6, None, None, 0, 0]),  # the smallest shown cell completes it
        ([2, 2, 9], [None, None, None]),  # two small cells of 4 together: still too small, so the 9 goes
        ([0, 0, 7], [0, 0, 7]),
        ([3, 0, 0, 0], [None, None, 0, 0]),  # no other cell with answers: a zero is held back with it
    ],
)
def test_suppression_holds_back_small_cells_and_their_complement(counts, shown) -> None:
    assert xp_results.suppress(counts, 5) == shown


def test_a_small_cell_cannot_be_derived_from_the_total(app, db_session, survey, add_answers) -> None:
    for scale in [5] * 6 + [4] * 5 + [2]:
        add_answers(survey, option=None, scale=scale)
    with app.test_request_context("/rom/"):
        results = xp_results.survey_results(db_session, survey, min_group=5)
        scale_q = results.questions[2]
        assert scale_q.answered == 12
        rows = {r.value: r for r in scale_q.rows}
        assert rows["2"].hidden and rows["4"].hidden and rows["5"].count == 6
        assert rows["1"].count == 0 and rows["3"].count == 0
        # The rows carry the words of the scale, in the page's language.
        assert rows["5"].label != "5" and rows["5"].label.startswith("5 – ")
        csv_text = "".join(xp_results.results_csv(results))
    assert ";Hur nöjd är du?;2;2 – dåligt;;;too_few\r\n" in csv_text
    assert ";Hur nöjd är du?;5;5 – mycket bra;6;50.0;\r\n" in csv_text


def test_public_results_show_only_consented_visible_texts(app, db_session, editor, survey, add_answers) -> None:
    from app.participation.models import HiddenReason

    records = [add_answers(survey, text=f"Text {i}", publish_consent=i != 0) for i in range(5)]
    hidden = next(a for a in records[1].answers if a.text)
    xp_answers.hide_answer(db_session, editor, hidden, reason=HiddenReason.PERSONAL_DATA)
    with app.test_request_context("/sv/"):
        public = xp_results.survey_results(db_session, survey, public=True, min_group=5)
    assert [a.text for a in public.questions[0].texts] == ["Text 2", "Text 3", "Text 4"]
    assert public.questions[0].hidden_texts == 2


@pytest.fixture
def measured(app, db_session, publisher, survey, add_answers):
    """Measures on two themes, the first published: one planned, one not taken."""
    rom = add_answers(survey, text="Fler böcker på romani", email="rom@example.org", language="rom", wants_updates=True)
    sv = add_answers(survey, text="Längre öppettider", email="sv@example.org", language="sv", wants_updates=True)
    add_answers(survey, text="Tyst", email="quiet@example.org", wants_updates=False)
    with app.test_request_context("/sv/"):
        books = xp_measures.add_theme(
            db_session, publisher, survey.service, {"title_sv": "Böcker", "title_rom": "Lila"}, [rom.id]
        )
        hours = xp_measures.add_theme(
            db_session, publisher, survey.service, {"title_sv": "Öppettider"}, [sv.id, rom.id]
        )
        xp_measures.save_measure(
            db_session,
            publisher,
            books,
            {
                "body_sv": "Vi köper in böcker.",
                "owner": "Biblioteket",
                "status": "planned",
                "start_date": date(2026, 6, 1),
            },
        )
        xp_measures.save_measure(
            db_session,
            publisher,
            hours,
            {"body_sv": "Inte nu.", "owner": "Chefen", "status": "not_taken", "reason_sv": "Budgeten räcker inte."},
        )
        report = present(xp_measures.get_report(db_session, survey.service))
        fb.update_summary(db_session, publisher, report, {"summary_sv": "Vi hörde er."})
    return {"books": books, "hours": hours, "report": report}


def test_measures_reuse_the_feedback_model(app, db_session, publisher, survey, measured) -> None:
    books = measured["books"]
    assert type(books) is Theme and Theme.__tablename__ == "feedback_themes"
    assert type(books.response) is ThemeResponse and ThemeResponse.__tablename__ == "feedback_responses"
    assert type(books.report) is FeedbackReport and books.report.service_id == survey.service_id
    assert books.report.consultation_id is None
    assert books.response.outcome is Outcome.IMPLEMENTED
    assert measured["hours"].response.outcome is Outcome.NOT_IMPLEMENTED
    assert measured["hours"].response.reason_sv == "Budgeten räcker inte."
    measure = db_session.scalar(sa.select(Measure).where(Measure.response_id == books.response.id))
    assert measure.owner == "Biblioteket" and measure.status is MeasureStatus.PLANNED
    assert sorted(
        db_session.execute(
            sa.select(theme_experiences.c.theme_id, sa.func.count()).group_by(theme_experiences.c.theme_id)
        ).all()
    ) == sorted([(books.id, 1), (measured["hours"].id, 2)])


def test_not_taken_needs_a_reason(app, db_session, publisher, measured) -> None:
    with pytest.raises(DomainError) as caught, app.test_request_context("/sv/"):
        xp_measures.save_measure(
            db_session, publisher, measured["books"], {"body_sv": "x", "owner": "y", "status": "not_taken"}
        )
    assert caught.value.field == "reason_sv"


def test_publishing_notifies_in_the_recipients_language(app, db_session, publisher, survey, measured) -> None:
    with app.test_request_context("/sv/"):
        revision = xp_measures.publish_measures(db_session, publisher, survey.service)
    assert revision.snapshot["themes"][0]["response"]["measure"]["status"] == "planned"
    messages = {m.to_address: m for m in db_session.scalars(sa.select(OutboxMessage))}
    assert set(messages) == {"rom@example.org", "sv@example.org"}
    assert messages["rom@example.org"].language == "rom" and messages["sv@example.org"].language == "sv"
    assert "/rom/services/" in messages["rom@example.org"].body_text
    assert "Lila" in messages["rom@example.org"].body_text
    assert "Böcker:" in messages["sv@example.org"].body_text

    # a status change, published as an update, tells them again
    with app.test_request_context("/sv/"):
        xp_measures.save_measure(
            db_session,
            publisher,
            measured["books"],
            {"body_sv": "Vi köper in böcker.", "owner": "Biblioteket", "status": "ongoing"},
        )
        xp_measures.publish_measures(db_session, publisher, survey.service, change_note_sv="Inköpet har börjat.")
    kinds = sorted(m.kind for m in db_session.scalars(sa.select(OutboxMessage)))
    assert kinds == ["measures.published"] * 2 + ["measures.updated"] * 2


def test_consultation_snapshots_are_unchanged_by_the_measure_extension(db_session, create_consultation) -> None:
    from app.consultations.models import ConsultationStatus

    consultation = create_consultation(status=ConsultationStatus.HELD)
    report = FeedbackReport(
        consultation=consultation,
        summary_sv="S",
        themes=[Theme(title_sv="T", position=1, response=ThemeResponse(outcome=Outcome.IMPLEMENTED, body_sv="B"))],
    )
    db_session.add(report)
    db_session.flush()
    assert "measure" not in snapshots.build_snapshot(report)["themes"][0]["response"]


def test_ledger_figures(app, db_session, publisher, board, service, create_survey, add_answers) -> None:
    """Hand-computed: 2025: one survey with 2 answers; 2026: two surveys with 3 + 0 answers; a draft not counted."""
    utc = timezone.utc
    old = create_survey(opens_dt=datetime(2025, 3, 1, 9, tzinfo=utc), closes_dt=datetime(2025, 3, 31, 20, tzinfo=utc))
    new = create_survey(opens_dt=datetime(2026, 2, 1, 9, tzinfo=utc), closes_dt=datetime(2026, 2, 28, 20, tzinfo=utc))
    create_survey(opens_dt=datetime(2026, 5, 1, 9, tzinfo=utc), closes_dt=datetime(2026, 5, 20, 20, tzinfo=utc))
    create_survey(
        published=False, opens_dt=datetime(2026, 6, 1, 9, tzinfo=utc), closes_dt=datetime(2026, 6, 20, 20, tzinfo=utc)
    )
    for _i in range(2):
        add_answers(old)
    records = [add_answers(new) for _i in range(3)]
    xp_answers.record_note(
        db_session,
        publisher,
        service,
        {"kind": "visit", "channel": "visit", "occurred_on": date(2026, 3, 1), "language": "sv", "summary_sv": "Besök"},
    )
    with app.test_request_context("/sv/"):
        a = xp_measures.add_theme(db_session, publisher, service, {"title_sv": "A"}, [records[0].id])
        b = xp_measures.add_theme(db_session, publisher, service, {"title_sv": "B"}, [])
        c = xp_measures.add_theme(db_session, publisher, service, {"title_sv": "C"}, [])
        for theme, status in ((a, "done"), (b, "done"), (c, "ongoing")):
            xp_measures.save_measure(db_session, publisher, theme, {"body_sv": "x", "owner": "o", "status": status})
        fb.update_summary(
            db_session, publisher, present(xp_measures.get_report(db_session, service)), {"summary_sv": "S"}
        )
        # published 10 days after the 2026-02 survey closed (and after the 2025 one: 2025-03-31 → 2026-03-10)
        xp_measures.publish_measures(db_session, publisher, service, now=datetime(2026, 3, 10, 12, tzinfo=utc))
        ledger = xp_ledger.experience_ledger(db_session, board, now=datetime(2026, 7, 1, tzinfo=utc))
    assert [(s.id, y, n, m) for s, y, n, m in ledger.surveys_per_service_year] == [
        (service.id, 2025, 1, 2),
        (service.id, 2026, 2, 3),
    ]
    assert ledger.notes == 1
    assert dict(ledger.measures_by_status) == {
        MeasureStatus.PLANNED: 0,
        MeasureStatus.ONGOING: 1,
        MeasureStatus.DONE: 2,
        MeasureStatus.NOT_TAKEN: 0,
    }
    days = {s.id: d for s, d in ledger.days_to_measures}
    assert days == {old.id: (date(2026, 3, 10) - date(2025, 3, 31)).days, new.id: 10}
    assert ledger.median_days_to_measures == (344 + 10) / 2


def test_removing_a_theme_removes_its_measure(app, db_session, publisher, measured) -> None:
    books = measured["books"]
    fb.delete_theme(db_session, publisher, books)
    db_session.expire_all()
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Measure)) == 1
    assert (
        db_session.scalar(
            sa.select(sa.func.count()).select_from(theme_experiences).where(theme_experiences.c.theme_id == books.id)
        )
        == 0
    )


# --- Optimistic locking on the measures pages: a stale save is refused, not written over a colleague's ------


def _saved_behind_the_sessions_back(db_session, model, row_id, **values):
    """Another transaction's save that this session has not seen (the ORM object keeps its old values)."""
    db_session.execute(
        sa.update(model).where(model.id == row_id).values(**values), execution_options={"synchronize_session": False}
    )


MEASURE = {"body_sv": "Vi köper in böcker.", "owner": "Biblioteket", "status": "planned"}


def test_two_staff_starting_the_measures_report_at_the_same_moment_share_one(
    db_session, publisher, service, monkeypatch
) -> None:
    """The colleague's report was committed after this request looked for one."""
    theirs = xp_measures.start_report(db_session, publisher, service)
    db_session.commit()
    blind_first_lookup(monkeypatch, xp_measures, "get_report")
    mine = xp_measures.start_report(db_session, publisher, service)
    assert mine.id == theirs.id
    db_session.commit()  # nothing half-written


def test_stale_measures_summary_is_refused(app, db_session, publisher, service) -> None:
    with app.test_request_context("/sv/"):
        xp_measures.add_theme(db_session, publisher, service, {"title_sv": "Böcker"}, [])
        report = present(xp_measures.get_report(db_session, service))
        # The form was opened before the report existed; adding a theme created it without a summary.
        fb.update_summary(db_session, publisher, report, {"summary_sv": "Kollegans"}, expected_version=0)
        opened = report.version
        with pytest.raises(fb.StaleSummary):
            fb.update_summary(db_session, publisher, report, {"summary_sv": "Min"}, expected_version=0)
        fb.update_summary(db_session, publisher, report, {"summary_sv": "Kollegans andra"}, expected_version=opened)
        with pytest.raises(fb.StaleSummary) as error:
            fb.update_summary(db_session, publisher, report, {"summary_sv": "Min"}, expected_version=opened)
    assert error.value.report.summary_sv == "Kollegans andra"
    db_session.expire_all()
    assert report.summary_sv == "Kollegans andra" and report.version == opened + 1


def test_stale_experience_theme_is_refused(app, db_session, publisher, survey, add_answers) -> None:
    one, two = add_answers(survey, text="Ett"), add_answers(survey, text="Två")
    with app.test_request_context("/sv/"):
        theme = xp_measures.add_theme(db_session, publisher, survey.service, {"title_sv": "Böcker"}, [one.id])
        opened = theme.version
        xp_measures.update_theme(
            db_session, publisher, theme, {"title_sv": "Kollegans tema"}, [one.id, two.id], expected_version=opened
        )
        assert theme.version == opened + 1  # text and experiences changed: one save
        with pytest.raises(fb.StaleTheme) as error:
            xp_measures.update_theme(
                db_session, publisher, theme, {"title_sv": "Mitt tema"}, [], expected_version=opened
            )
        assert error.value.theme.title_sv == "Kollegans tema"
        db_session.expire_all()
        assert theme.title_sv == "Kollegans tema" and xp_measures.theme_record_ids(db_session, theme) == [
            one.id,
            two.id,
        ]
        # Saved again with the version the conflict showed: a deliberate overwrite.
        xp_measures.update_theme(
            db_session, publisher, theme, {"title_sv": "Mitt tema"}, [], expected_version=opened + 1
        )
    assert theme.title_sv == "Mitt tema" and theme.version == opened + 2
    assert xp_measures.theme_record_ids(db_session, theme) == []


def test_regrouping_experiences_alone_bumps_the_theme_version(app, db_session, publisher, survey, add_answers) -> None:
    one, two = add_answers(survey, text="Ett"), add_answers(survey, text="Två")
    with app.test_request_context("/sv/"):
        theme = xp_measures.add_theme(db_session, publisher, survey.service, {"title_sv": "Böcker"}, [one.id])
        opened = theme.version
        data = {"title_sv": "Böcker"}
        xp_measures.update_theme(db_session, publisher, theme, data, [one.id, two.id], expected_version=opened)
        assert theme.version == opened + 1
        with pytest.raises(fb.StaleTheme):
            xp_measures.update_theme(db_session, publisher, theme, data, [one.id], expected_version=opened)
        assert xp_measures.theme_record_ids(db_session, theme) == [one.id, two.id]
        # Saving the same text and experiences again changes nothing and keeps the version.
        xp_measures.update_theme(db_session, publisher, theme, data, [two.id, one.id], expected_version=opened + 1)
    assert theme.version == opened + 1


def test_stale_measure_is_refused(app, db_session, publisher, survey) -> None:
    with app.test_request_context("/sv/"):
        theme = xp_measures.add_theme(db_session, publisher, survey.service, {"title_sv": "Böcker"}, [])
        xp_measures.save_measure(
            db_session, publisher, theme, {**MEASURE, "body_sv": "Första svaret"}, expected_version=0
        )
        assert theme.response is not None
        opened = theme.response.version
        assert opened == 1
        xp_measures.save_measure(
            db_session,
            publisher,
            theme,
            {"body_sv": "Kollegans svar", "owner": "Kollegan", "status": "not_taken", "reason_sv": "Ingen budget."},
            expected_version=opened,
        )
        assert theme.response.version == opened + 1
        with pytest.raises(xp_measures.StaleMeasure) as error:
            xp_measures.save_measure(
                db_session, publisher, theme, {**MEASURE, "body_sv": "Mitt svar"}, expected_version=opened
            )
        assert isinstance(error.value, fb.StaleResponse)
        assert error.value.response.body_sv == "Kollegans svar" and error.value.response.reason_sv == "Ingen budget."
        assert error.value.measure is not None
        assert error.value.measure.owner == "Kollegan" and error.value.measure.status is MeasureStatus.NOT_TAKEN
        # A form opened before the first measure was written is stale as well.
        with pytest.raises(xp_measures.StaleMeasure):
            xp_measures.save_measure(
                db_session, publisher, theme, {**MEASURE, "body_sv": "Mitt svar"}, expected_version=0
            )
        # The conflict comes before the checks of the fields: the user sees what changed first.
        with pytest.raises(xp_measures.StaleMeasure):
            xp_measures.save_measure(
                db_session, publisher, theme, {"body_sv": "Mitt svar", "status": "planned"}, expected_version=opened
            )
        db_session.expire_all()
        measure = present(xp_measures.get_measure(db_session, theme.response))
        assert theme.response.body_sv == "Kollegans svar" and measure.owner == "Kollegan"
        xp_measures.save_measure(
            db_session, publisher, theme, {**MEASURE, "body_sv": "Mitt svar"}, expected_version=opened + 1
        )
    db_session.expire_all()
    assert theme.response.body_sv == "Mitt svar" and theme.response.outcome is Outcome.IMPLEMENTED
    assert theme.response.reason_sv is None and theme.response.version == opened + 2
    assert present(xp_measures.get_measure(db_session, theme.response)).owner == "Biblioteket"


def test_changing_only_the_measure_bumps_the_response_version(app, db_session, publisher, survey) -> None:
    with app.test_request_context("/sv/"):
        theme = xp_measures.add_theme(db_session, publisher, survey.service, {"title_sv": "Böcker"}, [])
        xp_measures.save_measure(db_session, publisher, theme, MEASURE, expected_version=0)
        assert theme.response is not None
        opened = theme.response.version
        # Planned → ongoing keeps the outcome (implemented) and the text: only the measure row changes.
        xp_measures.save_measure(
            db_session,
            publisher,
            theme,
            {**MEASURE, "status": "ongoing", "owner": "Kollegan", "start_date": date(2026, 9, 1)},
            expected_version=opened,
        )
        assert theme.response.version == opened + 1
        with pytest.raises(xp_measures.StaleMeasure) as error:
            xp_measures.save_measure(
                db_session, publisher, theme, {**MEASURE, "status": "done"}, expected_version=opened
            )
        assert error.value.measure is not None
        assert error.value.measure.owner == "Kollegan" and error.value.measure.status is MeasureStatus.ONGOING
        assert error.value.measure.start_date == date(2026, 9, 1)
        # Text and measure changed together: one save, one version.
        xp_measures.save_measure(
            db_session,
            publisher,
            theme,
            {**MEASURE, "body_sv": "Nytt svar", "status": "done"},
            expected_version=opened + 1,
        )
        assert theme.response.version == opened + 2
        # Saving the same again changes nothing and keeps the version.
        xp_measures.save_measure(
            db_session,
            publisher,
            theme,
            {**MEASURE, "body_sv": "Nytt svar", "status": "done"},
            expected_version=opened + 2,
        )
        assert theme.response.version == opened + 2
    db_session.expire_all()
    measure = present(xp_measures.get_measure(db_session, theme.response))
    assert measure.status is MeasureStatus.DONE and measure.owner == "Biblioteket" and measure.start_date is None


def test_measure_save_that_loses_the_race_at_the_database_is_a_conflict(
    app, db_session, publisher, survey, add_answers
) -> None:
    record = add_answers(survey, text="Ett")
    with app.test_request_context("/sv/"):
        theme = xp_measures.add_theme(db_session, publisher, survey.service, {"title_sv": "Böcker"}, [])
        xp_measures.save_measure(db_session, publisher, theme, MEASURE, expected_version=0)
        db_session.commit()
        assert theme.response is not None
        response, measure = theme.response, present(xp_measures.get_measure(db_session, theme.response))
        # Each save passes the version check (the form and the loaded row agree), but the
        # colleague saved in between: UPDATE … WHERE version = … matches nothing.
        _saved_behind_the_sessions_back(db_session, ThemeResponse, response.id, version=ThemeResponse.version + 1)
        _saved_behind_the_sessions_back(db_session, Measure, measure.id, owner="Kollegan", status=MeasureStatus.DONE)
        with pytest.raises(xp_measures.StaleMeasure) as error:
            # Only a measure field changes: the response's version still guards it.
            xp_measures.save_measure(
                db_session, publisher, theme, {**MEASURE, "owner": "Jag"}, expected_version=response.version
            )
        assert error.value.measure is not None
        assert error.value.measure.owner == "Kollegan" and error.value.measure.status is MeasureStatus.DONE
        assert error.value.response.version == 2

        _saved_behind_the_sessions_back(db_session, Theme, theme.id, version=Theme.version + 1, title_sv="Kollegans")
        with pytest.raises(fb.StaleTheme) as theme_error:
            # Only the experiences change: the theme's version still guards them.
            xp_measures.update_theme(
                db_session, publisher, theme, {"title_sv": "Böcker"}, [record.id], expected_version=theme.version
            )
        assert theme_error.value.theme.title_sv == "Kollegans"
        assert xp_measures.theme_record_ids(db_session, theme) == []
        # The conflict showed the current versions, and saving with them goes through.
        xp_measures.save_measure(
            db_session, publisher, theme, {**MEASURE, "owner": "Jag"}, expected_version=error.value.response.version
        )
        db_session.commit()
    assert present(xp_measures.get_measure(db_session, theme.response)).owner == "Jag" and theme.response.version == 3


def test_ledger_statements_do_not_grow_with_closed_surveys(app, db_session, publisher, board, service, create_survey):
    """One query for the closed surveys' days to measures, not one per survey."""
    from tests.perf.conftest import count_statements

    utc = timezone.utc

    def statements() -> tuple[int, int]:
        db_session.expunge_all()  # nothing from the fixtures in the identity map
        with count_statements(db_session) as counter, app.test_request_context("/sv/"):
            ledger = xp_ledger.experience_ledger(
                db_session, db_session.merge(board), now=datetime(2026, 7, 1, tzinfo=utc)
            )
        return len(counter), len(ledger.days_to_measures)

    create_survey(opens_dt=datetime(2026, 1, 1, 9, tzinfo=utc), closes_dt=datetime(2026, 1, 31, 20, tzinfo=utc))
    with app.test_request_context("/sv/"):
        theme = xp_measures.add_theme(db_session, publisher, service, {"title_sv": "A"}, [])
        xp_measures.save_measure(db_session, publisher, theme, {"body_sv": "x", "owner": "o", "status": "done"})
        fb.update_summary(
            db_session, publisher, present(xp_measures.get_report(db_session, service)), {"summary_sv": "S"}
        )
        xp_measures.publish_measures(db_session, publisher, service, now=datetime(2026, 3, 10, 12, tzinfo=utc))
    db_session.commit()
    one = statements()
    for month in (4, 5, 6):
        create_survey(opens_dt=datetime(2025, month, 1, 9, tzinfo=utc), closes_dt=datetime(2025, month, 20, tzinfo=utc))
    db_session.commit()
    four = statements()
    assert (one[1], four[1]) == (1, 4)
    assert four[0] == one[0]
