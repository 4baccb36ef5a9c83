"""Anonymous input keeps only the day it came, never the second (which a log line could be joined with).

Views, survey answers, wishes and meeting evaluations store the start of their
Stockholm day; rows of one day keep their order by id; the data migration
rounds down what was stored before.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta, timezone

import pytest
import sqlalchemy as sa

from app import migrate
from app.accounts.models import Role
from app.consultations.models import ConsultationStatus as S
from app.db import coarse_time, make_engine, utcnow
from app.experiences.models import (
    ExperienceRecord,
    QuestionKind,
    Service,
    Survey,
    SurveyQuestion,
)
from app.i18n import STOCKHOLM
from app.minutes import services as minutes
from app.minutes.models import Evaluation
from app.participation.models import Viewpoint
from app.wishes.models import Wish
from tests.conftest import in_days
from tests.databases import empty_database


def _assert_day_only(stored: datetime, before: datetime, after: datetime) -> None:
    assert stored in {coarse_time(before), coarse_time(after)}, stored
    assert stored.astimezone(STOCKHOLM).time() == time(0, 0)


def test_coarse_time_is_the_start_of_the_stockholm_day():
    late_evening = datetime(2026, 12, 1, 23, 30, 15, 123456, tzinfo=timezone.utc)  # 00:30 on 2 December in Stockholm
    assert coarse_time(late_evening) == datetime(2026, 12, 1, 23, 0, tzinfo=timezone.utc)
    assert coarse_time(datetime(2026, 7, 1, 12, 5, tzinfo=timezone.utc)) == datetime(
        2026, 6, 30, 22, 0, tzinfo=timezone.utc
    )
    assert coarse_time(late_evening, "hour") == datetime(2026, 12, 1, 23, 0, tzinfo=timezone.utc)


def test_a_view_written_on_the_web_keeps_only_its_day_and_its_order(
    client, auth, create_consultation, create_user, db_session
):
    consultation = create_consultation()
    before = utcnow()
    for n in (1, 2, 3):
        response = client.post(
            f"/sv/consultations/{consultation.id}/views/new",
            data={"body": f"Synpunkt {n}", "language": "sv", "submission_key": f"coarse-{n}"},
        )
        assert response.status_code == 302
        assert client.get(response.headers["Location"]).status_code == 200  # the receipt
    after = utcnow()
    stored = (
        db_session.execute(sa.select(Viewpoint.created_dt).where(Viewpoint.consultation_id == consultation.id))
        .scalars()
        .all()
    )
    assert len(stored) == 3
    for value in stored:
        _assert_day_only(value, before, after)
    # Written directly with a precise time, the database still keeps only the day.
    precise = Viewpoint(
        consultation_id=consultation.id,
        reference_code="COAR-SE11",
        body="Direkt",
        language="sv",
        created_dt=datetime(2026, 3, 4, 15, 16, 17, 181920, tzinfo=timezone.utc),
    )
    db_session.add(precise)
    db_session.commit()
    assert db_session.scalar(sa.select(Viewpoint.created_dt).where(Viewpoint.id == precise.id)) == datetime(
        2026, 3, 3, 23, 0, tzinfo=timezone.utc
    )

    # Staff see them in the order they came, in the page and the CSV, dated by day.
    auth.login(create_user(boards={consultation.lead_board: Role.EDITOR}))
    page = client.get(f"/sv/staff/consultations/{consultation.id}/views").get_data(as_text=True)
    assert page.index("Synpunkt 1") < page.index("Synpunkt 2") < page.index("Synpunkt 3")
    text = client.get(f"/sv/staff/consultations/{consultation.id}/views.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert [r["text"] for r in rows] == ["Direkt", "Synpunkt 1", "Synpunkt 2", "Synpunkt 3"]
    assert rows[0]["received_on"] == "2026-03-04"
    assert all(len(r["received_on"]) == 10 for r in rows)


def test_survey_answers_wishes_and_evaluations_keep_only_their_day(
    app, client, db_session, create_board, create_consultation
):
    board = create_board()
    survey = Survey(
        service=Service(board=board, name_sv="Läsambassad"),
        short_code="DAY001",
        title_sv="Hur var det?",
        opens_dt=in_days(-3),
        closes_dt=in_days(10),
        published_dt=in_days(-3),
        questions=[SurveyQuestion(position=1, kind=QuestionKind.TEXT, text_sv="Vad var bra?")],
    )
    db_session.add(survey)
    db_session.commit()
    before = utcnow()
    response = client.post(
        f"/sv/s/{survey.short_code}",
        data={survey.questions[0].field_name: "Bra", "language": "sv", "submission_key": "day-answer"},
    )
    assert response.status_code == 302
    response = client.post(
        "/sv/wishes/new",
        data={
            "kind": "topic",
            "text": "Ett samråd om skolan.",
            "language": "sv",
            "board_ids": [str(board.id)],
            "submission_key": "day-wish",
            "romani_variety": "",
        },
    )
    assert response.status_code == 302
    consultation = create_consultation(board=board, status=S.HELD, start_dt=utcnow() - timedelta(days=1))
    consultation.held_dt = utcnow()
    db_session.commit()
    with app.app_context():
        minutes.submit_evaluation(
            db_session,
            consultation,
            minutes.EvaluationData(well_run=4, could_speak=5, language_support=3, comment=None),
            idempotency_key="day-eval",
        )
        db_session.commit()
    after = utcnow()
    for column in (ExperienceRecord.created_dt, Wish.created_dt, Evaluation.created_dt):
        values = db_session.execute(sa.select(column)).scalars().all()
        assert len(values) == 1, column
        _assert_day_only(values[0], before, after)


@pytest.mark.parametrize("backend_name", ["migration"])
def test_the_migration_rounds_down_what_was_stored_before(backend: str, tmp_path, backend_name: str) -> None:
    with empty_database(backend, tmp_path, "coarse") as url:
        migrate.upgrade(url, "59f7d3fdb345")  # the revision before
        engine = make_engine(url)
        try:
            with engine.begin() as connection:
                connection.execute(
                    sa.text(
                        "INSERT INTO wishes (kind, text, language, status, created_dt, wants_answer) "
                        "VALUES ('topic', 'Förr', 'sv', 'new', :dt, false)"
                    ),
                    {"dt": datetime(2026, 12, 1, 23, 30, 15, 123456)},
                )
            migrate.upgrade(url)
            with engine.connect() as connection:
                stored = connection.execute(sa.select(Wish.created_dt)).scalar_one()
        finally:
            engine.dispose()
    assert stored == datetime(2026, 12, 1, 23, 0, tzinfo=timezone.utc)  # 00:00 on 2 December in Stockholm
