"""The influence ledger and the city report: aggregate figures by board and year.

Every figure is **one aggregate SQL statement**, grouped by board and/or year
as asked; Python only files the aggregated rows under their keys, never loops
over consultations. The same statements serve a board's ledger
(``board_id=…``), the city report (``by_board=True`` for the per-board table,
neither for the city's own figures) and the CSV exports (``by_year=True``).

What is counted, for consultations *held* (held, feedback published or
closed), each under its lead board and every co-host (so the city's totals,
which count each consultation once, are not the sum of the boards' rows):

* ``held``: consultations, by the year of the meeting in Stockholm;
* ``participants``: people who came. Where staff have marked attendance for a
  consultation, those marked as present; where they have not, the confirmed
  registrations (people with a place);
* ``views``: views given, by language (all of them, hidden ones too: they were
  still said);
* ``responses``: the board's responses in published feedback, by outcome;
* ``timing``: promises of feedback that fell due (feedback published, or the
  promised date passed without it), how many were kept, and the median number
  of days from the meeting to the first publication of feedback.

Dates are Stockholm dates, computed in SQL (:class:`stockholm_date`): feedback
published at 00:30 local time on the day after the promised date is late.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql import expression
from sqlalchemy.sql.compiler import SQLCompiler

from app.boards.models import Board
from app.consultations.models import Consultation, consultation_hosts
from app.consultations.models import ConsultationStatus as S
from app.feedback import subjects
from app.feedback.models import (
    FeedbackReport,
    Outcome,
    Theme,
    ThemeResponse,
)
from app.participation.models import Viewpoint
from app.registrations.models import Registration, RegistrationStatus

#: Statuses in which a consultation counts as held.
HELD_STATUSES = (S.HELD, S.FEEDBACK_PUBLISHED, S.CLOSED)
#: The figures, one SQL statement each.
PARTS = ("held", "views", "responses", "timing")
#: Languages that always get a column in the CSV (others get one when they occur).
VIEW_LANGUAGES = ("rom", "sv", "other")

Key = tuple[int | None, int | None]  # (board id, year); None where not grouped


# --- Stockholm dates in SQL ------------------------------------------------------------------------


class stockholm_date(expression.FunctionElement[date]):  # noqa: N801 - reads like the SQL function it is
    """The Stockholm calendar date of a UTC timestamp column, in SQL.

    PostgreSQL converts with its time-zone database. SQLite has none, so the
    EU rule is written out: summer time (UTC+2) from 01:00 UTC on the last
    Sunday of March to 01:00 UTC on the last Sunday of October, UTC+1
    otherwise (Sweden has followed it since 1996).
    """

    type = sa.Date()
    inherit_cache = True
    name = "stockholm_date"


@compiles(stockholm_date)
def _stockholm_date_default(element: stockholm_date, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    value = compiler.process(column, **kw)
    return f"CAST(timezone('Europe/Stockholm', timezone('UTC', {value})) AS DATE)"


@compiles(stockholm_date, "sqlite")
def _stockholm_date_sqlite(element: stockholm_date, compiler: SQLCompiler, **kw: Any) -> str:
    (column,) = element.clauses
    v = compiler.process(column, **kw)

    def change(month: str) -> str:  # 01:00 UTC on the month's last Sunday
        return f"datetime(date(strftime('%Y', {v}) || '-{month}-31', '-6 days', 'weekday 0'), '+1 hours')"

    summer = f"{v} >= {change('03')} AND {v} < {change('10')}"
    return f"date({v}, CASE WHEN {summer} THEN '+2 hours' ELSE '+1 hours' END)"


class days_between(expression.FunctionElement[int]):  # noqa: N801
    """Whole days from the date ``start`` to the date ``end`` (``end - start``)."""

    type = sa.Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_between_default(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = (compiler.process(c, **kw) for c in element.clauses)
    return f"({end} - {start})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


# --- Figures ---------------------------------------------------------------------------------------------


@dataclass
class Figures:
    """The figures of one board, one year, one board's year, or the whole city."""

    held: int = 0
    participants: int = 0
    views_by_language: dict[str, int] = field(default_factory=dict)
    responses_by_outcome: dict[Outcome, int] = field(default_factory=dict)
    feedback_due: int = 0  # consultations whose feedback is published or already late
    feedback_on_time: int = 0
    median_days_to_feedback: float | None = None

    @property
    def views(self) -> int:
        return sum(self.views_by_language.values())

    @property
    def responses(self) -> int:
        return sum(self.responses_by_outcome.values())

    @property
    def share_on_time(self) -> float | None:
        return self.feedback_on_time / self.feedback_due if self.feedback_due else None

    def languages(self) -> list[tuple[str, int]]:
        """Views by language, most first."""
        return sorted(self.views_by_language.items(), key=lambda pair: (-pair[1], pair[0]))

    def outcomes(self) -> list[tuple[Outcome, int]]:
        """Responses by outcome, every outcome in its fixed order."""
        return [(o, self.responses_by_outcome.get(o, 0)) for o in Outcome]


