"""Random and hostile data posted to the survey form: never a 5xx, never a reflected script, never a partial record."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.experiences.models import ExperienceAnswer, ExperienceRecord
from app.participation.models import Contact
from tests.core.test_hostile_input import HOSTILE


def _counts(db_session) -> tuple[int, int, int]:
    return tuple(
        db_session.scalar(sa.select(sa.func.count()).select_from(m))
        for m in (ExperienceRecord, ExperienceAnswer, Contact)
    )


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_hostile_answers(client, db_session, survey, data) -> None:
    names = [q.field_name for q in survey.questions] + [
        "language",
        "romani_variety",
        "name",
        "email",
        "wants_updates",
        "publish_consent",
        "website",
        "submission_key",
    ]
    payload = data.draw(st.fixed_dictionaries({}, optional={name: HOSTILE for name in names}))
    lang = data.draw(st.sampled_from(["sv", "rom"]))
    before = _counts(db_session)
    response = client.post(f"/{lang}/s/{survey.short_code}", data=payload)
    assert response.status_code < 500, payload
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<img src=x onerror" not in html
    if response.status_code != 302:
        assert _counts(db_session) == before, "a rejected form stored something"
