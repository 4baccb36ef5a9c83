"""The Atom feed as a feed reader sees it (feedparser): no parse errors, each
entry says when, where and which boards, a cancelled consultation says so in
the feed's language, and Swedish text in the Romani feed is tagged Swedish."""

from __future__ import annotations

from datetime import datetime, timedelta

import feedparser
import pytest

from app.consultations.models import ConsultationStatus
from tests.conftest import in_days


@pytest.fixture
def feed_data(create_board, create_consultation):
    lead = create_board(slug="kulturen", name_sv="Kulturnämnden", name_rom="I Komisia vash e Kultura")
    co_host = create_board(slug="farsta", name_sv="Farsta stadsdelsnämnd", name_rom="Farsta komisia")
    start = datetime(in_days(30).year, 6, 16, 16, 0, tzinfo=in_days(0).tzinfo)  # 18:00 in Stockholm
    if start < in_days(0):
        start = start.replace(year=start.year + 1)
    held = create_consultation(
        board=lead,
        co_hosts=[lead, co_host],
        title_sv="Samråd om biblioteken",
        title_rom="Sfatuipe vash e biblioteki",
        start_dt=start,
        end_dt=start + timedelta(hours=2),
    )
    cancelled = create_consultation(
        board=lead,
        status=ConsultationStatus.CANCELLED,
        title_sv="Samråd om badhuset",
        title_rom="Sfatuipe vash o bajo",
        cancel_reason_sv="Lokalen är stängd.",
        cancel_reason_rom="O than si phandado.",
    )
    untranslated = create_consultation(board=lead, title_sv="Samråd om parkerna", title_rom=None, summary_rom=None)
    return held, cancelled, untranslated


def _entries(client, lang):
    response = client.get(f"/{lang}/consultations.atom")
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed, {e.id.rsplit("/", 1)[1]: e for e in parsed.entries}


@pytest.mark.parametrize(
    ("lang", "when", "where", "boards", "times"),
    [
        ("sv", "När:", "Var:", "Kulturnämnden, Farsta stadsdelsnämnd", "kl. 18.00–20.00"),  # Swedish writes 18.00
        ("rom", "Kana:", "Kaj:", "I Komisia vash e Kultura, Farsta komisia", "18:00–20:00"),
    ],
)
def test_entries_say_when_where_and_which_boards(client, feed_data, lang, when, where, boards, times):
    held, _cancelled, _untranslated = feed_data
    parsed, entries = _entries(client, lang)
    assert parsed.feed.language == lang
    entry = entries[str(held.id)]
    assert f"{when} " in entry.summary and times in entry.summary and "16 " in entry.summary
    assert f"{where} Tensta träff, Tensta allé 1." in entry.summary
    assert boards in entry.summary
    assert entry.author == boards.split(", ")[0]
    assert [t.term for t in entry.tags] == ["kulturen", "farsta"]
    assert [t.label for t in entry.tags] == boards.split(", ")


@pytest.mark.parametrize(
    ("lang", "title", "notice", "reason"),
    [
        ("sv", "Inställt: Samråd om badhuset", "Det här samrådet är inställt.", "Lokalen är stängd."),
        ("rom", "Anulisardi: Sfatuipe vash o bajo", "Kadi konsultacia si anulisardi.", "O than si phandado."),
    ],
)
def test_a_cancelled_consultation_says_so_in_the_feeds_language(client, feed_data, lang, title, notice, reason):
    _held, cancelled, _untranslated = feed_data
    _parsed, entries = _entries(client, lang)
    entry = entries[str(cancelled.id)]
    assert entry.title == title
    assert entry.summary.startswith(notice)
    assert entry.content[0].value.startswith(reason)


def test_swedish_text_in_the_romani_feed_is_tagged_swedish(client, feed_data):
    held, _cancelled, untranslated = feed_data
    _parsed, entries = _entries(client, "rom")
    assert entries[str(untranslated.id)].title_detail.language == "sv"
    assert entries[str(untranslated.id)].content[0].language == "sv"
    assert entries[str(untranslated.id)].summary_detail.language == "rom"  # the facts are in Romani
    assert entries[str(held.id)].title_detail.language == "rom"
    assert entries[str(held.id)].content[0].language == "rom"
    _parsed, entries = _entries(client, "sv")
    assert entries[str(untranslated.id)].title_detail.language == "sv"
