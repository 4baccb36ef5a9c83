"""What crawlers and browsers ask for at the root: /favicon.ico, /robots.txt and
/sitemap.xml (every public page in both languages, with hreflang alternates)."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # nosec B405: parses the app's own output

import pytest

from app.consultations.models import ConsultationStatus
from tests.support import present

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}


@pytest.fixture
def app_overrides():
    return {"PUBLIC_BASE_URL": "https://samrad.example.se"}


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    data = response.data
    response.close()  # a file response
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "max-age=86400" in response.headers["Cache-Control"]


def test_robots_keeps_crawlers_off_staff_pages_and_private_links(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    for lang in ("sv", "rom"):
        for path in ("staff/", "registrations/", "views/", "password/", "login"):
            assert f"Disallow: /{lang}/{path}" in lines
    assert "Sitemap: https://samrad.example.se/sitemap.xml" in lines
    assert not any(line.startswith("Disallow: /api") or line == "Disallow: /" for line in lines)


def _text(element: ET.Element, path: str) -> str:
    """The text of the child at ``path``, which the test expects to exist."""
    return present(present(element.find(path, NS)).text)


def test_sitemap_lists_public_pages_in_both_languages_with_alternates(client, create_consultation, create_board):
    board = create_board(slug="kulturen")
    public = create_consultation(board=board)
    draft = create_consultation(board=board, status=ConsultationStatus.DRAFT)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = ET.fromstring(response.data)  # nosec B314
    entries = {_text(u, "s:loc"): u for u in root.findall("s:url", NS)}
    base = "https://samrad.example.se"
    assert all(loc.startswith(base + "/") for loc in entries)
    for lang in ("sv", "rom"):
        for path in (
            "/",
            "/consultations/",
            f"/consultations/{public.id}",
            "/boards/kulturen",
            "/boards/kulturen/ledger",
        ):
            assert f"{base}/{lang}{path}" in entries, (lang, path)
    assert not [loc for loc in entries if loc.endswith(f"/consultations/{draft.id}")]
    entry = entries[f"{base}/rom/consultations/{public.id}"]
    alternates = {link.get("hreflang"): link.get("href") for link in entry.findall("xhtml:link", NS)}
    assert alternates == {"sv": f"{base}/sv/consultations/{public.id}", "rom": f"{base}/rom/consultations/{public.id}"}
    assert _text(entry, "s:lastmod") == public.updated_dt.strftime("%Y-%m-%d")
    assert not [loc for loc in entries if "/staff/" in loc or "/registrations/" in loc]
