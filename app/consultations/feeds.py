"""Calendar (.ics) and Atom feeds of public consultations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from flask import Response, current_app, g
from icalendar import Calendar, Event, Timezone

from app.common.text import one_line, plain_text
from app.common.urls import external_url
from app.consultations import describe
from app.consultations.models import Consultation
from app.db import get_session, utcnow
from app.i18n import STOCKHOLM, current_language, gettext, has_translation, language_info, localized_text
from app.media.models import AudioReading, ReadingSubject, subject_key
from app.media.readings import pick, readings_of_many


def calendar_window_start(now: datetime | None = None) -> datetime:
    """Calendars of many consultations (all, a board's) hold what is coming and
    what ended since this moment: ``CALENDAR_PAST_DAYS`` ago, at midnight UTC
    (so the window, and a cached calendar, changes once a day)."""
    days = int(current_app.config.get("CALENDAR_PAST_DAYS", 365))
    start = (now or utcnow()) - timedelta(days=days)
    return start.replace(hour=0, minute=0, second=0, microsecond=0)


def _uid(consultation: Consultation) -> str:
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


def _invitation_readings(items: list[Consultation]) -> dict[int, AudioReading]:
    """The invitation read aloud (in the feed's language if there is one), by consultation id: one query."""
    found = readings_of_many(get_session(), (subject_key(ReadingSubject.INVITATION, c.id) for c in items))
    language = current_language()
    return {
        c.id: reading for c in items
        if (reading := pick(found.get(subject_key(ReadingSubject.INVITATION, c.id), {}), language)) is not None
    }


def _reading_url(reading: AudioReading) -> str:
    return external_url("readings.audio", reading_id=reading.id, name=reading.playable_name)


def build_calendar(items: Iterable[Consultation], calendar_name: str, *, now: datetime | None = None) -> bytes:
    """An iCalendar with one VEVENT per consultation that has a time, in the
    current language (calendar name, titles, organisers).

    UIDs are stable; a change bumps SEQUENCE; a cancellation is sent as
    ``STATUS:CANCELLED`` so subscribed calendars remove or mark the event.
    ``DTSTAMP`` is when the calendar was generated (RFC 5545), ``LAST-MODIFIED``
    when the consultation last changed.
    """
    generated = (now or utcnow()).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", "-//Stockholms stad//Samradsportalen//SV")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", one_line(calendar_name))
    cal.add("x-wr-timezone", "Europe/Stockholm")
    cal.add_component(Timezone.from_ical(STOCKHOLM_VTIMEZONE))
    items = list(items)
    readings = _invitation_readings(items)
    for consultation in items:
        if consultation.start_dt is None or consultation.end_dt is None:
            continue
        url = external_url("consultations.detail", consultation_id=consultation.id)
        event = Event()
        event.add("uid", _uid(consultation))
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
            event.add("attach", _reading_url(readings[consultation.id]), parameters={"FMTTYPE": "audio/mpeg"})
        event.add("sequence", consultation.ics_sequence)
        event.add("status", "CANCELLED" if consultation.is_cancelled else "CONFIRMED")
        event.add("organizer", f"mailto:{consultation.lead_board.contact_email or 'noreply@stockholm.example'}",
                  parameters={"CN": one_line(localized_text(consultation.lead_board, "name"))})
        cal.add_component(event)
    return cal.to_ical()


def calendar_etag(body: bytes) -> str:
    """A validator for a calendar that ignores ``DTSTAMP`` (the generation time),
    so an unchanged calendar still answers ``304 Not Modified``."""
    from app.web.caching import body_etag

    return body_etag(b"\n".join(line for line in body.split(b"\r\n") if not line.startswith(b"DTSTAMP")))


def ics_response(items: Iterable[Consultation], *, filename: str, calendar_name: str) -> Response:
    body = build_calendar(items, calendar_name)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    g.etag = calendar_etag(body)  # see app.web.caching
    return response


class _SwedishFallback(BaseEntryExtension):
    """Marks an entry's elements whose text is the Swedish original (no
    translation yet) with ``xml:lang="sv"`` in a feed of another language."""

    def __init__(self) -> None:
        self.elements: list[str] = []

    def extend_atom(self, entry: Any) -> Any:
        for name in self.elements:
            # feedgen builds the elements without a namespace; the root's default one applies
            element = entry.find(name)
            if element is not None:
                element.set(XML_LANG, "sv")
        return entry


XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def atom_response(items: list[Consultation]) -> Response:
    """The Atom feed of the latest public consultations in the current language:
    each entry says when, where and which boards (the lead board is the author,
    every board a category), and a cancelled one says so in its title and summary.
    The consultation's own text, where it has no translation yet, is tagged Swedish."""
    lang = current_language()
    feed = FeedGenerator()
    feed.register_extension("swedish", BaseExtension, _SwedishFallback, atom=True, rss=False)
    feed.id(external_url("consultations.atom"))
    feed.title(gettext("New consultations – Samrådsportalen"))
    feed.link(href=external_url("consultations.index"), rel="alternate")
    feed.link(href=external_url("consultations.atom"), rel="self")
    feed.language(language_info(lang)["html_lang"])
    feed.author({"name": gettext("City of Stockholm")})
    updated = max((c.updated_dt for c in items), default=None)
    if updated:
        feed.updated(updated)
    readings = _invitation_readings(items)
    for consultation in reversed(items):  # feedgen prepends entries
        url = external_url("consultations.detail", consultation_id=consultation.id)
        entry = feed.add_entry()
        entry.id(url)
        entry.title(describe.title(consultation))
        entry.link(href=url)
        entry.published(consultation.published_dt or consultation.created_dt)
        entry.updated(consultation.updated_dt)
        entry.author({"name": localized_text(consultation.lead_board, "name")})
        for board in consultation.boards:
            entry.category(term=board.slug, label=localized_text(board, "name"))
        entry.summary(describe.facts(consultation))
        text = localized_text(consultation, "summary")
        if consultation.is_cancelled:
            reason = getattr(consultation, f"cancel_reason_{lang}", None)
            text = f"{reason}\n\n{text}".strip() if reason else text
        if text:
            entry.content(text, type="text")
        fallback = entry.swedish.elements
        if lang != "sv":
            if not has_translation(consultation, "title"):
                fallback.append("title")
            if text and not has_translation(consultation, "summary") and not (
                    consultation.is_cancelled and getattr(consultation, f"cancel_reason_{lang}", None)):
                fallback.append("content")
    body = feed.atom_str(pretty=False)
    if readings:
        body = _add_enclosures(body, {
            external_url("consultations.detail", consultation_id=cid): reading for cid, reading in readings.items()
        })
    return Response(body, mimetype="application/atom+xml")


def _add_enclosures(atom: bytes, readings: dict[str, AudioReading]) -> bytes:
    """Link each entry to its invitation read aloud (``rel="enclosure"``).

    Added to the generated XML: feedgen 1.0.0 drops ``rel`` and ``type`` from an
    entry's links (its loop variable shadows the link's data).
    """
    from lxml import etree  # feedgen's own dependency

    root = etree.fromstring(atom)  # nosec B320 - our own feed, just generated
    ns = {"a": "http://www.w3.org/2005/Atom"}
    for entry in root.iterfind("a:entry", ns):
        reading = readings.get(entry.findtext("a:id", namespaces=ns) or "")
        if reading is not None:
            etree.SubElement(entry, "{http://www.w3.org/2005/Atom}link", href=_reading_url(reading), rel="enclosure",
                             type="audio/mpeg", length=str(reading.size_bytes))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
