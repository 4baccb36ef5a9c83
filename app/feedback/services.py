"""Feedback operations: themes, responses, decisions, publication, the promise.

Like every domain service, each write takes the session and the acting user,
checks the rules, flushes and raises :class:`DomainError` (or
:class:`PermissionDenied`); none of them commits.

Publication model: staff edit the live rows (the draft). Publishing stores a
:class:`FeedbackRevision` with a JSON snapshot; the public page always shows
the latest snapshot. The first publication moves the consultation from
``held`` to ``feedback_published``; every later publication is an update with
a change note, and the page says "updated on …" and what changed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, joinedload, lazyload
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
from app.common.pagination import Page
from app.common.text import text_field
from app.common.urls import external_url
from app.consultations.models import (
    Consultation,
    ConsultationStatus,
    consultation_hosts,
)
from app.consultations.services import TRANSITIONS, TransitionError
from app.db import insert_or_existing, utcnow
from app.feedback import policies
from app.feedback import reports as _reports
from app.feedback.models import (
    Decision,
    FeedbackReport,
    FeedbackRevision,
    Outcome,
    Theme,
    ThemeResponse,
)
from app.i18n import STOCKHOLM
from app.i18n import lazy_gettext as _l
from app.mail.services import queue_email
from app.participation.models import Contact, Viewpoint

S = ConsultationStatus

#: Statuses in which feedback can be prepared.
PREPARABLE = (S.PUBLISHED, S.HELD, S.FEEDBACK_PUBLISHED, S.CLOSED)
#: Statuses in which promised feedback is still owed.
OWING = (S.PUBLISHED, S.HELD)


def stockholm_today(now: datetime | None = None) -> date:
    """Today's date in Stockholm (promises are made and broken in local dates)."""
    return (now or utcnow()).astimezone(STOCKHOLM).date()


# --- Reports -------------------------------------------------------------------


def get_report(session: Session, consultation: Consultation) -> FeedbackReport | None:
    # The themes (with their views, responses and decisions) load only when used:
    # public pages read the published snapshot and never need them.
    return session.scalar(
        sa.select(FeedbackReport).where(FeedbackReport.consultation_id == consultation.id)
        .options(lazyload(FeedbackReport.themes))
    )


def start_report(session: Session, actor: User, consultation: Consultation) -> FeedbackReport:
    """The consultation's report, created empty on first use."""
    report = get_report(session, consultation)
    if report is None:
        report = FeedbackReport(consultation=consultation, consultation_id=consultation.id)
    require_permission(policies.can_edit(actor, report))
    if consultation.status not in PREPARABLE:
        raise TransitionError(_l("Feedback can be prepared once the consultation is published."))
    if report.id is None:
        # A colleague may start it at the same moment (one report per consultation): then work on theirs.
        report, _created = insert_or_existing(session, report, lambda: get_report(session, consultation))
    return report


def _require_editable(actor: User, report: FeedbackReport) -> None:
    require_permission(policies.can_edit(actor, report))
    if report.consultation is not None and report.consultation.status not in PREPARABLE:
        raise TransitionError(_l("Feedback can be prepared once the consultation is published."))


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
def _saving(session: Session, row: Any, stale: Callable[[Any], DomainError]) -> Iterator[None]:
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
    _require_editable(actor, report)
    if expected_version == 0:
        if report.summary_sv is not None or report.summary_rom is not None:
            raise StaleSummary(report)
    else:
        _check_version(report, expected_version, StaleSummary)
    with _saving(session, report, StaleSummary):
        report.summary_sv = text_field(data, "summary_sv")
        report.summary_rom = text_field(data, "summary_rom")
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
    title = text_field(data, "title_sv")
    if not title:
        raise DomainError(_l("Give the theme a title in Swedish."), field="title_sv")
    theme.title_sv = title
    theme.title_rom = text_field(data, "title_rom")
    theme.summary_sv = text_field(data, "summary_sv")
    theme.summary_rom = text_field(data, "summary_rom")


