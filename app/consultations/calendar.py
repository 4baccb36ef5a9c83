"""The iCalendar of consultations: the one builder behind the public ``.ics`` feeds
and the calendar entries attached to registrants' e-mails.

Every event of a consultation has the same ``UID`` wherever it appears, and its
``SEQUENCE`` is :attr:`Consultation.ics_sequence`, bumped by every public change
to time or place and by a cancellation, so a calendar client replaces the entry
it has instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy.orm import Session

from app.common.text import one_line, plain_text
from app.common.urls import external_url
from app.consultations import describe
from app.consultations.models import Consultation
from app.db import get_session, utcnow
from app.i18n import STOCKHOLM, current_language, localized_text
from app.media.models import AudioReading, ReadingSubject, subject_key
from app.media.readings import pick, readings_of_many

#: ``METHOD`` of a published feed, of an invitation or update e-mailed to a
#: participant, and of the e-mail that calls a meeting off (RFC 5546).
PUBLISH, REQUEST, CANCEL = "PUBLISH", "REQUEST", "CANCEL"


def uid(consultation: Consultation) -> str:
    """The event's ``UID``: the same in the feeds and in every e-mail about the consultation."""
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "samradsportalen"
    return f"consultation-{consultation.id}@{host}"


#: Europe/Stockholm as the EU has kept it since 1996: summer time from the
#: last Sunday of March 02:00 to the last Sunday of October 03:00. Written with
#: RRULEs, the form every calendar parser reads (ical.js and vobject read the
#: RDATE lists of ``add_missing_timezones()`` as CET all year); a test checks
#: it against the tz database for the years ahead.
STOCKHOLM_VTIMEZONE = """BEGIN:VTIMEZONE\r
TZID:Europe/Stockholm\r
X-LIC-LOCATION:Europe/Stockholm\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
TZNAME:CEST\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
TZNAME:CET\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
"""


def invitation_readings(session: Session, items: list[Consultation]) -> dict[int, AudioReading]:
    """The invitation read aloud (in the current language if there is one), by consultation id: one query."""
    found = readings_of_many(session, (subject_key(ReadingSubject.INVITATION, c.id) for c in items))
    language = current_language()
    return {
        c.id: reading
        for c in items
        if (reading := pick(found.get(subject_key(ReadingSubject.INVITATION, c.id), {}), language)) is not None
    }


def reading_url(reading: AudioReading) -> str:
    return external_url("readings.audio", reading_id=reading.id, name=reading.playable_name)


def _text(value: str) -> str:
    """A TEXT value (RFC 5545, 3.3.11): backslash, semicolon and comma escaped, line breaks as ``\\n``."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _param(value: str) -> str:
    """A parameter value, always quoted; a double quote and ``^`` written as RFC 6868 says."""
    return '"' + value.replace("^", "^^").replace('"', "^'") + '"'


def _utc(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _stockholm(value: datetime) -> str:
    return value.astimezone(STOCKHOLM).strftime("%Y%m%dT%H%M%S")


def _fold(line: str) -> bytes:
    """One content line, folded at 75 octets (RFC 5545, 3.1) without splitting a UTF-8 character."""
    data = line.encode()
    if len(data) <= 75:
        return data + b"\r\n"
    parts, start, limit = [], 0, 75
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a continuation byte: cut before its character
            end -= 1
        parts.append(data[start:end])
        start, limit = end, 74  # a continuation line starts with a space
    parts.append(data[start:])
    return b"\r\n ".join(parts) + b"\r\n"


def calendar_head(calendar_name: str, method: str = PUBLISH) -> bytes:
    """``BEGIN:VCALENDAR``, its properties and the time zone: what precedes the events."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Stockholms stad//Samradsportalen//SV",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        f"X-WR-CALNAME:{_text(one_line(calendar_name))}",
        "X-WR-TIMEZONE:Europe/Stockholm",
    ]
    return b"".join(map(_fold, lines)) + STOCKHOLM_VTIMEZONE.encode()


CALENDAR_END = b"END:VCALENDAR\r\n"


