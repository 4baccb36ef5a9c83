from __future__ import annotations

from typing import Any

from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.i18n import lazy_gettext as _l
from app.participation.models import Provenance
from app.participation.services import MAX_BODY
from app.web.forms import BaseForm, choices, empty_to_none, strip


class TranscriptionForm(BaseForm):
    """What was said in a recording, written down by staff (or by a machine, checked by staff)."""

    transcription = TextAreaField(
        _l("What was said"),
        validators=[DataRequired(message=_l("Write down what was said.")), Length(max=MAX_BODY)],
        filters=[strip],
        description=_l("Word for word, in the language that was spoken."),
    )
    provenance = RadioField(_l("Who wrote it down?"), validators=[DataRequired()], default=Provenance.HUMAN.value)
    transcriber = StringField(
        _l("Name of the person who wrote it down"), validators=[Optional(), Length(max=200)], filters=[empty_to_none]
    )
    save = SubmitField(_l("Save as a draft"))
    publish = SubmitField(_l("Save and use as the text of the view"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.provenance.choices = choices(
            [
                (Provenance.HUMAN.value, _l("Written down by a person")),
                (Provenance.MACHINE.value, _l("Machine transcription, checked by a person")),
            ]
        )
