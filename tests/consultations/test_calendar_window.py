"""Calendars of many consultations keep what is coming and the recent past
(``CALENDAR_PAST_DAYS``), not every meeting of all years."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.consultations.models import ConsultationStatus
from tests.conftest import in_days


@pytest.fixture
def meetings(create_board, create_consultation):
    board = create_board(slug="kulturnamnden")
    old = create_consultation(
        board=board,
        status=ConsultationStatus.CLOSED,
        title_sv="Gammalt samråd om biblioteken",
        start_dt=in_days(-400),
        end_dt=in_days(-400) + timedelta(hours=2),
    )
    recent = create_consultation(
        board=board,
        status=ConsultationStatus.HELD,
        title_sv="Nyligen om badhuset",
        start_dt=in_days(-30),
        end_dt=in_days(-30) + timedelta(hours=2),
    )
    coming = create_consultation(board=board, title_sv="Snart om fritidsgården")
    return board, old, recent, coming


def test_calendars_leave_out_meetings_that_ended_long_ago(client, meetings):
    board, old, recent, coming = meetings
    for url in ("/sv/consultations.ics", f"/sv/boards/{board.slug}.ics"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert f"consultation-{recent.id}@" in text and f"consultation-{coming.id}@" in text, url
        assert f"consultation-{old.id}@" not in text, url
    # The old meeting keeps its own calendar file.
    assert client.get(f"/sv/consultations/{old.id}.ics").status_code == 200


class TestLongerWindow:
    @pytest.fixture
    def app_overrides(self):
        return {"CALENDAR_PAST_DAYS": 500}

    def test_the_window_is_configurable(self, client, meetings):
        _board, old, _recent, _coming = meetings
        assert f"consultation-{old.id}@" in client.get("/sv/consultations.ics").get_data(as_text=True)


def _serialized(app) -> int:
    """Events the calendar of all has serialized so far in this app."""
    store = app.extensions.get("calendar_of_all")
    return store.built if store else 0


def test_the_calendar_of_all_rebuilds_the_changed_event_only_and_none_when_a_view_arrives(
    app, client, meetings, db_session
):
    from app.participation.models import Channel, Viewpoint

    _board, _old, recent, coming = meetings
    client.get("/sv/consultations.ics")
    assert _serialized(app) == 2  # the recent and the coming meeting
    db_session.add(
        Viewpoint(consultation=recent, body="Bra möte.", language="sv", channel=Channel.WEB, reference_code="CALX-2345")
    )
    db_session.commit()
    client.get("/sv/consultations.ics")
    assert _serialized(app) == 2
    coming.title_sv = "Snart om biblioteket"
    db_session.commit()
    assert "Snart om biblioteket" in client.get("/sv/consultations.ics").get_data(as_text=True)
    assert _serialized(app) == 3  # only the changed one
    client.get("/rom/consultations.ics")
    assert _serialized(app) == 5  # each language has its own events


def test_the_calendar_of_all_is_streamed_with_validators_and_answers_304(client, meetings, db_session):
    _board, _old, _recent, coming = meetings
    first = client.get("/sv/consultations.ics")
    assert first.status_code == 200 and first.is_streamed
    assert int(first.headers["Content-Length"]) == len(first.data)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('W/"') and modified
    assert client.get("/sv/consultations.ics", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/sv/consultations.ics", headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get("/rom/consultations.ics", headers={"If-None-Match": etag}).status_code == 200
    coming.title_sv = "Snart om biblioteket"
    db_session.commit()
    changed = client.get("/sv/consultations.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Snart om biblioteket" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != etag


@pytest.mark.parametrize(
    "headers",
    [
        {"If-None-Match": 'W/"stale"'},
        {"If-None-Match": "garbage,,\x7f"},
        {"If-Modified-Since": "garbage"},
        {"If-Modified-Since": "Mon, 32 Foo 2026 99:99:99 GMT"},
        {"If-Modified-Since": "99999999999999999999"},
        # A date later than now is not a valid one (RFC 9110, 13.1.3): a client whose clock runs ahead
        # would otherwise be told "not modified" after every change.
        {"If-Modified-Since": "Fri, 31 Dec 9999 23:59:59 GMT"},
    ],
)
def test_the_calendar_of_all_answers_a_stale_garbage_or_future_condition_in_full(client, meetings, headers):
    full = client.get("/sv/consultations.ics").data
    for method in (client.get, client.head):
        response = method("/sv/consultations.ics", headers=headers)
        assert response.status_code == 200 and int(response.headers["Content-Length"]) == len(full)
        assert response.data == (full if method == client.get else b"")
