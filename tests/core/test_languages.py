"""Languages: Romani dates without CLDR, fallbacks that tell the truth, more languages by configuration."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from app import create_app
from app.i18n import force_language, format_date, format_datetime, format_time_range
from config import DEFAULT_LANGUAGES, TestConfig


def test_swedish_dates(app) -> None:
    value = datetime(2026, 12, 8, 17, 0, tzinfo=timezone.utc)  # 18:00 in Stockholm
    with app.test_request_context("/sv/"), force_language("sv"):
        assert format_date(value) == "tisdag 8 december 2026"
        assert format_datetime(value) == "tisdag 8 december 2026 kl. 18.00"
        # Swedish writes "kl. 9.15" (no leading zero, a full stop), and no comma before a time range.
        morning = datetime(2026, 12, 8, 8, 15, tzinfo=timezone.utc)
        assert format_datetime(morning, weekday=False) == "8 december 2026 kl. 9.15"
        assert format_time_range(value, value.replace(hour=19, minute=30)) == "tisdag 8 december 2026 kl. 18.00–20.30"


def test_romani_dates_use_romani_names(app) -> None:
    value = datetime(2026, 7, 1, 16, 30, tzinfo=timezone.utc)  # summer time: 18:30
    with app.test_request_context("/rom/"), force_language("rom"):
        text = format_time_range(value, value.replace(hour=18, minute=0))
    assert "18:30–20:00" in text
    words = set(text.replace(",", " ").split())
    for swedish in ("juli", "onsdag", "kl."):  # whole words: the Romani month is "julio"
        assert swedish not in words
    for english in ("July", "Wednesday"):
        assert english not in text


def _catalog(directory: Path, code: str, messages: dict[str, str]) -> None:
    catalog = Catalog(locale=None, domain="messages")
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr)
    target = directory / code / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as handle:
        write_mo(handle, catalog)


@pytest.mark.parametrize(
    "code,info,word",
    [
        ("fi", {"name": "Suomi", "locale": "fi", "html_lang": "fi", "dir": "ltr"}, "Kuulemiset"),
        ("yi", {"name": "ייִדיש", "locale": "yi", "html_lang": "yi", "dir": "rtl"}, "באַראַטונגען"),
        ("fit", {"name": "Meänkieli", "locale": "sv", "html_lang": "fit", "dir": "ltr"}, "Neuvottelut"),
    ],
)
def test_language_added_by_configuration(tmp_path, engine, db_session, code, info, word) -> None:
    """A catalog plus one configuration entry, no code change."""
    directory = tmp_path / "translations"
    _catalog(directory, code, {"Consultations": word})
    languages = {**DEFAULT_LANGUAGES, code: info}
    app = create_app(
        TestConfig,
        {
            "LANGUAGES": languages,
            "TRANSLATIONS_DIR": str(directory),
            "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        },
    )
    app.extensions["db"].external_session = db_session
    html = app.test_client().get(f"/{code}/consultations/").get_data(as_text=True)
    assert f'<html lang="{info["html_lang"]}" dir="{info["dir"]}">' in html
    assert f"<h1>{word}</h1>" in html
    assert f'hreflang="{info["html_lang"]}"' in html
    app.extensions["db"].engine.dispose()


def test_languages_file(tmp_path, monkeypatch) -> None:
    import importlib

    import config

    path = tmp_path / "languages.json"
    path.write_text(
        '{"se": {"name": "Davvisámegiella", "locale": "se", "html_lang": "se", "dir": "ltr"}}', encoding="utf-8"
    )
    monkeypatch.setenv("LANGUAGES_FILE", str(path))
    try:
        reloaded = importlib.reload(config)
        assert set(reloaded.Config.LANGUAGES) == {"sv", "rom", "se"}
    finally:
        monkeypatch.delenv("LANGUAGES_FILE")
        importlib.reload(config)
