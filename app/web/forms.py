"""Form base class, fields and filters shared by every domain.

WTForms ships no Romani catalog, so :class:`BaseForm` hands WTForms our own
catalog; the built-in messages it can produce are listed below so that
extraction puts them in every catalog.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
    widgets,
)
from wtforms.fields.core import Field
from wtforms.validators import URL, Length, Optional

from app.common.text import NOT_SINGLE_LINE
from app.i18n import STOCKHOLM, UIText, get_translations, ngettext
from app.i18n import gettext as _gettext
from app.i18n import lazy_gettext as _l


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    return message


# WTForms' own messages are generic ("This field is required.", in English
# where a catalog lacks them). Each is replaced by one that says what to do;
# "required" depends on the kind of field (see BaseForm.validate). These are
# the msgids; the originals never reach a page.
BETTER_MESSAGES = {
    "This field is required.": N_("Fill in this field."),
    "Not a valid integer value.": N_("Write a whole number, for example 12."),
    "Not a valid decimal value.": N_("Write a number, for example 12.5."),
    "Not a valid float value.": N_("Write a number, for example 12.5."),
    "Not a valid datetime value.": N_("Write the date and time as YYYY-MM-DD HH:MM."),
    "Not a valid date value.": N_("Write the date as YYYY-MM-DD."),
    "Not a valid time value.": N_("Write the time as HH:MM."),
    "Not a valid choice.": N_("Choose one of the options."),
    "Invalid Choice: could not coerce.": N_("Choose one of the options."),
    "Invalid email address.": N_("Write an e-mail address like name@example.se."),
    "Invalid URL.": N_("Write a web address that starts with https://."),
    "Number must be at least %(min)s.": N_("Write a number that is %(min)s or more."),
    "Number must be at most %(max)s.": N_("Write a number that is %(max)s or less."),
    "Number must be between %(min)s and %(max)s.": N_("Write a number from %(min)s to %(max)s."),
}
#: Singular msgid of a WTForms plural message -> our (singular, plural).
BETTER_PLURALS = {
    "Field cannot be longer than %(max)d character.": (
        "Write at most %(max)d character.",
        "Write at most %(max)d characters.",
    ),
    "Field must be at least %(min)d character long.": (
        "Write at least %(min)d character.",
        "Write at least %(min)d characters.",
    ),
    "Field must be exactly %(max)d character long.": (
        "Write exactly %(max)d character.",
        "Write exactly %(max)d characters.",
    ),
    "'%(value)s' is not a valid choice for this field.": (
        "Choose an option from the list.",
        "Choose only options from the list.",
    ),
}
#: Said for any other WTForms message, so no English reaches a page.
FALLBACK_MESSAGE = N_("Check what you wrote in this field.")
if False:  # pragma: no cover - extraction only (the keyword must be ``ngettext`` itself)
    ngettext("Write at most %(max)d character.", "Write at most %(max)d characters.", 1)
    ngettext("Write at least %(min)d character.", "Write at least %(min)d characters.", 1)
    ngettext("Write exactly %(max)d character.", "Write exactly %(max)d characters.", 1)
    ngettext("Choose an option from the list.", "Choose only options from the list.", 1)

#: What "required" says, by kind of field, naming the field (a form may say
#: something more specific for one field: ``BaseForm.required_messages``).
REQUIRED_BY_TYPE = {
    "RadioField": N_("Answer “%(label)s”."),
    "SelectField": N_("Choose an option in “%(label)s”."),
    "SelectMultipleField": N_("Choose at least one option in “%(label)s”."),
    "CheckboxListField": N_("Choose at least one option in “%(label)s”."),
    "BooleanField": N_("Tick the box “%(label)s” to go on."),
    "FileField": N_("Choose a file in “%(label)s”."),
    "MultipleFileField": N_("Choose a file in “%(label)s”."),
    "IntegerField": N_("Write a whole number in “%(label)s”."),
    "DateField": N_("Write the date in “%(label)s” as YYYY-MM-DD."),
    "DateTimeLocalField": N_("Write the date and time in “%(label)s” as YYYY-MM-DD HH:MM."),
    "LocalDateTimeField": N_("Write the date and time in “%(label)s” as YYYY-MM-DD HH:MM."),
}
REQUIRED_TEXT = N_("Fill in “%(label)s”.")


class _Translations:
    """WTForms' messages, replaced by ours and translated with our catalog."""

    def gettext(self, string: str) -> str:
        better = BETTER_MESSAGES.get(string)
        if better is None:
            translated = get_translations().ugettext(string)
            # A message we do not know is not in the catalog: never show it in English.
            return translated if translated != string else get_translations().ugettext(FALLBACK_MESSAGE)
        return get_translations().ugettext(better)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        better = BETTER_PLURALS.get(singular)
        if better is None:
            translated = get_translations().ungettext(singular, plural, n)
            return translated if translated not in (singular, plural) else get_translations().ugettext(FALLBACK_MESSAGE)
        return get_translations().ungettext(better[0], better[1], n)


def is_single_line(field: Field) -> bool:
    """Text typed on one line: every text input but a text area, a password or a hidden field."""
    return isinstance(field, StringField) and not isinstance(field, (TextAreaField, PasswordField, HiddenField))


