"""The influence ledger: a board's public record of what was asked, what was said and what came of it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.boards.models import Board
from app.feedback import figures, promises
from app.feedback.models import Outcome
from app.feedback.subjects import subjects


@dataclass
class Ledger:
    """A board's public record: what was asked, what was said, what came of it."""

    held_per_year: list[tuple[int, int]]
    views_by_language: list[tuple[str, int]]
    responses_by_outcome: list[tuple[Outcome, int]]
    feedback_due: int  # consultations whose feedback is published or already late
    feedback_on_time: int
    median_days_to_feedback: float | None
    #: What each feedback subject adds (:attr:`Subject.ledger_part`): ``(template, data)`` pairs.
    parts: list[tuple[str, Any]] = field(default_factory=list)
    #: People who came, per year (attendance where marked, else confirmed registrations).
    participants_per_year: list[tuple[int, int]] = field(default_factory=list)

    @property
    def share_on_time(self) -> float | None:
        return self.feedback_on_time / self.feedback_due if self.feedback_due else None


def board_ledger(session: Session, board: Board, *, today: date | None = None) -> Ledger:
    """Aggregate figures for a board's consultations (led or co-hosted).

    Four aggregate statements, shared with the city report
    (:func:`app.feedback.figures.figures`): consultations and participants
    per year; views by language, responses by outcome, and the promises
    (Stockholm dates, compared in SQL) over all years.
    """
    today = today or promises.stockholm_today()
    per_year = figures.figures(session, today=today, board_id=board.id, by_year=True, parts=("held",))
    total = figures.figures(session, today=today, board_id=board.id, parts=("views", "responses", "timing")).get(
        (None, None), figures.Figures()
    )
    years = sorted((y, f) for (_, y), f in per_year.items() if y is not None and f.held)
    return Ledger(
        held_per_year=[(y, f.held) for y, f in years],
        views_by_language=total.languages(),
        responses_by_outcome=total.outcomes(),
        feedback_due=total.feedback_due,
        feedback_on_time=total.feedback_on_time,
        median_days_to_feedback=total.median_days_to_feedback,
        parts=[
            (subject.ledger_template, part)
            for subject in subjects()
            if subject.ledger_part is not None
            and subject.ledger_template
            and (part := subject.ledger_part(session, board))
        ],
        participants_per_year=[(y, f.participants) for y, f in years],
    )
