"""Experiences of city services: services, surveys, answers, notes, results, measures.

Like every domain service, each write takes the session and the acting user,
checks the rules, flushes and raises :class:`DomainError` (or
:class:`PermissionDenied`); none of them commits.

Measures reuse the feedback machinery unchanged in kind: a
:class:`FeedbackReport` with ``service_id`` holds the themes, the themes'
:class:`ThemeResponse` rows hold the text of the answer (and, when no measure
is taken, the reason), and :func:`app.feedback.services.publish_feedback` /
``publish_update`` publish them as revisions. This module adds the
:class:`Measure` (owner, status, dates), puts it into the published snapshot
and tells the people who left contact details.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from app.accounts.models import User
from app.audit.services import record as audit
from app.boards.models import Board
from app.common.csvexport import iter_csv
from app.common.errors import DomainError, require_permission
from app.common.text import text_field
from app.common.urls import external_url
from app.consultations.models import RomaniVariety
from app.db import add_once, insert_or_existing, utcnow
from app.experiences import policies
from app.experiences.models import (
    NOTE_KINDS,
    SCALE_VALUES,
    ExperienceAnswer,
    ExperienceRecord,
    Measure,
    MeasureStatus,
    QuestionKind,
    QuestionOption,
    RecordKind,
    Service,
    Survey,
    SurveyQuestion,
    theme_experiences,
)
from app.feedback import services as feedback
from app.feedback.models import (
    FeedbackReport,
    FeedbackRevision,
    Outcome,
    Theme,
    ThemeResponse,
)
from app.i18n import lazy_gettext as _l
from app.mail.services import queue_email
from app.moderation import services as moderation
from app.moderation.models import HiddenReason
from app.participation.models import INPUT_LANGUAGES, Channel, Contact

#: Unambiguous characters for short codes (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
MAX_TEXT = 10000


def min_group_size() -> int:
    return int(current_app.config.get("MIN_GROUP_SIZE", 5))


# --- Services (verksamheter) ------------------------------------------------------------


def _service_fields(service: Service, data: dict[str, Any]) -> None:
    name = text_field(data, "name_sv")
    if not name:
        raise DomainError(_l("Give the service a name in Swedish."), field="name_sv")
    service.name_sv = name
    service.name_rom = text_field(data, "name_rom")
    service.description_sv = text_field(data, "description_sv")
    service.description_rom = text_field(data, "description_rom")


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


def _survey_fields(survey: Survey, data: dict[str, Any]) -> None:
    title = text_field(data, "title_sv")
    if not title:
        raise DomainError(_l("Give the survey a title in Swedish."), field="title_sv")
    opens, closes = data.get("opens_dt"), data.get("closes_dt")
    if not isinstance(opens, datetime):
        raise DomainError(_l("Say when the survey opens."), field="opens_dt")
    if not isinstance(closes, datetime):
        raise DomainError(_l("Say when the survey closes."), field="closes_dt")
    if closes <= opens:
        raise DomainError(_l("The survey must close after it opens."), field="closes_dt")
    survey.title_sv = title
    survey.title_rom = text_field(data, "title_rom")
    survey.intro_sv = text_field(data, "intro_sv")
    survey.intro_rom = text_field(data, "intro_rom")
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
    kind = data.get("kind")
    if isinstance(kind, str):
        kind = QuestionKind._value2member_map_.get(kind)
    if not isinstance(kind, QuestionKind):
        raise DomainError(_l("Choose the kind of question."), field="kind")
    text = text_field(data, "text_sv")
    if not text:
        raise DomainError(_l("Write the question in Swedish."), field="text_sv")
    options = parse_options(data.get("options"))
    if kind is QuestionKind.CHOICE and len(options) < 2:
        raise DomainError(_l("Give at least two options, one per line."), field="options")
    question.kind = kind
    question.text_sv = text
    question.text_rom = text_field(data, "text_rom")
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


# --- Answers and notes --------------------------------------------------------------------------


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
        raise DomainError(_l("Answer at least one question."),
                          field=survey.questions[0].field_name if survey.questions else None)
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
    record = _new_record(survey, data, answers, channel=Channel.WEB, occurred_on=feedback.stockholm_today(now),
                         idempotency_key=idempotency_key)
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
    kind = data.get("kind")
    if isinstance(kind, str):
        kind = RecordKind._value2member_map_.get(kind)
    if kind not in NOTE_KINDS:
        raise DomainError(_l("Choose the kind of note."), field="kind")
    channel = data.get("channel")
    if isinstance(channel, str):
        channel = Channel._value2member_map_.get(channel)
    if not isinstance(channel, Channel):
        raise DomainError(_l("Choose how the experiences were given."), field="channel")
    occurred_on = data.get("occurred_on")
    if not isinstance(occurred_on, date):
        raise DomainError(_l("Give the date."), field="occurred_on")
    language = data.get("language") or ""
    if language not in INPUT_LANGUAGES:
        raise DomainError(_l("Choose a language from the list."), field="language")
    summary_sv, summary_rom = text_field(data, "summary_sv"), text_field(data, "summary_rom")
    if not (summary_sv or summary_rom):
        raise DomainError(_l("Write what was said, in Swedish or Romani chib."), field="summary_sv")
    variety = data.get("romani_variety")
    if isinstance(variety, str):
        variety = RomaniVariety._value2member_map_.get(variety)
    record = ExperienceRecord(
        service_id=service.id, kind=kind, channel=channel, occurred_on=occurred_on, language=language,
        romani_variety=variety if language == "rom" else None, summary_sv=summary_sv, summary_rom=summary_rom,
        publish_consent=bool(data.get("publish_consent")), entered_by_id=actor.id,
    )
    session.add(record)
    session.flush()
    audit(session, actor, "experience.record_note", record, after={"kind": kind, "channel": channel})
    return record


def list_records(session: Session, service: Service) -> list[ExperienceRecord]:
    return list(session.scalars(
        sa.select(ExperienceRecord).where(ExperienceRecord.service_id == service.id)
        .order_by(ExperienceRecord.occurred_on.desc(), ExperienceRecord.id.desc())
    ))


def hide_answer(session: Session, actor: User, answer: ExperienceAnswer, *, reason: HiddenReason,
                note: str | None = None) -> None:
    """Hide a free-text answer from results. Never deleted; audited (``app.moderation``)."""
    moderation.hide(session, actor, answer, permitted=policies.can_edit(actor, answer.record.service),
                    reason=reason, note=note)


def unhide_answer(session: Session, actor: User, answer: ExperienceAnswer) -> None:
    moderation.unhide(session, actor, answer, permitted=policies.can_edit(actor, answer.record.service))


def approve_answer(session: Session, actor: User, answer: ExperienceAnswer) -> None:
    """Staff have read a free-text answer: with the author's consent it is public from now on. Audited."""
    moderation.approve(session, actor, answer, permitted=policies.can_edit(actor, answer.record.service))


