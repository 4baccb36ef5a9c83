"""Settings read from the environment reach the code that uses them."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from types import ModuleType

import pytest

from app import create_app


@pytest.fixture
def reload_config(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """``config`` re-read after the test sets environment variables; restored afterwards."""
    import config

    try:
        yield config
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_evaluation_open_days_from_environment(monkeypatch, reload_config) -> None:
    from app.consultations.models import Consultation
    from app.consultations.models import ConsultationStatus as S
    from app.minutes import services

    monkeypatch.delenv("EVALUATION_OPEN_DAYS", raising=False)
    assert importlib.reload(reload_config).Config.EVALUATION_OPEN_DAYS == services.DEFAULT_EVALUATION_DAYS
    monkeypatch.setenv("EVALUATION_OPEN_DAYS", "45")
    config = importlib.reload(reload_config)
    assert config.Config.EVALUATION_OPEN_DAYS == 45
    app = create_app(config.TestConfig, {"DATABASE_URL": "sqlite://"})
    held = datetime(2026, 3, 1, 18, tzinfo=timezone.utc)
    consultation = Consultation(status=S.HELD, held_dt=held)
    with app.app_context():
        assert services.evaluation_days() == 45
        assert services.evaluation_closes_dt(consultation) == held + timedelta(days=45)
        assert services.evaluation_state(consultation, now=held + timedelta(days=44)) == "open"
        assert services.evaluation_state(consultation, now=held + timedelta(days=46)) == "closed"
    app.extensions["db"].engine.dispose()


def test_wish_retention_defaults_to_contact_retention(monkeypatch, reload_config) -> None:
    monkeypatch.setenv("CONTACT_RETENTION_DAYS", "45")
    monkeypatch.delenv("WISH_CONTACT_RETENTION_DAYS", raising=False)
    assert importlib.reload(reload_config).Config.WISH_CONTACT_RETENTION_DAYS == 45
    monkeypatch.setenv("WISH_CONTACT_RETENTION_DAYS", "400")
    config = importlib.reload(reload_config)
    assert (config.Config.CONTACT_RETENTION_DAYS, config.Config.WISH_CONTACT_RETENTION_DAYS) == (45, 400)
