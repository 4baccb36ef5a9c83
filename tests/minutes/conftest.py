from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.consultations.models import ConsultationStatus
from app.db import utcnow
from app.registrations import services as registrations
from tests.conftest import registration_data


@pytest.fixture
def register(db_session) -> Callable[..., Any]:
    """Register through the service (as the public form does)."""

    def _register(consultation, **overrides: Any):
        return registrations.register(db_session, consultation, registration_data(**overrides))

    return _register


@pytest.fixture
def held(db_session):
    """Move a consultation to "held" as if the meeting just took place."""

    def _held(consultation):
        consultation.status = ConsultationStatus.HELD
        consultation.held_dt = utcnow()
        db_session.commit()
        return consultation

    return _held
