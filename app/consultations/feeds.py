"""Calendar (.ics) and Atom feeds of public consultations (the calendar itself is built by
:mod:`app.consultations.calendar`, which e-mails to registrants attach too)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from flask import Response, current_app, g

from app.common.urls import external_url
from app.consultations import describe
from app.consultations.calendar import build_calendar, invitation_readings, reading_url
from app.consultations.models import Consultation
from app.db import get_session, utcnow
from app.i18n import current_language, gettext, has_translation, language_info, localized_text
from app.media.models import AudioReading


def calendar_window_start(now: datetime | None = None) -> datetime:
    """Calendars of many consultations (all, a board's) hold what is coming and
    what ended since this moment: ``CALENDAR_PAST_DAYS`` ago, at midnight UTC
    (so the window, and a cached calendar, changes once a day)."""
    days = int(current_app.config.get("CALENDAR_PAST_DAYS", 365))
    start = (now or utcnow()) - timedelta(days=days)
    return start.replace(hour=0, minute=0, second=0, microsecond=0)


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
    readings = invitation_readings(get_session(), items)
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
            etree.SubElement(entry, "{http://www.w3.org/2005/Atom}link", href=reading_url(reading), rel="enclosure",
                             type="audio/mpeg", length=str(reading.size_bytes))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
