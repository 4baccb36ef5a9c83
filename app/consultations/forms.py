from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.consultations.models import MeetingFormat, RomaniVariety
from app.consultations.services import EDITABLE_FIELDS
from app.i18n import lazy_gettext as _l
from app.i18n import localized_text
from app.web.forms import (
    BaseForm,
    CheckboxListField,
    LocalDateTimeField,
    VersionedForm,
    choices,
    enum_choices,
    strip,
    text_area,
    text_line,
    web_address,
)


class ConsultationForm(VersionedForm):
    lead_board_id = SelectField(_l("Lead board"), coerce=int, validators=[DataRequired()])
    co_host_ids = CheckboxListField(
        _l("Co-hosting boards"),
        coerce=int,
        validate_choice=True,
        description=_l("Other boards that arrange the consultation together with the lead board."),
    )
    title_sv = StringField(_l("Title in Swedish"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    title_rom = text_line(_l("Title in Romani chib"), 200)
    summary_sv = text_area(
        _l("Description in Swedish"), description=_l("What the consultation is about. Markdown may be used.")
    )
    summary_rom = text_area(_l("Description in Romani chib"))
    easy_read_sv = text_area(
        _l("Easy-to-read summary in Swedish"), description=_l("Optional. Short sentences, common words.")
    )
    easy_read_rom = text_area(_l("Easy-to-read summary in Romani chib"))
    influence_sv = text_area(_l("What participants can influence, in Swedish"), description=_l("Required to publish."))
    influence_rom = text_area(_l("What participants can influence, in Romani chib"))
    decided_sv = text_area(_l("What is already decided, in Swedish"), description=_l("Required to publish."))
    decided_rom = text_area(_l("What is already decided, in Romani chib"))
    is_open = RadioField(
        _l("Who may come"),
        choices=choices(
            [("open", _l("Open: anyone may come, no invitation needed")), ("closed", _l("Closed: an invited group"))]
        ),
        default="open",
        validators=[DataRequired()],
    )
    case_reference = text_line(_l("Case reference (diarienummer)"), 60, description=_l("Optional, e.g. KS 2025/809."))
    format = RadioField(
        _l("Format"),
        choices=[],
        default=MeetingFormat.IN_PERSON.value,
        validators=[DataRequired()],
    )
    start_dt = LocalDateTimeField(_l("Starts"), validators=[Optional()], description=_l("Stockholm time."))
    end_dt = LocalDateTimeField(_l("Ends"), validators=[Optional()], description=_l("Stockholm time."))
    venue_name = text_line(_l("Place"), 200)
    address = text_line(_l("Address"), 300)
    room = text_line(_l("Room"), 200)
    directions_sv = text_area(_l("How to get there, in Swedish"))
    directions_rom = text_area(_l("How to get there, in Romani chib"))
    accessibility_sv = text_area(
        _l("Accessibility, in Swedish"), description=_l("Step-free access, hearing loop, toilets, quiet room.")
    )
    accessibility_rom = text_area(_l("Accessibility, in Romani chib"))
    join_url = web_address(_l("Link to join the digital meeting"))
    interpreter_languages = CheckboxListField(_l("Interpretation offered into"), choices=[], validate_choice=True)
    compensation_sv = text_area(
        _l("Compensation for participants, in Swedish"), description=_l("Optional. E.g. travel costs or a fee.")
    )
    compensation_rom = text_area(_l("Compensation for participants, in Romani chib"))
    registration_deadline_dt = LocalDateTimeField(_l("Registration deadline"), validators=[Optional()])
    capacity = IntegerField(
        _l("Number of places"),
        validators=[Optional(), NumberRange(min=1, max=100000)],
        description=_l("Leave empty for no limit."),
    )
    input_opens_dt = LocalDateTimeField(_l("Written views accepted from"), validators=[Optional()])
    input_closes_dt = LocalDateTimeField(_l("Written views accepted until"), validators=[Optional()])
    feedback_due_date = DateField(
        _l("Feedback promised by"),
        validators=[Optional()],
        description=_l("If empty, set at publication from the board's usual number of weeks."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.interpreter_languages.choices = enum_choices(v for v in RomaniVariety if v is not RomaniVariety.OTHER)
        self.format.choices = enum_choices(MeetingFormat)

    def to_data(self) -> dict[str, Any]:
        """The form's values as the service's field dictionary."""
        special = {"is_open", "format", "interpreter_languages"}
        data = {name: getattr(self, name).data for name in EDITABLE_FIELDS - special}
        data["is_open"] = self.is_open.data == "open"
        data["format"] = MeetingFormat(self.format.data)
        data["interpreter_languages"] = list(self.interpreter_languages.data or [])
        return data


class HeldForm(BaseForm):
    held_on = DateField(
        _l("The day it took place, if the meeting was moved"),
        validators=[Optional()],
        description=_l("Leave empty if it took place as planned."),
    )


class PublishForm(BaseForm):
    romani_pending = BooleanField(
        _l("The Romani translation is pending: publish with the Swedish text and say so on the page."),
    )
    past_confirmed = BooleanField(_l("I have checked these dates: publish anyway"))


class CancelForm(BaseForm):
    reason_sv = TextAreaField(
        _l("Reason, in Swedish"),
        validators=[DataRequired(), Length(max=2000)],
        filters=[strip],
        description=_l("Shown publicly on the consultation page."),
    )
    reason_rom = text_area(_l("Reason, in Romani chib"), 2000)


class AgendaItemForm(BaseForm):
    title_sv = StringField(
        _l("Item or question in Swedish"), validators=[DataRequired(), Length(max=300)], filters=[strip]
    )
    title_rom = text_line(_l("Item or question in Romani chib"), 300)
    description_sv = text_area(_l("Explanation in Swedish"), 5000)
    description_rom = text_area(_l("Explanation in Romani chib"), 5000)


class MoveForm(BaseForm):
    direction = SelectField(choices=choices([("up", "up"), ("down", "down")]), validators=[DataRequired()])


class DocumentForm(BaseForm):
    title = StringField(_l("Title of the document"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    language = SelectField(
        _l("Language of the document"),
        choices=choices([("sv", _l("Swedish")), ("rom", _l("Romani chib")), ("other", _l("Other language"))]),
        default="sv",
    )
    file = FileField(
        _l("File"),
        validators=[FileRequired(message=_l("Choose a file to upload."))],
        description=_l("PDF, Word, OpenDocument, Excel, text, PNG or JPEG, at most 20 MB."),
    )


def board_choices(boards: list[Any]) -> list[SelectChoice]:
    return choices((b.id, localized_text(b, "name")) for b in boards)


__all__ = [
    "AgendaItemForm",
    "CancelForm",
    "ConsultationForm",
    "DocumentForm",
    "MoveForm",
    "PublishForm",
    "board_choices",
]