def _year(column: Any) -> Any:
    return sa.cast(sa.extract("year", stockholm_date(column)), sa.Integer)


def _scope(board_id: int | None, by_board: bool, *, year: bool, dates: bool = False) -> sa.Subquery:
    """Held consultations, one row per (board, consultation) when boards are asked for, else one per consultation.

    A consultation counts for its lead board and for each co-host that is not
    also the lead: ``UNION ALL`` of the two, which need no de-duplication (a
    board is a co-host of a consultation once, by the primary key).

    For one board, both halves are index lookups (``lead_board_id``,
    ``consultation_hosts.board_id``), not a join of every held consultation.
    For every board, the (board, consultation) pairs are joined to
    ``consultations`` afterwards, so that statements join on
    ``consultations.id``: PostgreSQL has no statistics for a column of a
    ``UNION ALL`` and misestimates joins on it by orders of magnitude.

    Only the columns a statement reads are selected (``year``: the Stockholm
    year of the meeting; ``dates``: ``start_dt`` and ``due``): SQLite
    materialises the subquery and would otherwise compute the Stockholm date
    of every meeting for nothing.
    """
    held = Consultation.status.in_(HELD_STATUSES)

    def columns(board: Any) -> list[Any]:
        selected = [board.label("board_id"), Consultation.id.label("consultation_id")]
        if year:
            selected.append(_year(Consultation.start_dt).label("year"))
        if dates:
            selected += [Consultation.start_dt.label("start_dt"), Consultation.feedback_due_date.label("due")]
        return selected

    if board_id is None and not by_board:
        return sa.select(*columns(sa.null())).where(held).subquery("scope")
    co_hosted = (
        sa.select(consultation_hosts.c.board_id, consultation_hosts.c.consultation_id)
        .join(Consultation, Consultation.id == consultation_hosts.c.consultation_id)
        .where(consultation_hosts.c.board_id != Consultation.lead_board_id)
    )
    if board_id is None:
        led = sa.select(Consultation.lead_board_id.label("board_id"), Consultation.id.label("consultation_id"))
        pairs = sa.union_all(led, co_hosted).subquery("pairs")
        return (
            sa.select(*columns(pairs.c.board_id))
            .join_from(pairs, Consultation, Consultation.id == pairs.c.consultation_id)
            .where(held)
            .subquery("scope")
        )
    led = sa.select(*columns(Consultation.lead_board_id)).where(held, Consultation.lead_board_id == board_id)
    co_hosted = co_hosted.with_only_columns(*columns(consultation_hosts.c.board_id)).where(
        held, consultation_hosts.c.board_id == board_id
    )
    return sa.union_all(led, co_hosted).subquery("scope")


def _keys(scope: sa.Subquery, by_board: bool, by_year: bool) -> list[Any]:
    keys = []
    if by_board:
        keys.append(scope.c.board_id)
    if by_year:
        keys.append(scope.c.year)
    return keys


def _key(row: Any, by_board: bool, by_year: bool) -> Key:
    values = list(row[: int(by_board) + int(by_year)])
    board = values.pop(0) if by_board else None
    year = values.pop(0) if by_year else None
    return (board, None if year is None else int(year))