def mask_answer(session: Session, actor: User, answer: ExperienceAnswer, *, masked_text: str | None) -> None:
    """Publish a free-text answer with personal data masked; the original stays for the archive."""
    moderation.mask(session, actor, answer, permitted=policies.can_edit(actor, answer.record.service),
                    masked_text=masked_text)


# --- Results ------------------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    count: int
    percent: float
    value: str = ""


@dataclass
class QuestionResult:
    question: SurveyQuestion
    answered: int
    too_few: bool
    rows: list[Row] = field(default_factory=list)
    texts: list[ExperienceAnswer] = field(default_factory=list)
    hidden_texts: int = 0


@dataclass
class SurveyResults:
    survey: Survey
    respondents: int
    min_group: int
    too_few: bool
    questions: list[QuestionResult]


def _rows(pairs: list[tuple[str, str, int]], answered: int) -> list[Row]:
    return [Row(label=label, value=value, count=n, percent=(100.0 * n / answered) if answered else 0.0)
            for value, label, n in pairs]


def survey_results(session: Session, survey: Survey, *, public: bool = False,
                   min_group: int | None = None) -> SurveyResults:
    """Aggregated answers: counts per option and scale value (SQL GROUP BY), free texts.

    Groups smaller than ``MIN_GROUP_SIZE`` are not shown: if the survey has
    fewer respondents, nothing is; if a question has fewer answers, that
    question is not. Public results list only texts whose author agreed to
    publication, that staff have read (approved) and that are not hidden.
    """
    from app.i18n import localized_text

    min_group = min_group if min_group is not None else min_group_size()
    respondents = count_records(session, survey)
    answered = dict(session.execute(
        sa.select(ExperienceAnswer.question_id, sa.func.count(ExperienceAnswer.id))
        .join(ExperienceRecord, ExperienceAnswer.record_id == ExperienceRecord.id)
        .where(ExperienceRecord.survey_id == survey.id)
        .group_by(ExperienceAnswer.question_id)
    ).all())
    by_option = dict(session.execute(
        sa.select(ExperienceAnswer.option_id, sa.func.count(ExperienceAnswer.id))
        .join(ExperienceRecord, ExperienceAnswer.record_id == ExperienceRecord.id)
        .where(ExperienceRecord.survey_id == survey.id, ExperienceAnswer.option_id.is_not(None))
        .group_by(ExperienceAnswer.option_id)
    ).all())
    by_scale: dict[int, dict[int, int]] = defaultdict(dict)
    for question_id, value, n in session.execute(
        sa.select(ExperienceAnswer.question_id, ExperienceAnswer.scale_value, sa.func.count(ExperienceAnswer.id))
        .join(ExperienceRecord, ExperienceAnswer.record_id == ExperienceRecord.id)
        .where(ExperienceRecord.survey_id == survey.id, ExperienceAnswer.scale_value.is_not(None))
        .group_by(ExperienceAnswer.question_id, ExperienceAnswer.scale_value)
    ).all():
        by_scale[question_id][value] = n
    too_few = respondents < min_group
    results = []
    for question in survey.questions:
        n = answered.get(question.id, 0)
        result = QuestionResult(question=question, answered=n, too_few=too_few or n < min_group)
        if not result.too_few:
            if question.kind is QuestionKind.CHOICE:
                result.rows = _rows([(str(o.id), localized_text(o, "label"), by_option.get(o.id, 0))
                                     for o in question.options], n)
            elif question.kind is QuestionKind.SCALE:
                result.rows = _rows([(str(v), str(v), by_scale[question.id].get(v, 0)) for v in SCALE_VALUES], n)
            else:
                texts = list(session.scalars(
                    sa.select(ExperienceAnswer).join(ExperienceRecord, ExperienceAnswer.record_id == ExperienceRecord.id)
                    .where(ExperienceAnswer.question_id == question.id, ExperienceAnswer.text.is_not(None))
                    .order_by(ExperienceAnswer.id)
                ))
                if public:
                    shown = [a for a in texts if a.is_reviewed and not a.is_hidden and a.record.publish_consent]
                    result.hidden_texts = len(texts) - len(shown)
                    texts = shown
                result.texts = texts
        results.append(result)
    return SurveyResults(survey=survey, respondents=respondents, min_group=min_group, too_few=too_few,
                         questions=results)


