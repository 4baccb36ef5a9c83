"""The board's follow-up of its city services: surveys run, notes, measures by status, days to measures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.boards.models import Board
from app.db import utcnow
from app.experiences.models import (
    NOTE_KINDS,
    ExperienceRecord,
    Measure,
    MeasureStatus,
    Service,
    Survey,
)
from app.feedback import promises
from app.feedback.models import (
    FeedbackReport,
    FeedbackRevision,
    Theme,
    ThemeResponse,
)


@dataclass
class ExperienceLedger:
    #: ``(service, year, surveys run, answers)``, by service name and year.
    surveys_per_service_year: list[tuple[Service, int, int, int]]
    notes: int
    measures_by_status: list[tuple[MeasureStatus, int]]
    #: ``(survey, days from close to the first measures published after it)``.
    days_to_measures: list[tuple[Survey, int]]

    @property
    def median_days_to_measures(self) -> float | None:
        days = sorted(d for _s, d in self.days_to_measures)
        if not days:
            return None
        mid = len(days) // 2
        return float(days[mid]) if len(days) % 2 else (days[mid - 1] + days[mid]) / 2


def experience_ledger(session: Session, board: Board, *, now: datetime | None = None) -> ExperienceLedger:
    """The board's follow-up of experiences, in aggregate SQL.

    A survey is *run* once published and opened; its year is the year it
    opened. Answers are survey records by the survey's year. Measures count
    only in published reports. Days to measures run from a closed survey's
    closing date to the first publication of its service's measures after it
    (Stockholm dates).
    """
    now = now or utcnow()
    year = sa.extract("year", Survey.opens_dt)
    run = Survey.published_dt.is_not(None) & (Survey.opens_dt <= now)
    surveys = {
        (sid, int(y)): n
        for sid, y, n in session.execute(
            sa.select(Survey.service_id, year, sa.func.count(Survey.id))
            .join(Service, Survey.service_id == Service.id)
            .where(Service.board_id == board.id, run)
            .group_by(Survey.service_id, year)
        ).all()
    }
    answers = {
        (sid, int(y)): n
        for sid, y, n in session.execute(
            sa.select(Survey.service_id, year, sa.func.count(ExperienceRecord.id))
            .join(ExperienceRecord, ExperienceRecord.survey_id == Survey.id)
            .join(Service, Survey.service_id == Service.id)
            .where(Service.board_id == board.id, run)
            .group_by(Survey.service_id, year)
        ).all()
    }
    services = {s.id: s for s in session.scalars(sa.select(Service).where(Service.board_id == board.id))}
    keys = sorted(set(surveys) | set(answers), key=lambda k: (services[k[0]].name_sv, k[1]))
    notes = (
        session.scalar(
            sa.select(sa.func.count(ExperienceRecord.id))
            .join(Service, ExperienceRecord.service_id == Service.id)
            .where(Service.board_id == board.id, ExperienceRecord.kind.in_(NOTE_KINDS))
        )
        or 0
    )
    status_counts = dict(
        session.execute(
            sa.select(Measure.status, sa.func.count(Measure.id))
            .join(ThemeResponse, Measure.response_id == ThemeResponse.id)
            .join(Theme, ThemeResponse.theme_id == Theme.id)
            .join(FeedbackReport, Theme.report_id == FeedbackReport.id)
            .join(Service, FeedbackReport.service_id == Service.id)
            .where(Service.board_id == board.id, FeedbackReport.published_dt.is_not(None))
            .group_by(Measure.status)
        ).all()
    )
    first_after = session.execute(
        sa.select(Survey.id, Survey.closes_dt, sa.func.min(FeedbackRevision.published_dt))
        .join(Service, Survey.service_id == Service.id)
        .join(FeedbackReport, FeedbackReport.service_id == Service.id)
        .join(FeedbackRevision, FeedbackRevision.report_id == FeedbackReport.id)
        .where(
            Service.board_id == board.id,
            Survey.published_dt.is_not(None),
            Survey.closes_dt <= now,
            FeedbackRevision.published_dt >= Survey.closes_dt,
        )
        .group_by(Survey.id, Survey.closes_dt)
        .order_by(Survey.closes_dt, Survey.id)
    ).all()
    # One query for all closed surveys (not one per survey), none when there are none.
    closed = (
        {s.id: s for s in session.scalars(sa.select(Survey).where(Survey.id.in_([row[0] for row in first_after])))}
        if first_after
        else {}
    )
    days = [
        (closed[sid], (promises.stockholm_today(published) - promises.stockholm_today(closes)).days)
        for sid, closes, published in first_after
    ]
    return ExperienceLedger(
        surveys_per_service_year=[
            (services[sid], y, surveys.get((sid, y), 0), answers.get((sid, y), 0)) for sid, y in keys
        ],
        notes=notes,
        measures_by_status=[(s, status_counts.get(s, 0)) for s in MeasureStatus],
        days_to_measures=days,
    )


def _median(values: list[int]) -> float | None:
    days = sorted(values)
    if not days:
        return None
    mid = len(days) // 2
    return float(days[mid]) if len(days) % 2 else (days[mid - 1] + days[mid]) / 2


@dataclass
class BoardExperience:
    """One board's (or the city's) row of the city report's experience part."""

    surveys_run: int
    answers: int
    measures_by_status: list[tuple[MeasureStatus, int]]
    days_to_measures: list[int]

    @property
    def median_days_to_measures(self) -> float | None:
        return _median(self.days_to_measures)