def add_theme(
    session: Session, actor: User, report: FeedbackReport, data: dict[str, Any], viewpoint_ids: list[int] | None = None
) -> Theme:
    """Add a theme; ``viewpoint_ids`` are the views grouped in it (a view may be in several themes)."""
    _require_editable(actor, report)
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
    _require_editable(actor, theme.report)
    _check_version(theme, expected_version, StaleTheme)
    with _saving(session, theme, StaleTheme):
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
    _require_editable(actor, report)
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
    _require_editable(actor, report)
    if theme.response is not None:
        _check_version(theme.response, expected_version, StaleResponse)
    elif expected_version:
        # The form was opened on a response that has since been removed (with its theme): cannot happen today.
        raise DomainError(_l("Someone else has saved this response since you opened it."))
    today = today or stockholm_today()
    outcome = data.get("outcome")
    if isinstance(outcome, str):
        outcome = Outcome._value2member_map_.get(outcome)
    if not isinstance(outcome, Outcome):
        raise DomainError(_l("Choose what came of it."), field="outcome")
    body = text_field(data, "body_sv")
    if not body:
        raise DomainError(_l("Write the board's response in Swedish."), field="body_sv")
    reason_sv, reason_rom = text_field(data, "reason_sv"), text_field(data, "reason_rom")
    if outcome is Outcome.NOT_IMPLEMENTED and not reason_sv:
        raise DomainError(_l("Say why it will not be implemented, in Swedish."), field="reason_sv")
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
        with _saving(session, response, StaleResponse):
            response.outcome = outcome
            response.body_sv = body
            response.body_rom = text_field(data, "body_rom")
            keeps_reason = outcome in (Outcome.NOT_IMPLEMENTED, Outcome.PARTLY)
            response.reason_sv = reason_sv if keeps_reason else None
            response.reason_rom = reason_rom if keeps_reason else None
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
    _require_editable(actor, response.theme.report)
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
        title = text_field(data, "title_sv")
        if not title:
            raise DomainError(_l("Give the decision's title in Swedish."), field="title_sv")
        decision = Decision(
            board=board, board_id=board.id, meeting_date=meeting_date, case_reference=case_reference,
            paragraph=paragraph, title_sv=title, title_rom=text_field(data, "title_rom"), minutes_url=minutes_url,
        )
        session.add(decision)
    else:
        decision.title_rom = decision.title_rom or text_field(data, "title_rom")
        decision.minutes_url = decision.minutes_url or minutes_url
    if decision not in response.decisions:
        response.decisions.append(decision)
    session.flush()
    return decision


def remove_decision(session: Session, actor: User, response: ThemeResponse, decision: Decision) -> None:
    """Stop citing a decision (the decision itself stays for other citations)."""
    _require_editable(actor, response.theme.report)
    if decision in response.decisions:
        response.decisions.remove(decision)
    session.flush()


# --- Snapshots ------------------------------------------------------------------------


def _board_ref(board: Board | None) -> dict[str, Any] | None:
    if board is None:
        return None
    return {"id": board.id, "slug": board.slug, "name_sv": board.name_sv, "name_rom": board.name_rom}


#: Other domains add their own keys to a response's snapshot (e.g. the measure of
#: ``app.experiences``); a function returns ``{}`` for responses it knows nothing of,
#: so snapshots of consultation feedback are unchanged.
RESPONSE_SNAPSHOT_EXTENSIONS: list[Callable[[ThemeResponse], dict[str, Any]]] = []


def _response_extras(response: ThemeResponse) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for extend in RESPONSE_SNAPSHOT_EXTENSIONS:
        extras.update(extend(response))
    return extras


