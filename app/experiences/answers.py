"""Answers to surveys and notes of experiences told in person: recording, listing, hiding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.services import record as audit
from app.common.errors import DomainError, require_permission
from app.common.text import enum_value, has_text, set_texts
from app.consultations.models import RomaniVariety
from app.db import add_once, utcnow
from app.experiences import policies
from app.experiences.models import (
    NOTE_KINDS,
    SCALE_VALUES,
    ExperienceAnswer,
    ExperienceRecord,
    QuestionKind,
    RecordKind,
    Service,
    Survey,
)
from app.experiences.services import MAX_TEXT
from app.feedback import promises
from app.i18n import default_language
from app.i18n import lazy_gettext as _l
from app.moderation import services as moderation
from app.moderation.models import HiddenReason
from app.participation.models import INPUT_LANGUAGES, Channel, Contact


@dataclass
class AnswerData:
    """A person's answers (question id → what was typed or chosen) and, optionally, who they are."""

    answers: dict[int, Any]
    language: str = "sv"
    romani_variety: RomaniVariety | None = None
    name: str | None = None
    email: str | None = None
    contact_language: str = "sv"
    wants_updates: bool = False
    publish_consent: bool = False


def _validate_person(data: AnswerData) -> None:
    if data.language not in INPUT_LANGUAGES:
        raise DomainError(_l("Choose a language from the list."), field="language")
    if data.wants_updates and not data.email:
        raise DomainError(_l("Give an e-mail address if you want to be told about the measures."), field="email")


def _contact(data: AnswerData) -> Contact | None:
    """Contact data only if the person chose to leave it."""
    if not (data.name or data.email):
        return None
    return Contact(name=data.name, email=data.email, language=data.contact_language)


def _build_answers(survey: Survey, raw: dict[int, Any]) -> list[ExperienceAnswer]:
    answers = []
    for question in survey.questions:
        value = raw.get(question.id)
        if isinstance(value, str):
            value = value.replace("\x00", "").strip()
        if value in (None, ""):
            if question.required:
                raise DomainError(_l("Answer this question."), field=question.field_name)
            continue
        answer = ExperienceAnswer(question_id=question.id, question=question)
        if question.kind is QuestionKind.TEXT:
            if len(str(value)) > MAX_TEXT:
                raise DomainError(_l("The answer is too long."), field=question.field_name)
            answer.text = str(value)
        elif question.kind is QuestionKind.CHOICE:
            option = next((o for o in question.options if str(o.id) == str(value)), None)
            if option is None:
                raise DomainError(_l("Choose one of the options."), field=question.field_name)
            answer.option_id = option.id
        else:
            try:
                number = int(value)
            except (TypeError, ValueError):
                number = 0
            if number not in SCALE_VALUES:
                raise DomainError(_l("Choose a value from 1 to 5."), field=question.field_name)
            answer.scale_value = number
        answers.append(answer)
    if not answers:
        raise DomainError(
            _l("Answer at least one question."), field=survey.questions[0].field_name if survey.questions else None
        )
    return answers


def _new_record(survey: Survey, data: AnswerData, answers: list[ExperienceAnswer], **extra: Any) -> ExperienceRecord:
    return ExperienceRecord(
        service_id=survey.service_id,
        survey_id=survey.id,
        kind=RecordKind.SURVEY,
        language=data.language,
        romani_variety=data.romani_variety if data.language == "rom" else None,
        publish_consent=data.publish_consent,
        wants_updates=data.wants_updates,
        contact=_contact(data),
        answers=answers,
        **extra,
    )


def get_by_idempotency_key(session: Session, key: str) -> ExperienceRecord | None:
    return session.scalar(sa.select(ExperienceRecord).where(ExperienceRecord.idempotency_key == key))


def submit_answers(
    session: Session, survey: Survey, data: AnswerData, *, idempotency_key: str, now: datetime | None = None
) -> tuple[ExperienceRecord, bool]:
    """Store answers given on the web; return ``(record, created)``.

    Anonymous unless the person leaves a name or an e-mail address; no IP
    address or user agent is stored. The same ``idempotency_key`` (one per
    opened form) never creates a second record.
    """
    existing = get_by_idempotency_key(session, idempotency_key)
    if existing is not None:
        return existing, False
    now = now or utcnow()
    if not survey.is_open(now):
        raise DomainError(_l("This survey is not open for answers now."))
    _validate_person(data)
    answers = _build_answers(survey, data.answers)
    record = _new_record(
        survey,
        data,
        answers,
        channel=Channel.WEB,
        occurred_on=promises.stockholm_today(now),
        idempotency_key=idempotency_key,
    )
    return add_once(session, record, idempotency_key)


