"""The hide and mask forms, one for every kind of moderated text."""

from __future__ import annotations

from typing import Any

from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.i18n import UIText
from app.i18n import lazy_gettext as _l
from app.moderation.models import HiddenReason, Moderated
from app.moderation.services import MAX_TEXT
from app.web.forms import BaseForm, empty_to_none, enum_choices


class HideForm(BaseForm):
    reason = RadioField(_l("Why hide it?"), validators=[DataRequired()])
    note = TextAreaField(_l("Note for colleagues"), validators=[Optional(), Length(max=2000)], filters=[empty_to_none])

    def __init__(self, *args: Any, reason_label: UIText | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if reason_label is not None:
            self.reason.label.text = reason_label
        self.reason.choices = enum_choices(HiddenReason)


class MaskForm(BaseForm):
    masked_body = TextAreaField(
        _l("Text to publish"),
        validators=[Optional(), Length(max=MAX_TEXT)],
        description=_l(
            "Replace names, phone numbers and other personal data, e.g. with [name]. Leave empty to publish the original."
        ),
    )

    def copy_fields(self) -> list[tuple[Any, Any]]:
        """``(copy, field)`` for every copy (translation) of the text."""
        return [(copy, self[f"copy_{copy.id}"]) for copy in getattr(self, "_copies", [])]

    def copies_data(self) -> dict[int, str | None]:
        return {copy.id: field.data for copy, field in self.copy_fields()}


def mask_form(item: Moderated, **kwargs: Any) -> MaskForm:
    """A mask form for ``item`` with one field per copy of its text, filled with what is published now."""
    from app.i18n import language_name

    copies = item.text_copies()

    class _MaskForm(MaskForm):
        pass

    for copy in copies:
        setattr(
            _MaskForm,
            f"copy_{copy.id}",
            TextAreaField(
                _l("Text to publish in %(language)s", language=language_name(copy.language)),
                validators=[Optional(), Length(max=MAX_TEXT)],
                description=_l(
                    "The translation, with the same personal data masked. Leave empty to not publish the translation."
                ),
            ),
        )
    form = _MaskForm(**kwargs)
    form._copies = copies
    if not form.is_submitted():
        form.masked_body.data = item.masked or item.original_text
        for copy, field in form.copy_fields():
            # Empty the first time: a translation is published again only when staff
            # write its masked version, never because they left a field unchanged.
            field.data = copy.masked_body if item.masked is not None else ""
    return form
