"""Two people taking the last place at the same moment, on PostgreSQL with real commits."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app import create_app
from app.consultations.models import Consultation
from app.db import make_engine
from app.registrations import services
from app.registrations.models import Registration, RegistrationStatus
from config import TestConfig
from tests.databases import commit_consultation
from tests.mail.helpers import scratch_postgres
from tests.support import present


@pytest.fixture
def scratch_url(backend):
    if backend != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite has a single writer")
    with scratch_postgres() as url:
        yield url


def _race(url: str, consultation_id: int, people: int, hold: float) -> list[BaseException]:
    """``people`` threads register at once, each on its own engine, and hold the
    transaction open for ``hold`` seconds before committing."""
    app = create_app(TestConfig, {"DATABASE_URL": url})
    barrier = threading.Barrier(people)
    errors: list[BaseException] = []

    def attempt(n: int) -> None:
        engine = make_engine(url)
        try:
            with app.test_request_context("/sv/"), Session(engine) as session:
                consultation = present(session.get(Consultation, consultation_id))
                barrier.wait(timeout=10)
                services.register(
                    session,
                    consultation,
                    services.RegistrationData(name=f"Person {n}", consent=True, email=f"p{n}@example.com"),
                )
                time.sleep(hold)  # keep the transaction open so the race window is wide
                session.commit()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    app.extensions["db"].engine.dispose()
    return errors


def _statuses(url: str, consultation_id: int) -> list[RegistrationStatus]:
    engine = make_engine(url)
    with Session(engine) as session:
        statuses = list(
            session.scalars(sa.select(Registration.status).where(Registration.consultation_id == consultation_id))
        )
    engine.dispose()
    return statuses


def test_two_people_cannot_both_take_the_last_place(scratch_url):
    consultation_id = commit_consultation(scratch_url, capacity=1)
    errors = _race(scratch_url, consultation_id, people=2, hold=0.3)
    assert errors == []
    statuses = _statuses(scratch_url, consultation_id)
    assert sorted(s.value for s in statuses) == ["confirmed", "waitlisted"]


def test_many_at_once_fill_exactly_the_capacity(scratch_url):
    consultation_id = commit_consultation(scratch_url, capacity=3)
    errors = _race(scratch_url, consultation_id, people=8, hold=0.05)
    assert errors == []
    statuses = _statuses(scratch_url, consultation_id)
    assert statuses.count(RegistrationStatus.CONFIRMED) == 3
    assert statuses.count(RegistrationStatus.WAITLISTED) == 5
