"""Form base class, fields and filters shared by every domain.

WTForms ships no Romani catalog, so :class:`BaseForm` hands WTForms our own
catalog; the built-in messages it can produce are listed below so that
extraction puts them in every catalog.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    SelectChoice,
    SelectMultipleField,
    ValidationError,
    widgets,
)

from app.i18n import STOCKHOLM, get_translations
from app.i18n import ngettext as _ngettext


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    return message


# Built-in WTForms messages our forms can show; marked here so they are
# extracted into the catalogs and translated like our own.
WTFORMS_MESSAGES = (
    N_("This field is required."),
    N_("Not a valid integer value."),
    N_("Not a valid datetime value."),
    N_("Not a valid date value."),
    N_("Not a valid choice."),
    N_("Invalid Choice: could not coerce."),
    N_("Invalid email address."),
    N_("Invalid URL."),
    N_("Number must be at least %(min)s."),
    N_("Number must be at most %(max)s."),
    N_("Number must be between %(min)s and %(max)s."),
)
if False:  # pragma: no cover - extraction only
    _ngettext("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1)
    _ngettext("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1)
    _ngettext("Field must be exactly %(max)d character long.", "Field must be exactly %(max)d characters long.", 1)
    _ngettext("'%(value)s' is not a valid choice for this field.", "'%(value)s' are not valid choices for this field.", 1)


class _Translations:
    def gettext(self, string: str) -> str:
        return get_translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return get_translations().ungettext(singular, plural, n)


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form: Any) -> _Translations:
            return _Translations()

    def error_list(self) -> list[tuple[str, str, str]]:
        """``(field id, label, message)`` for the error summary at the top of the page."""
        out = []
        for field in self:
            for message in field.errors:
                out.append((field.id, str(field.label.text), str(message)))
        return out

    def add_error(self, field_name: str | None, message: Any) -> None:
        """Attach a domain error to a field (or to the form as a whole)."""
        field = getattr(self, field_name, None) if field_name else None
        if field is None:
            self.form_errors.append(str(message))
        else:
            field.errors = [*field.errors, str(message)]


class VersionedForm(BaseForm):
    """An edit form that carries the version of the row it was opened with
    (optimistic locking: consultations, minutes, feedback)."""

    version = HiddenField()

    def expected_version(self) -> int | None:
        """The version posted back, or ``None`` if there is none. Only ASCII
        digits count (``"²".isdigit()`` is true but ``int("²")`` fails)."""
        value = "" if self.version.data is None else str(self.version.data).strip()
        return int(value) if value.isascii() and value.isdigit() else None


def strip(value: Any) -> Any:
    """Trim whitespace and drop NUL characters from text input."""
    if isinstance(value, str):
        return value.replace("\x00", "").strip()
    return value


def empty_to_none(value: Any) -> Any:
    value = strip(value)
    return value or None


class LocalDateTimeField(DateTimeLocalField):
    """A ``datetime-local`` input read as Stockholm time; ``data`` is aware UTC-convertible."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"], **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if isinstance(self.data, datetime):
            if not 1900 <= self.data.year <= 2999:
                self.data = None
                raise ValueError(self.gettext("Not a valid datetime value."))
            self.data = self.data.replace(tzinfo=STOCKHOLM)

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        if isinstance(self.data, datetime):
            value = self.data.astimezone(STOCKHOLM) if self.data.tzinfo else self.data
            return value.strftime("%Y-%m-%dT%H:%M")
        return ""


class CheckboxListField(SelectMultipleField):
    """Several checkboxes in a fieldset."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def choices(pairs: Any) -> list[SelectChoice]:
    """``(value, label)`` pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")


class EmailAddress:
    """A plausible e-mail address (no DNS look-ups; the outbox reports bounces)."""

    def __init__(self, message: Any = None) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        value = field.data or ""
        if value and not _EMAIL_RE.match(value):
            raise ValidationError(str(self.message or field.gettext("Invalid email address.")))


class ConfirmForm(BaseForm):
    """A form with nothing but the CSRF token, for one-button actions."""
