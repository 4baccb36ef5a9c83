"""Survey results and a service's figures, with groups too small to show held back."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.common.csvexport import iter_csv
from app.common.urls import external_url
from app.experiences.models import (
    SCALE_LABELS,
    SCALE_VALUES,
    ExperienceAnswer,
    ExperienceRecord,
    QuestionKind,
    RecordKind,
    Service,
    Survey,
    SurveyQuestion,
)
from app.experiences.services import count_records, min_group_size
from app.i18n import force_language
from app.participation.models import Channel


@dataclass
class Row:
    label: str
    #: ``None``: held back (a group too small to show, or its complement).
    count: int | None
    percent: float | None
    value: str = ""

    @property
    def hidden(self) -> bool:
        return self.count is None


def suppress(counts: list[int], min_group: int) -> list[int | None]:
    """The counts to show, with every cell that could identify someone held back (``None``).

    A count from 1 to ``min_group - 1`` is held back. So that it cannot be
    worked out from the total minus the other cells (the total is shown), the
    smallest shown cells are held back too (complementary suppression) until
    the held-back cells are at least two and together reach ``min_group`` (or
    nothing is left to hold back). Zeros are shown: they identify no one.
    """
    shown: list[int | None] = [n if n == 0 or n >= min_group else None for n in counts]
    while any(v is None for v in shown):
        hidden = [counts[i] for i, v in enumerate(shown) if v is None]
        if len(hidden) >= 2 and sum(hidden) >= min_group:
            break
        candidates = [i for i, v in enumerate(shown) if v is not None and (v > 0 or len(hidden) < 2)]
        if not candidates:
            break
        smallest = min(candidates, key=lambda i: (counts[i] == 0, counts[i]))
        shown[smallest] = None
    return shown


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


def _rows(pairs: list[tuple[str, str, int]], answered: int, min_group: int) -> list[Row]:
    """One row per option or scale value; cells below the minimum group size held back (:func:`suppress`)."""
    shown = suppress([n for _value, _label, n in pairs], min_group)
    return [
        Row(
            label=label,
            value=value,
            count=n,
            percent=None if n is None else (100.0 * n / answered) if answered else 0.0,
        )
        for (value, label, _n), n in zip(pairs, shown, strict=True)
    ]


def survey_results(
    session: Session, survey: Survey, *, public: bool = False, min_group: int | None = None
) -> SurveyResults:
    """Aggregated answers: counts per option and scale value (SQL GROUP BY), free texts.

    Groups smaller than ``MIN_GROUP_SIZE`` are not shown: if the survey has
    fewer respondents, nothing is; if a question has fewer answers, that
    question is not; an option or scale value chosen by fewer is held back,
    with enough others that it cannot be derived from the total (:func:`suppress`).
    Scale rows are labelled with the words of the scale. Public results list only texts whose author agreed to
    publication, that staff have read (approved) and that are not hidden.
    """
    from app.i18n import localized_text

    min_group = min_group if min_group is not None else min_group_size()
    respondents = count_records(session, survey)
    answered = dict(
        session.execute(
            sa.select(ExperienceAnswer.question_id, sa.func.count(ExperienceAnswer.id))
            .join(ExperienceRecord, ExperienceAnswer.record_id == ExperienceRecord.id)
            .where(ExperienceRecord.survey_id == survey.id)
            .group_by(ExperienceAnswer.question_id)
        ).all()
    )
    by_option = dict(
        session.execute(
            sa.select(ExperienceAnswer.option_id, sa.func.count(ExperienceAnswer.id))
            .join(ExperienceRecord, ExperienceAnswer.record_id == ExperienceRecord.id)
            .where(ExperienceRecord.survey_id == survey.id, ExperienceAnswer.option_id.is_not(None))
            .group_by(ExperienceAnswer.option_id)
        ).all()
    )
    by_scale: dict[int, dict[int, int]] = defaultdict(dict)
    for question_id, value, n in session.execute(
        sa.select(ExperienceAnswer.question_id, ExperienceAnswer.scale_value, sa.func.count(ExperienceAnswer.id))
        .join(ExperienceRecord, ExperienceAnswer.record_id == ExperienceRecord.id)
        .where(ExperienceRecord.survey_id == survey.id, ExperienceAnswer.scale_value.is_not(None))
        .group_by(ExperienceAnswer.question_id, ExperienceAnswer.scale_value)
    ).all():
        assert value is not None  # the query skips answers without a scale value
        by_scale[question_id][value] = n
    too_few = respondents < min_group
    results = []
    for question in survey.questions:
        n = answered.get(question.id, 0)
        result = QuestionResult(question=question, answered=n, too_few=too_few or n < min_group)
        if not result.too_few:
            if question.kind is QuestionKind.CHOICE:
                result.rows = _rows(
                    [(str(o.id), localized_text(o, "label"), by_option.get(o.id, 0)) for o in question.options],
                    n,
                    min_group,
                )
            elif question.kind is QuestionKind.SCALE:
                result.rows = _rows(
                    [(str(v), str(SCALE_LABELS[v]), by_scale[question.id].get(v, 0)) for v in SCALE_VALUES],
                    n,
                    min_group,
                )
            else:
                texts = list(
                    session.scalars(
                        sa.select(ExperienceAnswer)
                        .join(ExperienceRecord, ExperienceAnswer.record_id == ExperienceRecord.id)
                        .where(ExperienceAnswer.question_id == question.id, ExperienceAnswer.text.is_not(None))
                        .order_by(ExperienceAnswer.id)
                    )
                )
                if public:
                    shown = [a for a in texts if a.is_reviewed and not a.is_hidden and a.record.publish_consent]
                    result.hidden_texts = len(texts) - len(shown)
                    texts = shown
                result.texts = texts
        results.append(result)
    return SurveyResults(
        survey=survey, respondents=respondents, min_group=min_group, too_few=too_few, questions=results
    )


#: Stable, language-independent headers of the survey results CSV.
RESULT_COLUMNS = ("question_position", "question_sv", "answer_value", "answer_sv", "count", "percent", "note")


def results_csv(results: SurveyResults) -> Iterator[str]:
    """The same figures as the page, one row per question and value (:mod:`app.common.csvexport`).
    A group below the minimum size shows no figures, only the note ``too_few``, and
    so does a held-back cell; a free-text question gives its number of answers with
    the note ``free_text``. Scale values carry the Swedish words of the scale."""
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
            if q.question.kind is QuestionKind.SCALE:
                with force_language("sv"):
                    options = {str(v): str(SCALE_LABELS[v]) for v in SCALE_VALUES}
            else:
                options = {str(o.id): o.label_sv for o in q.question.options}
            for row in q.rows:
                if row.count is None or row.percent is None:
                    yield [position, text, row.value, options.get(row.value, row.value), "", "", "too_few"]
                else:
                    yield [
                        position,
                        text,
                        row.value,
                        options.get(row.value, row.value),
                        row.count,
                        f"{row.percent:.1f}",
                        "",
                    ]


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
    kinds = dict(
        session.execute(
            sa.select(ExperienceRecord.kind, sa.func.count(ExperienceRecord.id))
            .where(where)
            .group_by(ExperienceRecord.kind)
        ).all()
    )
    channels = dict(
        session.execute(
            sa.select(ExperienceRecord.channel, sa.func.count(ExperienceRecord.id))
            .where(where)
            .group_by(ExperienceRecord.channel)
        ).all()
    )
    per_survey = dict(
        session.execute(
            sa.select(ExperienceRecord.survey_id, sa.func.count(ExperienceRecord.id))
            .where(where, ExperienceRecord.survey_id.is_not(None))
            .group_by(ExperienceRecord.survey_id)
        ).all()
    )
    total = sum(kinds.values())

    by_kind = suppress([kinds.get(k, 0) for k in RecordKind], min_group)
    by_channel = suppress([channels.get(c, 0) for c in Channel], min_group)
    return ServiceResults(
        service=service,
        total=total,
        min_group=min_group,
        too_few=total < min_group,
        by_kind=list(zip(RecordKind, by_kind, strict=True)),
        by_channel=list(zip(Channel, by_channel, strict=True)),
        surveys=[(s, per_survey.get(s.id, 0)) for s in service.surveys],
    )


def short_url(survey: Survey, lang: str) -> str:
    return external_url("experiences.answer", lang_code=lang, code=survey.short_code)
