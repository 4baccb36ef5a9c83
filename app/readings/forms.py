from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField
from wtforms.validators import DataRequired

from app.i18n import lazy_gettext as _l
from app.web.forms import BaseForm, choices


class ReadingForm(BaseForm):
    """Upload an audio reading of a text on a public page."""

    target = SelectField(_l("What does the recording read aloud?"), validators=[DataRequired()])
    language = RadioField(_l("Language of the recording"), validators=[DataRequired()], default="rom")
    file = FileField(
        _l("Sound file"),
        validators=[FileRequired(message=_l("Choose a sound file."))],
        description=_l(
            "MP3, M4A, OGG, WebM, WAV or FLAC. It replaces an earlier reading of the same text in the same language."
        ),
    )

    def __init__(self, *args: Any, targets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.target.choices = choices(targets)
        self.language.choices = choices([("rom", _l("Romani chib")), ("sv", _l("Swedish"))])