def build_snapshot(report: FeedbackReport) -> dict[str, Any]:
    """The report as plain JSON: what the public page shows."""
    themes = []
    for theme in report.themes:
        response = theme.response
        themes.append({
            "id": theme.id,
            "title_sv": theme.title_sv,
            "title_rom": theme.title_rom,
            "summary_sv": theme.summary_sv,
            "summary_rom": theme.summary_rom,
            "viewpoint_ids": sorted(v.id for v in theme.viewpoints),
            "response": None if response is None else {
                "outcome": response.outcome.value,
                "body_sv": response.body_sv,
                "body_rom": response.body_rom,
                "reason_sv": response.reason_sv,
                "reason_rom": response.reason_rom,
                "forwarded_to": _board_ref(response.forwarded_to),
                "next_update_date": response.next_update_date.isoformat() if response.next_update_date else None,
                "decisions": [
                    {
                        "id": d.id,
                        "board": _board_ref(d.board),
                        "meeting_date": d.meeting_date.isoformat(),
                        "case_reference": d.case_reference,
                        "paragraph": d.paragraph,
                        "title_sv": d.title_sv,
                        "title_rom": d.title_rom,
                        "minutes_url": d.minutes_url,
                    }
                    for d in response.decisions
                ],
                **_response_extras(response),
            },
        })
    return {"summary_sv": report.summary_sv, "summary_rom": report.summary_rom, "themes": themes}


