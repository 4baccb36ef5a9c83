"""Experiences of city services: the services (verksamheter) and their surveys and questions.

The rest of the domain: :mod:`~app.experiences.answers` (answers and notes),
:mod:`~app.experiences.results`, :mod:`~app.experiences.measures` (on the
feedback machinery) and :mod:`~app.experiences.ledger` (the board's follow-up).

Like every domain service, each write takes the session and the acting user,
checks the rules, flushes and raises :class:`DomainError` (or
:class:`PermissionDenied`); none of them commits.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.services import record as audit
from app.boards.models import Board
from app.common.errors import DomainError, require_permission
from app.common.text import enum_value, require_text, set_texts
from app.db import utcnow
from app.experiences import policies
from app.experiences.models import (
    ExperienceRecord,
    QuestionKind,
    QuestionOption,
    Service,
    Survey,
    SurveyQuestion,
)
from app.i18n import lazy_gettext as _l

#: Unambiguous characters for short codes (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_TEXT = 10000


def min_group_size() -> int:
    return int(current_app.config.get("MIN_GROUP_SIZE", 5))


# --- Services (verksamheter) ------------------------------------------------------------


def _service_fields(service: Service, data: dict[str, Any]) -> None:
    set_texts(service, data, "name", "description", required=_l("Give the service a name in Swedish."))


def create_service(session: Session, actor: User, board: Board, data: dict[str, Any]) -> Service:
    require_permission(policies.can_manage_in(actor, board))
    service = Service(board=board, board_id=board.id)
    _service_fields(service, data)
    session.add(service)
    session.flush()
    audit(session, actor, "service.create", service, after={"name_sv": service.name_sv})
    return service


def update_service(session: Session, actor: User, service: Service, data: dict[str, Any]) -> Service:
    require_permission(policies.can_edit(actor, service))
    _service_fields(service, data)
    session.flush()
    return service


def delete_service(session: Session, actor: User, service: Service) -> None:
    """Remove a service that has no experiences recorded (otherwise they would be lost)."""
    require_permission(policies.can_publish(actor, service))
    count = session.scalar(sa.select(sa.func.count()).where(ExperienceRecord.service_id == service.id))
    if count:
        raise DomainError(_l("The service has recorded experiences and cannot be removed."))
    audit(session, actor, "service.delete", service, before={"name_sv": service.name_sv})
    session.delete(service)
    session.flush()


def list_services(session: Session, board_ids: set[int] | None = None) -> list[Service]:
    stmt = sa.select(Service).join(Board, Service.board_id == Board.id).order_by(Board.name_sv, Service.name_sv)
    if board_ids is not None:
        stmt = stmt.where(Service.board_id.in_(board_ids or {-1}))
    return list(session.scalars(stmt))


def services_for_staff(session: Session, actor: User) -> list[Service]:
    return list_services(session, None if actor.is_site_admin else actor.board_ids)


# --- Surveys ----------------------------------------------------------------------------------


def _new_short_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        if session.scalar(sa.select(Survey.id).where(Survey.short_code == code)) is None:
            return code


def normalise_short_code(code: str | None) -> str:
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())[:12]


def get_by_short_code(session: Session, code: str | None) -> Survey | None:
    wanted = normalise_short_code(code)
    if not wanted:
        return None
    return session.scalar(sa.select(Survey).where(Survey.short_code == wanted))


def text_answer_limits(session: Session, code: str | None) -> list[int]:
    """The most characters each typed field of a survey's public form holds (its
    text questions, name and e-mail): what sizes the largest legitimate answer."""
    survey = get_by_short_code(session, code)
    if survey is None:
        return []
    return [MAX_TEXT for q in survey.questions if q.kind is QuestionKind.TEXT] + [200, 254]


def _survey_fields(survey: Survey, data: dict[str, Any]) -> None:
    require_text(data, "title", _l("Give the survey a title in Swedish."))
    opens, closes = data.get("opens_dt"), data.get("closes_dt")
    if not isinstance(opens, datetime):
        raise DomainError(_l("Say when the survey opens."), field="opens_dt")
    if not isinstance(closes, datetime):
        raise DomainError(_l("Say when the survey closes."), field="closes_dt")
    if closes <= opens:
        raise DomainError(_l("The survey must close after it opens."), field="closes_dt")
    set_texts(survey, data, "title", "intro")
    survey.opens_dt = opens
    survey.closes_dt = closes


def create_survey(session: Session, actor: User, service: Service, data: dict[str, Any]) -> Survey:
    require_permission(policies.can_edit(actor, service))
    survey = Survey(service=service, service_id=service.id, short_code=_new_short_code(session))
    _survey_fields(survey, data)
    session.add(survey)
    session.flush()
    audit(session, actor, "survey.create", survey, after={"title_sv": survey.title_sv})
    return survey


def update_survey(session: Session, actor: User, survey: Survey, data: dict[str, Any]) -> Survey:
    require_permission(policies.can_edit(actor, survey.service))
    _survey_fields(survey, data)
    session.flush()
    return survey


def publish_survey(session: Session, actor: User, survey: Survey, *, now: datetime | None = None) -> Survey:
    """Make the survey public: the short link answers from its opening until its closing."""
    require_permission(policies.can_publish(actor, survey.service))
    if survey.is_published:
        raise DomainError(_l("The survey is already published."))
    if not survey.questions:
        raise DomainError(_l("Add at least one question."))
    survey.published_dt = now or utcnow()
    session.flush()
    audit(session, actor, "survey.publish", survey)
    return survey


def count_records(session: Session, survey: Survey) -> int:
    return session.scalar(sa.select(sa.func.count()).where(ExperienceRecord.survey_id == survey.id)) or 0


def _require_questions_editable(session: Session, actor: User, survey: Survey) -> None:
    require_permission(policies.can_edit(actor, survey.service))
    if count_records(session, survey):
        raise DomainError(_l("The survey has answers; its questions can no longer change."))


def parse_options(text: str | None) -> list[tuple[str, str | None]]:
    """Options typed one per line, ``Swedish | Romani`` (the Romani part is optional)."""
    options = []
    for line in (text or "").replace("\x00", "").splitlines():
        sv, _, rom = line.partition("|")
        sv, rom = sv.strip(), rom.strip()
        if sv:
            options.append((sv[:300], rom[:300] or None))
    return options


def format_options(question: SurveyQuestion) -> str:
    return "\n".join(f"{o.label_sv} | {o.label_rom}" if o.label_rom else o.label_sv for o in question.options)


def _question_fields(question: SurveyQuestion, data: dict[str, Any]) -> None:
    kind = enum_value(data, "kind", QuestionKind, _l("Choose the kind of question."))
    require_text(data, "text", _l("Write the question in Swedish."))
    options = parse_options(data.get("options"))
    if kind is QuestionKind.CHOICE and len(options) < 2:
        raise DomainError(_l("Give at least two options, one per line."), field="options")
    question.kind = kind
    set_texts(question, data, "text")
    question.required = bool(data.get("required"))
    question.options = [
        QuestionOption(position=i, label_sv=sv, label_rom=rom)
        for i, (sv, rom) in enumerate(options if kind is QuestionKind.CHOICE else [], start=1)
    ]


def add_question(session: Session, actor: User, survey: Survey, data: dict[str, Any]) -> SurveyQuestion:
    _require_questions_editable(session, actor, survey)
    question = SurveyQuestion(position=max((q.position for q in survey.questions), default=0) + 1)
    _question_fields(question, data)
    survey.questions.append(question)
    session.flush()
    return question


def update_question(session: Session, actor: User, question: SurveyQuestion, data: dict[str, Any]) -> SurveyQuestion:
    _require_questions_editable(session, actor, question.survey)
    _question_fields(question, data)
    session.flush()
    return question


def delete_question(session: Session, actor: User, question: SurveyQuestion) -> None:
    survey = question.survey
    _require_questions_editable(session, actor, survey)
    survey.questions.remove(question)
    for position, each in enumerate(survey.questions, start=1):
        each.position = position
    session.flush()