#: Stable, language-independent headers of the survey results CSV.
RESULT_COLUMNS = ("question_position", "question_sv", "answer_value", "answer_sv", "count", "percent", "note")


def results_csv(results: SurveyResults) -> Iterator[str]:
    """The same figures as the page, one row per question and value (:mod:`app.common.csvexport`).
    A group below the minimum size shows no figures, only the note ``too_few``; a
    free-text question gives its number of answers with the note ``free_text``."""
    return iter_csv(RESULT_COLUMNS, _result_rows(results))


def _result_rows(results: SurveyResults) -> Iterator[list[Any]]:
    if results.too_few:
        yield ["", "", "", "", "", "", "too_few"]
        return
    for q in results.questions:
        position, text = q.question.position, q.question.text_sv
        if q.too_few:
            yield [position, text, "", "", "", "", "too_few"]
        elif q.question.kind is QuestionKind.TEXT:
            yield [position, text, "", "", q.answered, "", "free_text"]
        else:
            options = {str(o.id): o.label_sv for o in q.question.options}
            for row in q.rows:
                yield [position, text, row.value, options.get(row.value, row.value), row.count, f"{row.percent:.1f}", ""]


@dataclass
class ServiceResults:
    service: Service
    total: int
    min_group: int
    too_few: bool
    by_kind: list[tuple[RecordKind, int | None]]
    by_channel: list[tuple[Channel, int | None]]
    surveys: list[tuple[Survey, int]]


