"""Random and hostile data posted to every public form: never a 5xx, never a
reflected script, never a partial record."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.participation.models import Contact, Viewpoint

HOSTILE = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            '"><img src=x onerror=alert(1)>',
            "\x00",
            "a\x00b",
            "x" * 20000,
            "2026-02-30T25:61",
            "99999999999999999999999",
            "-1",
            "javascript:alert(1)",
            "' OR 1=1 --",
            "😀" * 500,
            "\u202e",
            "",
            " ",
        ]
    ),
)


def _fields(names: list[str]) -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries({}, optional={name: HOSTILE for name in names})


def _counts(db_session) -> tuple[int, int]:
    return (
        db_session.scalar(sa.select(sa.func.count()).select_from(Viewpoint)),
        db_session.scalar(sa.select(sa.func.count()).select_from(Contact)),
    )


@pytest.fixture
def target(create_consultation):
    return create_consultation()


FORMS = {
    "view": (
        "/{lang}/consultations/{cid}/views/new",
        [
            "body",
            "language",
            "romani_variety",
            "other_language",
            "agenda_item_id",
            "name",
            "show_name",
            "organisation",
            "email",
            "wants_feedback",
            "publish_consent",
            "website",
            "submission_key",
        ],
    ),
    "login": ("/{lang}/login", ["email", "password", "next"]),
    "forgot": ("/{lang}/password/forgot", ["email"]),
    "list": ("/{lang}/consultations/", ["board", "when", "format", "page"]),
}


@pytest.mark.parametrize("form", sorted(FORMS))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(data=st.data())
def test_hostile_posts(client, db_session, target, form, data) -> None:
    path, names = FORMS[form]
    lang = data.draw(st.sampled_from(["sv", "rom"]))
    url = path.format(lang=lang, cid=target.id)
    payload = data.draw(_fields(names))
    before = _counts(db_session)
    if form == "list":
        response = client.get(url, query_string=payload)
    else:
        response = client.post(url, data=payload)
    assert response.status_code < 500, (url, payload)
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x onerror" not in html
    if response.status_code != 302:
        assert _counts(db_session) == before, "a rejected form stored something"
