"""Calendars as calendar apps read them: icalendar, vobject and ical.js (the
parser of Thunderbird, Nextcloud and many phone apps) must all put a meeting at
the UTC instant the API gives, in winter, in summer and on both weekends when
the clocks change."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import vobject
from icalendar import Calendar

from app.consultations.calendar import STOCKHOLM_VTIMEZONE
from app.i18n import STOCKHOLM
from tests.interop.support import node_json

ICALJS = Path(__file__).with_name("icaljs_events.cjs")


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() - 6) % 7)


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    """A Stockholm wall-clock time as the UTC instant the database stores."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=STOCKHOLM).astimezone(timezone.utc)


@pytest.fixture
def meetings(create_board, create_consultation):
    """Meetings next year: winter, summer, the Saturdays and Sundays of both
    clock changes, and one that runs through the spring change at 02:00."""
    year = datetime.now(timezone.utc).year + 1
    spring, autumn = _last_sunday(year, 3), _last_sunday(year, 10)
    board = create_board(slug="kulturen", name_sv="Kulturnämnden", name_rom="I Komisia vash e Kultura")
    times = {
        "winter": (_local(date(year, 1, 20), 18), 2),
        "summer": (_local(date(year, 6, 16), 18), 2),
        "spring saturday": (_local(spring - timedelta(days=1), 18), 2),
        "spring sunday": (_local(spring, 18), 2),
        "through the spring change": (_local(spring, 1, 30), 1),  # 01:30 CET to 03:30 CEST
        "autumn saturday": (_local(autumn - timedelta(days=1), 18), 2),
        "autumn sunday": (_local(autumn, 18), 2),
    }
    return {
        name: create_consultation(
            board=board, title_sv=f"Möte {name}", start_dt=start, end_dt=start + timedelta(hours=hours)
        )
        for name, (start, hours) in times.items()
    }


def _api_instants(client, consultation) -> tuple[datetime, datetime]:
    data = client.get(f"/api/v1/consultations/{consultation.id}").get_json()
    return datetime.fromisoformat(data["start"]), datetime.fromisoformat(data["end"])