def service_results(session: Session, service: Service, *, min_group: int | None = None) -> ServiceResults:
    """How many experiences a service has, by kind and channel; cells below the minimum are not shown."""
    min_group = min_group if min_group is not None else min_group_size()
    where = ExperienceRecord.service_id == service.id
    kinds = dict(session.execute(
        sa.select(ExperienceRecord.kind, sa.func.count(ExperienceRecord.id)).where(where).group_by(ExperienceRecord.kind)
    ).all())
    channels = dict(session.execute(
        sa.select(ExperienceRecord.channel, sa.func.count(ExperienceRecord.id)).where(where)
        .group_by(ExperienceRecord.channel)
    ).all())
    per_survey = dict(session.execute(
        sa.select(ExperienceRecord.survey_id, sa.func.count(ExperienceRecord.id))
        .where(where, ExperienceRecord.survey_id.is_not(None)).group_by(ExperienceRecord.survey_id)
    ).all())
    total = sum(kinds.values())

    def shown(n: int) -> int | None:
        return n if n == 0 or n >= min_group else None

    return ServiceResults(
        service=service, total=total, min_group=min_group, too_few=total < min_group,
        by_kind=[(k, shown(kinds.get(k, 0))) for k in RecordKind],
        by_channel=[(c, shown(channels.get(c, 0))) for c in Channel],
        surveys=[(s, per_survey.get(s.id, 0)) for s in service.surveys],
    )


def bar_chart_svg(title: str, rows: list[Row]) -> Markup:
    """A horizontal bar chart as accessible inline SVG (the table next to it has the same numbers).

    The drawing is shared with the influence ledger and the city report: :func:`app.common.charts.bar_chart`.
    """
    from app.common.charts import bar_chart

    return bar_chart(title, rows)


def qr_svg(url: str, label: str) -> Markup:
    """A QR code for ``url`` as inline SVG, named for screen readers."""
    import segno

    svg = segno.make(url, error="m").svg_inline(scale=6, title=label, svgclass="qr", lineclass="qr-line")
    # segno's own SVG (no input in it but the escaped label and the URL it encodes).
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" ', 1))  # nosec B704


def short_url(survey: Survey, lang: str) -> str:
    return external_url("experiences.answer", lang_code=lang, code=survey.short_code)


# --- Measures -----------------------------------------------------------------------------------------


def get_report(session: Session, service: Service) -> FeedbackReport | None:
    return session.scalar(sa.select(FeedbackReport).where(FeedbackReport.service_id == service.id))


def start_report(session: Session, actor: User, service: Service) -> FeedbackReport:
    """The service's measures report (a feedback report), created empty on first use."""
    require_permission(policies.can_edit(actor, service))
    report = get_report(session, service)
    if report is None:
        # A colleague may start it at the same moment (one report per service): then work on theirs.
        report, _created = insert_or_existing(session, FeedbackReport(service=service, service_id=service.id),
                                              lambda: get_report(session, service))
    return report


def theme_record_ids(session: Session, theme: Theme) -> list[int]:
    return list(session.scalars(
        sa.select(theme_experiences.c.record_id).where(theme_experiences.c.theme_id == theme.id)
        .order_by(theme_experiences.c.record_id)
    ))


def theme_record_counts(session: Session, theme_ids: list[int]) -> dict[int, int]:
    if not theme_ids:
        return {}
    return dict(session.execute(
        sa.select(theme_experiences.c.theme_id, sa.func.count())
        .where(theme_experiences.c.theme_id.in_(theme_ids)).group_by(theme_experiences.c.theme_id)
    ).all())


