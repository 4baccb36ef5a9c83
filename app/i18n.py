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
import hashlib
from collections.abc import Callable, Iterator
from datetime import date, datetime
from functools import lru_cache
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

from babel import numbers
from babel.support import LazyProxy, NullTranslations, Translations
from flask import Flask, current_app, g, has_app_context
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

STOCKHOLM = ZoneInfo("Europe/Stockholm")

#: Text shown to a person: a plain ``str`` or a lazy message (``_l(...)``,
#: :func:`lazy_pgettext`) that is translated when it is turned into ``str``,
#: i.e. when it is rendered, flashed or raised as a validation error. Code that
#: accepts UI text takes this type and calls ``str()`` only where it shows it.
UIText: TypeAlias = "str | LazyProxy"


@lru_cache(maxsize=32)
def _load_catalog(directory: str, language: str) -> NullTranslations:
    return Translations.load(directory, [language])


def languages() -> dict[str, dict[str, str]]:
    """The site's languages (``LANGUAGES``); outside an application (a service
    called from a script or a test without one) the built-in ones."""
    if has_app_context():
        return current_app.config["LANGUAGES"]
    from config import DEFAULT_LANGUAGES

    return DEFAULT_LANGUAGES


def default_language() -> str:
    """``DEFAULT_LANGUAGE``; outside an application, Swedish (as :func:`current_language`)."""
    return current_app.config["DEFAULT_LANGUAGE"] if has_app_context() else "sv"


def current_language() -> str:
    """The UI language of the current request (or forced block).

    Asked a hundred times by a page (every localized field and URL), so ``g`` is
    read once, as a plain dictionary, not through its proxy twice."""
    try:
        values = g._get_current_object().__dict__
    except RuntimeError:  # no application context
        return "sv"
    return values.get("ui_lang") or default_language()


def language_info(lang: str | None = None) -> dict[str, str]:
    lang = lang or current_language()
    return languages().get(lang, languages()[default_language()])


def formatting_locale(lang: str | None = None) -> str:
    return language_info(lang).get("locale", "sv")


def compiled_catalog(lang: str) -> NullTranslations:
    """The catalog compiled from ``translations/<lang>/LC_MESSAGES/messages.mo``."""
    return _load_catalog(current_app.config["TRANSLATIONS_DIR"], lang)


#: ``(lang, compiled catalog) -> catalog`` installed by the translators'
#: workbench (:mod:`app.translations.overrides`): adds the database overrides.
OverrideHook = Callable[[str, NullTranslations], NullTranslations]


def get_translations(lang: str | None = None) -> NullTranslations:
    """The effective catalog of ``lang``: the compiled one, plus the workbench's
    database overrides. Resolved once per application context and language.

    Every message on a page comes through here (a feedback page asks ~300
    times), so the request's ``g`` is read once, as a plain dictionary, not
    through its proxy for each value."""
    if not has_app_context():
        return NullTranslations()
    values = g._get_current_object().__dict__
    lang = lang or values.get("ui_lang") or default_language()
    resolved = values.get("_i18n_catalogs")
    if resolved is None:
        resolved = values["_i18n_catalogs"] = {}
    translations = resolved.get(lang)
    if translations is None:
        translations = compiled_catalog(lang)
        hook: OverrideHook | None = current_app.extensions.get("i18n_overrides")
        if hook is not None:
            translations = hook(lang, translations)
        resolved[lang] = translations
    used = values.get("used_msgids")
    if used is not None and lang == (values.get("ui_lang") or default_language()):
        return _Recorder(translations, used)  # type: ignore[return-value]  # duck-typed: has the lookups callers use
    return translations


def entry_key(context: str | None, msgid: str) -> str:
    """A short stable key of one catalog entry (msgctxt + msgid), used by the
    workbench in URLs and by the "suggest a better wording" link."""
    raw = f"{context or ''}\x04{msgid}".encode()
    return hashlib.sha1(raw, usedforsecurity=False).hexdigest()[:16]


