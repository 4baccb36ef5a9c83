"""UI languages, message catalogs and language-aware formatting.

Babel's CLDR data has no Romani locale, so this module keeps two notions
apart:

* the **UI language** (``sv``, ``rom``, and any configured later): chooses the
  message catalog, ``<html lang>`` and ``dir``, and the URL prefix;
* the **formatting locale**: a CLDR locale used only for numbers (Romani pages
  format numbers as Swedish).

Month and weekday names and date patterns are ordinary catalog messages, so a
Romani page reads dates in Romani without any CLDR data.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import numbers
from babel.support import LazyProxy, NullTranslations, Translations
from flask import Flask, current_app, g, has_app_context
from markupsafe import Markup

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@lru_cache(maxsize=32)
def _load_catalog(directory: str, language: str) -> NullTranslations:
    return Translations.load(directory, [language])


def languages() -> dict[str, dict[str, str]]:
    return current_app.config["LANGUAGES"]


def default_language() -> str:
    return current_app.config["DEFAULT_LANGUAGE"]


def current_language() -> str:
    """The UI language of the current request (or forced block)."""
    if has_app_context():
        lang = g.get("ui_lang")
        if lang:
            return lang
        return default_language()
    return "sv"


def language_info(lang: str | None = None) -> dict[str, str]:
    lang = lang or current_language()
    return languages().get(lang, languages()[default_language()])


def formatting_locale(lang: str | None = None) -> str:
    return language_info(lang).get("locale", "sv")


def get_translations(lang: str | None = None) -> NullTranslations:
    if not has_app_context():
        return NullTranslations()
    return _load_catalog(current_app.config["TRANSLATIONS_DIR"], lang or current_language())


def gettext(message: str, **variables: Any) -> str:
    text = get_translations().ugettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return get_translations().ungettext(singular, plural, num) % variables


def pgettext(context: str, message: str, **variables: Any) -> str:
    text = get_translations().upgettext(context, message)
    return text % variables if variables else text


def gettext_in(lang: str, message: str) -> str:
    """``message`` in a given language, whatever the page's language (bilingual notices)."""
    return get_translations(lang).ugettext(message)


def lazy_gettext(message: str, **variables: Any) -> LazyProxy:
    return LazyProxy(gettext, message, enable_cache=False, **variables)


def lazy_pgettext(context: str, message: str) -> LazyProxy:
    return LazyProxy(pgettext, context, message, enable_cache=False)


_ = gettext
_l = lazy_gettext


@contextlib.contextmanager
def force_language(lang: str) -> Iterator[None]:
    """Render in ``lang`` inside the block (e-mails in the recipient's language)."""
    previous = g.get("ui_lang")
    g.ui_lang = lang
    try:
        yield
    finally:
        g.ui_lang = previous


#: Shown in both languages on a page whose Romani text is still being translated.
ROMANI_PENDING = "The translation into Romani chib is in progress."
if False:  # pragma: no cover - marks the message for extraction
    gettext("The translation into Romani chib is in progress.")

# --- Dates -----------------------------------------------------------------

MONTHS = (
    lazy_pgettext("month", "January"),
    lazy_pgettext("month", "February"),
    lazy_pgettext("month", "March"),
    lazy_pgettext("month", "April"),
    lazy_pgettext("month", "May"),
    lazy_pgettext("month", "June"),
    lazy_pgettext("month", "July"),
    lazy_pgettext("month", "August"),
    lazy_pgettext("month", "September"),
    lazy_pgettext("month", "October"),
    lazy_pgettext("month", "November"),
    lazy_pgettext("month", "December"),
)
WEEKDAYS = (
    lazy_pgettext("weekday", "Monday"),
    lazy_pgettext("weekday", "Tuesday"),
    lazy_pgettext("weekday", "Wednesday"),
    lazy_pgettext("weekday", "Thursday"),
    lazy_pgettext("weekday", "Friday"),
    lazy_pgettext("weekday", "Saturday"),
    lazy_pgettext("weekday", "Sunday"),
)