def event_start(generated: datetime) -> bytes:
    """``BEGIN:VEVENT`` and ``DTSTAMP``, when the calendar was generated (RFC 5545): the
    part of an event that changes with every calendar, written before :func:`event_body`."""
    return b"BEGIN:VEVENT\r\nDTSTAMP:" + _utc(generated).encode() + b"\r\n"


def event_body(
    consultation: Consultation,
    *,
    reading: AudioReading | None = None,
    method: str = PUBLISH,
    attendee: str | None = None,
) -> bytes:
    """The VEVENT of a consultation after its :func:`event_start`, through ``END:VEVENT``, in
    the current language; ``reading`` is its invitation read aloud. The same for every
    calendar built with the same arguments, so a calendar of many may keep it."""
    assert consultation.start_dt is not None and consultation.end_dt is not None, "see has_times()"
    url = external_url("consultations.detail", consultation_id=consultation.id)
    # Stored text may predate the forms' single-line check: nothing stored
    # may add a line or a control character to the calendar.
    description = f"{plain_text(localized_text(consultation, 'summary'))}\n\n{url}".strip()
    lines = [
        f"UID:{uid(consultation)}",
        f"DTSTART;TZID=Europe/Stockholm:{_stockholm(consultation.start_dt)}",
        f"DTEND;TZID=Europe/Stockholm:{_stockholm(consultation.end_dt)}",
        f"LAST-MODIFIED:{_utc(consultation.updated_dt)}",
        f"SUMMARY:{_text(one_line(describe.title(consultation)))}",
        f"DESCRIPTION:{_text(description)}",
    ]
    location = one_line(describe.meeting_place(consultation))
    if location:
        lines.append(f"LOCATION:{_text(location)}")
    lines.append(f"URL:{url}")
    if reading is not None:
        lines.append(f"ATTACH;FMTTYPE=audio/mpeg:{reading_url(reading)}")
    cancelled = consultation.is_cancelled or method == CANCEL
    board = consultation.lead_board
    lines += [
        f"SEQUENCE:{consultation.ics_sequence}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        f"ORGANIZER;CN={_param(one_line(localized_text(board, 'name')))}:"
        f"mailto:{one_line(board.contact_email) or 'noreply@stockholm.example'}",
    ]
    if attendee:
        lines.append(f"ATTENDEE;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:{one_line(attendee)}")
    lines.append("END:VEVENT")
    return b"".join(map(_fold, lines))


def has_times(consultation: Consultation) -> bool:
    """Only a consultation with a start and an end is an event."""
    return consultation.start_dt is not None and consultation.end_dt is not None


def build_calendar(
    items: Iterable[Consultation],
    calendar_name: str,
    *,
    now: datetime | None = None,
    method: str = PUBLISH,
    attendee: str | None = None,
    session: Session | None = None,
) -> bytes:
    """An iCalendar with one VEVENT per consultation that has a time, in the
    current language (calendar name, titles, organisers).

    UIDs are stable; a change bumps SEQUENCE; a cancellation is sent as
    ``STATUS:CANCELLED`` so subscribed calendars remove or mark the event.
    ``DTSTAMP`` is when the calendar was generated (RFC 5545), ``LAST-MODIFIED``
    when the consultation last changed.

    ``method`` is ``PUBLISH`` for a feed; an e-mail to one participant is a
    ``REQUEST`` (an invitation or its update) or a ``CANCEL`` and names that
    participant as the ``attendee`` (an e-mail address), as RFC 5546 asks.

    Written here rather than with ``icalendar`` objects, which took seconds for
    thousands of events (its line folding and parameter objects); tests read
    the result back with icalendar, vobject and ical.js.
    """
    generated = (now or utcnow()).replace(microsecond=0)
    items = [c for c in items if has_times(c)]
    readings = invitation_readings(session or get_session(), items)
    start = event_start(generated)
    parts = [calendar_head(calendar_name, method)]
    for consultation in items:
        parts += [
            start,
            event_body(consultation, reading=readings.get(consultation.id), method=method, attendee=attendee),
        ]
    parts.append(CALENDAR_END)
    return b"".join(parts)
