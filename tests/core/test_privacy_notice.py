"""The privacy notice says, in both languages, what is kept of anonymous input, for how long and what
the logs hold, and its periods are the ones the purge and the outbox really use."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.consultations.models import ConsultationStatus as S
from app.db import utcnow
from app.feedback.models import FeedbackReport
from app.mail.models import OutboxMessage, OutboxStatus
from app.participation.models import Contact, Viewpoint


@pytest.fixture
def app_overrides():
    return {
        "CONTACT_RETENTION_DAYS": 77,
        "WISH_CONTACT_RETENTION_DAYS": 33,
        "ANSWER_CONTACT_MAX_DAYS": 222,
        "OUTBOX_KEEP_HOURS": 36,
        "LOG_RETENTION_DAYS": 11,
        "SPEAKER_CONFIRM_DAYS": 9,
    }


WORDS = {
    "sv": [
        "allmän handling",
        "klockslaget",
        "IP-adress",
        "loggarna raderas efter 11 dagar",
        "webbläsare",
        "77 dagar",
        "33 dagar",
        "senast 222 dagar",
        "36 timmar",
        "maskera",
        "9 dagar",
    ],
    "rom": [
        "(allmän handling)",
        "o časo",
        "IP adresa",
        "pala 11 djes",
        "browsero",
        "77 djes",
        "33 djes",
        "222 djes",
        "36 ore",
        "[anav]",
        "9 djes",
    ],
}


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_the_notice_says_what_is_kept_for_how_long_and_what_the_logs_hold(client, lang):
    response = client.get(f"/{lang}/privacy")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for words in WORDS[lang]:
        assert words.lower() in html.lower(), words
    for anchor in ('id="anonymous-input"', 'id="public-records"', 'id="retention"', 'id="logs"', 'id="speaker-check"'):
        assert anchor in html


def test_the_periods_in_the_notice_are_the_ones_the_code_uses(client, runner, db_session, create_consultation):
    now = utcnow()
    due, kept = create_consultation(status=S.FEEDBACK_PUBLISHED), create_consultation(status=S.FEEDBACK_PUBLISHED)
    db_session.add_all(
        [
            FeedbackReport(consultation=due, published_dt=now - timedelta(days=78)),
            FeedbackReport(consultation=kept, published_dt=now - timedelta(days=76)),
            Viewpoint(
                consultation=due,
                reference_code="NOTI-CE01",
                body="a",
                language="sv",
                contact=Contact(email="due@example.org"),
            ),
            Viewpoint(
                consultation=kept,
                reference_code="NOTI-CE02",
                body="b",
                language="sv",
                contact=Contact(email="kept@example.org"),
            ),
            OutboxMessage(
                to_address="x@example.org",
                subject="s",
                body_text="old",
                language="sv",
                kind="t",
                status=OutboxStatus.SENT,
                sent_dt=now - timedelta(hours=37),
            ),
            OutboxMessage(
                to_address="y@example.org",
                subject="s",
                body_text="recent",
                language="sv",
                kind="t",
                status=OutboxStatus.SENT,
                sent_dt=now - timedelta(hours=35),
            ),
        ]
    )
    db_session.commit()
    assert "77" in client.get("/sv/privacy").get_data(as_text=True)
    assert runner.invoke(args=["purge"]).exit_code == 0
    assert set(db_session.scalars(sa.select(Contact.email))) == {"kept@example.org"}
    assert sorted(db_session.scalars(sa.select(OutboxMessage.body_text))) == ["", "recent"]
