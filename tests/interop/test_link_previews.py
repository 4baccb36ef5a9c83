"""A link pasted in a chat shows what, when, where and which boards, in the
link's language, with a card image served by the site itself (Open Graph)."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from app.consultations.models import ConsultationStatus

BASE = "https://samrad.example.se"


class _Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.properties: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        if tag == "meta":
            attributes = dict(attrs)
            key = attributes.get("property") or attributes.get("name")
            if key:
                self.properties.setdefault(key, []).append(attributes.get("content") or "")


def _preview(client, url: str) -> dict[str, list[str]]:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = _Meta()
    parser.feed(response.get_data(as_text=True))
    return parser.properties


@pytest.fixture
def app_overrides():
    return {"PUBLIC_BASE_URL": BASE}


@pytest.fixture
def consultation(create_board, create_consultation):
    lead = create_board(slug="kulturen", name_sv="Kulturnämnden", name_rom="I Komisia vash e Kultura")
    co_host = create_board(slug="farsta", name_sv="Farsta stadsdelsnämnd", name_rom="Farsta komisia")
    return create_consultation(board=lead, co_hosts=[lead, co_host])


@pytest.mark.parametrize(
    ("lang", "locale", "other", "when", "where", "boards"),
    [
        ("sv", "sv_SE", "rom_SE", "När:", "Var:", "Kulturnämnden, Farsta stadsdelsnämnd"),
        ("rom", "rom_SE", "sv_SE", "Kana:", "Kaj:", "I Komisia vash e Kultura, Farsta komisia"),
    ],
)
def test_a_consultation_link_shows_what_when_where_and_which_boards(
    client, consultation, lang, locale, other, when, where, boards
):
    og = _preview(client, f"/{lang}/consultations/{consultation.id}")
    assert og["og:title"] == [consultation.title_rom if lang == "rom" else consultation.title_sv]
    (description,) = og["og:description"]
    assert f"{when} " in description and f"{where} Tensta träff, Tensta allé 1." in description
    assert boards in description
    assert og["description"] == og["og:description"]
    assert og["og:url"] == [f"{BASE}/{lang}/consultations/{consultation.id}"]
    assert og["og:locale"] == [locale] and og["og:locale:alternate"] == [other]
    assert og["og:site_name"] == ["Samrådsportalen"]
    (image,) = og["og:image"]
    assert image.startswith(f"{BASE}/static/img/card-{lang}.png")
    card = client.get(urlsplit(image).path)
    card_data = card.data
    card.close()
    assert card.status_code == 200 and card.mimetype == "image/png" and card_data[:4] == b"\x89PNG"


def test_a_cancelled_consultation_says_so_in_its_preview(client, create_consultation):
    c = create_consultation(status=ConsultationStatus.CANCELLED)
    og = _preview(client, f"/rom/consultations/{c.id}")
    assert og["og:title"] == [f"Anulisardi: {c.title_rom}"]
    assert og["og:description"][0].startswith("Kadi konsultacia si anulisardi.")


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_the_home_page_has_a_preview_of_its_own(client, lang):
    og = _preview(client, f"/{lang}/")
    assert og["og:url"] == [f"{BASE}/{lang}/"]
    assert og["og:title"][0].startswith("Samrådsportalen – ")
    generic = {
        "sv": "Öppna samråd med romer i Stockholms stad.",
        "rom": "Putarde konsultacii le Romença ando foro Stockholm.",
    }[lang]
    assert og["og:description"][0] != generic and len(og["og:description"][0]) > 80
    assert og["og:image"][0].startswith(f"{BASE}/static/img/card-{lang}.png")


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_a_feedback_page_has_a_preview_in_its_language(client, consultation, lang):
    consultation.status = ConsultationStatus.HELD
    og = _preview(client, f"/{lang}/consultations/{consultation.id}/feedback")
    title = consultation.title_rom if lang == "rom" else consultation.title_sv
    assert title in og["og:title"][0] and title in og["og:description"][0]
    assert og["og:url"] == [f"{BASE}/{lang}/consultations/{consultation.id}/feedback"]
    assert ("Kana:" if lang == "rom" else "När:") in og["og:description"][0]
