"""Translation catalogs: complete, placeholder-safe, compilable, up to date, and used.

The workflow these tests guard is described in translations/README.md:
``make translations`` extracts, updates every catalog, fixes the headers and
compiles. A failure here usually means "run make translations and translate
what is new".
"""

from __future__ import annotations

import gettext
import html
import os
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from app.i18n_tools import problems

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
CATALOG_PATHS = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
CATALOG_IDS = [path.parent.parent.name for path in CATALOG_PATHS]

# Same keywords as the Makefile's `translations` target (pybabel's defaults plus ours).
KEYWORDS = {
    **{name: DEFAULT_KEYWORDS[name] for name in ("_", "gettext", "ngettext", "pgettext", "N_")},
    **parse_keywords(["_l", "lazy_gettext", "lazy_pgettext:1c,2"]),
}
# %(name)s, %(num)d, %(percent).1f ... ("%%" is a literal percent sign, not a placeholder).
PLACEHOLDER = re.compile(r"%\((\w+)\)[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
HTML_TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)\b")


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _messages(path: Path) -> list[Message]:
    return [message for message in _read(path) if message.id]


def _placeholders(text: str) -> set[str]:
    """Named placeholders, plus any HTML tags (which must survive translation too)."""
    return set(PLACEHOLDER.findall(text)) | {f"<{tag}>" for tag in HTML_TAG.findall(text)}


def _header_fields(path: Path) -> tuple[list[str], dict[str, str], list[str]]:
    """The header entry's flag lines, its fields, and any entries that are not "Key: value"."""
    lines = path.read_text(encoding="utf-8").split("\n\n", 1)[0].splitlines()
    flags = [line for line in lines if line.startswith("#,")]
    start = lines.index('msgstr ""')
    quoted = "".join(line.strip()[1:-1] for line in lines[start:] if line.startswith('"'))
    fields, strays = {}, []
    for entry in filter(None, quoted.split("\\n")):
        if ":" in entry:
            key, value = entry.split(":", 1)
            fields[key.strip()] = value.strip()
        else:
            strays.append(entry)
    return flags, fields, strays


def test_there_are_catalogs() -> None:
    assert {"sv", "rom"} <= set(CATALOG_IDS)


# (a) nothing untranslated or fuzzy -------------------------------------------------


@pytest.mark.parametrize("path", CATALOG_PATHS, ids=CATALOG_IDS)
def test_catalog_is_complete(path: Path) -> None:
    left = problems(path)
    assert not left, (
        f"{len(left)} untranslated or fuzzy entries in {path.relative_to(ROOT)} "
        f"(translate them, then run make translations): {left[:20]}"
    )


# (b) placeholders survive translation --------------------------------------------


@pytest.mark.parametrize("path", CATALOG_PATHS, ids=CATALOG_IDS)
def test_placeholders_are_kept(path: Path) -> None:
    wrong = []
    for message in _messages(path):
        if isinstance(message.id, tuple):
            assert isinstance(message.string, (tuple, list)), message.id
            expected = _placeholders(message.id[1])
            for index, form in enumerate(message.string):
                found = _placeholders(form)
                # The singular may say "one" instead of "%(num)d" ("Ett samråd").
                allowed = {frozenset(expected)}
                if index == 0:
                    allowed.add(frozenset(expected - {"num"}))
                if form and frozenset(found) not in allowed:
                    wrong.append(f"{message.id[0]!r} [{index}]: {sorted(found)} != {sorted(expected)}")
        else:
            assert isinstance(message.id, str) and isinstance(message.string, str), message.id
            expected, found = _placeholders(message.id), _placeholders(message.string)
            if message.string and found != expected:
                wrong.append(f"{message.id!r}: {sorted(found)} != {sorted(expected)}")
    assert not wrong, "placeholders changed by translation:\n" + "\n".join(wrong)


# (c) header ----------------------------------------------------------------------


