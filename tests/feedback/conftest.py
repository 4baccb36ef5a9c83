"""Fixtures for the feedback domain: views written directly, a held consultation."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from app.consultations.models import Consultation
from app.consultations.models import ConsultationStatus as S
from app.db import utcnow
from app.participation.models import Contact, Viewpoint
from tests.conftest import in_days

_codes = itertools.count(1)


@pytest.fixture
def create_viewpoint(db_session: Session) -> Callable[..., Viewpoint]:
    """A view written directly (the participation services are built elsewhere)."""

    def _create(
        consultation: Consultation,
        body: str = "Vi vill ha läxhjälp på kvällarna.",
        *,
        language: str = "sv",
        publish_consent: bool = True,
        hidden: bool = False,
        show_name: bool = False,
        name: str | None = None,
        email: str | None = None,
        contact_language: str = "sv",
        wants_feedback: bool = False,
        **kwargs: Any,
    ) -> Viewpoint:
        raw = f"FB{next(_codes):06d}"
        contact = Contact(name=name, email=email, language=contact_language) if (name or email) else None
        viewpoint = Viewpoint(
            consultation_id=consultation.id,
            reference_code=kwargs.pop("reference_code", f"{raw[:4]}-{raw[4:]}"),
            body=body,
            language=language,
            publish_consent=publish_consent,
            show_name=show_name,
            wants_feedback=wants_feedback,
            contact=contact,
            hidden_dt=utcnow() if hidden else None,
            **kwargs,
        )
        db_session.add(viewpoint)
        db_session.commit()
        return viewpoint

    return _create


@pytest.fixture
def board(create_board):
    return create_board(slug="utbildning", name_sv="Utbildningsnämnden", name_rom="I Komisia vash o Sityaripe")


@pytest.fixture
def held(create_consultation, board):
    """A consultation that took place last week, feedback promised in a month."""
    return create_consultation(
        board=board,
        status=S.HELD,
        start_dt=in_days(-7),
        feedback_due_date=date.today() + timedelta(days=30),
    )