def _checked_record_ids(session: Session, report: FeedbackReport, record_ids: list[int]) -> list[int]:
    """``record_ids`` sorted and without repeats, if they are all records of the report's service."""
    ids = sorted(set(record_ids))
    if ids:
        found = set(session.scalars(sa.select(ExperienceRecord.id).where(
            ExperienceRecord.id.in_(ids), ExperienceRecord.service_id == report.service_id)))
        if found != set(ids):
            raise DomainError(_l("Choose experiences of this service."), field="record_ids")
    return ids


def set_theme_experiences(session: Session, actor: User, theme: Theme, record_ids: list[int]) -> bool:
    """Replace the experiences grouped in a theme (records of the report's service only).

    Returns whether they changed.
    """
    report = theme.report
    require_permission(report.service is not None and policies.can_edit(actor, report.service))
    ids = _checked_record_ids(session, report, record_ids)
    if ids == theme_record_ids(session, theme):
        return False
    session.execute(sa.delete(theme_experiences).where(theme_experiences.c.theme_id == theme.id))
    if ids:
        session.execute(sa.insert(theme_experiences), [{"theme_id": theme.id, "record_id": i} for i in ids])
    session.flush()
    return True


def add_theme(session: Session, actor: User, service: Service, data: dict[str, Any], record_ids: list[int]) -> Theme:
    """A theme of experiences: the feedback theme, plus the records grouped in it."""
    report = start_report(session, actor, service)
    theme = feedback.add_theme(session, actor, report, data)
    set_theme_experiences(session, actor, theme, record_ids)
    return theme


def update_theme(
    session: Session, actor: User, theme: Theme, data: dict[str, Any], record_ids: list[int], *,
    expected_version: int | None = None,
) -> Theme:
    """Edit a theme's text and replace the experiences grouped in it.

    ``expected_version`` is the theme's version when the form was opened; a
    conflict raises :class:`app.feedback.services.StaleTheme` and nothing is
    written. The experiences live in an association table, which does not bump
    the version by itself: a change of them alone bumps it too, so an open form
    sees it.
    """
    report = theme.report
    require_permission(report.service is not None and policies.can_edit(actor, report.service))
    if expected_version is not None and expected_version != theme.version:
        raise feedback.StaleTheme(theme)
    ids = _checked_record_ids(session, report, record_ids)
    before = theme.version
    feedback.update_theme(session, actor, theme, data, expected_version=expected_version)
    if ids != theme_record_ids(session, theme):
        if theme.version == before:
            # Only the experiences changed: bump the version first (UPDATE … WHERE
            # version = …), so a colleague's save in between is a conflict, not lost.
            with feedback._saving(session, theme, feedback.StaleTheme):
                flag_modified(theme, "title_sv")
        set_theme_experiences(session, actor, theme, ids)
    return theme


#: What a measure's status says as a feedback outcome.
STATUS_OUTCOMES = {
    MeasureStatus.PLANNED: Outcome.IMPLEMENTED,
    MeasureStatus.ONGOING: Outcome.IMPLEMENTED,
    MeasureStatus.DONE: Outcome.IMPLEMENTED,
    MeasureStatus.NOT_TAKEN: Outcome.NOT_IMPLEMENTED,
}


class StaleMeasure(feedback.StaleResponse):
    """Someone else saved the response or the measure after this form was opened.

    ``response`` and ``measure`` are the colleague's, as now saved (``measure``
    is ``None`` if the response has none).
    """

    def __init__(self, response: ThemeResponse, measure: Measure | None) -> None:
        super().__init__(response)
        self.measure = measure


def _stale_measure(session: Session, response: ThemeResponse) -> StaleMeasure:
    measure = session.scalar(
        sa.select(Measure).where(Measure.response_id == response.id).execution_options(populate_existing=True)
    )
    return StaleMeasure(response, measure)


