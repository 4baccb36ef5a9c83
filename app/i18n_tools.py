"""Catalog maintenance that pybabel cannot do for a language without CLDR data.

``python -m app.i18n_tools fix-headers translations`` writes a valid header
(Language, Plural-Forms, Language-Team, header comment, no fuzzy flag) into
every catalog after ``pybabel update``, which drops Plural-Forms for Romani and
wraps long header values over several lines, and drops the source locations
(``#:``) that ``pybabel update`` copies from the template. The Romani catalog keeps the note
"Romani (kalderash) – awaiting native review" until a native review is done
(see translations/README.md).
``python -m app.i18n_tools check translations`` lists untranslated or fuzzy entries.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

PLURAL_FORMS = {
    "sv": "nplurals=2; plural=(n != 1);",
    "rom": "nplurals=2; plural=(n != 1);",
}
LANGUAGE_TEAMS = {
    "sv": "Svenska <samradsportalen@stockholm.example>",
    "rom": "Romani chib (kalderash) – awaiting native review <samradsportalen@stockholm.example>",
}


def catalogs(directory: Path) -> list[Path]:
    return sorted(directory.glob("*/LC_MESSAGES/messages.po"))


DEFAULT_FIELDS = {
    "Report-Msgid-Bugs-To": "samradsportalen@stockholm.example",
    "Last-Translator": "Samradsportalen <samradsportalen@stockholm.example>",
}
HEADER_COMMENTS = {
    "sv": [
        "# Swedish translations for Samrådsportalen (City of Stockholm).",
        "# See translations/README.md and translations/glossary.md.",
    ],
    "rom": [
        "# Romani chib (kalderash) translations for Samrådsportalen (City of Stockholm).",
        "# Romani (kalderash) – awaiting native review.",
        "# Orthography and terms: translations/glossary.md. Workflow: translations/README.md.",
    ],
}


def fix_header(path: Path) -> None:
    """Rewrite the header entry: one line per field, our values, no fuzzy flag.

    ``pybabel update`` wraps long header values over several quoted lines, so
    the header is parsed as a whole (not line by line) before it is rewritten.
    """
    lang = path.parent.parent.name
    text = path.read_text(encoding="utf-8")
    head, sep, rest = text.partition("\n\n")
    comments, fields_raw, in_msgstr = [], [], False
    for line in head.splitlines():
        if line.startswith("#"):
            if not line.startswith("#,"):  # drops "#, fuzzy" on the header
                comments.append(line)
        elif line.startswith("msgstr"):
            in_msgstr = True
            fields_raw.append(line[len("msgstr") :].strip())
        elif line.startswith('"') and in_msgstr:
            fields_raw.append(line)
    joined = "".join(part.strip()[1:-1] for part in fields_raw if part.strip())
    fields: dict[str, str] = {}
    for entry in joined.split("\\n"):
        if ":" not in entry:
            continue  # an orphan continuation of a wrapped value
        key, value = entry.split(":", 1)
        fields[key.strip()] = value.strip()
    # Babel's template placeholders say nothing useful; point at the project instead.
    for key, value in DEFAULT_FIELDS.items():
        if key not in fields or "EMAIL@ADDRESS" in fields[key]:
            fields[key] = value
    # Our values for the languages we know; for others keep what pybabel wrote
    # (from CLDR), falling back to two forms only when there is nothing.
    fields.update(
        {
            "Project-Id-Version": "Samradsportalen",
            "Language": lang,
            "Language-Team": LANGUAGE_TEAMS.get(lang) or fields.get("Language-Team") or lang,
            "Plural-Forms": PLURAL_FORMS.get(lang) or fields.get("Plural-Forms") or "nplurals=2; plural=(n != 1);",
            "Content-Type": "text/plain; charset=utf-8",
        }
    )
    if lang in HEADER_COMMENTS:
        comments = HEADER_COMMENTS[lang] + ["#"]
    new_head = comments + ['msgid ""', 'msgstr ""']
    new_head += [f'"{key}: {value}\\n"' for key, value in fields.items()]
    # Source locations live in messages.pot only: in the .po files they would
    # change with every edit of the code and make every merge conflict.
    rest = "\n".join(line for line in rest.split("\n") if not line.startswith("#:"))
    path.write_text("\n".join(new_head) + (sep or "\n\n") + rest, encoding="utf-8")


def problems(path: Path) -> list[str]:
    with path.open("rb") as handle:
        catalog: Catalog = read_po(handle)
    found = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            found.append(str(message.id if isinstance(message.id, str) else message.id[0]))
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in {"fix-headers", "check"}:
        print(__doc__)
        return 2
    directory = Path(argv[1])
    if argv[0] == "fix-headers":
        for path in catalogs(directory):
            fix_header(path)
        return 0
    bad = 0
    for path in catalogs(directory):
        left = problems(path)
        bad += len(left)
        for message_id in left:
            print(f"{path}: {message_id!r}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
