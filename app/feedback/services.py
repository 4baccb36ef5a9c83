"""Feedback operations: the summary, themes, responses and cited decisions of a report.

Like every domain service, each write takes the session and the acting user,
checks the rules, flushes and raises :class:`DomainError` (or
:class:`PermissionDenied`); none of them commits. What a report is about (a
consultation, a city service) is its *subject* (:mod:`app.feedback.subjects`):
it decides who may edit and whether the report can be edited now.

The rest of the machinery: :mod:`~app.feedback.snapshots` (what a publication
stores), :mod:`~app.feedback.publication`, :mod:`~app.feedback.public` (public
reads), :mod:`~app.feedback.promises`, :mod:`~app.feedback.ledger` and
:mod:`~app.feedback.figures`; consultation feedback is
:mod:`app.feedback.consultation`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from app.accounts.models import User
from app.boards.models import Board
from app.common.errors import (
    DeletedMeanwhile,
    DomainError,
    StaleVersion,
    require_permission,
)
from app.common.text import enum_value, require_text, set_texts, text_field, texts_of
from app.feedback import policies, promises
from app.feedback.models import (
    Decision,
    FeedbackReport,
    Outcome,
    Theme,
    ThemeResponse,
)
from app.feedback.subjects import subject_of
from app.i18n import lazy_gettext as _l
from app.participation.models import Viewpoint


def require_editable(actor: User, report: FeedbackReport) -> None:
    """The actor may edit the report, and its subject allows editing now."""
    require_permission(policies.can_edit(actor, report))
    subject = subject_of(report)
    if subject is not None:
        subject.check_editable(report)


# --- Optimistic locking -----------------------------------------------------------------
#
# Reports, themes and responses carry a ``version`` (SQLAlchemy's
# ``version_id_col``). An edit form sends back the version it was opened with
# (``expected_version``; ``None`` skips the check); when the row has been saved
# since, the service raises a ``Stale…`` error carrying the row as it is now, and
# nothing is written. Two saves that pass the check at the same moment meet at
# the database (``UPDATE … WHERE version = …`` matches no row): the loser gets
# the same error instead of a 500.


class StaleSummary(StaleVersion):
    """Someone else saved the report's summary after this form was opened."""

    def __init__(self, report: FeedbackReport) -> None:
        super().__init__(_l("Someone else has saved this summary since you opened it."), report)
        self.report = report


class StaleTheme(StaleVersion):
    """Someone else saved the theme after this form was opened."""

    def __init__(self, theme: Theme) -> None:
        super().__init__(_l("Someone else has saved this theme since you opened it."), theme)
        self.theme = theme


class StaleResponse(StaleVersion):
    """Someone else saved the response after this form was opened."""

    def __init__(self, response: ThemeResponse) -> None:
        super().__init__(_l("Someone else has saved this response since you opened it."), response)
        self.response = response


def _check_version(row: Any, expected_version: int | None, stale: Callable[[Any], DomainError]) -> None:
    if expected_version is not None and expected_version != row.version:
        raise stale(row)


@contextmanager
def saving(session: Session, row: Any, stale: Callable[[Any], DomainError]) -> Iterator[None]:
    """Make the changes to ``row`` in the block and flush them inside a SAVEPOINT.

    If the row was saved by another transaction after it was loaded, the
    savepoint is rolled back, the row is reloaded as now saved and
    ``stale(row)`` is raised. (The savepoint starts before the changes:
    ``begin_nested()`` flushes what is pending before it opens one.)
    """
    try:
        with session.begin_nested():
            yield
            session.flush()
    except StaleDataError:
        try:
            session.refresh(row)
        except sa.exc.InvalidRequestError:  # a colleague deleted it meanwhile
            raise DeletedMeanwhile(_l("Someone else has deleted this while you were editing it.")) from None
        raise stale(row) from None


def update_summary(
    session: Session, actor: User, report: FeedbackReport, data: dict[str, Any], *, expected_version: int | None = None
) -> FeedbackReport:
    """Set the report's introduction (Markdown, Swedish and Romani).

    ``expected_version`` is the report's version when the form was opened, ``0``
    if there was no report yet (then only a summary saved since is a conflict,
    not a report created by adding a theme); a conflict raises
    :class:`StaleSummary`.
    """
    require_editable(actor, report)
    if expected_version == 0:
        if any(text is not None for text in texts_of(report, "summary").values()):
            raise StaleSummary(report)
    else:
        _check_version(report, expected_version, StaleSummary)
    with saving(session, report, StaleSummary):
        set_texts(report, data, "summary")
    return report