@dataclass
class ExperienceReport:
    """The city report's part on experience gathering: each board with city services, and the city."""

    boards: list[tuple[Board, BoardExperience]]

    @property
    def city(self) -> BoardExperience:
        rows = [x for _b, x in self.boards]
        return BoardExperience(
            surveys_run=sum(x.surveys_run for x in rows),
            answers=sum(x.answers for x in rows),
            measures_by_status=[
                (status, sum(dict(x.measures_by_status).get(status, 0) for x in rows)) for status in MeasureStatus
            ],
            days_to_measures=[d for x in rows for d in x.days_to_measures],
        )


def experience_report(session: Session, boards: list[Board], *, now: datetime | None = None) -> ExperienceReport | None:
    """Surveys run, answers, published measures by status and days from survey close to published
    measures, for each of ``boards`` that has city services (``None`` when none has), by the rules
    of :func:`experience_ledger`. Five aggregate statements however many boards (one when no board
    has a service)."""
    now = now or utcnow()
    with_services = dict(
        session.execute(sa.select(Service.board_id, sa.func.count(Service.id)).group_by(Service.board_id)).all()
    )
    boards = [b for b in boards if with_services.get(b.id)]
    if not boards:
        return None
    run = Survey.published_dt.is_not(None) & (Survey.opens_dt <= now)
    surveys = dict(
        session.execute(
            sa.select(Service.board_id, sa.func.count(Survey.id))
            .select_from(Survey)
            .join(Service, Survey.service_id == Service.id)
            .where(run)
            .group_by(Service.board_id)
        ).all()
    )
    answers = dict(
        session.execute(
            sa.select(Service.board_id, sa.func.count(ExperienceRecord.id))
            .select_from(Survey)
            .join(ExperienceRecord, ExperienceRecord.survey_id == Survey.id)
            .join(Service, Survey.service_id == Service.id)
            .where(run)
            .group_by(Service.board_id)
        ).all()
    )
    statuses: dict[tuple[int, MeasureStatus], int] = {
        (b, st): n
        for b, st, n in session.execute(
            sa.select(Service.board_id, Measure.status, sa.func.count(Measure.id))
            .select_from(Measure)
            .join(ThemeResponse, Measure.response_id == ThemeResponse.id)
            .join(Theme, ThemeResponse.theme_id == Theme.id)
            .join(FeedbackReport, Theme.report_id == FeedbackReport.id)
            .join(Service, FeedbackReport.service_id == Service.id)
            .where(FeedbackReport.published_dt.is_not(None))
            .group_by(Service.board_id, Measure.status)
        ).all()
    }
    days: dict[int, list[int]] = {}
    for board_id, _sid, closes, published in session.execute(
        sa.select(Service.board_id, Survey.id, Survey.closes_dt, sa.func.min(FeedbackRevision.published_dt))
        .select_from(Survey)
        .join(Service, Survey.service_id == Service.id)
        .join(FeedbackReport, FeedbackReport.service_id == Service.id)
        .join(FeedbackRevision, FeedbackRevision.report_id == FeedbackReport.id)
        .where(
            Survey.published_dt.is_not(None), Survey.closes_dt <= now, FeedbackRevision.published_dt >= Survey.closes_dt
        )
        .group_by(Service.board_id, Survey.id, Survey.closes_dt)
    ).all():
        days.setdefault(board_id, []).append(
            (promises.stockholm_today(published) - promises.stockholm_today(closes)).days
        )
    return ExperienceReport(
        boards=[
            (
                board,
                BoardExperience(
                    surveys_run=surveys.get(board.id, 0),
                    answers=answers.get(board.id, 0),
                    measures_by_status=[(st, statuses.get((board.id, st), 0)) for st in MeasureStatus],
                    days_to_measures=days.get(board.id, []),
                ),
            )
            for board in boards
        ]
    )