def diff_snapshots(old: dict[str, Any] | None, new: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two snapshots, for the "updated on …" notice."""
    if old is None:
        return []
    changes: list[dict[str, Any]] = []
    if (old.get("summary_sv"), old.get("summary_rom")) != (new.get("summary_sv"), new.get("summary_rom")):
        changes.append({"kind": "summary", "theme_id": None, "title_sv": None, "title_rom": None})
    before = {t["id"]: t for t in old.get("themes", [])}
    after = {t["id"]: t for t in new.get("themes", [])}
    for theme_id, theme in after.items():
        entry = {"theme_id": theme_id, "title_sv": theme["title_sv"], "title_rom": theme["title_rom"]}
        if theme_id not in before:
            changes.append({"kind": "theme_added", **entry})
            continue
        prior = before[theme_id]
        if prior.get("response") != theme.get("response"):
            changes.append({"kind": "response_changed", **entry})
        elif {k: v for k, v in prior.items() if k != "response"} != {k: v for k, v in theme.items() if k != "response"}:
            changes.append({"kind": "theme_changed", **entry})
    for theme_id, theme in before.items():
        if theme_id not in after:
            changes.append({"kind": "theme_removed", "theme_id": theme_id,
                            "title_sv": theme["title_sv"], "title_rom": theme["title_rom"]})
    return changes


def has_unpublished_changes(report: FeedbackReport) -> bool:
    latest = report.latest_revision
    return latest is None or latest.snapshot != build_snapshot(report)


# --- Publication -----------------------------------------------------------------------


def check_publishable(report: FeedbackReport) -> dict[str, str]:
    """What stands in the way of publishing: ``{field or "theme-<id>": message}``."""
    problems: dict[str, str] = {}
    if not report.summary_sv:
        problems["summary_sv"] = str(_l("Write a summary in Swedish."))
    if not report.themes:
        problems["themes"] = str(_l("Add at least one theme."))
    for theme in report.themes:
        if theme.response is None:
            problems[f"theme-{theme.id}"] = str(
                _l("The theme “%(title)s” has no response yet.", title=theme.title_sv)
            )
    return problems


def _check_or_raise(report: FeedbackReport) -> None:
    problems = check_publishable(report)
    if problems:
        key, message = next(iter(problems.items()))
        raise DomainError(message, field=key if key == "summary_sv" else None)


def _add_revision(
    report: FeedbackReport, actor: User, now: datetime, note_sv: str | None, note_rom: str | None
) -> FeedbackRevision:
    previous = report.latest_revision
    snapshot = build_snapshot(report)
    revision = FeedbackRevision(
        number=(previous.number + 1) if previous else 1,
        published_dt=now,
        published_by_id=actor.id,
        change_note_sv=note_sv,
        change_note_rom=note_rom,
        snapshot=snapshot,
        changes=diff_snapshots(previous.snapshot if previous else None, snapshot),
    )
    report.revisions.append(revision)
    report.last_published_dt = now
    return revision


def publish_feedback(
    session: Session, actor: User, report: FeedbackReport, *, now: datetime | None = None
) -> FeedbackRevision:
    """Publish the feedback for the first time.

    Needs the publisher role, a held consultation, a Swedish summary and a
    response to every theme. The consultation becomes ``feedback_published``
    and everyone who asked to be told gets an e-mail.
    """
    require_permission(policies.can_publish(actor, report))
    if report.is_published:
        raise TransitionError(_l("The feedback is already published. Publish an update instead."))
    consultation = report.consultation
    if consultation is not None and S.FEEDBACK_PUBLISHED not in TRANSITIONS[consultation.status]:
        raise TransitionError(
            _l("Feedback can be published when the consultation has been held (status now: “%(status)s”).",
               status=consultation.status.label)
        )
    _check_or_raise(report)
    now = now or utcnow()
    if consultation is not None:
        consultation.status = S.FEEDBACK_PUBLISHED
    report.published_dt = now
    revision = _add_revision(report, actor, now, None, None)
    session.flush()
    notify_participants(session, report, revision)
    return revision


def publish_update(
    session: Session,
    actor: User,
    report: FeedbackReport,
    *,
    change_note_sv: str | None,
    change_note_rom: str | None = None,
    now: datetime | None = None,
) -> FeedbackRevision:
    """Publish changes to feedback already published, with a note on what changed."""
    require_permission(policies.can_publish(actor, report))
    if not report.is_published:
        raise TransitionError(_l("The feedback has not been published yet."))
    note_sv = (change_note_sv or "").replace("\x00", "").strip()
    if not note_sv:
        raise DomainError(_l("Say what has changed, in Swedish."), field="change_note_sv")
    _check_or_raise(report)
    if not has_unpublished_changes(report):
        raise DomainError(_l("Nothing has changed since the last publication."))
    revision = _add_revision(
        report, actor, now or utcnow(), note_sv, (change_note_rom or "").replace("\x00", "").strip() or None
    )
    session.flush()
    notify_participants(session, report, revision)
    return revision


# --- Notifications -------------------------------------------------------------------------


def notify_participants(session: Session, report: FeedbackReport, revision: FeedbackRevision) -> int:
    """E-mail everyone who asked for feedback, once per address, in their language.

    Returns the number of messages queued. For a city service's measures the
    experiences domain tells the people who left contact details.
    """
    if report.service_id is not None:
        from app.experiences.services import notify_measures

        return notify_measures(session, report, revision)
    if report.consultation_id is None:
        return 0
    rows = session.execute(
        sa.select(Viewpoint.reference_code, Contact.email, Contact.language, Contact.id)
        .join(Contact, Viewpoint.contact_id == Contact.id)
        .where(
            Viewpoint.consultation_id == report.consultation_id,
            Viewpoint.wants_feedback.is_(True),
            Contact.email.is_not(None),
            Contact.email != "",
        )
        .order_by(Viewpoint.id)
    ).all()
    recipients: dict[str, dict[str, Any]] = {}
    for code, email, language, contact_id in rows:
        key = email.strip().lower()
        entry = recipients.setdefault(key, {"to": email.strip(), "language": language, "codes": [],
                                            "contact_id": contact_id})
        entry["codes"].append(code)
    # Registrants who asked to be told (their views, if any, are listed above).
    from app.registrations.models import Registration, RegistrationStatus

    registrants = session.execute(
        sa.select(Contact.email, Contact.language, Contact.id)
        .join(Registration, Registration.contact_id == Contact.id)
        .where(
            Registration.consultation_id == report.consultation_id,
            Registration.wants_feedback.is_(True),
            Registration.status != RegistrationStatus.CANCELLED,
            Contact.email.is_not(None),
            Contact.email != "",
        )
        .order_by(Registration.id)
    ).all()
    for email, language, contact_id in registrants:
        recipients.setdefault(email.strip().lower(), {"to": email.strip(), "language": language, "codes": [],
                                                      "contact_id": contact_id})
    if not recipients:
        return 0
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["DEFAULT_LANGUAGE"]
    template = "feedback/published" if revision.number == 1 else "feedback/updated"
    for entry in recipients.values():
        lang = entry["language"] if entry["language"] in languages else default
        queue_email(
            session,
            to=entry["to"],
            contact_id=entry["contact_id"],
            template=template,
            language=lang,
            kind="feedback.published" if revision.number == 1 else "feedback.updated",
            consultation=report.consultation,
            revision=revision,
            feedback_url=external_url("feedback.public", lang_code=lang, consultation_id=report.consultation_id),
            views=[(code, external_url("feedback.view", lang_code=lang, code=code)) for code in entry["codes"]],
        )
    return len(recipients)


# --- The promise -----------------------------------------------------------------------------


def is_overdue(consultation: Consultation, today: date) -> bool:
    """Promised feedback is late from the day after the promised date (Stockholm)."""
    return (
        consultation.feedback_due_date is not None
        and consultation.status in OWING
        and today > consultation.feedback_due_date
    )


@dataclass
class Promise:
    """The feedback promise of a consultation, as the public pages state it."""

    due: date | None
    published_on: date | None
    overdue: bool

    @property
    def kept(self) -> bool | None:
        if self.due is None or self.published_on is None:
            return None
        return self.published_on <= self.due


def promise(consultation: Consultation, report: FeedbackReport | None, today: date) -> Promise:
    published_on = stockholm_today(report.published_dt) if report and report.published_dt else None
    return Promise(due=consultation.feedback_due_date, published_on=published_on, overdue=is_overdue(consultation, today))


def list_overdue(session: Session, actor: User, today: date) -> list[tuple[Board, list[Consultation]]]:
    """Consultations whose promised feedback is late, per lead board (all boards for site admins)."""
    stmt = sa.select(Consultation).where(
        Consultation.status.in_(OWING),
        Consultation.feedback_due_date.is_not(None),
        Consultation.feedback_due_date < today,
    )
    if not actor.is_site_admin:
        ids = actor.board_ids
        if not ids:
            return []
        co_hosted = sa.select(consultation_hosts.c.consultation_id).where(consultation_hosts.c.board_id.in_(ids))
        stmt = stmt.where(sa.or_(Consultation.lead_board_id.in_(ids), Consultation.id.in_(co_hosted)))
    stmt = stmt.order_by(Consultation.feedback_due_date, Consultation.id)
    grouped: dict[int, list[Consultation]] = defaultdict(list)
    boards: dict[int, Board] = {}
    for consultation in session.scalars(stmt):
        grouped[consultation.lead_board_id].append(consultation)
        boards[consultation.lead_board_id] = consultation.lead_board
    return sorted(((boards[i], items) for i, items in grouped.items()), key=lambda pair: pair[0].name_sv)


# --- Public reads --------------------------------------------------------------------------------


def normalize_code(code: str | None) -> str:
    """A reference code as typed on a receipt: case, spaces and dashes do not matter."""
    return re.sub(r"[\s\-‐‑‒–—_.]", "", (code or "").replace("\x00", "")).upper()[:40]


def find_viewpoint(session: Session, code: str | None) -> Viewpoint | None:
    wanted = normalize_code(code)
    if not wanted:
        return None
    column = sa.func.upper(sa.func.replace(sa.func.replace(Viewpoint.reference_code, "-", ""), " ", ""))
    return session.scalar(sa.select(Viewpoint).where(column == wanted).limit(1))


@dataclass
class BoardRef:
    id: int
    slug: str
    name_sv: str
    name_rom: str | None


@dataclass
class PublicDecision:
    id: int
    board: BoardRef | None
    meeting_date: date
    case_reference: str
    paragraph: str
    title_sv: str
    title_rom: str | None
    minutes_url: str | None


@dataclass
class PublicResponse:
    outcome: Outcome
    body_sv: str
    body_rom: str | None
    reason_sv: str | None
    reason_rom: str | None
    forwarded_to: BoardRef | None
    next_update_date: date | None
    decisions: list[PublicDecision]
    #: Keys added by ``RESPONSE_SNAPSHOT_EXTENSIONS`` (e.g. ``measure``).
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class PublicTheme:
    id: int
    title_sv: str
    title_rom: str | None
    summary_sv: str | None
    summary_rom: str | None
    viewpoint_ids: list[int]
    response: PublicResponse | None
    viewpoints: list[Viewpoint] = field(default_factory=list)
    #: How many of ``viewpoint_ids`` may be shown today (published, not hidden).
    published_count: int = 0


@dataclass
class PublicFeedback:
    """What the public feedback page shows: a snapshot plus today's visibility of the views."""

    summary_sv: str | None
    summary_rom: str | None
    themes: list[PublicTheme]
    revision: FeedbackRevision | None
    first_published_dt: datetime | None
    #: The views shown: all published views, or (``public_feedback_page``) those of ``listing``.
    viewpoints: list[Viewpoint]
    #: The themes of each view in ``viewpoints``.
    themes_of: dict[int, list[PublicTheme]]
    hidden_count: int
    unpublished_count: int
    #: All published views of the consultation (not only those in ``viewpoints``).
    published_count: int = 0
    #: The page of views shown (``public_feedback_page``); ``None`` when ``viewpoints`` holds them all.
    listing: Page[Viewpoint] | None = None
    #: The theme the list of views is limited to, if any.
    selected_theme: PublicTheme | None = None

    def theme(self, theme_id: int) -> PublicTheme | None:
        return next((t for t in self.themes if t.id == theme_id), None)


def _board(data: dict[str, Any] | None) -> BoardRef | None:
    return BoardRef(**data) if data else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


_RESPONSE_KEYS = {
    "outcome", "body_sv", "body_rom", "reason_sv", "reason_rom", "forwarded_to", "next_update_date", "decisions",
}


def themes_from_snapshot(snapshot: dict[str, Any]) -> list[PublicTheme]:
    themes = []
    for t in snapshot.get("themes", []):
        r = t.get("response")
        response = None
        if r:
            response = PublicResponse(
                outcome=Outcome(r["outcome"]), body_sv=r["body_sv"], body_rom=r.get("body_rom"),
                reason_sv=r.get("reason_sv"), reason_rom=r.get("reason_rom"),
                forwarded_to=_board(r.get("forwarded_to")), next_update_date=_date(r.get("next_update_date")),
                decisions=[
                    PublicDecision(
                        id=d["id"], board=_board(d.get("board")), meeting_date=date.fromisoformat(d["meeting_date"]),
                        case_reference=d["case_reference"], paragraph=d["paragraph"], title_sv=d["title_sv"],
                        title_rom=d.get("title_rom"), minutes_url=d.get("minutes_url"),
                    )
                    for d in r.get("decisions", [])
                ],
                extras={k: v for k, v in r.items() if k not in _RESPONSE_KEYS},
            )
        themes.append(PublicTheme(
            id=t["id"], title_sv=t["title_sv"], title_rom=t.get("title_rom"), summary_sv=t.get("summary_sv"),
            summary_rom=t.get("summary_rom"), viewpoint_ids=list(t.get("viewpoint_ids", [])), response=response,
        ))
    return themes


def _public_snapshot(report: FeedbackReport, draft: bool) -> tuple[dict[str, Any], FeedbackRevision | None] | None:
    """The snapshot the public page shows and its revision (the draft's: none); ``None`` if nothing is published."""
    revision = report.latest_revision
    if draft:
        return build_snapshot(report), None
    if revision is None:
        return None
    return revision.snapshot, revision


def public_feedback(session: Session, report: FeedbackReport, *, draft: bool = False) -> PublicFeedback | None:
    """The published feedback (or, for a staff preview, the current draft), with all its views.

    Only views that may be public are listed; hidden views and views without
    consent are counted, never shown. Visibility is checked now, so a view
    hidden after publication disappears from the page at once.

    This loads every view of the consultation (the open-data API lists them
    all); the public page uses :func:`public_feedback_page`, which loads one
    page of them.
    """
    found = _public_snapshot(report, draft)
    if found is None:
        return None
    snapshot, revision = found
    themes = themes_from_snapshot(snapshot)
    all_views = list(session.scalars(
        sa.select(Viewpoint).where(Viewpoint.consultation_id == report.consultation_id).order_by(Viewpoint.id)
        .options(joinedload(Viewpoint.contact))  # author_label() reads the name: no query per view
    )) if report.consultation_id is not None else []
    public = [v for v in all_views if v.is_public]
    by_id = {v.id: v for v in public}
    themes_of: dict[int, list[PublicTheme]] = defaultdict(list)
    for theme in themes:
        theme.viewpoints = [by_id[i] for i in theme.viewpoint_ids if i in by_id]
        theme.published_count = len(theme.viewpoints)
        for v in theme.viewpoints:
            themes_of[v.id].append(theme)
    return PublicFeedback(
        summary_sv=snapshot.get("summary_sv"), summary_rom=snapshot.get("summary_rom"), themes=themes,
        revision=revision, first_published_dt=report.published_dt, viewpoints=public,
        themes_of=dict(themes_of),
        hidden_count=sum(1 for v in all_views if v.is_hidden),
        unpublished_count=sum(1 for v in all_views if not v.is_hidden and not v.publish_consent),
        published_count=len(public),
    )


def published_themes(report: FeedbackReport) -> list[PublicTheme] | None:
    """The themes of the published feedback, without loading any view; ``None`` if nothing is published."""
    found = _public_snapshot(report, draft=False)
    return themes_from_snapshot(found[0]) if found else None


#: Views per page in the list of views on the public feedback page.
VIEWS_PER_PAGE = 50


def public_feedback_page(
    session: Session,
    report: FeedbackReport,
    *,
    page: int = 1,
    theme_id: int | None = None,
    per_page: int = VIEWS_PER_PAGE,
    draft: bool = False,
) -> PublicFeedback | None:
    """The feedback page with one page of its published views, perhaps of one theme.

    What :func:`public_feedback` returns, but the database does the paging:
    one query counts the views (published, hidden, without consent, and
    published per theme) and one loads only the ``per_page`` views of page
    ``page``, in the order of the full list. ``theme_id`` limits the list to
    that theme's views; an id that is not a theme of this feedback is ignored
    (like any unknown filter value), and a page past the end shows the last
    page. The themes' ``viewpoints`` stay empty: the page links from each theme
    to its views instead of showing them twice.
    """
    found = _public_snapshot(report, draft)
    if found is None:
        return None
    snapshot, revision = found
    themes = themes_from_snapshot(snapshot)
    selected = next((t for t in themes if t.id == theme_id), None) if theme_id is not None else None
    consultation_id = report.consultation_id
    published = hidden = unpublished = 0
    # Viewpoint.is_public (a spoken view has no text until its transcription is published)
    public = sa.and_(Viewpoint.publish_consent.is_(True), Viewpoint.hidden_dt.is_(None), Viewpoint.body != "")
    without_consent = sa.and_(Viewpoint.publish_consent.is_(False), Viewpoint.hidden_dt.is_(None))
    if consultation_id is not None:
        counts = session.execute(
            sa.select(
                sa.func.count(sa.case((public, 1))),
                sa.func.count(Viewpoint.hidden_dt),
                sa.func.count(sa.case((without_consent, 1))),
                # The snapshot says which views a theme holds: count those that may be shown today.
                *(sa.func.count(sa.case((sa.and_(public, Viewpoint.id.in_(t.viewpoint_ids)), 1))) for t in themes),
            ).where(Viewpoint.consultation_id == consultation_id)
        ).one()
        published, hidden, unpublished = counts[0], counts[1], counts[2]
        for theme, count in zip(themes, counts[3:], strict=True):
            theme.published_count = count
    total = selected.published_count if selected else published
    page = min(max(1, page), max(1, -(-total // per_page)))
    items: list[Viewpoint] = []
    if total:
        stmt = (
            sa.select(Viewpoint).where(Viewpoint.consultation_id == consultation_id, public)
            .order_by(Viewpoint.id).limit(per_page).offset((page - 1) * per_page)
            .options(joinedload(Viewpoint.contact))  # author_label() reads the name: no query per view
        )
        if selected:
            stmt = stmt.where(Viewpoint.id.in_(selected.viewpoint_ids))
        items = list(session.scalars(stmt))
    shown = {v.id for v in items}
    themes_of: dict[int, list[PublicTheme]] = defaultdict(list)
    for theme in themes:
        for viewpoint_id in theme.viewpoint_ids:
            if viewpoint_id in shown:
                themes_of[viewpoint_id].append(theme)
    return PublicFeedback(
        summary_sv=snapshot.get("summary_sv"), summary_rom=snapshot.get("summary_rom"), themes=themes,
        revision=revision, first_published_dt=report.published_dt, viewpoints=items, themes_of=dict(themes_of),
        hidden_count=hidden, unpublished_count=unpublished, published_count=published,
        listing=Page(items=items, page=page, per_page=per_page, total=total), selected_theme=selected,
    )


def author_label(viewpoint: Viewpoint) -> str | None:
    """The name a view may be shown with: "on behalf of", or the name if the author chose to show it."""
    if viewpoint.on_behalf_of:
        return viewpoint.on_behalf_of
    if viewpoint.show_name and viewpoint.contact is not None and viewpoint.contact.name:
        return viewpoint.contact.name
    return None


# --- The influence ledger --------------------------------------------------------------------------

#: Statuses in which a consultation counts as held.
HELD_STATUSES = _reports.HELD_STATUSES


@dataclass
class Ledger:
    """A board's public record: what was asked, what was said, what came of it."""

    held_per_year: list[tuple[int, int]]
    views_by_language: list[tuple[str, int]]
    responses_by_outcome: list[tuple[Outcome, int]]
    feedback_due: int  # consultations whose feedback is published or already late
    feedback_on_time: int
    median_days_to_feedback: float | None
    #: Experiences of the board's city services (``app.experiences.services.ExperienceLedger``).
    experiences: Any = None
    #: People who came, per year (attendance where marked, else confirmed registrations).
    participants_per_year: list[tuple[int, int]] = field(default_factory=list)

    @property
    def share_on_time(self) -> float | None:
        return self.feedback_on_time / self.feedback_due if self.feedback_due else None


def board_ledger(session: Session, board: Board, *, today: date | None = None) -> Ledger:
    """Aggregate figures for a board's consultations (led or co-hosted).

    Four aggregate statements, shared with the city report
    (:func:`app.feedback.reports.figures`): consultations and participants
    per year; views by language, responses by outcome, and the promises
    (Stockholm dates, compared in SQL) over all years.
    """
    from app.experiences.services import experience_ledger

    today = today or stockholm_today()
    per_year = _reports.figures(session, today=today, board_id=board.id, by_year=True, parts=("held",))
    total = _reports.figures(
        session, today=today, board_id=board.id, parts=("views", "responses", "timing")
    ).get((None, None), _reports.Figures())
    years = sorted((y, f) for (_, y), f in per_year.items() if y is not None and f.held)
    return Ledger(
        held_per_year=[(y, f.held) for y, f in years],
        views_by_language=total.languages(),
        responses_by_outcome=total.outcomes(),
        feedback_due=total.feedback_due,
        feedback_on_time=total.feedback_on_time,
        median_days_to_feedback=total.median_days_to_feedback,
        experiences=experience_ledger(session, board),
        participants_per_year=[(y, f.participants) for y, f in years],
    )


def list_recent_feedback(session: Session, limit: int = 5) -> list[tuple[Consultation, FeedbackReport]]:
    """Consultations whose feedback was published most recently (for the home page)."""
    rows = session.execute(
        sa.select(Consultation, FeedbackReport)
        .join(FeedbackReport, FeedbackReport.consultation_id == Consultation.id)
        # Every publication sets last_published_dt, so the index serves the sort.
        .where(FeedbackReport.last_published_dt.is_not(None))
        .order_by(FeedbackReport.last_published_dt.desc(), FeedbackReport.id.desc())
        .limit(limit)
        # Title, board and date only: not the themes with all their views, nor the agenda.
        .options(lazyload(FeedbackReport.themes), lazyload(Consultation.agenda_items),
                 lazyload(Consultation.documents), lazyload(Consultation.co_hosts))
    ).all()
    return [(c, r) for c, r in rows]
