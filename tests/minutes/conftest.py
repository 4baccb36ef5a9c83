from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.accounts.models import Role
from app.consultations.models import ConsultationStatus
from app.db import utcnow
from app.registrations import services as registrations
from app.registrations.services import RegistrationData
from tests.registrations.conftest import MarkerTranslations


@pytest.fixture
def marker_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    import app.i18n

    monkeypatch.setattr(app.i18n, "_load_catalog", lambda directory, language: MarkerTranslations(language))


@pytest.fixture
def ctx(app: Any) -> Iterator[None]:
    with app.test_request_context("/sv/"):
        yield


@pytest.fixture
def board(create_board):
    return create_board(slug="kultur", name_sv="Kulturnämnden", name_rom="I Komisia vash e Kultura")


@pytest.fixture
def publisher(create_user, board):
    return create_user(boards={board: Role.PUBLISHER})


@pytest.fixture
def editor(create_user, board):
    return create_user(boards={board: Role.EDITOR})


@pytest.fixture
def register(db_session) -> Callable[..., Any]:
    """Register through the service (as the public form does)."""

    def _register(consultation, **overrides: Any):
        values: dict[str, Any] = {"name": "Sara", "consent": True}
        values.update(overrides)
        return registrations.register(db_session, consultation, RegistrationData(**values))

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
