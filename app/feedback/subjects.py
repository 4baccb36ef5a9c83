"""What a feedback report is about: the subjects that plug into the feedback machinery.

Themes, responses, decisions, snapshots, revisions and publication are one
machinery (this package). A report belongs to one *subject*: a consultation
(:mod:`app.feedback.consultation`) or a city service's experiences
(:mod:`app.experiences.hooks`). Each subject registers a :class:`Subject`
here from its ``hooks`` module (imported by :mod:`app.registry`), and the
machinery asks the report's subject for what differs: who may edit and
publish, what the first publication changes, who is told, what a response's
snapshot carries besides the response, and the subject's part of a board's
ledger. So the machinery imports none of its subjects, and a third subject is
a registration, not an edit of this package.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.boards.models import Board
from app.feedback.models import FeedbackReport, FeedbackRevision, ThemeResponse


def _nothing(*_args: Any) -> None:
    return None


@dataclass(frozen=True)
class Subject:
    """What one kind of report adds to the machinery."""

    #: A stable name (``"consultation"``, ``"service"``); also the key of its ledger part.
    name: str
    #: Whether ``report`` is about this subject (exactly one subject owns a report).
    owns: Callable[[FeedbackReport], bool]
    can_edit: Callable[[User, FeedbackReport], bool]
    can_publish: Callable[[User, FeedbackReport], bool]
    #: Queue the e-mails a publication sends; returns how many were queued.
    notify: Callable[[Session, FeedbackReport, FeedbackRevision], int]
    #: Raises a ``DomainError`` when the report cannot be edited now (e.g. a draft consultation).
    check_editable: Callable[[FeedbackReport], None] = _nothing
    #: Raises when the report cannot be published for the first time now; else returns
    #: a function that the first publication calls (e.g. a status change), or ``None``.
    first_publication: Callable[[FeedbackReport], Callable[[], None] | None] = _nothing
    #: Keys a response's snapshot carries besides the response (``{}`` for none).
    snapshot_extension: Callable[[ThemeResponse], dict[str, Any]] | None = None
    #: The subject's part of a board's ledger and the template that shows it (gets it as ``x``).
    ledger_part: Callable[[Session, Board], Any] | None = None
    ledger_template: str | None = None
    #: The subject's part of the city report (per board of the list, and for the city) and its template
    #: (gets it as ``x``); a constant number of aggregate statements, however many boards.
    report_part: Callable[[Session, list[Board]], Any] | None = None
    report_template: str | None = None
    #: The subject's figures for the city report as a CSV table, the city's row first then one per
    #: board: ``(header, rows)``, stable language-independent headers (``/report/<subject>.csv``).
    report_csv: Callable[[Session, list[Board]], tuple[list[str], list[list[Any]]]] | None = None
    #: What a board's ledger names of the subject (each survey and measure, say) as a CSV table
    #: (``/boards/<slug>/ledger-<subject>.csv``).
    ledger_csv: Callable[[Session, Board], tuple[list[str], list[list[Any]]]] | None = None


_SUBJECTS: dict[str, Subject] = {}


def register(subject: Subject) -> None:
    """Add (or replace, by name) a subject; called once by each subject's ``hooks`` module."""
    _SUBJECTS[subject.name] = subject


def subjects() -> list[Subject]:
    return list(_SUBJECTS.values())


def subject_named(name: str) -> Subject | None:
    return _SUBJECTS.get(name)


def subject_of(report: FeedbackReport) -> Subject | None:
    """The subject that owns ``report`` (``None``: none is registered for it)."""
    return next((s for s in _SUBJECTS.values() if s.owns(report)), None)