@pytest.mark.parametrize("path", CATALOG_PATHS, ids=CATALOG_IDS)
def test_header(path: Path) -> None:
    flags, fields, strays = _header_fields(path)
    lang = path.parent.parent.name
    assert not any("fuzzy" in flag for flag in flags), "the header is fuzzy: run make translations"
    assert not strays, f"broken header lines (run make translations): {strays}"
    assert fields.get("Language") == lang
    assert re.fullmatch(r"nplurals=\d+; plural=.+;", fields.get("Plural-Forms", "")), fields
    assert "charset=utf-8" in fields.get("Content-Type", "")
    assert not _read(path).fuzzy


def test_romani_header_says_it_awaits_review() -> None:
    path = TRANSLATIONS / "rom" / "LC_MESSAGES" / "messages.po"
    text = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "kalderash" in text.lower()
    assert "awaiting native review" in text


# (d) compiling -------------------------------------------------------------------


@pytest.mark.parametrize("path", CATALOG_PATHS, ids=CATALOG_IDS)
def test_catalog_compiles_and_loads(path: Path, tmp_path: Path) -> None:
    catalog = _read(path)
    target = tmp_path / "messages.mo"
    with target.open("wb") as handle:
        write_mo(handle, catalog)
    with target.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    some = next(m for m in catalog if m.id and isinstance(m.id, str) and not m.context)
    assert isinstance(some.id, str) and translations.gettext(some.id) == some.string
    plural = next(m for m in catalog if isinstance(m.id, tuple))
    assert isinstance(plural.id, tuple) and isinstance(plural.string, (tuple, list))
    assert translations.ngettext(plural.id[0], plural.id[1], 1) == plural.string[0]
    assert translations.ngettext(plural.id[0], plural.id[1], 5) == plural.string[1]
    month = catalog.get("July", context="month")
    assert month is not None and translations.pgettext("month", "July") == month.string


# (e) catalogs up to date with the code ------------------------------------------


def _extracted() -> set[tuple[str | None, str]]:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")

    def only_sources(dirpath: str) -> bool:
        relative = Path(os.path.relpath(dirpath, ROOT)).parts
        # Partials in folders like templates/_macros count; caches and dotfiles do not.
        return (
            bool(relative)
            and relative[0] in {"app", "templates"}
            and not any(part.startswith(".") or part == "__pycache__" for part in relative)
        )

    found = set()
    for _filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=only_sources
    ):
        msgid = message[0] if isinstance(message, (tuple, list)) else message
        if msgid:
            found.add((context, msgid))
    return found


@pytest.fixture(scope="module")
def extracted() -> set[tuple[str | None, str]]:
    found = _extracted()
    assert len(found) > 100, "extraction found almost nothing: is babel.cfg right?"
    return found


@pytest.mark.parametrize("path", CATALOG_PATHS, ids=CATALOG_IDS)
def test_catalog_is_up_to_date(path: Path, extracted: set[tuple[str | None, str]]) -> None:
    catalog = _read(path)
    missing = sorted((msgid for context, msgid in extracted if catalog.get(msgid, context=context) is None), key=str)
    assert not missing, (
        f"{len(missing)} message(s) in the code are not in {path.relative_to(ROOT)}: "
        f"run make translations and translate them. First ones: {missing[:15]}"
    )


# (f) Romani pages show Romani, not English ---------------------------------------


def _english_leaks(page: str, catalog: Catalog) -> list[str]:
    text = re.sub(r"\s+", " ", html.unescape(page))
    leaks = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str) or message.context:
            continue
        if "%" in message.id or len(message.id.split()) < 3 or message.string == message.id:
            continue
        if message.id in text and message.id not in (message.string or ""):
            leaks.append(message.id)
    return leaks


def test_romani_pages_show_no_english(client, create_consultation) -> None:
    catalog = _read(TRANSLATIONS / "rom" / "LC_MESSAGES" / "messages.po")
    consultation = create_consultation()
    pages = ["/rom/", "/rom/consultations/", "/rom/login", f"/rom/consultations/{consultation.id}"]
    leaks = {}
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        found = _english_leaks(response.get_data(as_text=True), catalog)
        if found:
            leaks[url] = found
    assert not leaks, f"English text on Romani pages (untranslated or not wrapped in _()): {leaks}"
