"""Template globals and filters of every page (a domain adds its own from its blueprint)."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask, current_app, request, url_for
from markupsafe import Markup
from werkzeug.routing import BuildError

from app.common.text import render_markdown
from app.common.urls import external_url
from app.i18n import current_language, fallback_markup
from app.i18n import gettext as _
from app.web.charts import bar_chart


def switch_language_url(code: str) -> str:
    """The current page in another language (query string kept); home if it cannot be rebuilt."""
    if request.method == "GET" and request.endpoint and request.view_args is not None:
        try:
            return url_for(request.endpoint, **{**request.args.to_dict(), **request.view_args, "lang_code": code})
        except BuildError:
            pass
    return url_for("site.home", lang_code=code)


def localized_block(obj: object, field: str) -> Markup:
    """Markdown ``field`` in the UI language, or the Swedish text marked ``lang="sv"``."""
    lang = current_language()
    value = getattr(obj, f"{field}_{lang}", None)
    if value:
        return render_markdown(value)
    fallback = getattr(obj, f"{field}_sv", None)
    if not fallback:
        return Markup("")
    if lang == "sv":
        return render_markdown(fallback)
    return fallback_markup(render_markdown(fallback), block=True)


def localized_excerpt(obj: object, field: str, length: int = 160) -> Markup:
    """The first ``length`` characters of a text field as plain text, marked ``lang="sv"`` if it falls back."""
    lang = current_language()
    value = getattr(obj, f"{field}_{lang}", None)
    fallback = not value
    text = value or getattr(obj, f"{field}_sv", None) or ""
    plain = " ".join(re.sub(r"[*_`#>\[\]()]", "", text).split())
    if len(plain) > length:
        plain = plain[: length - 1].rsplit(" ", 1)[0] + "…"
    if fallback and lang != "sv" and plain:
        return Markup('<span lang="sv">{}</span>').format(plain)
    return Markup("{}").format(plain)


def link_preview(lang: str) -> dict[str, object]:
    """What the Open Graph tags of every page need besides its title and description:
    the page's own absolute URL (none for an error page), the locales, and the card
    image (``static/img/card-<lang>.png``, drawn by tools/social_cards.py; the
    default language's card for a language that has none)."""
    languages = current_app.config["LANGUAGES"]

    def og_locale(code: str) -> str:
        info = languages[code]
        return info.get("og_locale") or info["html_lang"].replace("-", "_")

    card = f"img/card-{lang}.png"
    if not current_app.static_folder or not (Path(current_app.static_folder) / card).is_file():
        card = f"img/card-{current_app.config['DEFAULT_LANGUAGE']}.png"
    url = None
    if request.method in ("GET", "HEAD") and request.endpoint and request.view_args is not None:
        try:
            url = external_url(request.endpoint, **{**request.view_args, "lang_code": lang})
        except BuildError:
            url = None
    return {
        "url": url,
        "locale": og_locale(lang),
        "alternates": [og_locale(c) for c in languages if c != lang],
        "image": external_url("static", filename=card),
    }


def duration(seconds: float) -> str:
    """A recording's length as "2 min 5 s", in the UI language."""
    whole = round(seconds)
    return _("%(minutes)d min %(seconds)d s", minutes=whole // 60, seconds=whole % 60)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        switch_language_url=switch_language_url,
        localized_block=localized_block,
        localized_excerpt=localized_excerpt,
        bar_chart=bar_chart,
        external_url=external_url,
        link_preview=link_preview,
    )
    app.jinja_env.filters.update(markdown=render_markdown, duration=duration)