def record_answers(
    session: Session, actor: User, survey: Survey, data: AnswerData, *, channel: Channel, occurred_on: date | None
) -> ExperienceRecord:
    """Enter answers given on paper, by phone or at a visit; the channel is recorded."""
    require_permission(policies.can_edit(actor, survey.service))
    if not survey.is_published:
        raise DomainError(_l("Publish the survey before entering answers."))
    if channel is Channel.WEB:
        raise DomainError(_l("Choose how the answers were given."), field="channel")
    if not isinstance(occurred_on, date):
        raise DomainError(_l("Give the date the answers were given."), field="occurred_on")
    _validate_person(data)
    answers = _build_answers(survey, data.answers)
    record = _new_record(survey, data, answers, channel=channel, occurred_on=occurred_on, entered_by_id=actor.id)
    session.add(record)
    session.flush()
    audit(session, actor, "experience.record_answers", record, after={"channel": channel, "survey_id": survey.id})
    return record


def record_note(session: Session, actor: User, service: Service, data: dict[str, Any]) -> ExperienceRecord:
    """Record what was said in ongoing dialogue, a group interview or a visit."""
    require_permission(policies.can_edit(actor, service))
    kind = enum_value(data, "kind", RecordKind, _l("Choose the kind of note."), among=NOTE_KINDS)
    channel = enum_value(data, "channel", Channel, _l("Choose how the experiences were given."))
    occurred_on = data.get("occurred_on")
    if not isinstance(occurred_on, date):
        raise DomainError(_l("Give the date."), field="occurred_on")
    language = data.get("language") or ""
    if language not in INPUT_LANGUAGES:
        raise DomainError(_l("Choose a language from the list."), field="language")
    if not has_text(ExperienceRecord, data, "summary"):
        raise DomainError(_l("Write what was said, in Swedish or Romani chib."), field=f"summary_{default_language()}")
    variety = enum_value(data, "romani_variety", RomaniVariety)
    record = ExperienceRecord(
        service_id=service.id,
        kind=kind,
        channel=channel,
        occurred_on=occurred_on,
        language=language,
        romani_variety=variety if language == "rom" else None,
        publish_consent=bool(data.get("publish_consent")),
        entered_by_id=actor.id,
    )
    set_texts(record, data, "summary")
    session.add(record)
    session.flush()
    audit(session, actor, "experience.record_note", record, after={"kind": kind, "channel": channel})
    return record


def list_records(session: Session, service: Service) -> list[ExperienceRecord]:
    return list(
        session.scalars(
            sa.select(ExperienceRecord)
            .where(ExperienceRecord.service_id == service.id)
            .order_by(ExperienceRecord.occurred_on.desc(), ExperienceRecord.id.desc())
        )
    )


def hide_answer(
    session: Session, actor: User, answer: ExperienceAnswer, *, reason: HiddenReason, note: str | None = None
) -> None:
    """Hide a free-text answer from results. Never deleted; audited (``app.moderation``)."""
    moderation.hide(
        session, actor, answer, permitted=policies.can_edit(actor, answer.record.service), reason=reason, note=note
    )


def unhide_answer(session: Session, actor: User, answer: ExperienceAnswer) -> None:
    moderation.unhide(session, actor, answer, permitted=policies.can_edit(actor, answer.record.service))


def approve_answer(session: Session, actor: User, answer: ExperienceAnswer) -> None:
    """Staff have read a free-text answer: with the author's consent it is public from now on. Audited."""
    moderation.approve(session, actor, answer, permitted=policies.can_edit(actor, answer.record.service))


def mask_answer(session: Session, actor: User, answer: ExperienceAnswer, *, masked_text: str | None) -> None:
    """Publish a free-text answer with personal data masked; the original stays for the archive."""
    moderation.mask(
        session, actor, answer, permitted=policies.can_edit(actor, answer.record.service), masked_text=masked_text
    )
