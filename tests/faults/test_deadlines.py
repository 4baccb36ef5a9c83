"""The request deadline belongs to the request: it never outlives it, whatever
application context the request ran in."""

from __future__ import annotations

from app import db
from tests.support import present


def test_the_deadline_ends_with_each_request_even_in_a_longer_application_context(app, client):
    assert db._deadline.get() is None
    with app.app_context():  # as tests and CLI commands do: requests then share this context
        for _ in range(3):
            assert client.get("/healthz").status_code == 200
            assert db._deadline.get() is None
    assert db._deadline.get() is None


def test_wait_limits_nest():
    assert db._wait_timeout() is None
    with db.db_wait_limit(30):
        assert db._wait_timeout() == 30
        with db.db_deadline(5):
            assert 4 < present(db._wait_timeout()) <= 5
            with db.db_deadline(60):  # an outer, earlier deadline stays in force
                assert present(db._wait_timeout()) <= 5
    assert db._wait_timeout() is None
