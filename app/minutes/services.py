"""Minutes, correction proposals and the anonymous evaluation of a meeting.

Like every domain's services these take the session (and the acting staff
user), check the rules, flush, and raise :class:`DomainError` or
:class:`PermissionDenied`; none of them commits.

Minutes::

    save (working copy, optimistic locking) ─publish─▶ revision 1 ─(corrections)─▶ save ─publish─▶ revision 2 …

Every publication e-mails the minutes to each registrant who has not
cancelled and gave an e-mail address, in their language, with their private
link for proposing a correction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from app.accounts.models import User
from app.audit.services import record
from app.common.errors import DomainError, StaleVersion, require_permission
from app.common.text import set_texts, text_columns, text_field, texts_of
from app.common.urls import external_url
from app.consultations import policies
from app.consultations.models import Consultation, ConsultationStatus
from app.db import add_once, utcnow
from app.i18n import default_language
from app.i18n import lazy_gettext as _l
from app.mail.services import queue_email
from app.minutes.models import (
    CorrectionProposal,
    Evaluation,
    Minutes,
    MinutesRevision,
    ProposalStatus,
)
from app.registrations.models import Registration, RegistrationStatus
from app.registrations.notifications import registration_url

S = ConsultationStatus

MAX_BODY = 100_000
MAX_NOTE = 2000
MAX_PROPOSAL = 4000
MAX_REASON = 4000
MAX_COMMENT = 4000
#: Minutes can be written once a consultation is public, and published once the meeting is held.
EDITABLE_STATUSES = (S.PUBLISHED, S.HELD, S.FEEDBACK_PUBLISHED, S.CLOSED)
PUBLISHABLE_STATUSES = (S.HELD, S.FEEDBACK_PUBLISHED, S.CLOSED)
#: The evaluation is open after the meeting, for this many days (``EVALUATION_OPEN_DAYS``).
DEFAULT_EVALUATION_DAYS = 30
EVALUATION_QUESTIONS = ("well_run", "could_speak", "language_support")
SCALE = range(1, 6)


class StaleMinutes(StaleVersion):
    """Someone else saved the minutes after this form was opened."""

    def __init__(self, minutes: Minutes) -> None:
        super().__init__(_l("Someone else has saved these minutes since you opened them."), minutes)
        self.minutes = minutes


class EvaluationClosed(DomainError):
    """The evaluation does not take answers now."""


# --- Minutes ------------------------------------------------------------------------------


def get_minutes(session: Session, consultation: Consultation) -> Minutes | None:
    return session.scalar(sa.select(Minutes).where(Minutes.consultation_id == consultation.id))


def get_published_minutes(session: Session, consultation: Consultation) -> Minutes | None:
    """The minutes if at least one revision is published, else ``None``."""
    minutes = get_minutes(session, consultation)
    return minutes if minutes is not None and minutes.is_published else None


def save_minutes(
    session: Session,
    actor: User,
    consultation: Consultation,
    data: dict[str, Any],
    *,
    expected_version: int | None,
    publish: bool = False,
    note: str | None = None,
    now: datetime | None = None,
) -> Minutes:
    """Save the working copy of the minutes (``body_<lang>`` of ``data``), and
    publish it as a new revision if ``publish``.

    ``expected_version`` is the version the form was opened with (``0`` or
    ``None`` for minutes that did not exist yet); a different current version
    raises :class:`StaleMinutes` and nothing is written.
    """
    require_permission(policies.can_edit(actor, consultation))
    if publish:
        require_permission(policies.can_publish(actor, consultation))
    if consultation.status not in EDITABLE_STATUSES:
        raise DomainError(_l("Minutes can be written once the consultation is published."))
    for column in text_columns(Minutes, "body"):
        if len(text_field(data, column) or "") > MAX_BODY:
            raise DomainError(_l("The text is too long."), field=column)
    minutes = get_minutes(session, consultation)
    if minutes is None:
        if expected_version:
            # The form was opened on minutes that have since been deleted: cannot happen today.
            raise DomainError(_l("Someone else has saved these minutes since you opened them."))
        minutes = Minutes(consultation_id=consultation.id, consultation=consultation)
    elif expected_version is not None and expected_version != minutes.version:
        raise StaleMinutes(minutes)
    before = texts_of(minutes, "body")
    set_texts(minutes, data, "body")
    changed = texts_of(minutes, "body") != before
    minutes.updated_by_id = actor.id
    try:
        # A new row is added inside the SAVEPOINT (begin_nested() first flushes
        # what is pending, which would insert it outside).
        with session.begin_nested():
            session.add(minutes)
            session.flush()
    except IntegrityError:
        # Two first saves at the same moment: the other one won.
        if minutes in session:
            session.expunge(minutes)
        other = get_minutes(session, consultation)
        if other is None:
            raise
        raise StaleMinutes(other) from None
    if changed:
        record(session, actor, "minutes.save", minutes)
    if publish:
        publish_minutes(session, actor, minutes, note=note, now=now)
    return minutes


def publish_minutes(
    session: Session, actor: User, minutes: Minutes, *, note: str | None = None, now: datetime | None = None
) -> MinutesRevision:
    """Publish the working copy as the next revision and e-mail it to the registrants."""
    consultation = minutes.consultation
    require_permission(policies.can_publish(actor, consultation))
    if consultation.status not in PUBLISHABLE_STATUSES:
        raise DomainError(_l("Minutes can be published after the meeting has been held."))
    if not texts_of(minutes, "body").get(default_language()):
        raise DomainError(_l("Write the minutes in Swedish before publishing."), field=f"body_{default_language()}")
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise DomainError(_l("Please keep the note shorter."), field="note")
    latest = minutes.latest
    if latest is not None:
        if not minutes.has_unpublished_changes:
            raise DomainError(_l("Nothing has changed since the last publication."))
        if not note:
            raise DomainError(_l("Say briefly what was changed, for the revision history."), field="note")
    now = now or utcnow()
    revision = MinutesRevision(
        number=(latest.number + 1) if latest else 1,
        body_sv=minutes.body_sv,
        body_rom=minutes.body_rom,
        published_dt=now,
        published_by_id=actor.id,
        note=note,
    )
    minutes.revisions.append(revision)
    minutes.published_dt = now
    session.flush()
    record(session, actor, "minutes.publish", minutes, after={"revision": revision.number, "note": note})
    _send_minutes(session, minutes, revision)
    return revision


def minutes_recipients(session: Session, consultation: Consultation) -> list[Registration]:
    """Registrants who have not cancelled and gave an e-mail address."""
    return list(
        session.scalars(
            sa.select(Registration)
            .options(joinedload(Registration.contact))
            .where(
                Registration.consultation_id == consultation.id,
                Registration.status != RegistrationStatus.CANCELLED,
                Registration.contact_id.is_not(None),
            )
            .order_by(Registration.id)
        )
    )


def _language(lang: str | None) -> str:
    return lang if lang is not None and lang in current_app.config["LANGUAGES"] else default_language()


def _send_minutes(session: Session, minutes: Minutes, revision: MinutesRevision) -> int:
    consultation = minutes.consultation
    sent = 0
    evaluation_open = evaluation_state(consultation) == "open"
    for registration in minutes_recipients(session, consultation):
        contact = registration.contact
        if contact is None or not contact.email:
            continue
        language = _language(contact.language)
        queue_email(
            session,
            to=contact.email,
            contact_id=contact.id,
            template="minutes/published" if revision.number == 1 else "minutes/updated",
            language=language,
            kind="minutes.published" if revision.number == 1 else "minutes.updated",
            consultation=consultation,
            revision=revision,
            minutes_url=external_url("minutes.public", lang_code=language, consultation_id=consultation.id),
            correction_url=external_url("minutes.correction", lang_code=language, token=registration.token),
            evaluation_url=(
                external_url("minutes.evaluation", lang_code=language, consultation_id=consultation.id)
                if evaluation_open
                else None
            ),
            link=registration_url(registration, language),
        )
        sent += 1
    return sent


# --- Corrections --------------------------------------------------------------------------


def correction_closed_reason(session: Session, registration: Registration) -> str | None:
    """Why this registrant cannot propose a correction now, or ``None``."""
    if registration.status is RegistrationStatus.CANCELLED:
        return str(_l("Your registration is cancelled, so you cannot propose corrections."))
    if get_published_minutes(session, registration.consultation) is None:
        return str(_l("The minutes have not been published yet. You will get them by e-mail if you gave an address."))
    return None


def proposals_by(session: Session, registration: Registration) -> list[CorrectionProposal]:
    return list(
        session.scalars(
            sa.select(CorrectionProposal)
            .where(CorrectionProposal.registration_id == registration.id)
            .order_by(CorrectionProposal.id)
        )
    )


def submit_correction(session: Session, registration: Registration, text: str) -> CorrectionProposal:
    """Store a registrant's proposed correction to the published minutes.

    Sending the same text twice (a double click) returns the first proposal.
    """
    reason = correction_closed_reason(session, registration)
    if reason is not None:
        raise DomainError(reason)
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise DomainError(_l("Write what should be corrected."), field="text")
    if len(text) > MAX_PROPOSAL:
        raise DomainError(_l("Please keep it shorter, or contact the board."), field="text")
    minutes = get_published_minutes(session, registration.consultation)
    assert minutes is not None
    for existing in proposals_by(session, registration):
        if existing.status is ProposalStatus.PENDING and existing.text == text:
            return existing
    proposal = CorrectionProposal(
        minutes=minutes,
        registration_id=registration.id,
        text=text,
        revision_number=minutes.latest.number if minutes.latest else None,
    )
    session.add(proposal)
    session.flush()
    return proposal


def list_proposals(session: Session, minutes: Minutes) -> list[CorrectionProposal]:
    return list(
        session.scalars(
            sa.select(CorrectionProposal)
            .where(CorrectionProposal.minutes_id == minutes.id)
            .order_by(CorrectionProposal.status != ProposalStatus.PENDING, CorrectionProposal.id)
        )
    )


def decide_proposal(
    session: Session,
    actor: User,
    proposal: CorrectionProposal,
    *,
    accept: bool,
    reason: str | None,
    now: datetime | None = None,
) -> CorrectionProposal:
    """Accept or decline a proposal (a reason is required to decline) and tell the proposer.

    Accepting does not change the text: staff then edit the minutes and
    publish a new revision with a note.
    """
    consultation = proposal.minutes.consultation
    require_permission(policies.can_edit(actor, consultation))
    if proposal.status is not ProposalStatus.PENDING:
        raise DomainError(_l("This proposal has already been answered."))
    reason = (reason or "").replace("\x00", "").strip() or None
    if not accept and not reason:
        raise DomainError(_l("Give a reason for declining the proposal."), field="reason")
    if reason and len(reason) > MAX_REASON:
        raise DomainError(_l("Please keep the reason shorter."), field="reason")
    proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.DECLINED
    proposal.reason = reason
    proposal.decided_by_id = actor.id
    proposal.decided_dt = now or utcnow()
    session.flush()
    record(
        session, actor, "minutes.proposal_decided", proposal, after={"status": proposal.status.value, "reason": reason}
    )
    registration = proposal.registration
    contact = registration.contact if registration is not None else None
    if registration is not None and contact is not None and contact.email:
        language = _language(contact.language)
        queue_email(
            session,
            to=contact.email,
            contact_id=contact.id,
            template="minutes/decision",
            language=language,
            kind=f"minutes.proposal_{proposal.status.value}",
            consultation=consultation,
            proposal=proposal,
            minutes_url=external_url("minutes.public", lang_code=language, consultation_id=consultation.id),
            correction_url=external_url("minutes.correction", lang_code=language, token=registration.token),
        )
    return proposal


# --- Evaluation ---------------------------------------------------------------------------


def evaluation_days() -> int:
    return int(current_app.config.get("EVALUATION_OPEN_DAYS", DEFAULT_EVALUATION_DAYS))


def min_group_size() -> int:
    return int(current_app.config.get("MIN_GROUP_SIZE", 5))


def evaluation_closes_dt(consultation: Consultation) -> datetime | None:
    held = consultation.held_dt or consultation.end_dt or consultation.start_dt
    return held + timedelta(days=evaluation_days()) if held else None


def evaluation_state(consultation: Consultation, now: datetime | None = None) -> str:
    """``"not_yet"`` before the meeting is held, ``"open"``, or ``"closed"``."""
    if consultation.status in (S.DRAFT, S.PUBLISHED):
        return "not_yet"
    if consultation.status not in (S.HELD, S.FEEDBACK_PUBLISHED):
        return "closed"
    closes = evaluation_closes_dt(consultation)
    if closes is not None and (now or utcnow()) > closes:
        return "closed"
    return "open"


@dataclass
class EvaluationData:
    well_run: int | None
    could_speak: int | None
    language_support: int | None
    comment: str | None = None


def submit_evaluation(
    session: Session,
    consultation: Consultation,
    data: EvaluationData,
    *,
    idempotency_key: str,
    now: datetime | None = None,
) -> tuple[Evaluation | None, bool]:
    """Store one anonymous answer; return ``(answer, created)``.

    The same ``idempotency_key`` (one per opened form) never stores a second
    answer. Raises :class:`EvaluationClosed` outside the window.
    """
    key = (idempotency_key or "").strip()[:64]
    if not key:
        raise DomainError(_l("The form was incomplete. Please send it again."))
    existing = session.scalar(sa.select(Evaluation).where(Evaluation.idempotency_key == key))
    if existing is not None:
        return existing, False
    if evaluation_state(consultation, now) != "open":
        raise EvaluationClosed(_l("The evaluation of this meeting is not open."))
    values = {}
    for name in EVALUATION_QUESTIONS:
        value = getattr(data, name)
        if value not in SCALE:
            raise DomainError(_l("Choose an answer from 1 to 5."), field=name)
        values[name] = value
    comment = (data.comment or "").replace("\x00", "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        raise DomainError(_l("Please keep it shorter."), field="comment")
    answer = Evaluation(
        consultation_id=consultation.id, comment=comment, idempotency_key=key, created_dt=now or utcnow(), **values
    )
    return add_once(session, answer, key)


@dataclass
class QuestionResult:
    name: str
    average: float
    #: Number of answers for each value 1–5.
    distribution: dict[int, int] = field(default_factory=dict)


@dataclass
class EvaluationResults:
    count: int
    min_group_size: int
    questions: list[QuestionResult]

    @property
    def shown(self) -> bool:
        return self.count >= self.min_group_size


def evaluation_results(session: Session, consultation: Consultation) -> EvaluationResults:
    """Averages and distributions, but only when there are at least ``MIN_GROUP_SIZE`` answers."""
    minimum = min_group_size()
    rows = session.execute(
        sa.select(Evaluation.well_run, Evaluation.could_speak, Evaluation.language_support).where(
            Evaluation.consultation_id == consultation.id
        )
    ).all()
    if len(rows) < minimum:
        return EvaluationResults(count=len(rows), min_group_size=minimum, questions=[])
    questions = []
    for index, name in enumerate(EVALUATION_QUESTIONS):
        values = [row[index] for row in rows]
        counts = Counter(values)
        questions.append(
            QuestionResult(
                name=name,
                average=round(sum(values) / len(values), 1),
                distribution={v: counts.get(v, 0) for v in SCALE},
            )
        )
    return EvaluationResults(count=len(rows), min_group_size=minimum, questions=questions)


def evaluation_comments(session: Session, actor: User, consultation: Consultation) -> list[str]:
    """The free-text comments, for the hosting boards' staff only (never published)."""
    require_permission(policies.can_edit(actor, consultation))
    return list(
        session.scalars(
            sa.select(Evaluation.comment)
            .where(Evaluation.consultation_id == consultation.id, Evaluation.comment.is_not(None))
            .order_by(Evaluation.id)
        )
    )
