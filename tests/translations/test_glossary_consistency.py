"""The glossary holds everywhere: no form it says to avoid in the catalogs, the
seeded board names or the demo content (translations/glossary-terms.json).

This is the same check translators run in the workbench ("Consistency check"),
here over what ships in the repository.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.boards.seed import BOARDS
from app.translations.glossary import avoided_in, read_terms
from config import DEFAULT_LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "translations" / "glossary-terms.json"


def _forms(lang: str) -> list[str]:
    return [form for term in read_terms(GLOSSARY, lang) for form in term.avoid]


def _catalog_texts(lang: str) -> list[tuple[str, str]]:
    with (ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    found: list[tuple[str, str]] = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        found.extend((msgid, s) for s in strings if s)
    return found


def _demo_romani() -> list[str]:
    """Romani strings of app/demo.py: ``*_rom`` keys and keywords, the Romani
    side of ``"Svenska | Romani"`` options, the ``rom`` element of ``for sv, rom in``
    loops, and texts given with ``language="rom"``."""
    tree = ast.parse((ROOT / "app" / "demo.py").read_text(encoding="utf-8"))
    found: list[str] = []

    def strings(node: ast.AST) -> list[str]:
        return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]

    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    if key.value.endswith("_rom"):
                        found.extend(strings(value))
                    elif key.value == "options":
                        found.extend(
                            line.split("|", 1)[1] for s in strings(value) for line in s.splitlines() if "|" in line
                        )
        elif isinstance(node, ast.Call):
            keywords = {k.arg: k.value for k in node.keywords if k.arg}
            for name, value in keywords.items():
                if name.endswith("_rom"):
                    found.extend(strings(value))
            language = keywords.get("language")
            if isinstance(language, ast.Constant) and language.value == "rom":
                for name in ("body", "text"):
                    if name in keywords:
                        found.extend(strings(keywords[name]))
        elif (
            isinstance(node, ast.For)
            and isinstance(node.target, ast.Tuple)
            and isinstance(node.iter, (ast.Tuple, ast.List))
        ):
            names = [getattr(t, "id", "") for t in node.target.elts]
            if "rom" in names:
                index = names.index("rom")
                for item in node.iter.elts:
                    if isinstance(item, ast.Tuple) and len(item.elts) > index:
                        found.extend(strings(item.elts[index]))
        elif (
            isinstance(node, ast.Tuple)
            and node.elts
            and isinstance(node.elts[-1], ast.Constant)
            and node.elts[-1].value == "rom"
        ):
            if isinstance(node.elts[0], ast.Constant) and isinstance(node.elts[0].value, str):
                found.append(node.elts[0].value)
    return found


def test_the_glossary_has_terms_with_forms_to_avoid() -> None:
    assert len(_forms("rom")) > 20 and "kai" in _forms("rom") and "ă" in _forms("rom")
    assert "påverkansrapport" in _forms("sv")


def test_the_check_finds_what_it_looks_for() -> None:
    """The check itself: words as whole words, single letters anywhere, placeholders ignored."""
    assert avoided_in("Kontaktisar la kai si", ["kai"]) == ["kai"]
    assert avoided_in("O kaiko", ["kai"]) == []
    assert avoided_in("hotărîme", ["ă", "î"]) == ["ă", "î"]
    assert avoided_in("%(kai)s naj", ["kai"]) == []
    assert len(_demo_romani()) > 25, "the demo scan found (almost) no Romani: is app/demo.py still shaped like this?"


@pytest.mark.parametrize("lang", ["rom", "sv"])
def test_no_avoided_form_in_the_catalog(lang: str) -> None:
    forms = _forms(lang)
    hits = [(form, msgid) for msgid, text in _catalog_texts(lang) for form in avoided_in(text, forms)]
    assert hits == [], f"{len(hits)} avoided form(s) in the {lang} catalog (see glossary-terms.json): {hits[:20]}"


def test_no_avoided_form_in_the_seeded_board_names() -> None:
    forms = _forms("rom")
    hits = [(form, name) for _slug, _kind, _sv, name in BOARDS for form in avoided_in(name, forms)]
    assert hits == []
    sv_forms = _forms("sv")
    assert [(f, n) for _s, _k, n, _r in BOARDS for f in avoided_in(n, sv_forms)] == []


def test_no_avoided_form_in_the_demo_content() -> None:
    forms = _forms("rom")
    hits = [(form, text) for text in _demo_romani() for form in avoided_in(text, forms)]
    assert hits == [], f"avoided forms in the Romani demo content (app/demo.py): {hits}"


def test_the_language_has_one_name_in_config_and_catalog() -> None:
    """The switcher (config) says what the Romani catalog says."""
    rom = dict(_catalog_texts("rom"))
    assert DEFAULT_LANGUAGES["rom"]["name"] == rom["Romani chib"] == "Romani čhib"


def test_plural_of_day_differs_from_the_singular() -> None:
    with (ROOT / "translations" / "rom" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        day = read_po(handle).get(("%(num)d day", "%(num)d days"))
    assert day is not None and isinstance(day.string, (tuple, list)) and day.string[0] != day.string[1]


def test_seeding_replaces_old_seeded_romani_names_but_not_edited_ones(db_session):
    from app.boards.models import Board, BoardKind
    from app.boards.services import seed_boards

    old = Board(
        slug="kulturnamnden",
        kind=BoardKind.SPECIALIST,
        name_sv="Kulturnämnden",
        name_rom="I Komisia vash e Kultura",
        contact_email="k@stockholm.example",
    )
    edited = Board(
        slug="bromma",
        kind=BoardKind.DISTRICT,
        name_sv="Bromma stadsdelsnämnd",
        name_rom="Komisia Bromma (edited by staff)",
        contact_email="b@stockholm.example",
    )
    db_session.add_all([old, edited])
    db_session.flush()
    seed_boards(db_session)
    assert old.name_rom == "Komisia vaš e kultura (Kulturnämnden)"
    assert edited.name_rom == "Komisia Bromma (edited by staff)"