def save_measure(
    session: Session, actor: User, theme: Theme, data: dict[str, Any], *, expected_version: int | None = None
) -> Measure:
    """Write the response to a theme and its measure (owner, status, dates).

    The response is the feedback :class:`ThemeResponse` (written by
    :func:`app.feedback.services.save_response`); *not taken* is saved as the
    outcome *not implemented*, so its reason is required the same way.

    ``expected_version`` is the response's version when the form was opened
    (``0`` if there was none yet); a conflict raises :class:`StaleMeasure` and
    nothing is written. The response's version guards the pair: a save that
    changes only the measure bumps the response's version too.
    """
    report = theme.report
    require_permission(report.service is not None and policies.can_edit(actor, report.service))
    existing = theme.response
    if existing is not None and expected_version is not None and expected_version != existing.version:
        raise _stale_measure(session, existing)
    status = data.get("status")
    if isinstance(status, str):
        status = MeasureStatus._value2member_map_.get(status)
    if not isinstance(status, MeasureStatus):
        raise DomainError(_l("Choose the status of the measure."), field="status")
    owner = text_field(data, "owner")
    if not owner:
        raise DomainError(_l("Say who is responsible for the measure."), field="owner")
    start, end = data.get("start_date"), data.get("end_date")
    start = start if isinstance(start, date) else None
    end = end if isinstance(end, date) else None
    if start and end and end < start:
        raise DomainError(_l("The end date cannot be before the start date."), field="end_date")
    if status is MeasureStatus.NOT_TAKEN and not text_field(data, "reason_sv"):
        raise DomainError(_l("Say why no measure is taken, in Swedish."), field="reason_sv")
    owner = owner[:200]
    version = existing.version if existing is not None else None
    try:
        response = feedback.save_response(session, actor, theme, {
            "outcome": STATUS_OUTCOMES[status], "body_sv": data.get("body_sv"), "body_rom": data.get("body_rom"),
            "reason_sv": data.get("reason_sv"), "reason_rom": data.get("reason_rom"),
        }, expected_version=expected_version)
        measure = get_measure(session, response)
        if (measure is None or (measure.owner, measure.status, measure.start_date, measure.end_date)
                != (owner, status, start, end)) and response.version == version:
            # Only the measure changes: bump the response's version first (UPDATE …
            # WHERE version = …), so a colleague's save in between is a conflict.
            with feedback._saving(session, response, feedback.StaleResponse):
                flag_modified(response, "body_sv")
    except feedback.StaleResponse as error:
        raise _stale_measure(session, error.response) from None
    before = {"status": measure.status} if measure else None
    if measure is None:
        measure = Measure(response=response, response_id=response.id)
        session.add(measure)
    measure.owner = owner
    measure.status = status
    measure.start_date = start
    measure.end_date = end
    session.flush()
    audit(session, actor, "measure.save", measure, before=before, after={"status": status, "owner": owner})
    return measure


def get_measure(session: Session, response: ThemeResponse | None) -> Measure | None:
    if response is None or response.id is None:
        return None
    return session.scalar(sa.select(Measure).where(Measure.response_id == response.id))


def measures_for(session: Session, report: FeedbackReport) -> dict[int, Measure]:
    """Theme id → measure, for the staff overview."""
    rows = session.execute(
        sa.select(ThemeResponse.theme_id, Measure).join(Measure, Measure.response_id == ThemeResponse.id)
        .join(Theme, ThemeResponse.theme_id == Theme.id).where(Theme.report_id == report.id)
    ).all()
    return {theme_id: measure for theme_id, measure in rows}


def _measure_snapshot(response: ThemeResponse) -> dict[str, Any]:
    """Snapshot extension: the measure goes into the published revision with its response."""
    from sqlalchemy.orm import object_session

    session = object_session(response)
    measure = get_measure(session, response) if session is not None else None
    if measure is None:
        return {}
    return {"measure": {
        "owner": measure.owner,
        "status": measure.status.value,
        "start_date": measure.start_date.isoformat() if measure.start_date else None,
        "end_date": measure.end_date.isoformat() if measure.end_date else None,
    }}


if _measure_snapshot not in feedback.RESPONSE_SNAPSHOT_EXTENSIONS:
    feedback.RESPONSE_SNAPSHOT_EXTENSIONS.append(_measure_snapshot)