def _people() -> Any:
    """People who came, over one consultation's registrations (an aggregate).

    Where staff marked attendance for anyone, those marked present; where they
    did not, the registrations with a place.
    """
    marked = sa.func.count(Registration.attended) > 0
    attended = sa.func.sum(sa.case((Registration.attended.is_(True), 1), else_=0))
    confirmed = sa.func.sum(sa.case((Registration.status == RegistrationStatus.CONFIRMED, 1), else_=0))
    return sa.case((marked, attended), else_=confirmed)


def _held(session: Session, scope: sa.Subquery, keys: list[Any], *, one_board: bool) -> Iterable[Any]:
    """Consultations held and their participants, in one statement.

    For one board, each of its consultations' registrations are counted
    through the index on ``registrations.consultation_id`` (a correlated
    subquery per consultation); for the city or every board, all
    registrations are aggregated once and joined.
    """
    if one_board:
        people = (
            sa.select(_people())
            .where(Registration.consultation_id == scope.c.consultation_id)
            .correlate(scope)
            .scalar_subquery()
        )
        rows = sa.select(*keys, people.label("people")).select_from(scope).subquery("held")
        outer = [rows.c[k.name] for k in keys]
        return session.execute(
            sa.select(*outer, sa.func.count(), sa.func.coalesce(sa.func.sum(rows.c.people), 0)).group_by(*outer)
        )
    per_consultation = (
        sa.select(Registration.consultation_id, _people().label("people"))
        .group_by(Registration.consultation_id)
        .subquery("people")
    )
    return session.execute(
        sa.select(*keys, sa.func.count(), sa.func.coalesce(sa.func.sum(per_consultation.c.people), 0))
        .select_from(scope)
        .outerjoin(per_consultation, per_consultation.c.consultation_id == scope.c.consultation_id)
        .group_by(*keys)
    )


def _views(session: Session, scope: sa.Subquery, keys: list[Any]) -> Iterable[Any]:
    # count(*), not count(viewpoints.id): the index (consultation_id, language) then answers alone.
    return session.execute(
        sa.select(*keys, Viewpoint.language, sa.func.count())
        .select_from(scope)
        .join(Viewpoint, Viewpoint.consultation_id == scope.c.consultation_id)
        .group_by(*keys, Viewpoint.language)
    )


def _responses(session: Session, scope: sa.Subquery, keys: list[Any]) -> Iterable[Any]:
    return session.execute(
        sa.select(*keys, ThemeResponse.outcome, sa.func.count())
        .select_from(scope)
        .join(FeedbackReport, FeedbackReport.consultation_id == scope.c.consultation_id)
        .join(Theme, Theme.report_id == FeedbackReport.id)
        .join(ThemeResponse, ThemeResponse.theme_id == Theme.id)
        .where(FeedbackReport.published_dt.is_not(None))
        .group_by(*keys, ThemeResponse.outcome)
    )