def record_used_messages() -> None:
    """From now on, note every message looked up in the page's language (see ``used_messages``)."""
    g.used_msgids = set()


def used_messages() -> set[tuple[str | None, str]]:
    """``(context, msgid)`` of the messages looked up since :func:`record_used_messages`."""
    return set(g.get("used_msgids") or ())


class _Recorder:
    """A catalog that notes which messages a page looked up (for translators)."""

    def __init__(self, translations: NullTranslations, used: set[tuple[str | None, str]]) -> None:
        self._translations = translations
        self._used = used

    def ugettext(self, message: str) -> str:
        self._used.add((None, message))
        return self._translations.ugettext(message)

    gettext = ugettext

    def ungettext(self, singular: str, plural: str, num: int) -> str:
        self._used.add((None, singular))
        return self._translations.ungettext(singular, plural, num)

    ngettext = ungettext

    def upgettext(self, context: str, message: str) -> str:
        self._used.add((context, message))
        return self._translations.upgettext(context, message)

    pgettext = upgettext

    def unpgettext(self, context: str, singular: str, plural: str, num: int) -> str:
        self._used.add((context, singular))
        return self._translations.unpgettext(context, singular, plural, num)

    npgettext = unpgettext


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
    """24-hour local time as the catalog writes it: Swedish "17.30" and "9.15",
    English "17:30"; a catalog message (msgctxt ``time``), so each language chooses."""
    if value is None:
        return ""
    local = to_local(value)
    return pgettext("time", "%(hour)02d:%(minute)02d", hour=local.hour, minute=local.minute)


def format_datetime(value: datetime | None, weekday: bool = True) -> str:
    if value is None:
        return ""
    return gettext("%(date)s at %(time)s", date=format_date(value, weekday), time=format_time(value))


def format_time_range(start: datetime | None, end: datetime | None) -> str:
    """'tisdag 8 december 2026 kl. 18.00–20.00' (dates repeated if they differ)."""
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


def swedish_only(text: str | None) -> Markup | str:
    """Text staff write in Swedish only (a change note, a reason): marked as Swedish on other pages."""
    if not text:
        return ""
    return text if current_language() == "sv" else fallback_markup(text)


# Templates' ``_()``, ``gettext``, ``ngettext`` and ``pgettext``: what jinja2.ext.i18n installs
# with ``newstyle=True`` (the result is a format string, always formatted with the keyword
# arguments; ``Markup`` where the template autoescapes, so the arguments are escaped), but
# calling the catalog directly. Jinja's own wrappers call the function through the template
# context, and ``_`` is a second wrapper around ``gettext``: ~5 µs a message, and a
# feedback page looks up ~300. ``Markup`` on a catalog text is what Jinja does too: the
# text is ours (the catalogs, or a workbench override whose HTML tags must be exactly the
# English text's: translations.services), and the arguments are escaped by ``%``.


@pass_eval_context
def _template_gettext(eval_ctx: EvalContext, string: str, /, **variables: Any) -> str:
    text = get_translations().ugettext(string)
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # nosec B704 - see above


@pass_eval_context
def _template_ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables: Any) -> str:
    variables.setdefault("num", num)
    text = get_translations().ungettext(singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # nosec B704 - see above


@pass_eval_context
def _template_pgettext(eval_ctx: EvalContext, context: str, string: str, /, **variables: Any) -> str:
    variables.setdefault("context", context)
    text = get_translations().upgettext(context, string)
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # nosec B704 - see above


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
        gettext, ngettext, newstyle=True, pgettext=pgettext
    )
    app.jinja_env.globals.update(  # the same, faster (see above)
        _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext, pgettext=_template_pgettext
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
        swedish_only=swedish_only,
        current_language=current_language,
        language_info=language_info,
        language_name=language_name,
        gettext_in=gettext_in,
        ROMANI_PENDING=ROMANI_PENDING,
    )
