"""Calendar (.ics) and Atom feeds of public consultations (the calendar itself is built by
:mod:`app.consultations.calendar`, which e-mails to registrants attach too)."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from flask import Response, current_app, g
from sqlalchemy.orm import Session

from app.boards.services import list_boards
from app.common.urls import external_url
from app.consultations import describe, queries
from app.consultations.calendar import (
    CALENDAR_END,
    build_calendar,
    calendar_head,
    event_body,
    event_start,
    invitation_readings,
    reading_url,
)
from app.consultations.models import Consultation
from app.db import get_session, utcnow
from app.generations import TRANSLATIONS_ROW, request_generations
from app.i18n import current_language, gettext, has_translation, language_info, localized_text
from app.media.models import AudioReading, ReadingSubject, subject_key
from app.media.readings import pick, readings_of_subject


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


@dataclass
class _Listing:
    """The calendar of all consultations in one language for one content generation:
    the events' bodies (shared with :class:`CalendarOfAll`'s pieces), a validator and when it last changed."""

    head: bytes
    bodies: list[bytes]
    etag: str
    last_modified: datetime
    #: Bytes of the calendar without the events' ``BEGIN:VEVENT`` and ``DTSTAMP`` lines.
    size: int


class CalendarOfAll:
    """The calendar of all consultations, built from the VEVENT of each consultation,
    kept per process (``app.extensions``).

    A piece is rebuilt only when what it shows changed (the consultation's
    ``updated_dt``, its lead board, its invitation reading, the translations); the
    list of pieces is checked once per content generation, which a submitted view
    does not bump. So after a change one event is serialized, not thousands, and a
    served calendar is assembled from pieces (streamed), never held whole.
    """

    def __init__(self) -> None:
        #: ``(language, consultation id) -> (stamp, body)``
        self._pieces: dict[tuple[str, int], tuple[Hashable, bytes]] = {}
        self._listings: OrderedDict[Hashable, _Listing] = OrderedDict()
        #: When this process first built a calendar with a given ETag: its Last-Modified.
        self._first_seen: OrderedDict[str, datetime] = OrderedDict()
        self._lock = threading.Lock()
        #: Events serialized so far (for tests and the curious).
        self.built = 0

    def listing(self, session: Session, generation: Hashable, calendar_name: str) -> _Listing:
        lang = current_language()
        since = calendar_window_start()
        key = (lang, since, generation, calendar_name)
        with self._lock:
            found = self._listings.get(key)
            if found is None:
                found = self._build(session, lang, since, calendar_name)
                self._listings[key] = found
                while len(self._listings) > 8:
                    self._listings.popitem(last=False)
            self._listings.move_to_end(key)
            return found

    def _build(self, session: Session, lang: str, since: datetime, calendar_name: str) -> _Listing:
        stamps = queries.feed_stamps(session, ended_since=since)
        boards = {b.id: (localized_text(b, "name"), b.contact_email) for b in list_boards(session)}
        readings = readings_of_subject(session, ReadingSubject.INVITATION)
        picked = {key: pick(found, lang) for key, found in readings.items()}
        translations = request_generations(session)[TRANSLATIONS_ROW]

        def stamp_of(cid: int, updated: datetime, board_id: int) -> Hashable:
            reading = picked.get(subject_key(ReadingSubject.INVITATION, cid))
            return updated, boards.get(board_id), reading.id if reading else None, translations

        wanted = {cid: stamp_of(cid, updated, board) for cid, updated, board in stamps}
        missing = [cid for cid, stamp in wanted.items() if self._pieces.get((lang, cid), (None,))[0] != stamp]
        for start in range(0, len(missing), 500):
            for consultation in queries.load_for_feed(session, missing[start : start + 500]):
                reading = picked.get(subject_key(ReadingSubject.INVITATION, consultation.id))
                body = event_body(consultation, reading=reading)
                stamp = stamp_of(consultation.id, consultation.updated_dt, consultation.lead_board_id)
                self._pieces[(lang, consultation.id)] = (stamp, body)
                self.built += 1
        for stale in [k for k in self._pieces if k[0] == lang and k[1] not in wanted]:
            del self._pieces[stale]  # left the window or the public
        head = calendar_head(calendar_name)
        bodies = [self._pieces[(lang, cid)][1] for cid in wanted if (lang, cid) in self._pieces]
        digest = hashlib.blake2b(head, digest_size=16)
        for body in bodies:
            digest.update(body)
        etag = digest.hexdigest()
        first = self._first_seen.get(etag)
        if first is None:
            # A second after the previous version at least: Last-Modified has whole seconds, and a
            # client that asks If-Modified-Since the previous one must not get 304 for this one.
            latest = max(self._first_seen.values(), default=None)
            now = utcnow().replace(microsecond=0)
            first = self._first_seen[etag] = max(now, latest + timedelta(seconds=1)) if latest else now
        self._first_seen.move_to_end(etag)
        while len(self._first_seen) > 64:
            self._first_seen.popitem(last=False)
        return _Listing(
            head=head,
            bodies=bodies,
            etag=etag,
            last_modified=first,
            size=len(head) + sum(map(len, bodies)) + len(CALENDAR_END),
        )


def calendar_of_all(session: Session, generation: Hashable, calendar_name: str) -> Response:
    """The calendar of every public consultation in the window (:func:`calendar_window_start`),
    streamed from :class:`CalendarOfAll`'s pieces, with an ETag and a Last-Modified that
    change with its content (not with ``DTSTAMP``), so a conditional request gets 304."""
    store: CalendarOfAll = current_app.extensions.setdefault("calendar_of_all", CalendarOfAll())
    listing = store.listing(session, generation, calendar_name)
    start = event_start(utcnow().replace(microsecond=0))

    def chunks() -> Iterator[bytes]:
        yield listing.head
        for first in range(0, len(listing.bodies), 200):  # about 150 KB a write
            yield start + start.join(listing.bodies[first : first + 200])  # start, body, start, body, …
        yield CALENDAR_END

    response = Response(chunks(), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="samrad.ics"'
    response.content_length = listing.size + len(start) * len(listing.bodies)
    response.last_modified = listing.last_modified
    g.etag = listing.etag  # see app.web.caching: it answers If-None-Match and If-Modified-Since
    return response


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
            if (
                text
                and not has_translation(consultation, "summary")
                and not (consultation.is_cancelled and getattr(consultation, f"cancel_reason_{lang}", None))
            ):
                fallback.append("content")
    body = feed.atom_str(pretty=False)
    if readings:
        body = _add_enclosures(
            body,
            {external_url("consultations.detail", consultation_id=cid): reading for cid, reading in readings.items()},
        )
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
            etree.SubElement(
                entry,
                "{http://www.w3.org/2005/Atom}link",
                href=reading_url(reading),
                rel="enclosure",
                type="audio/mpeg",
                length=str(reading.size_bytes),
            )
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
