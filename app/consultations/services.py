"""Consultation operations.

Every write the application makes to a consultation goes through one of these
functions. Each takes the session and the acting user, checks the rules of the
domain, flushes, and raises :class:`DomainError` (or
:class:`PermissionDenied`) instead of writing something invalid. None of them
commits: the caller (a view, a CLI command or a test) owns the transaction.

Lifecycle::

    draft ─publish─▶ published ─mark_held─▶ held ─(feedback)─▶ feedback_published ─close─▶ closed
      │                  │                    └──────────────close──────────────────────▶ closed
      └────cancel────────┴─▶ cancelled
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.services import record, snapshot
from app.boards.models import Board
from app.common.errors import DomainError, StaleVersion, require_permission
from app.common.possible import require_possible
from app.common.text import require_text, set_texts
from app.consultations import policies
from app.consultations.models import (
    Consultation,
    ConsultationStatus,
    MeetingFormat,
)
from app.db import utcnow
from app.i18n import STOCKHOLM, default_language, format_date, format_datetime
from app.i18n import lazy_gettext as _l

S = ConsultationStatus

#: Which status may follow which.
TRANSITIONS: dict[ConsultationStatus, set[ConsultationStatus]] = {
    S.DRAFT: {S.PUBLISHED, S.CANCELLED},
    S.PUBLISHED: {S.HELD, S.CANCELLED},
    S.HELD: {S.FEEDBACK_PUBLISHED, S.CLOSED},
    S.FEEDBACK_PUBLISHED: {S.CLOSED},
    S.CLOSED: set(),
    S.CANCELLED: set(),
}

#: Fields staff may set through :func:`create_consultation` / :func:`update_consultation`.
EDITABLE_FIELDS = frozenset(
    {
        "title_sv",
        "title_rom",
        "summary_sv",
        "summary_rom",
        "easy_read_sv",
        "easy_read_rom",
        "influence_sv",
        "influence_rom",
        "decided_sv",
        "decided_rom",
        "is_open",
        "case_reference",
        "format",
        "start_dt",
        "end_dt",
        "venue_name",
        "address",
        "room",
        "directions_sv",
        "directions_rom",
        "accessibility_sv",
        "accessibility_rom",
        "join_url",
        "interpreter_languages",
        "compensation_sv",
        "compensation_rom",
        "registration_deadline_dt",
        "capacity",
        "input_opens_dt",
        "input_closes_dt",
        "feedback_due_date",
    }
)

#: Fields whose change a calendar subscriber should see.
CALENDAR_FIELDS = frozenset(
    {"title_sv", "title_rom", "start_dt", "end_dt", "format", "venue_name", "address", "room", "join_url", "summary_sv"}
)

#: Fields whose change registrants and the waiting list are told about by e-mail
#: (time, date, place, format, link); other edits (texts, capacity…) send nothing.
ANNOUNCED_FIELDS = ("start_dt", "end_dt", "format", "venue_name", "room", "address", "join_url")

#: Romani fields that must be filled, or explicitly marked pending, at publication.
ROMANI_REQUIRED = ("title_rom", "summary_rom", "influence_rom")


class TransitionError(DomainError):
    """The consultation cannot move to that status now."""


def _transition(consultation: Consultation, target: ConsultationStatus) -> None:
    if target not in TRANSITIONS[consultation.status]:
        raise TransitionError(
            _l(
                "A consultation with status “%(status)s” cannot be changed to “%(target)s”.",
                status=consultation.status.label,
                target=target.label,
            )
        )
    consultation.status = target


def _validate_times(data: dict[str, Any]) -> None:
    start, end = data.get("start_dt"), data.get("end_dt")
    if start and end and end <= start:
        raise DomainError(_l("The end must be after the start."), field="end_dt")
    deadline = data.get("registration_deadline_dt")
    if deadline and start and deadline > start:
        raise DomainError(_l("The registration deadline must be before the start."), field="registration_deadline_dt")
    opens, closes = data.get("input_opens_dt"), data.get("input_closes_dt")
    if opens and closes and closes <= opens:
        raise DomainError(_l("The input window must close after it opens."), field="input_closes_dt")
    due = data.get("feedback_due_date")
    if due and start and due < start.astimezone(STOCKHOLM).date():
        raise DomainError(_l("Feedback cannot be promised before the meeting."), field="feedback_due_date")
    capacity = data.get("capacity")
    if capacity is not None and capacity < 1:
        raise DomainError(_l("The capacity must be at least 1, or left empty for no limit."), field="capacity")


def _apply(consultation: Consultation, data: dict[str, Any]) -> set[str]:
    unknown = set(data) - EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    merged = {f: getattr(consultation, f) for f in EDITABLE_FIELDS} | data
    _validate_times(merged)
    changed = {f for f, v in data.items() if getattr(consultation, f) != v}
    for field, value in data.items():
        setattr(consultation, field, value)
    return changed


def _set_co_hosts(session: Session, consultation: Consultation, co_host_ids: list[int]) -> None:
    ids = sorted(set(co_host_ids) - {consultation.lead_board_id})
    boards = list(session.scalars(sa.select(Board).where(Board.id.in_(ids)))) if ids else []
    if len(boards) != len(ids):
        raise DomainError(_l("Choose co-hosting boards from the list."), field="co_host_ids")
    consultation.co_hosts = boards


def create_consultation(
    session: Session, actor: User, lead_board: Board, data: dict[str, Any], co_host_ids: list[int] | None = None
) -> Consultation:
    """Create a draft consultation led by ``lead_board``, optionally co-hosted by other boards."""
    require_permission(policies.can_create_in(actor, lead_board))
    require_text(data, "title", _l("Enter a title in Swedish."))
    consultation = Consultation(
        lead_board=lead_board, lead_board_id=lead_board.id, created_by=actor, status=S.DRAFT, interpreter_languages=[]
    )
    _apply(consultation, data)
    session.add(consultation)
    _set_co_hosts(session, consultation, co_host_ids or [])
    session.flush()
    record(session, actor, "consultation.create", consultation, after=snapshot(consultation, data.keys()))
    return consultation


@dataclass
class Announcement:
    """A published, not yet ended consultation moved, changed format or link, or was
    cancelled: what its registrants and waiting list are told by e-mail."""

    consultation: Consultation
    #: The announced fields' values before the change (all of them, changed or not).
    before: dict[str, Any]
    #: Which of :data:`ANNOUNCED_FIELDS` changed (empty for a cancellation).
    changed: frozenset[str]
    cancelled: bool = False
    #: How many e-mails the listeners queued.
    told: int = 0


@dataclass
class Audience:
    """Who an announcement about a consultation reaches."""

    #: People with a place, and on the waiting list, who gave an e-mail address.
    registrants: int = 0
    waitlisted: int = 0
    #: Active registrations without an e-mail address (staff must call them).
    unreachable: int = 0


#: Called with (session, announcement): e-mail the people concerned and add the
#: number of messages to ``announcement.told``. The registrations domain adds
#: itself (see ``app.registrations.hooks``).
ANNOUNCE: list[Callable[[Session, Announcement], Any]] = []
#: Called with (session, consultation): the :class:`Audience` an announcement would reach.
AUDIENCE: list[Callable[[Session, Consultation], Audience]] = []


def announcement_audience(session: Session, consultation: Consultation) -> Audience:
    """Who would be told by e-mail if the time, place or format changed, or it were cancelled, now."""
    total = Audience()
    for listener in AUDIENCE:
        found = listener(session, consultation)
        total.registrants += found.registrants
        total.waitlisted += found.waitlisted
        total.unreachable += found.unreachable
    return total


def _ends_after(end_dt: datetime | None, now: datetime) -> bool:
    return end_dt is None or end_dt > now


def _announce(session: Session, announcement: Announcement) -> int:
    for listener in ANNOUNCE:
        listener(session, announcement)
    return announcement.told


class Changes(set[str]):
    """The fields an edit changed, and how many people were told about it by e-mail."""

    told: int = 0


#: Called with (session, consultation) when a published consultation's capacity
#: changed: the registrations domain moves its waiting list up. Higher domains
#: add themselves in their ``hooks`` module (wired by :mod:`app.registry`), so
#: this domain imports none of them.
CAPACITY_CHANGED: list[Callable[[Session, Consultation], Any]] = []


def update_consultation(
    session: Session,
    actor: User,
    consultation: Consultation,
    data: dict[str, Any],
    co_host_ids: list[int] | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Changes:
    """Edit a consultation that is not yet closed or cancelled; return the changed fields.

    A public change to time or place bumps the calendar sequence so subscribed
    calendars pick it up. If the consultation is published and its meeting not
    over (before or after the change), a change to time, place, format or link
    is announced to registrants and the waiting list (:data:`ANNOUNCE`);
    ``Changes.told`` says how many e-mails went out. ``expected_version``
    guards against overwriting a colleague's newer save.
    """
    now = now or utcnow()
    require_permission(policies.can_edit(actor, consultation))
    if consultation.status in (S.CLOSED, S.CANCELLED):
        raise TransitionError(_l("A closed or cancelled consultation can no longer be edited."))
    if expected_version is not None and expected_version != consultation.version:
        raise StaleEdit(consultation)
    if f"title_{default_language()}" in data:  # a partial update may leave the title as it is
        require_text(data, "title", _l("Enter a title in Swedish."))
    before = snapshot(consultation, data.keys())
    old = {f: getattr(consultation, f) for f in ANNOUNCED_FIELDS}
    changed = Changes(_apply(consultation, data))
    if co_host_ids is not None:
        hosts_before = {b.id for b in consultation.co_hosts}
        _set_co_hosts(session, consultation, co_host_ids)
        if hosts_before != {b.id for b in consultation.co_hosts}:
            changed.add("co_hosts")
    if consultation.is_public and changed & CALENDAR_FIELDS:
        consultation.ics_sequence += 1
    if consultation.romani_pending and all(getattr(consultation, f) for f in ROMANI_REQUIRED):
        consultation.romani_pending = False
    session.flush()
    if "capacity" in changed and consultation.status is S.PUBLISHED:
        # More places (or no limit any more): the waiting list moves up.
        for listener in CAPACITY_CHANGED:
            listener(session, consultation)
    announced = frozenset(changed & set(ANNOUNCED_FIELDS))
    if (
        announced
        and consultation.status is S.PUBLISHED
        and (_ends_after(old["end_dt"], now) or _ends_after(consultation.end_dt, now))
    ):
        changed.told = _announce(session, Announcement(consultation, old, announced))
    if changed:
        fields = changed - {"co_hosts"}
        record(
            session,
            actor,
            "consultation.update",
            consultation,
            before={f: before[f] for f in fields},
            after=snapshot(consultation, fields),
        )
    return changed


class StaleEdit(StaleVersion):
    """Someone else saved the consultation after this form was opened."""

    def __init__(self, consultation: Consultation) -> None:
        super().__init__(_l("Someone else has saved this consultation since you opened it."), consultation)
        self.consultation = consultation


@dataclass
class PublishCheck:
    """What stands in the way of publishing, field by field."""

    problems: dict[str, str]
    missing_romani: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def _meets_in_a_room(consultation: Consultation) -> bool:
    return consultation.format in (MeetingFormat.IN_PERSON, MeetingFormat.HYBRID)


#: What a consultation needs before it can be published: (field, what is missing, when it applies).
PUBLISH_RULES: tuple[tuple[str, Any, Callable[[Consultation], bool] | None], ...] = (
    ("summary_sv", _l("Describe the consultation in Swedish."), None),
    ("influence_sv", _l("Say what participants can influence."), None),
    ("decided_sv", _l("Say what is already decided."), None),
    ("start_dt", _l("Set when the consultation starts."), None),
    ("end_dt", _l("Set when the consultation ends."), None),
    ("address", _l("Give the address of the meeting place."), _meets_in_a_room),
)


def publish_needs() -> dict[str, Any]:
    """The note beside each field the form may leave empty until publication."""
    return {
        field: _l("needed to publish") if applies is None else _l("needed to publish a meeting in a room")
        for field, _message, applies in PUBLISH_RULES
    }


def check_publishable(consultation: Consultation) -> PublishCheck:
    problems = {
        field: str(message)
        for field, message, applies in PUBLISH_RULES
        if not getattr(consultation, field) and (applies is None or applies(consultation))
    }
    missing = [f for f in ROMANI_REQUIRED if not getattr(consultation, f)]
    return PublishCheck(problems=problems, missing_romani=missing)


def default_feedback_date(consultation: Consultation) -> date | None:
    if consultation.end_dt is None:
        return None
    local_end = consultation.end_dt.astimezone(STOCKHOLM).date()
    return local_end + timedelta(weeks=consultation.lead_board.feedback_weeks)


def past_date_warnings(consultation: Consultation, *, now: datetime | None = None) -> list[str]:
    """Dates that would lie in the past at publication (a meeting entered late, a typo in
    the year): the publish page shows them and asks the publisher to confirm."""
    now = now or utcnow()
    warnings = []
    if consultation.start_dt is not None and consultation.start_dt < now:
        warnings.append(
            str(_l("The meeting starts in the past: %(start)s.", start=format_datetime(consultation.start_dt)))
        )
    due = consultation.feedback_due_date or default_feedback_date(consultation)
    if due is not None and due < now.astimezone(STOCKHOLM).date():
        warnings.append(str(_l("Feedback is promised by a day that has passed: %(date)s.", date=format_date(due))))
    return warnings


def publish_consultation(
    session: Session, actor: User, consultation: Consultation, *, romani_pending_confirmed: bool = False
) -> Consultation:
    """Publish a draft.

    Requires the publisher role, a complete Swedish text with what can be
    influenced and what is decided, a time (and an address for meetings in a
    room). Missing Romani text is allowed only when the publisher confirms that
    the translation is pending; the public page then says so in both languages.
    """
    require_permission(policies.can_publish(actor, consultation))
    check = check_publishable(consultation)
    if not check.ok:
        field, message = next(iter(check.problems.items()))
        raise DomainError(message, field=field)
    if check.missing_romani and not romani_pending_confirmed:
        raise DomainError(
            _l("The Romani text is missing. Add it, or confirm that the Romani translation is pending."),
            field="romani_pending",
        )
    _transition(consultation, S.PUBLISHED)
    consultation.romani_pending = bool(check.missing_romani)
    consultation.published_dt = utcnow()
    if consultation.feedback_due_date is None:
        consultation.feedback_due_date = default_feedback_date(consultation)
    session.flush()
    record(session, actor, "consultation.publish", consultation)
    return consultation


def cancel_consultation(
    session: Session, actor: User, consultation: Consultation, data: dict[str, Any]
) -> Consultation:
    """Cancel a draft or published consultation; the reason (``reason_<lang>`` of
    ``data``) is shown publicly.

    Registrants and the waiting list of a published one are told by e-mail
    (:data:`ANNOUNCE`), with the reason in their language if there is one.
    """
    require_permission(policies.can_publish(actor, consultation))
    require_text(data, "reason", _l("Give the reason for cancelling, in Swedish."))
    was_published = consultation.status is S.PUBLISHED
    _transition(consultation, S.CANCELLED)
    set_texts(consultation, data, "cancel_reason", field="reason")
    consultation.cancelled_dt = utcnow()
    consultation.ics_sequence += 1
    session.flush()
    if was_published:
        before = {f: getattr(consultation, f) for f in ANNOUNCED_FIELDS}
        _announce(session, Announcement(consultation, before, frozenset(), cancelled=True))
    record(session, actor, "consultation.cancel", consultation, after={"reason_sv": consultation.cancel_reason_sv})
    return consultation


def mark_held(
    session: Session,
    actor: User,
    consultation: Consultation,
    *,
    held_on: date | None = None,
    now: datetime | None = None,
) -> Consultation:
    """Record that the meeting took place: from its start time, or, when it was moved,
    on another day (``held_on``, kept and shown beside the planned time)."""
    now = now or utcnow()
    require_possible(policies.may_mark_held(actor, consultation, now=now, held_on=held_on), TransitionError)
    _transition(consultation, S.HELD)
    consultation.held_dt = now
    planned = consultation.start_dt.astimezone(STOCKHOLM).date() if consultation.start_dt else None
    consultation.held_on = held_on if held_on != planned else None
    session.flush()
    record(
        session,
        actor,
        "consultation.held",
        consultation,
        after={"held_on": consultation.held_on.isoformat()} if consultation.held_on else None,
    )
    return consultation


def close_consultation(session: Session, actor: User, consultation: Consultation) -> Consultation:
    """Close a held consultation (with or without published feedback)."""
    require_permission(policies.can_publish(actor, consultation))
    _transition(consultation, S.CLOSED)
    session.flush()
    record(session, actor, "consultation.close", consultation)
    return consultation