def _timing(session: Session, scope: sa.Subquery, keys: list[Any], today: date) -> Iterable[Any]:
    """Promises due and kept, and the median days from meeting to feedback, in one statement.

    The median is taken with window functions (portable to SQLite): the
    consultations with a number of days are numbered in order of it within
    their group, and the middle one (or the mean of the middle two) is kept.
    """
    published = FeedbackReport.published_dt
    published_on = stockholm_date(published)
    days = days_between(published_on, stockholm_date(scope.c.start_dt))
    has_days = sa.and_(published.is_not(None), scope.c.start_dt.is_not(None))
    is_due = sa.and_(scope.c.due.is_not(None), sa.or_(published.is_not(None), scope.c.due < today))
    on_time = sa.and_(scope.c.due.is_not(None), published.is_not(None), published_on <= scope.c.due)
    rows = (
        sa.select(
            *keys,
            sa.case((is_due, 1), else_=0).label("is_due"),
            sa.case((on_time, 1), else_=0).label("on_time"),
            sa.case((has_days, days), else_=None).label("days"),
            sa.func.row_number().over(partition_by=[*keys, has_days], order_by=days).label("rank"),
            sa.func.count(sa.case((has_days, 1), else_=None)).over(partition_by=keys or None).label("n"),
        )
        .select_from(scope)
        .outerjoin(FeedbackReport, FeedbackReport.consultation_id == scope.c.consultation_id)
        .subquery("timing")
    )
    outer_keys = [rows.c[k.name] for k in keys]
    middle = sa.and_(
        rows.c.days.is_not(None), sa.or_(rows.c.rank == (rows.c.n + 1) // 2, rows.c.rank == (rows.c.n + 2) // 2)
    )
    return session.execute(
        sa.select(
            *outer_keys,
            sa.func.sum(rows.c.is_due),
            sa.func.sum(rows.c.on_time),
            sa.func.avg(sa.case((middle, rows.c.days), else_=None)),
        ).group_by(*outer_keys)
    )


def figures(
    session: Session,
    *,
    today: date,
    board_id: int | None = None,
    by_board: bool = False,
    by_year: bool = False,
    parts: Collection[str] = PARTS,
) -> dict[Key, Figures]:
    """The figures, keyed by ``(board id, year)`` (``None`` in what is not grouped).

    ``board_id`` limits to one board; ``by_board`` groups by board (a
    consultation counts for its lead board and each co-host); neither gives the
    city's figures, each consultation once. ``parts`` chooses which of
    :data:`PARTS` to compute, one statement each.
    """
    # One board's figures are not grouped by board in SQL (it is the same in
    # every row); its id is put back in the keys here when by_board asks for it.
    group_board = by_board and board_id is None
    n = int(group_board) + int(by_year)

    def scoped(dates: bool = False) -> tuple[sa.Subquery, list[Any]]:
        scope = _scope(board_id, by_board or board_id is not None, year=by_year, dates=dates)
        return scope, _keys(scope, group_board, by_year)

    out: dict[Key, Figures] = {}

    def at(row: Any) -> Figures:
        board, year = _key(row, group_board, by_year)
        if board_id is not None and by_board:
            board = board_id
        return out.setdefault((board, year), Figures())

    # Without GROUP BY, an aggregate over no rows still returns one row
    # (count 0, sums NULL): nothing is filed for it, as none is when grouped.
    if "held" in parts:
        for row in _held(session, *scoped(), one_board=board_id is not None):
            if not row[n]:
                continue
            f = at(row)
            f.held, f.participants = int(row[n]), int(row[n + 1])
    if "views" in parts:
        for row in _views(session, *scoped()):
            at(row).views_by_language[row[n]] = int(row[n + 1])
    if "responses" in parts:
        for row in _responses(session, *scoped()):
            at(row).responses_by_outcome[row[n]] = int(row[n + 1])
    if "timing" in parts:
        for row in _timing(session, *scoped(dates=True), today):
            if row[n] is None:
                continue
            f = at(row)
            f.feedback_due, f.feedback_on_time = int(row[n] or 0), int(row[n + 1] or 0)
            f.median_days_to_feedback = None if row[n + 2] is None else float(row[n + 2])
    return out


# --- The city report ----------------------------------------------------------------------------------


@dataclass
class BoardFigures:
    board: Board
    total: Figures
    this_year: Figures


@dataclass
class CityReport:
    year: int
    total: Figures
    per_year: list[tuple[int, Figures]]
    boards: list[BoardFigures]
    #: What each feedback subject adds (:attr:`Subject.report_part`): ``(template, data)`` pairs.
    parts: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def not_consulted(self) -> list[Board]:
        """Boards that have held no consultation this year (led or co-hosted)."""
        return [b.board for b in self.boards if not b.this_year.held]


def city_report(session: Session, *, today: date) -> CityReport:
    """The city's figures, per year and per board (eight aggregate statements and the boards)."""
    boards = list(session.scalars(sa.select(Board).order_by(Board.name_sv)))
    total = figures(session, today=today).get((None, None), Figures())
    per_year = figures(session, today=today, by_year=True, parts=("held",))
    per_board = figures(session, today=today, by_board=True)
    board_years = figures(session, today=today, by_board=True, by_year=True, parts=("held",))
    return CityReport(
        year=today.year,
        total=total,
        per_year=sorted((y, f) for (_, y), f in per_year.items() if y is not None),
        boards=[
            BoardFigures(b, per_board.get((b.id, None), Figures()), board_years.get((b.id, today.year), Figures()))
            for b in boards
        ],
        parts=[
            (subject.report_template, part)
            for subject in subjects.subjects()
            if subject.report_part is not None
            and subject.report_template
            and (part := subject.report_part(session, boards))
        ],
    )


# --- CSV ------------------------------------------------------------------------------------------------------
