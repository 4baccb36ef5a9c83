"""The iCalendar of consultations: the one builder behind the public ``.ics`` feeds
and the calendar entries attached to registrants' e-mails.

Every event of a consultation has the same ``UID`` wherever it appears, and its
``SEQUENCE`` is :attr:`Consultation.ics_sequence`, bumped by every public change
to time or place and by a cancellation, so a calendar client replaces the entry
it has instead of adding a second one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Event, Timezone
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
        c.id: reading for c in items
        if (reading := pick(found.get(subject_key(ReadingSubject.INVITATION, c.id), {}), language)) is not None
    }


def reading_url(reading: AudioReading) -> str:
    return external_url("readings.audio", reading_id=reading.id, name=reading.playable_name)


def build_calendar(
    items: Iterable[Consultation], calendar_name: str, *, now: datetime | None = None, method: str = PUBLISH,
    attendee: str | None = None, session: Session | None = None,
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
    """
    generated = (now or utcnow()).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", "-//Stockholms stad//Samradsportalen//SV")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add("x-wr-calname", one_line(calendar_name))
    cal.add("x-wr-timezone", "Europe/Stockholm")
    cal.add_component(Timezone.from_ical(STOCKHOLM_VTIMEZONE))
    items = list(items)
    readings = invitation_readings(session or get_session(), items)
    for consultation in items:
        if consultation.start_dt is None or consultation.end_dt is None:
            continue
        url = external_url("consultations.detail", consultation_id=consultation.id)
        event = Event()
        event.add("uid", uid(consultation))
        event.add("dtstamp", generated)
        event.add("last-modified", consultation.updated_dt)
        event.add("dtstart", consultation.start_dt.astimezone(STOCKHOLM))
        event.add("dtend", consultation.end_dt.astimezone(STOCKHOLM))
        # Stored text may predate the forms' single-line check: nothing stored
        # may add a line or a control character to the calendar.
        event.add("summary", one_line(describe.title(consultation)))
        description = plain_text(localized_text(consultation, "summary"))
        event.add("description", f"{description}\n\n{url}".strip())
        location = one_line(describe.meeting_place(consultation))
        if location:
            event.add("location", location)
        event.add("url", url)
        if consultation.id in readings:  # the invitation read aloud
            event.add("attach", reading_url(readings[consultation.id]), parameters={"FMTTYPE": "audio/mpeg"})
        event.add("sequence", consultation.ics_sequence)
        cancelled = consultation.is_cancelled or method == CANCEL
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        event.add("organizer", f"mailto:{consultation.lead_board.contact_email or 'noreply@stockholm.example'}",
                  parameters={"CN": one_line(localized_text(consultation.lead_board, "name"))})
        if attendee:
            event.add("attendee", f"mailto:{one_line(attendee)}",
                      parameters={"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "ACCEPTED", "RSVP": "FALSE"})
        cal.add_component(event)
    return cal.to_ical()