def _icalendar(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    return {
        str(e["uid"]): (e.decoded("dtstart").astimezone(timezone.utc), e.decoded("dtend").astimezone(timezone.utc))
        for e in Calendar.from_ical(body).walk("VEVENT")
    }


def _vobject(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    cal = vobject.readOne(body.decode())
    return {
        e.uid.value: (e.dtstart.value.astimezone(timezone.utc), e.dtend.value.astimezone(timezone.utc))
        for e in cal.vevent_list
    }


def _icaljs(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    events = node_json(ICALJS, body)
    for uid, event in events.items():
        assert event["tzid"] == "Europe/Stockholm", uid
    return {
        uid: (
            datetime.fromisoformat(e["start"].replace("Z", "+00:00")),
            datetime.fromisoformat(e["end"].replace("Z", "+00:00")),
        )
        for uid, e in events.items()
    }


@pytest.mark.parametrize("parse", [_icalendar, _vobject, _icaljs], ids=["icalendar", "vobject", "ical.js"])
def test_every_parser_puts_each_meeting_where_the_api_does(client, meetings, parse):
    api = {name: _api_instants(client, c) for name, c in meetings.items()}
    summer_start = api["summer"][0]
    assert (summer_start.hour, summer_start.minute) == (16, 0)  # 18:00 CEST, the data is what it claims

    calendars = {
        "all": client.get("/sv/consultations.ics").data,
        "all, rom": client.get("/rom/consultations.ics").data,
        "board": client.get("/sv/boards/kulturen.ics").data,
    }
    for which, body in calendars.items():
        parsed = parse(body)
        for name, consultation in meetings.items():
            uid = next(uid for uid in parsed if uid.startswith(f"consultation-{consultation.id}@"))
            assert parsed[uid] == api[name], f"{which}: {name}"
    for name, consultation in meetings.items():
        (only,) = parse(client.get(f"/rom/consultations/{consultation.id}.ics").data).values()
        assert only == api[name], name


def test_the_vtimezone_uses_rules_that_match_the_tz_database():
    """The RRULEs say: summer time from the last Sunday of March 01:00 UTC to the
    last Sunday of October 01:00 UTC. Check that against zoneinfo for 25 years."""
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in STOCKHOLM_VTIMEZONE
    assert "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" in STOCKHOLM_VTIMEZONE
    assert "RDATE" not in STOCKHOLM_VTIMEZONE
    this_year = datetime.now(timezone.utc).year
    for year in range(this_year, this_year + 25):
        for month, before, after in ((3, 1, 2), (10, 2, 1)):
            change = datetime.combine(_last_sunday(year, month), datetime.min.time(), timezone.utc) + timedelta(hours=1)
            offset = lambda t: t.astimezone(STOCKHOLM).utcoffset() // timedelta(hours=1)  # noqa: E731
            assert (offset(change - timedelta(seconds=1)), offset(change)) == (before, after), (year, month)


def test_dtstamp_is_the_generation_time_and_last_modified_the_change(client, meetings):
    consultation = meetings["summer"]
    before = datetime.now(timezone.utc).replace(microsecond=0)
    (event,) = Calendar.from_ical(client.get(f"/sv/consultations/{consultation.id}.ics").data).walk("VEVENT")
    after = datetime.now(timezone.utc)
    assert before <= event.decoded("dtstamp") <= after
    assert event.decoded("last-modified") == consultation.updated_dt.replace(microsecond=0)


class TestWithoutPageCache:
    @pytest.fixture
    def app_overrides(self):
        return {"PAGE_CACHE_URL": "off"}  # every request builds the calendar anew

    def test_an_unchanged_calendar_keeps_its_etag_although_dtstamp_moves(self, client, meetings, monkeypatch):
        from app.consultations import calendar

        url = f"/sv/consultations/{meetings['winter'].id}.ics"
        first = client.get(url)
        monkeypatch.setattr(calendar, "utcnow", lambda: datetime.now(timezone.utc) + timedelta(minutes=5))
        second = client.get(url)
        assert first.data != second.data  # a new DTSTAMP
        assert first.headers["ETag"] == second.headers["ETag"]
        assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize("url", ["/rom/consultations.ics", "/rom/boards/kulturen.ics", "/rom/consultations/{id}.ics"])
def test_romani_calendars_are_named_and_organised_in_romani(client, meetings, url):
    consultation = meetings["winter"]
    cal = Calendar.from_ical(client.get(url.format(id=consultation.id)).data)
    (event,) = [e for e in cal.walk("VEVENT") if str(e["uid"]).startswith(f"consultation-{consultation.id}@")]
    assert event["organizer"].params["CN"] == "I Komisia vash e Kultura"
    assert str(event["summary"]) == consultation.title_rom
    sv_cal = Calendar.from_ical(client.get(url.replace("/rom/", "/sv/").format(id=consultation.id)).data)
    expected = {
        "/rom/consultations.ics": None,
        "/rom/boards/kulturen.ics": "I Komisia vash e Kultura",
        "/rom/consultations/{id}.ics": consultation.title_rom,
    }[url]
    if expected:
        assert str(cal["x-wr-calname"]) == expected
    assert str(cal["x-wr-calname"]) != str(sv_cal["x-wr-calname"])


def test_text_that_needs_escaping_and_folding_reads_back_unchanged(client, create_board, create_consultation):
    """The calendar is written without icalendar's objects (app.consultations.calendar):
    commas, semicolons, backslashes, quotes, long lines of multi-byte characters and line
    breaks must come back as they were stored, in every parser, and no line exceeds 75 octets."""
    board = create_board(slug="tecken", name_sv='Nämnden "för; tecken", ^ och \\ kolon:')
    title = 'Möte; om skolan, \\ biblioteket och "fritid" – ŝ 𝄞 ' + "åäö" * 30
    summary = "Första raden; med komma, och \\.\n\nAndra stycket: " + "ääkkönen " * 20
    consultation = create_consultation(
        board=board, title_sv=title, summary_sv=summary, venue_name="Hus; A, plan 2", address="Väg \\ 1"
    )
    url = f"/sv/consultations/{consultation.id}"
    for body in (client.get(url + ".ics").data, client.get("/sv/consultations.ics").data):
        assert all(len(line) <= 75 for line in body.split(b"\r\n")), "a line longer than 75 octets"
        body.decode("utf-8")  # folding never splits a character
        (event,) = [
            e
            for e in Calendar.from_ical(body).walk("VEVENT")
            if str(e["uid"]).startswith(f"consultation-{consultation.id}@")
        ]
        assert str(event["summary"]) == title
        assert str(event["description"]) == f"{summary}\n\n{client.application.config['PUBLIC_BASE_URL']}{url}"
        assert str(event["location"]) == "Hus; A, plan 2, Väg \\ 1"
        assert event["organizer"].params["CN"] == board.name_sv
        (vevent,) = [
            e
            for e in vobject.readOne(body.decode()).vevent_list
            if e.uid.value.startswith(f"consultation-{consultation.id}@")
        ]
        assert vevent.summary.value == title
        assert vevent.location.value == "Hus; A, plan 2, Väg \\ 1"