# --- CSV (the city report's and a board ledger's downloads, through feedback.subjects) -------------------------

REPORT_COLUMNS = [
    "board_slug",
    "board_name_sv",
    "surveys_run",
    "answers",
    *(f"measures_{status.value}" for status in MeasureStatus),
    "median_days_to_measures",
]


def _report_row(board: Board | None, x: BoardExperience) -> list[Any]:
    median = x.median_days_to_measures
    return [
        board.slug if board else "",
        board.name_sv if board else "",
        x.surveys_run,
        x.answers,
        *(n for _status, n in x.measures_by_status),
        "" if median is None else median,
    ]


def experience_report_csv(session: Session, boards: list[Board]) -> tuple[list[str], list[list[Any]]]:
    """The city report's experience figures: the city's row (empty board) first, then each board
    with city services. The same rules as :func:`experience_report`."""
    report = experience_report(session, boards)
    if report is None:
        return REPORT_COLUMNS, []
    return REPORT_COLUMNS, [_report_row(None, report.city), *(_report_row(b, x) for b, x in report.boards)]


LEDGER_COLUMNS = [
    "kind",
    "service_name_sv",
    "title_sv",
    "opens",
    "closes",
    "answers",
    "measure_status",
    "measure_owner",
    "measure_start",
    "measure_end",
    "published",
]


def experience_ledger_csv(
    session: Session, board: Board, *, now: datetime | None = None
) -> tuple[list[str], list[list[Any]]]:
    """Every survey the board's city services have run (with its answers) and every published
    measure (its theme's title, status, owner and dates), by name: what the ledger counts."""
    now = now or utcnow()
    run = Survey.published_dt.is_not(None) & (Survey.opens_dt <= now)
    answers = (
        sa.select(sa.func.count(ExperienceRecord.id))
        .where(ExperienceRecord.survey_id == Survey.id)
        .correlate(Survey)
        .scalar_subquery()
    )
    rows: list[list[Any]] = [
        [
            "survey",
            service,
            title,
            promises.stockholm_today(opens).isoformat(),
            promises.stockholm_today(closes).isoformat(),
            n,
            "",
            "",
            "",
            "",
            promises.stockholm_today(published).isoformat(),
        ]
        for service, title, opens, closes, n, published in session.execute(
            sa.select(Service.name_sv, Survey.title_sv, Survey.opens_dt, Survey.closes_dt, answers, Survey.published_dt)
            .join(Service, Survey.service_id == Service.id)
            .where(Service.board_id == board.id, run)
            .order_by(Service.name_sv, Survey.opens_dt, Survey.id)
        )
    ]
    rows += [
        [
            "measure",
            service,
            title,
            "",
            "",
            "",
            status.value,
            owner,
            start.isoformat() if start else "",
            end.isoformat() if end else "",
            promises.stockholm_today(published).isoformat(),
        ]
        for service, title, status, owner, start, end, published in session.execute(
            sa.select(
                Service.name_sv,
                Theme.title_sv,
                Measure.status,
                Measure.owner,
                Measure.start_date,
                Measure.end_date,
                FeedbackReport.published_dt,
            )
            .join(ThemeResponse, Measure.response_id == ThemeResponse.id)
            .join(Theme, ThemeResponse.theme_id == Theme.id)
            .join(FeedbackReport, Theme.report_id == FeedbackReport.id)
            .join(Service, FeedbackReport.service_id == Service.id)
            .where(Service.board_id == board.id, FeedbackReport.published_dt.is_not(None))
            .order_by(Service.name_sv, Theme.id)
        )
    ]
    return LEDGER_COLUMNS, rows
