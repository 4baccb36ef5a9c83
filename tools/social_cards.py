"""Draw the link-preview cards (static/img/card-<lang>.png, 1200×630, for
``og:image``) and the favicon (static/favicon.ico) with the local Chromium.

Run after changing the texts below: ``.venv/bin/python tools/social_cards.py``.
The files are committed; nothing is fetched from a third party at run time.
"""

from __future__ import annotations

import struct
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
BRAND, BRAND_DARK = "#00558c", "#003a61"

#: Card texts per language: the line under the name, and the city.
CARDS = {
    "sv": ("Öppna samråd med romer i Stockholms stad", "Stockholms stad"),
    "rom": ("Putarde konsultacii le Romença ando foro Stockholm", "O foro Stockholm"),
}

CARD = """<!doctype html><html lang="{lang}"><meta charset="utf-8"><style>
html,body{{margin:0;width:1200px;height:630px}}
body{{background:{brand};color:#fff;font-family:"DejaVu Sans",sans-serif;display:flex;flex-direction:column;
justify-content:center;padding:0 90px;box-sizing:border-box;border-bottom:40px solid {dark}}}
.mark{{width:110px;height:110px;border-radius:22px;background:#fff;color:{brand};font:700 82px/110px "DejaVu Sans",
sans-serif;text-align:center;margin-bottom:40px}}
h1{{font-size:84px;margin:0 0 24px}}p{{font-size:44px;margin:0 0 18px;line-height:1.25}}.city{{font-size:34px;opacity:.9}}
</style><div class="mark">S</div><h1>Samrådsportalen</h1><p>{line}</p><p class="city">{city}</p></html>"""

ICON = """<!doctype html><meta charset="utf-8"><style>html,body{{margin:0;width:{size}px;height:{size}px;
background:transparent}}div{{width:{size}px;height:{size}px;border-radius:{radius}px;background:{brand};color:#fff;
font:700 {font}px/{size}px "DejaVu Sans",sans-serif;text-align:center}}</style><div>S</div>"""


def _ico(pngs: list[tuple[int, bytes]]) -> bytes:
    """An ICO file holding PNG images (read by every current browser)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = 6 + 16 * len(pngs)
    entries, data = b"", b""
    for size, png in pngs:
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(png), offset + len(data))
        data += png
    return header + entries + data


def main() -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM)
        page = browser.new_page(viewport={"width": 1200, "height": 630})
        for lang, (line, city) in CARDS.items():
            page.set_content(CARD.format(lang=lang, line=line, city=city, brand=BRAND, dark=BRAND_DARK))
            page.screenshot(path=str(ROOT / "static" / "img" / f"card-{lang}.png"))
        icons = []
        for size in (16, 32, 48):
            page.set_viewport_size({"width": size, "height": size})
            page.set_content(ICON.format(size=size, radius=size // 5, font=int(size * 0.72), brand=BRAND))
            icons.append((size, page.screenshot(omit_background=True)))
        (ROOT / "static" / "favicon.ico").write_bytes(_ico(icons))
        browser.close()


if __name__ == "__main__":
    main()
