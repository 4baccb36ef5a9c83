"""Fixtures for experiences: a board's service with an open survey of three questions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.db import utcnow
from app.experiences.models import (
    ExperienceAnswer,
    ExperienceRecord,
    QuestionKind,
    QuestionOption,
    RecordKind,
    Service,
    Survey,
    SurveyQuestion,
)
from app.participation.models import Channel, Contact
from tests.conftest import in_days


@pytest.fixture
def service(db_session: Session, board) -> Service:
    svc = Service(board=board, name_sv="Romsk läsambassad, Stadsbiblioteket", name_rom="Rromani chitaimaski ambasada")
    db_session.add(svc)
    db_session.commit()
    return svc


@pytest.fixture
def create_survey(db_session: Session, service: Service) -> Callable[..., Survey]:
    counter = iter(range(1, 1000))

    def _create(svc: Service | None = None, *, published: bool = True, **kwargs: Any) -> Survey:
        n = next(counter)
        survey = Survey(
            service=svc or service,
            short_code=kwargs.pop("short_code", f"TST{n:03d}"),
            title_sv=kwargs.pop("title_sv", "Hur var ditt besök?"),
            title_rom=kwargs.pop("title_rom", "Sar sas?"),
            opens_dt=kwargs.pop("opens_dt", in_days(-3)),
            closes_dt=kwargs.pop("closes_dt", in_days(10)),
            published_dt=in_days(-3) if published else None,
            questions=[
                SurveyQuestion(position=1, kind=QuestionKind.TEXT, text_sv="Vad var bra?", text_rom="So sas lasho?"),
                SurveyQuestion(
                    position=2,
                    kind=QuestionKind.CHOICE,
                    text_sv="Hur ofta kommer du?",
                    text_rom="Kaj drom aves?",
                    options=[
                        QuestionOption(position=1, label_sv="Varje vecka", label_rom="Sako kurko"),
                        QuestionOption(position=2, label_sv="Sällan", label_rom="Rar"),
                    ],
                ),
                SurveyQuestion(
                    position=3, kind=QuestionKind.SCALE, text_sv="Hur nöjd är du?", text_rom="Sar san multsumime?"
                ),
            ],
            **kwargs,
        )
        db_session.add(survey)
        db_session.commit()
        return survey

    return _create


@pytest.fixture
def survey(create_survey) -> Survey:
    return create_survey()


@pytest.fixture
def add_answers(db_session: Session) -> Callable[..., ExperienceRecord]:
    """One respondent's answers, written directly; a text answer already read by staff unless ``reviewed=False``."""

    def _add(
        survey: Survey,
        *,
        text: str | None = None,
        option: int | None = 0,
        scale: int | None = 4,
        channel: Channel = Channel.WEB,
        email: str | None = None,
        language: str = "sv",
        wants_updates: bool = False,
        publish_consent: bool = True,
        occurred_on: date | None = None,
        reviewed: bool = True,
    ) -> ExperienceRecord:
        q_text, q_choice, q_scale = survey.questions
        answers = []
        if text is not None:
            answers.append(
                ExperienceAnswer(question_id=q_text.id, text=text, reviewed_dt=utcnow() if reviewed else None)
            )
        if option is not None:
            answers.append(ExperienceAnswer(question_id=q_choice.id, option_id=q_choice.options[option].id))
        if scale is not None:
            answers.append(ExperienceAnswer(question_id=q_scale.id, scale_value=scale))
        record = ExperienceRecord(
            service_id=survey.service_id,
            survey_id=survey.id,
            kind=RecordKind.SURVEY,
            channel=channel,
            occurred_on=occurred_on or date(2026, 5, 1),
            language=language,
            publish_consent=publish_consent,
            wants_updates=wants_updates,
            answers=answers,
            contact=Contact(email=email, language=language) if email else None,
        )
        db_session.add(record)
        db_session.commit()
        return record

    return _add