# --- Themes -----------------------------------------------------------------------


def _viewpoints_for(session: Session, report: FeedbackReport, ids: list[int]) -> list[Viewpoint]:
    ids = sorted(set(ids))
    if not ids:
        return []
    found = list(session.scalars(sa.select(Viewpoint).where(Viewpoint.id.in_(ids)).order_by(Viewpoint.id)))
    if len(found) != len(ids) or any(v.consultation_id != report.consultation_id for v in found):
        raise DomainError(_l("Choose views from this consultation."), field="viewpoint_ids")
    return found


def _theme_fields(theme: Theme, data: dict[str, Any]) -> None:
    set_texts(theme, data, "title", "summary", required=_l("Give the theme a title in Swedish."))


def add_theme(
    session: Session, actor: User, report: FeedbackReport, data: dict[str, Any], viewpoint_ids: list[int] | None = None
) -> Theme:
    """Add a theme; ``viewpoint_ids`` are the views grouped in it (a view may be in several themes)."""
    require_editable(actor, report)
    theme = Theme(position=max((t.position for t in report.themes), default=0) + 1)
    _theme_fields(theme, data)
    theme.viewpoints = _viewpoints_for(session, report, viewpoint_ids or [])
    report.themes.append(theme)
    session.flush()
    return theme


def update_theme(
    session: Session,
    actor: User,
    theme: Theme,
    data: dict[str, Any],
    viewpoint_ids: list[int] | None = None,
    *,
    expected_version: int | None = None,
) -> Theme:
    """Edit a theme's text; if ``viewpoint_ids`` is given, it replaces the theme's views.

    ``expected_version`` is the theme's version when the form was opened; a
    conflict raises :class:`StaleTheme`. A change of the views alone counts as
    a save too (it bumps the version).
    """
    require_editable(actor, theme.report)
    _check_version(theme, expected_version, StaleTheme)
    with saving(session, theme, StaleTheme):
        _theme_fields(theme, data)
        if viewpoint_ids is not None:
            viewpoints = _viewpoints_for(session, theme.report, viewpoint_ids)
            if {v.id for v in viewpoints} != {v.id for v in theme.viewpoints}:
                theme.viewpoints = viewpoints
                # The views live in an association table, which does not bump the
                # version by itself: force the UPDATE so an open form sees the change.
                flag_modified(theme, "title_sv")
    return theme


def delete_theme(session: Session, actor: User, theme: Theme) -> None:
    report = theme.report
    require_editable(actor, report)
    report.themes.remove(theme)
    for position, each in enumerate(report.themes, start=1):
        each.position = position
    session.flush()


# --- Responses -----------------------------------------------------------------------


