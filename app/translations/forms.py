"""Forms of the translators' workbench."""

from __future__ import annotations

from typing import Any

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.i18n import lazy_gettext as _l
from app.web.forms import BaseForm, choices, strip


class EntryForm(BaseForm):
    """The translation of one string; plural entries get one field per form (see :func:`entry_form_class`)."""


def entry_form_class(labels: list[Any]) -> type[EntryForm]:
    """A form with one text field per form of the entry (``form_0``, ``form_1`` …).

    No length validator: the service checks length, placeholders and markup
    and names the field, so the message is specific."""

    class _Form(EntryForm):
        pass

    for index, label in enumerate(labels):
        setattr(
            _Form,
            f"form_{index}",
            TextAreaField(label, filters=[lambda v: v.replace("\x00", "") if isinstance(v, str) else v]),
        )
    return _Form


class GlossaryTermForm(BaseForm):
    term = StringField(
        _l("Term (the meaning, in English or Swedish)"),
        validators=[InputRequired(_l("Write the term.")), Length(max=200, message=_l("Write at most 200 characters."))],
        filters=[strip],
    )
    preferred = StringField(
        _l("Preferred form"),
        validators=[
            InputRequired(_l("Write the preferred form.")),
            Length(max=200, message=_l("Write at most 200 characters.")),
        ],
        filters=[strip],
    )
    avoid = TextAreaField(
        _l("Forms to avoid"),
        description=_l("One per line. A single letter is found anywhere, a word only as a whole word."),
        validators=[Length(max=5000, message=_l("Write at most 5,000 characters."))],
        filters=[strip],
    )
    note = TextAreaField(
        _l("Note"), validators=[Length(max=5000, message=_l("Write at most 5,000 characters."))], filters=[strip]
    )


class GrantForm(BaseForm):
    user_id = SelectField(_l("Staff member"), coerce=int, validate_choice=False)
    language = SelectField(_l("Language"), validate_choice=False)

    def fill(self, users: list[Any], languages: dict[str, dict[str, str]]) -> None:
        self.user_id.choices = choices([(u.id, f"{u.name} ({u.email})") for u in users])
        self.language.choices = choices([(code, info["name"]) for code, info in languages.items()])

    def validate_user_id(self, field: Any) -> None:
        from wtforms import ValidationError

        if field.data not in {getattr(c, "value", None) for c in field.choices}:
            raise ValidationError(str(_l("Choose a staff member from the list.")))