def publish_measures(
    session: Session, actor: User, service: Service, *, change_note_sv: str | None = None,
    change_note_rom: str | None = None, now: datetime | None = None,
) -> FeedbackRevision:
    """Publish the measures (first time) or an update (with a note on what changed).

    Every theme needs a measure; then the feedback publication does the rest
    (snapshot, revision, e-mails through :func:`notify_measures`).
    """
    report = get_report(session, service)
    if report is None:
        raise DomainError(_l("Add at least one theme."))
    require_permission(policies.can_publish(actor, service))
    measures = measures_for(session, report)
    for theme in report.themes:
        if theme.id not in measures:
            raise DomainError(_l("The theme “%(title)s” has no measure yet.", title=theme.title_sv))
    if report.is_published:
        return feedback.publish_update(session, actor, report, change_note_sv=change_note_sv,
                                       change_note_rom=change_note_rom, now=now)
    return feedback.publish_feedback(session, actor, report, now=now)


def _status_changes(revision: FeedbackRevision) -> list[dict[str, Any]]:
    """Measures whose status is new or changed in this revision."""
    previous = None
    revisions = revision.report.revisions
    index = revisions.index(revision)
    if index > 0:
        previous = revisions[index - 1].snapshot
    before = {t["id"]: ((t.get("response") or {}).get("measure") or {}).get("status")
              for t in (previous or {}).get("themes", [])}
    changed = []
    for t in revision.snapshot.get("themes", []):
        status = ((t.get("response") or {}).get("measure") or {}).get("status")
        if status and before.get(t["id"]) != status:
            changed.append({"title_sv": t["title_sv"], "title_rom": t.get("title_rom"),
                            "status": MeasureStatus(status)})
    return changed


def notify_measures(session: Session, report: FeedbackReport, revision: FeedbackRevision) -> int:
    """E-mail everyone who left an address and asked to be told, once per address, in their language.

    Sent when the measures are first published, and on updates in which a
    measure is new or changed status.
    """
    changes = _status_changes(revision)
    if revision.number > 1 and not changes:
        return 0
    rows = session.execute(
        sa.select(Contact.email, Contact.language, Contact.id)
        .join(ExperienceRecord, ExperienceRecord.contact_id == Contact.id)
        .where(ExperienceRecord.service_id == report.service_id, ExperienceRecord.wants_updates.is_(True),
               Contact.email.is_not(None), Contact.email != "")
        .order_by(ExperienceRecord.id)
    ).all()
    recipients: dict[str, tuple[str, str, int]] = {}
    for email, language, contact_id in rows:
        recipients.setdefault(email.strip().lower(), (email.strip(), language, contact_id))
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["DEFAULT_LANGUAGE"]
    first = revision.number == 1
    for to, language, contact_id in recipients.values():
        lang = language if language in languages else default
        queue_email(
            session, to=to, language=lang, contact_id=contact_id,
            template="experiences/published" if first else "experiences/updated",
            kind="measures.published" if first else "measures.updated",
            service=report.service, revision=revision, changes=changes,
            measures_url=external_url("experiences.measures", lang_code=lang, service_id=report.service_id),
        )
    return len(recipients)


def public_measures(session: Session, service: Service) -> tuple[FeedbackReport | None, Any, dict[int, int]]:
    """The published measures page: the feedback snapshot and how many experiences each theme rests on."""
    report = get_report(session, service)
    page = feedback.public_feedback(session, report) if report else None
    counts = theme_record_counts(session, [t.id for t in page.themes]) if page else {}
    return report, page, counts


def measure_of(public_response: Any) -> dict[str, Any] | None:
    """The measure of a published response, with the status as an enum (templates)."""
    if public_response is None:
        return None
    data = public_response.extras.get("measure")
    if not data:
        return None
    return {**data, "status": MeasureStatus(data["status"]),
            "start_date": date.fromisoformat(data["start_date"]) if data.get("start_date") else None,
            "end_date": date.fromisoformat(data["end_date"]) if data.get("end_date") else None}


# --- Follow-up (the board's ledger) ---------------------------------------------------------------------


