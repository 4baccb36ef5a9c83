"""Catalog maintenance that pybabel cannot do for a language without CLDR data.

``python -m app.i18n_tools fix-headers translations`` writes a valid header
(Language, Plural-Forms, no fuzzy flag) into every catalog after
``pybabel update``, which drops Plural-Forms for Romani.
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


def fix_header(path: Path) -> None:
    lang = path.parent.parent.name
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    # Drop a fuzzy flag on the header entry (before the first msgid "").
    out, header_done = [], False
    for line in lines:
        if not header_done and line.startswith("#, fuzzy"):
            continue
        if line.startswith('msgid ""'):
            header_done = True
        out.append(line)
    text = "\n".join(out) + "\n"
    plural = PLURAL_FORMS.get(lang, "nplurals=2; plural=(n != 1);")
    header_lines = {
        "Language": lang,
        "Plural-Forms": plural,
        "Language-Team": LANGUAGE_TEAMS.get(lang, lang),
        "Content-Type": "text/plain; charset=utf-8",
    }
    head, sep, rest = text.partition("\n\n")
    new_head = []
    seen = set()
    for line in head.splitlines():
        key = line.strip('"').split(":", 1)[0]
        if line.startswith('"') and key in header_lines:
            new_head.append(f'"{key}: {header_lines[key]}\\n"')
            seen.add(key)
        else:
            new_head.append(line)
    for key, value in header_lines.items():
        if key not in seen:
            new_head.append(f'"{key}: {value}\\n"')
    path.write_text("\n".join(new_head) + sep + rest, encoding="utf-8")


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


