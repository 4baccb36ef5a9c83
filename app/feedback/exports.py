"""CSV downloads of feedback: the ledger's figures per board and year, and every published response.

UTF-8 with a BOM, ``;`` between fields and a formula guard, as Swedish Excel
opens them; streamed in chunks (the caller wraps them in
``db.keep_session_open``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.boards.models import Board
from app.common.csvexport import iter_csv
from app.consultations.models import PUBLIC_STATUSES, Consultation
from app.feedback import promises
from app.feedback.figures import VIEW_LANGUAGES, Figures, Key, figures
from app.feedback.models import FeedbackReport, FeedbackRevision, Outcome

FIGURE_COLUMNS = (
    "board_slug",
    "board_name_sv",
    "year",
    "consultations_held",
    "participants",
    "views",
)


def _figure_row(board: Board | None, year: int | None, f: Figures, languages: list[str]) -> list[Any]:
    return [
        board.slug if board else "",
        board.name_sv if board else "",
        year if year is not None else "",
        f.held,
        f.participants,
        f.views,
        *(f.views_by_language.get(lang, 0) for lang in languages),
        f.responses,
        *(f.responses_by_outcome.get(o, 0) for o in Outcome),
        f.feedback_due,
        f.feedback_on_time,
        "" if f.share_on_time is None else round(100 * f.share_on_time, 1),
        "" if f.median_days_to_feedback is None else f.median_days_to_feedback,
    ]


def figures_csv(session: Session, *, today: date, board: Board | None = None) -> Iterator[str]:
    """The figures per board and year, with the city's own rows (empty board) first.

    Every board gets a row for every year in which the city held a
    consultation, zeros included, so a board that did not consult shows up.
    With ``board``, that board's rows only. Headers are stable and
    language-independent.
    """
    if board is not None:
        boards = [board]
        rows = figures(session, today=today, board_id=board.id, by_board=True, by_year=True)
        city: dict[Key, Figures] = {}
    else:
        boards = list(session.scalars(sa.select(Board).order_by(Board.name_sv)))
        rows = figures(session, today=today, by_board=True, by_year=True)
        city = figures(session, today=today, by_year=True)
    years = sorted({y for _, y in [*rows, *city] if y is not None})
    seen = {lang for f in [*rows.values(), *city.values()] for lang in f.views_by_language}
    languages = [*VIEW_LANGUAGES, *sorted(seen - set(VIEW_LANGUAGES))]
    header = [
        *FIGURE_COLUMNS,
        *(f"views_{lang}" for lang in languages),
        "responses",
        *(f"responses_{o.value}" for o in Outcome),
        "feedback_due",
        "feedback_on_time",
        "feedback_on_time_percent",
        "median_days_to_feedback",
    ]

    # Built now (boards × years is small), so that a streamed response does
    # not touch ORM objects after the request's session has been closed.
    table = [_figure_row(None, year, city.get((None, year), Figures()), languages) for year in years if city]
    table += [_figure_row(b, year, rows.get((b.id, year), Figures()), languages) for b in boards for year in years]
    return iter_csv(header, iter(table))


FEEDBACK_COLUMNS = (
    "consultation_id",
    "consultation_title_sv",
    "meeting_date",
    "board_slug",
    "board_name_sv",
    "theme_title_sv",
    "theme_title_rom",
    "outcome",
    "response_sv",
    "decision_board_slug",
    "decision_case_reference",
    "decision_paragraph",
    "decision_date",
    "minutes_url",
    "feedback_first_published",
    "feedback_revision",
)
#: Revisions fetched from the database at a time.
CHUNK = 200


def latest_revision_numbers() -> sa.Subquery:
    """``(report_id, number)`` of every report's latest published revision."""
    return (
        sa.select(FeedbackRevision.report_id, sa.func.max(FeedbackRevision.number).label("number"))
        .group_by(FeedbackRevision.report_id)
        .subquery("latest")
    )


def latest_snapshots(session: Session) -> Iterable[Any]:
    """``(consultation_id, snapshot)`` of every consultation's published feedback, in one query."""
    latest = latest_revision_numbers()
    return session.execute(
        sa.select(FeedbackReport.consultation_id, FeedbackRevision.snapshot)
        .select_from(FeedbackRevision)
        .join(
            latest,
            sa.and_(latest.c.report_id == FeedbackRevision.report_id, latest.c.number == FeedbackRevision.number),
        )
        .join(FeedbackReport, FeedbackReport.id == FeedbackRevision.report_id)
        .where(FeedbackReport.published_dt.is_not(None), FeedbackReport.consultation_id.is_not(None))
        .order_by(FeedbackReport.consultation_id)
    ).all()


def feedback_csv(session: Session) -> Iterator[str]:
    """Every published theme, response and cited decision, from each report's latest published revision.

    One row per decision cited (a response without decisions gets one row with
    the decision columns empty; a theme without a response, one row with the
    response columns empty). Revisions stream from a server-side cursor.
    """
    latest = latest_revision_numbers()
    stmt = (
        sa.select(
            Consultation.id,
            Consultation.title_sv,
            Consultation.start_dt,
            Board.slug,
            Board.name_sv,
            FeedbackReport.published_dt,
            FeedbackRevision.number,
            FeedbackRevision.snapshot,
        )
        .select_from(FeedbackRevision)
        .join(
            latest,
            sa.and_(latest.c.report_id == FeedbackRevision.report_id, latest.c.number == FeedbackRevision.number),
        )
        .join(FeedbackReport, FeedbackReport.id == FeedbackRevision.report_id)
        .join(Consultation, Consultation.id == FeedbackReport.consultation_id)
        .join(Board, Board.id == Consultation.lead_board_id)
        .where(Consultation.status.in_(PUBLIC_STATUSES), FeedbackReport.published_dt.is_not(None))
        .order_by(Consultation.start_dt, Consultation.id)
        .execution_options(yield_per=CHUNK)
    )

    def local(value: Any) -> str:
        return promises.stockholm_today(value).isoformat() if value else ""

    def generate() -> Iterator[list[Any]]:
        result = session.execute(stmt)
        try:
            for cid, title, start, slug, name, first, number, snapshot in result:
                common = [cid, title, local(start), slug, name]
                tail = [local(first), number]
                for theme in (snapshot or {}).get("themes", []):
                    response = theme.get("response") or {}
                    head = [
                        *common,
                        theme.get("title_sv"),
                        theme.get("title_rom"),
                        response.get("outcome"),
                        response.get("body_sv"),
                    ]
                    decisions = response.get("decisions") or [{}]
                    for d in decisions:
                        yield [
                            *head,
                            (d.get("board") or {}).get("slug"),
                            d.get("case_reference"),
                            d.get("paragraph"),
                            d.get("meeting_date"),
                            d.get("minutes_url"),
                            *tail,
                        ]
        finally:
            result.close()

    yield from iter_csv(FEEDBACK_COLUMNS, generate())