@dataclass
class ExperienceLedger:
    #: ``(service, year, surveys run, answers)``, by service name and year.
    surveys_per_service_year: list[tuple[Service, int, int, int]]
    notes: int
    measures_by_status: list[tuple[MeasureStatus, int]]
    #: ``(survey, days from close to the first measures published after it)``.
    days_to_measures: list[tuple[Survey, int]]

    @property
    def median_days_to_measures(self) -> float | None:
        days = sorted(d for _s, d in self.days_to_measures)
        if not days:
            return None
        mid = len(days) // 2
        return float(days[mid]) if len(days) % 2 else (days[mid - 1] + days[mid]) / 2


def experience_ledger(session: Session, board: Board, *, now: datetime | None = None) -> ExperienceLedger:
    """The board's follow-up of experiences, in aggregate SQL.

    A survey is *run* once published and opened; its year is the year it
    opened. Answers are survey records by the survey's year. Measures count
    only in published reports. Days to measures run from a closed survey's
    closing date to the first publication of its service's measures after it
    (Stockholm dates).
    """
    now = now or utcnow()
    year = sa.extract("year", Survey.opens_dt)
    run = Survey.published_dt.is_not(None) & (Survey.opens_dt <= now)
    surveys = {(sid, int(y)): n for sid, y, n in session.execute(
        sa.select(Survey.service_id, year, sa.func.count(Survey.id))
        .join(Service, Survey.service_id == Service.id)
        .where(Service.board_id == board.id, run).group_by(Survey.service_id, year)
    ).all()}
    answers = {(sid, int(y)): n for sid, y, n in session.execute(
        sa.select(Survey.service_id, year, sa.func.count(ExperienceRecord.id))
        .join(ExperienceRecord, ExperienceRecord.survey_id == Survey.id)
        .join(Service, Survey.service_id == Service.id)
        .where(Service.board_id == board.id, run).group_by(Survey.service_id, year)
    ).all()}
    services = {s.id: s for s in session.scalars(sa.select(Service).where(Service.board_id == board.id))}
    keys = sorted(set(surveys) | set(answers), key=lambda k: (services[k[0]].name_sv, k[1]))
    notes = session.scalar(
        sa.select(sa.func.count(ExperienceRecord.id)).join(Service, ExperienceRecord.service_id == Service.id)
        .where(Service.board_id == board.id, ExperienceRecord.kind.in_(NOTE_KINDS))
    ) or 0
    status_counts = dict(session.execute(
        sa.select(Measure.status, sa.func.count(Measure.id))
        .join(ThemeResponse, Measure.response_id == ThemeResponse.id)
        .join(Theme, ThemeResponse.theme_id == Theme.id)
        .join(FeedbackReport, Theme.report_id == FeedbackReport.id)
        .join(Service, FeedbackReport.service_id == Service.id)
        .where(Service.board_id == board.id, FeedbackReport.published_dt.is_not(None))
        .group_by(Measure.status)
    ).all())
    first_after = session.execute(
        sa.select(Survey.id, Survey.closes_dt, sa.func.min(FeedbackRevision.published_dt))
        .join(Service, Survey.service_id == Service.id)
        .join(FeedbackReport, FeedbackReport.service_id == Service.id)
        .join(FeedbackRevision, FeedbackRevision.report_id == FeedbackReport.id)
        .where(Service.board_id == board.id, Survey.published_dt.is_not(None), Survey.closes_dt <= now,
               FeedbackRevision.published_dt >= Survey.closes_dt)
        .group_by(Survey.id, Survey.closes_dt).order_by(Survey.closes_dt, Survey.id)
    ).all()
    # One query for all closed surveys (not one per survey), none when there are none.
    closed = {s.id: s for s in session.scalars(
        sa.select(Survey).where(Survey.id.in_([row[0] for row in first_after])))} if first_after else {}
    days = [(closed[sid], (feedback.stockholm_today(published) - feedback.stockholm_today(closes)).days)
            for sid, closes, published in first_after]
    return ExperienceLedger(
        surveys_per_service_year=[(services[sid], y, surveys.get((sid, y), 0), answers.get((sid, y), 0))
                                  for sid, y in keys],
        notes=notes,
        measures_by_status=[(s, status_counts.get(s, 0)) for s in MeasureStatus],
        days_to_measures=days,
    )
