"""A consultation in a few plain words for readers outside the site: feeds,
calendars and link previews (what, when, where, which boards), in the current
language."""

from __future__ import annotations

from app.consultations.models import Consultation, MeetingFormat
from app.i18n import format_time_range, gettext, localized_text


def meeting_place(consultation: Consultation) -> str:
    """Venue, room and address; the join link (or "Digital meeting") for a digital one."""
    parts = [consultation.venue_name, consultation.room, consultation.address]
    place = ", ".join(p for p in parts if p)
    if consultation.format is MeetingFormat.DIGITAL:
        return consultation.join_url or gettext("Digital meeting")
    return place


def board_names(consultation: Consultation) -> list[str]:
    """The lead board first, then the co-hosts."""
    return [localized_text(board, "name") for board in consultation.boards]


def title(consultation: Consultation) -> str:
    """The title, saying so when the consultation is cancelled."""
    text = localized_text(consultation, "title")
    return gettext("Cancelled: %(title)s", title=text) if consultation.is_cancelled else text


def facts(consultation: Consultation) -> str:
    """'Cancelled. When: … Where: … Boards: …' as one line of plain text."""
    lines = []
    if consultation.is_cancelled:
        lines.append(gettext("This consultation is cancelled."))
    if consultation.start_dt is not None:
        label = gettext("When:")
        lines.append(f"{label} {format_time_range(consultation.start_dt, consultation.end_dt)}.")
    place = meeting_place(consultation)
    if place:
        label = gettext("Where:")
        lines.append(f"{label} {place}.")
    label = gettext("Boards:")
    lines.append(f"{label} {', '.join(board_names(consultation))}.")
    return " ".join(lines)