def save_response(
    session: Session,
    actor: User,
    theme: Theme,
    data: dict[str, Any],
    *,
    today: date | None = None,
    expected_version: int | None = None,
) -> ThemeResponse:
    """Write (or rewrite) the board's response to a theme.

    Rules: a response in Swedish and an outcome are required; *not
    implemented* needs a reason; *forwarded* needs the board it went to (not
    the board answering); *under consideration* needs the date of the next
    update, not in the past. Fields that do not belong to the outcome are
    cleared.

    ``expected_version`` is the response's version when the form was opened
    (``0`` if there was no response yet); a conflict raises
    :class:`StaleResponse` and nothing is written.
    """
    report = theme.report
    require_editable(actor, report)
    if theme.response is not None:
        _check_version(theme.response, expected_version, StaleResponse)
    elif expected_version:
        # The form was opened on a response that has since been removed (with its theme): cannot happen today.
        raise DomainError(_l("Someone else has saved this response since you opened it."))
    today = today or promises.stockholm_today()
    outcome = enum_value(data, "outcome", Outcome, _l("Choose what came of it."))
    require_text(data, "body", _l("Write the board's response in Swedish."))
    if outcome is Outcome.NOT_IMPLEMENTED:
        require_text(data, "reason", _l("Say why it will not be implemented, in Swedish."))
    forwarded: Board | None = None
    if outcome is Outcome.FORWARDED:
        board_id = data.get("forwarded_to_board_id")
        forwarded = session.get(Board, board_id) if board_id else None
        if forwarded is None:
            raise DomainError(_l("Choose the board the matter was forwarded to."), field="forwarded_to_board_id")
        if report.consultation is not None and forwarded.id == report.consultation.lead_board_id:
            raise DomainError(_l("Choose another board than the one answering."), field="forwarded_to_board_id")
    next_update = data.get("next_update_date")
    if outcome is Outcome.UNDER_CONSIDERATION:
        if not isinstance(next_update, date):
            raise DomainError(_l("Say by which date the board will tell more."), field="next_update_date")
        if next_update < today:
            raise DomainError(_l("The date of the next update cannot be in the past."), field="next_update_date")

    existing = theme.response
    response = existing or ThemeResponse()
    try:
        with saving(session, response, StaleResponse):
            response.outcome = outcome
            set_texts(response, data, "body")
            # Only these outcomes have a reason; the others clear it.
            set_texts(response, data if outcome in (Outcome.NOT_IMPLEMENTED, Outcome.PARTLY) else {}, "reason")
            response.forwarded_to = forwarded
            response.forwarded_to_board_id = forwarded.id if forwarded else None
            response.next_update_date = next_update if outcome is Outcome.UNDER_CONSIDERATION else None
            if existing is None:
                theme.response = response
    except sa.exc.IntegrityError:
        # Two first responses to the theme at the same moment: the other one won.
        if existing is not None:
            raise
        session.refresh(theme)
        if theme.response is None:
            raise
        raise StaleResponse(theme.response) from None
    return response


_PARAGRAPH = re.compile(r"^\s*§?\s*")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def cite_decision(session: Session, actor: User, response: ThemeResponse, data: dict[str, Any]) -> Decision:
    """Cite a formal decision in a response.

    A decision is identified by board, case reference and paragraph; if it is
    already known (cited from this or another consultation) the existing one
    is reused, and only missing details are filled in.
    """
    require_editable(actor, response.theme.report)
    board_id = data.get("board_id")
    board = session.get(Board, board_id) if board_id else None
    if board is None:
        raise DomainError(_l("Choose the board that made the decision."), field="board_id")
    case_reference = " ".join((text_field(data, "case_reference") or "").split())
    if not case_reference:
        raise DomainError(_l("Give the case reference (diarienummer)."), field="case_reference")
    paragraph = _PARAGRAPH.sub("", text_field(data, "paragraph") or "").strip()
    if not paragraph:
        raise DomainError(_l("Give the paragraph (§) of the minutes."), field="paragraph")
    minutes_url = text_field(data, "minutes_url")
    if minutes_url and not _URL.match(minutes_url):
        raise DomainError(_l("Enter a web address that starts with https://"), field="minutes_url")

    decision = session.scalar(
        sa.select(Decision).where(
            Decision.board_id == board.id,
            sa.func.upper(Decision.case_reference) == case_reference.upper(),
            Decision.paragraph == paragraph,
        )
    )
    if decision is None:
        meeting_date = data.get("meeting_date")
        if not isinstance(meeting_date, date):
            raise DomainError(_l("Give the date of the meeting."), field="meeting_date")
        require_text(data, "title", _l("Give the decision's title in Swedish."))
        decision = Decision(
            board=board,
            board_id=board.id,
            meeting_date=meeting_date,
            case_reference=case_reference,
            paragraph=paragraph,
            minutes_url=minutes_url,
        )
        set_texts(decision, data, "title")
        session.add(decision)
    else:
        # A decision cited before: its title stays, a translation it lacked is added.
        for lang, title in texts_of(decision, "title").items():
            if not title:
                setattr(decision, f"title_{lang}", text_field(data, f"title_{lang}"))
        decision.minutes_url = decision.minutes_url or minutes_url
    if decision not in response.decisions:
        response.decisions.append(decision)
    session.flush()
    return decision


def remove_decision(session: Session, actor: User, response: ThemeResponse, decision: Decision) -> None:
    """Stop citing a decision (the decision itself stays for other citations)."""
    require_editable(actor, response.theme.report)
    if decision in response.decisions:
        response.decisions.remove(decision)
    session.flush()
