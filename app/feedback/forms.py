from __future__ import annotations

from typing import Any

from wtforms import (
    DateField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.feedback.models import Outcome
from app.i18n import lazy_gettext as _l
from app.web.forms import (
    LONG_TEXT,
    BaseForm,
    VersionedForm,
    choices,
    empty_to_none,
    enum_choices,
    optional_int,
    strip,
    text_area,
    text_line,
    web_address,
)


class SummaryForm(VersionedForm):
    summary_sv = text_area(
        _l("Summary in Swedish"), description=_l("What the board heard and did, in short. Markdown may be used.")
    )
    summary_rom = text_area(_l("Summary in Romani chib"))


class ThemeForm(VersionedForm):
    title_sv = StringField(_l("Theme in Swedish"), validators=[DataRequired(), Length(max=300)], filters=[strip])
    title_rom = text_line(_l("Theme in Romani chib"))
    summary_sv = text_area(
        _l("What was said, in Swedish"), description=_l("A short summary of the views in this theme.")
    )
    summary_rom = text_area(_l("What was said, in Romani chib"))


class MergeForm(BaseForm):
    """Merge one theme into another (the first one's views join the second, then it is removed)."""

    source = SelectField(
        _l("Merge the theme"),
        coerce=optional_int,
        choices=[],
        validate_choice=True,
        validators=[DataRequired(message=_l("Choose a theme from the list."))],
    )
    target = SelectField(
        _l("into the theme"),
        coerce=optional_int,
        choices=[],
        validate_choice=True,
        validators=[DataRequired(message=_l("Choose a theme from the list."))],
    )
    #: ``id:version`` of every theme as the page showed them (optimistic locking).
    versions = HiddenField()

    def __init__(self, *args: Any, themes: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = [*choices([("", _l("Choose a theme"))]), *choices(themes)]
        self.source.choices = options
        self.target.choices = options


class ResponseForm(VersionedForm):
    outcome = RadioField(
        _l("What came of it"), choices=[], validators=[DataRequired(message=_l("Choose what came of it."))]
    )
    body_sv = TextAreaField(
        _l("The board's response in Swedish"),
        validators=[Optional(), Length(max=LONG_TEXT)],
        filters=[empty_to_none],
        description=_l("Markdown may be used."),
    )
    body_rom = text_area(_l("The board's response in Romani chib"))
    reason_sv = text_area(_l("Reason in Swedish"), description=_l("Required when it will not be implemented."))
    reason_rom = text_area(_l("Reason in Romani chib"))
    forwarded_to_board_id = SelectField(
        _l("Forwarded to"),
        coerce=optional_int,
        choices=[],
        validate_choice=True,
        description=_l("Required when the matter is outside this board's remit."),
    )
    next_update_date = DateField(
        _l("Next update by"),
        validators=[Optional()],
        description=_l("Required when the matter is still under consideration."),
    )

    def __init__(self, *args: Any, boards: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from app.consultations.forms import board_choices

        self.outcome.choices = enum_choices(Outcome)
        self.forwarded_to_board_id.choices = [*choices([("", _l("No board"))]), *board_choices(boards or [])]


class DecisionForm(BaseForm):
    board_id = SelectField(
        _l("Board"),
        coerce=optional_int,
        choices=[],
        validate_choice=True,
        validators=[DataRequired(message=_l("Choose the board that made the decision."))],
    )
    meeting_date = DateField(_l("Date of the meeting"), validators=[Optional()])
    case_reference = StringField(
        _l("Case reference (diarienummer)"),
        validators=[DataRequired(), Length(max=60)],
        filters=[strip],
        description=_l("E.g. KS 2025/809."),
    )
    paragraph = StringField(
        _l("Paragraph (§) of the minutes"), validators=[DataRequired(), Length(max=20)], filters=[strip]
    )
    title_sv = text_line(
        _l("Title of the decision in Swedish"), description=_l("Not needed if the decision is already known.")
    )
    title_rom = text_line(_l("Title of the decision in Romani chib"))
    minutes_url = web_address(_l("Link to the minutes"))

    def __init__(self, *args: Any, boards: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from app.consultations.forms import board_choices

        self.board_id.choices = [*choices([("", _l("Choose a board"))]), *board_choices(boards or [])]


class UpdateForm(BaseForm):
    change_note_sv = TextAreaField(
        _l("What has changed, in Swedish"),
        validators=[DataRequired(message=_l("Say what has changed, in Swedish.")), Length(max=5000)],
        filters=[strip],
        description=_l("Shown on the public page and in the e-mail to participants."),
    )
    change_note_rom = text_area(_l("What has changed, in Romani chib"), 5000)


class FindViewForm(BaseForm):
    """The "find your view" form: a GET form, no CSRF token."""

    class Meta:
        csrf = False

    code = StringField(
        _l("Reference code from your receipt"),
        validators=[DataRequired(), Length(max=40)],
        filters=[strip],
        description=_l("For example AB12-CD34."),
    )


# --- Suggested themes (issue 22) --------------------------------------------------------


class SuggestForm(BaseForm):
    """Ask for suggested themes: of the views in no theme, or of every view."""

    scope = RadioField(
        _l("Which views to group"),
        default="unthemed",
        validators=[DataRequired(message=_l("Choose which views to group."))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope.choices = choices(
            [("unthemed", _l("The views in no theme yet")), ("all", _l("Every view, also those already in a theme"))]
        )


class ProposalForm(VersionedForm):
    """One proposal: its title, and accept (a new theme), rename or reject it. Prefixed by the proposal's id."""

    title = StringField(_l("Title of the theme, in Swedish"), validators=[Length(max=300)], filters=[strip])
    accept = SubmitField(_l("Accept as a theme"))
    rename = SubmitField(_l("Save the title"))
    reject = SubmitField(_l("Reject"))


class ProposalViewsForm(VersionedForm):
    """Take ticked views out of a proposal (they stay in no theme)."""

    viewpoint_ids = SelectMultipleField(_l("Views"), coerce=int, choices=[], validate_choice=False)


class ProposalMergeForm(BaseForm):
    """Merge two proposals: the first one's views join the second."""

    source = SelectField(
        _l("Merge the proposal"),
        coerce=optional_int,
        choices=[],
        validate_choice=True,
        validators=[DataRequired(message=_l("Choose a proposal from the list."))],
    )
    target = SelectField(
        _l("into the proposal"),
        coerce=optional_int,
        choices=[],
        validate_choice=True,
        validators=[DataRequired(message=_l("Choose a proposal from the list."))],
    )
    #: ``id:version`` of every proposal as the page showed them (optimistic locking).
    versions = HiddenField()

    def __init__(self, *args: Any, proposals: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        options = [*choices([("", _l("Choose a proposal"))]), *choices(proposals)]
        self.source.choices = options
        self.target.choices = options