class SingleLine:
    """Refuse line breaks and control characters (a CR in a title would inject
    lines into a calendar, a header or an e-mail subject). :class:`BaseForm`
    applies it to every single-line field by itself."""

    message = _l("Write this on one line, without line breaks or control characters.")

    def __call__(self, form: Any, field: Field) -> None:
        if isinstance(field.data, str) and NOT_SINGLE_LINE.search(field.data):
            raise ValidationError(str(self.message))


_single_line = SingleLine()


#: What closes a label that is a sentence or a question, in every language of the site.
SENTENCE_END = ".:;?!…"


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form: Any) -> _Translations:
            return _Translations()

    #: Field name -> what "required" says for that field. Every form's
    #: ``language`` field is a choice of language.
    required_messages: dict[str, Any] = {"language": N_("Choose a language.")}

    def validate(self, extra_validators: Any = None) -> bool:
        """Validate, with :class:`SingleLine` added to every single-line field."""
        extra: dict[str, list[Any]] = {name: list(chain) for name, chain in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if is_single_line(field):
                extra.setdefault(name, []).append(_single_line)
        ok = bool(super().validate(extra_validators=extra))
        if not ok:
            self._specific_required_messages()
        return ok

    def _specific_required_messages(self) -> None:
        """Replace the generic "Fill in this field." by what this field needs."""
        generic = _gettext(BETTER_MESSAGES["This field is required."])
        for field in self:
            if generic not in field.errors:
                continue
            specific = self.required_messages.get(field.name)
            label = str(field.label.text).strip().rstrip(":")
            if specific is not None:
                message = _gettext(specific) if isinstance(specific, str) else str(specific)
            else:
                message = _gettext(REQUIRED_BY_TYPE.get(field.type, REQUIRED_TEXT), label=label)
            field.errors = [message if error == generic else error for error in field.errors]

    def error_list(self) -> list[tuple[str, str, str]]:
        """``(field id, label, message)`` for the error summary at the top of the page."""
        out = []
        for field in self:
            # The summary joins label and message ("Label – message"): a label that is a
            # sentence ("… say so on the page.") loses its closing punctuation there.
            label = str(field.label.text).strip().rstrip(SENTENCE_END).rstrip()
            for message in field.errors:
                # The label is left out when the message names the field already.
                out.append((field.id, "" if label in str(message) else label, str(message)))
        return out

    def add_error(self, field_name: str | None, message: UIText) -> None:
        """Attach a domain error to a field (or to the form as a whole)."""
        field = getattr(self, field_name, None) if field_name else None
        if field is None:
            self.form_errors.append(str(message))
        else:
            field.errors = [*field.errors, str(message)]


class AnonymousForm(BaseForm):
    """A public form anyone may send without logging in: it carries the
    honeypot and the submission key that :class:`app.web.intake.Intake` checks
    (render them with the ``anonymous_fields`` macro)."""

    #: Humans leave this empty; it is hidden from view and from screen readers.
    website = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=200)])
    submission_key = HiddenField()
    #: Set by :class:`app.web.intake.Intake`: this browser has sent this form, and where a new one starts.
    already_sent = False
    new_form_url: str | None = None


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

    data: datetime | None

    def __init__(self, label: UIText | None = None, validators: Any = None, **kwargs: Any) -> None:
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


def enum_choices(members: Iterable[Any], *, blank: UIText | None = None) -> list[SelectChoice]:
    """The choices of a select or radio field for enum members with a ``label``
    (value, label), in the given order; ``blank`` puts an empty choice first."""
    return choices(([("", blank)] if blank is not None else []) + [(m.value, m.label) for m in members])


#: The longest free text a staff form takes.
LONG_TEXT = 20000


def text_area(label: UIText, max_length: int = LONG_TEXT, **kwargs: Any) -> TextAreaField:
    """An optional multi-line text field; empty input becomes ``None``."""
    return TextAreaField(label, validators=[Optional(), Length(max=max_length)], filters=[empty_to_none], **kwargs)


def text_line(label: UIText, max_length: int = 300, **kwargs: Any) -> StringField:
    """An optional one-line text field; empty input becomes ``None``."""
    return StringField(label, validators=[Optional(), Length(max=max_length)], filters=[empty_to_none], **kwargs)


def web_address(label: UIText, **kwargs: Any) -> StringField:
    """An optional link (``https://…``, at most 500 characters); empty input becomes ``None``."""
    return StringField(
        label,
        validators=[
            Optional(),
            Length(max=500),
            URL(require_tld=True, message=_l("Enter a web address that starts with https://")),
        ],
        filters=[empty_to_none],
        **kwargs,
    )


def optional_int(value: Any) -> int | None:
    """Coerce a select's value to an ``int``; the empty choice is ``None``."""
    if value in (None, "", "None"):
        return None
    return int(value)


_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")


class EmailAddress:
    """A plausible e-mail address (no DNS look-ups; the outbox reports bounces)."""

    def __init__(self, message: UIText | None = None) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        value = field.data or ""
        if value and not _EMAIL_RE.match(value):
            raise ValidationError(str(self.message or field.gettext("Invalid email address.")))


class ConfirmForm(BaseForm):
    """A form with nothing but the CSRF token, for one-button actions."""