def to_local(value: datetime) -> datetime:
    return value.astimezone(STOCKHOLM)


def format_date(value: date | datetime | None, weekday: bool = True) -> str:
    """A date in words in the UI language: 'tisdag 8 december 2026'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    parts = {
        "weekday": str(WEEKDAYS[value.weekday()]),
        "day": value.day,
        "month": str(MONTHS[value.month - 1]),
        "year": value.year,
    }
    if weekday:
        return gettext("%(weekday)s %(day)s %(month)s %(year)s", **parts)
    return gettext("%(day)s %(month)s %(year)s", **parts)


def format_time(value: datetime | None) -> str:
    """24-hour local time, 'HH:MM'."""
    if value is None:
        return ""
    return to_local(value).strftime("%H:%M")


def format_datetime(value: datetime | None, weekday: bool = True) -> str:
    if value is None:
        return ""
    return gettext(
        "%(date)s at %(time)s", date=format_date(value, weekday), time=format_time(value)
    )


def format_time_range(start: datetime | None, end: datetime | None) -> str:
    """'tisdag 8 december 2026 kl. 18:00–20:00' (dates repeated if they differ)."""
    if start is None:
        return ""
    if end is None:
        return format_datetime(start)
    if to_local(start).date() == to_local(end).date():
        return gettext(
            "%(date)s, %(start)s–%(end)s",
            date=format_date(start),
            start=format_time(start),
            end=format_time(end),
        )
    return f"{format_datetime(start)} – {format_datetime(end)}"


def format_number(value: int | float) -> str:
    return numbers.format_decimal(value, locale=formatting_locale())


def language_name(code: str) -> str:
    """The name of a language, in the UI language."""
    names = {
        "sv": lazy_gettext("Swedish"),
        "rom": lazy_gettext("Romani chib"),
        "en": lazy_gettext("English"),
        "fi": lazy_gettext("Finnish"),
        "other": lazy_gettext("Other language"),
    }
    return str(names.get(code, code))


# --- Bilingual content --------------------------------------------------------


def localized(obj: Any, field: str, lang: str | None = None) -> Markup | str:
    """The value of ``field_<lang>`` on ``obj``, falling back to Swedish.

    A fallback is wrapped in an element carrying ``lang="sv"`` and a visible
    note, so neither readers nor screen readers are misled.
    """
    lang = lang or current_language()
    value = getattr(obj, f"{field}_{lang}", None)
    if value:
        return value
    fallback = getattr(obj, f"{field}_sv", None) or ""
    if lang == "sv" or not fallback:
        return fallback
    return fallback_markup(fallback)


def localized_text(obj: Any, field: str, lang: str | None = None) -> str:
    """Plain text of ``field`` in the UI language, Swedish if missing (feeds, option labels)."""
    lang = lang or current_language()
    return getattr(obj, f"{field}_{lang}", None) or getattr(obj, f"{field}_sv", None) or ""


def has_translation(obj: Any, field: str, lang: str | None = None) -> bool:
    lang = lang or current_language()
    return bool(getattr(obj, f"{field}_{lang}", None))


def fallback_markup(text: str | Markup, block: bool = False) -> Markup:
    """Swedish text shown on a page in another language, marked as such."""
    note = gettext("(only in Swedish so far)")
    if block:
        return Markup('<div lang="sv" class="fallback">{}</div><p class="fallback-note">{}</p>').format(text, note)
    return Markup('<span lang="sv" class="fallback">{}</span> <span class="fallback-note">{}</span>').format(text, note)


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, ngettext, newstyle=True, pgettext=pgettext
    )
    app.jinja_env.filters.update(
        date=format_date,
        datetime=format_datetime,
        time=format_time,
        timerange=format_time_range,
        number=format_number,
    )
    app.jinja_env.globals.update(
        localized=localized,
        localized_text=localized_text,
        has_translation=has_translation,
        current_language=current_language,
        language_info=language_info,
        language_name=language_name,
        gettext_in=gettext_in,
        ROMANI_PENDING=ROMANI_PENDING,
    )
