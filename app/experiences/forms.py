from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.consultations.models import RomaniVariety
from app.experiences.answers import AnswerData
from app.experiences.models import (
    NOTE_KINDS,
    SCALE_LABELS,
    SCALE_VALUES,
    ExperienceRecord,
    MeasureStatus,
    QuestionKind,
    Survey,
)
from app.experiences.services import MAX_TEXT
from app.feedback import forms as feedback_forms
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.i18n import localized_text
from app.participation.models import Channel
from app.web.forms import (
    LONG_TEXT,
    AnonymousForm,
    BaseForm,
    CheckboxListField,
    EmailAddress,
    LocalDateTimeField,
    VersionedForm,
    choices,
    empty_to_none,
    enum_choices,
    strip,
    text_area,
    text_line,
)


def _language_choices() -> list[Any]:
    return choices([("rom", _l("Romani chib")), ("sv", _l("Swedish")), ("other", _l("Another language"))])


class ServiceForm(BaseForm):
    board_id = SelectField(_l("Board"), coerce=int, choices=[], validate_choice=True)
    name_sv = StringField(
        _l("Name in Swedish"),
        validators=[DataRequired(), Length(max=200)],
        filters=[strip],
        description=_l("E.g. Brobyggarverksamheten."),
    )
    name_rom = text_line(_l("Name in Romani chib"), 200)
    description_sv = text_area(_l("Description in Swedish"))
    description_rom = text_area(_l("Description in Romani chib"))

    def __init__(self, *args: Any, boards: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.board_id.choices = choices((b.id, localized_text(b, "name")) for b in boards or [])


class SurveyForm(BaseForm):
    title_sv = StringField(_l("Title in Swedish"), validators=[DataRequired(), Length(max=300)], filters=[strip])
    title_rom = text_line(_l("Title in Romani chib"))
    intro_sv = text_area(
        _l("Introduction in Swedish"), description=_l("Why you ask and what happens with the answers.")
    )
    intro_rom = text_area(_l("Introduction in Romani chib"))
    opens_dt = LocalDateTimeField(_l("Opens"), validators=[DataRequired(message=_l("Say when the survey opens."))])
    closes_dt = LocalDateTimeField(_l("Closes"), validators=[DataRequired(message=_l("Say when the survey closes."))])


class QuestionForm(BaseForm):
    kind = RadioField(_l("Kind of question"), validators=[DataRequired(message=_l("Choose the kind of question."))])
    text_sv = StringField(_l("Question in Swedish"), validators=[DataRequired(), Length(max=500)], filters=[strip])
    text_rom = text_line(_l("Question in Romani chib"), 500)
    options = text_area(
        _l("Options"), 5000, description=_l("For a single-choice question: one option per line, Swedish | Romani chib.")
    )
    required = BooleanField(_l("An answer is required"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = enum_choices(QuestionKind)


class _AnswerBase(BaseForm):
    language = RadioField(_l("Language of your answers"), default="sv", validators=[DataRequired()])
    romani_variety = SelectField(
        _l("Which Romani variety?"),
        validators=[Optional()],
        description=_l("If you answered in Romani chib. Optional."),
    )
    name = StringField(
        _l("Your name or a pseudonym"),
        validators=[Optional(), Length(max=200)],
        filters=[empty_to_none],
        description=_l("Optional. Leave empty to be anonymous."),
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[Optional(), EmailAddress(), Length(max=254)],
        filters=[empty_to_none],
        description=_l("Optional. Only used to tell you about the measures taken."),
    )
    wants_updates = BooleanField(_l("Tell me by e-mail when measures are published or change"))
    publish_consent = BooleanField(
        _l("My written answers may be published word for word, without my name"),
        description=_l("Staff read every answer first and mask or hide personal data before anything is published."),
    )

    question_fields: list[str] = []
    #: The questions that must be answered (their fields are marked "(required)" in the label).
    required_fields: list[str] = []

    def validate(self, extra_validators: Any = None) -> bool:
        """Every problem at once, each next to its field (the service checks the same rules again)."""
        ok = super().validate(extra_validators)
        if (
            self.question_fields
            and not self.required_fields
            and not any(getattr(self, name).data not in (None, "") for name in self.question_fields)
        ):
            first = getattr(self, self.question_fields[0])
            first.errors = [*first.errors, _("Answer at least one question.")]
            ok = False
        if self.wants_updates.data and not self.email.data:
            self.email.errors = [
                *self.email.errors,
                _("Give an e-mail address if you want to be told about the measures."),
            ]
            ok = False
        return ok

    def to_data(self, contact_language: str) -> AnswerData:
        variety = self.romani_variety.data or None
        return AnswerData(
            answers={int(name[2:]): getattr(self, name).data for name in self.question_fields},
            language=self.language.data or "",
            romani_variety=RomaniVariety(variety) if variety in RomaniVariety._value2member_map_ else None,
            name=self.name.data,
            email=self.email.data,
            contact_language=contact_language,
            wants_updates=bool(self.wants_updates.data),
            publish_consent=bool(self.publish_consent.data),
        )


class _PublicAnswer(AnonymousForm, _AnswerBase):
    """Answered by anyone: with the honeypot and the submission key."""


class _StaffAnswer(_AnswerBase):
    channel = RadioField(_l("How were the answers given?"), validators=[DataRequired()])
    occurred_on = DateField(
        _l("Date the answers were given"),
        validators=[DataRequired(message=_l("Give the date the answers were given."))],
    )
    # Staff fill this in: every label speaks of the person who answered, not to "you".
    language = RadioField(_l("Language the answers were given in"), default="sv", validators=[DataRequired()])
    romani_variety = SelectField(
        _l("Which Romani variety?"),
        validators=[Optional()],
        description=_l("If the answers were given in Romani chib. Optional."),
    )
    name = StringField(
        _l("Name or pseudonym"),
        validators=[Optional(), Length(max=200)],
        filters=[empty_to_none],
        description=_l("Only if the person wants to leave it."),
    )
    email = EmailField(
        _l("The person's e-mail address"),
        validators=[Optional(), EmailAddress(), Length(max=254)],
        filters=[empty_to_none],
        description=_l("Optional. Only used to tell the person about the measures taken."),
    )
    wants_updates = BooleanField(_l("The person wants to be told by e-mail when measures are published or change"))
    publish_consent = BooleanField(_l("The person agrees that written answers may be published word for word"))


def answer_form(survey: Survey, *, staff: bool = False, **kwargs: Any) -> _AnswerBase:
    """A form with one field per question (``q_<id>``), built for this survey."""
    base = _StaffAnswer if staff else _PublicAnswer

    class AnswerForm(base):  # type: ignore[valid-type, misc]  # a base chosen at run time
        pass

    names, required = [], []
    for q in survey.questions:
        label = localized_text(q, "text")
        validators: list[Any] = [Optional()]
        if q.required:
            # Said in words, not by colour or an asterisk alone.
            label = _("%(question)s (required)", question=label)
            validators = [DataRequired(message=_l("Answer this question."))]
            required.append(q.field_name)
        if q.kind is QuestionKind.TEXT:
            field: Any = TextAreaField(label, validators=[*validators, Length(max=MAX_TEXT)], filters=[strip])
        elif q.kind is QuestionKind.CHOICE:
            field = RadioField(
                label,
                validators=validators,
                validate_choice=False,
                choices=choices((str(o.id), localized_text(o, "label")) for o in q.options),
            )
        else:
            field = RadioField(
                label,
                validators=validators,
                validate_choice=False,
                choices=choices((str(v), SCALE_LABELS[v]) for v in SCALE_VALUES),
            )
        setattr(AnswerForm, q.field_name, field)
        names.append(q.field_name)
    AnswerForm.question_fields = names
    AnswerForm.required_fields = required
    form = AnswerForm(**kwargs)
    form.language.choices = _language_choices()
    form.romani_variety.choices = enum_choices(RomaniVariety, blank=_l("Not stated"))
    if staff:
        form.channel.choices = enum_choices(c for c in Channel if c is not Channel.WEB)
    return form


class NoteForm(BaseForm):
    kind = RadioField(_l("Kind of note"), validators=[DataRequired(message=_l("Choose the kind of note."))])
    channel = RadioField(_l("How were the experiences given?"), validators=[DataRequired()])
    occurred_on = DateField(_l("Date"), validators=[DataRequired(message=_l("Give the date."))])
    language = RadioField(_l("Language spoken"), default="rom", validators=[DataRequired()])
    romani_variety = SelectField(_l("Which Romani variety?"), validators=[Optional()])
    summary_sv = text_area(_l("What was said, in Swedish"), MAX_TEXT)
    summary_rom = text_area(_l("What was said, in Romani chib"), MAX_TEXT)
    publish_consent = BooleanField(_l("Those who spoke agree that the summary may be published"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = enum_choices(NOTE_KINDS)
        self.channel.choices = enum_choices(c for c in Channel if c is not Channel.WEB)
        self.language.choices = _language_choices()
        self.romani_variety.choices = enum_choices(RomaniVariety, blank=_l("Not stated"))


class ThemeForm(feedback_forms.ThemeForm):
    """A theme of experiences: the feedback theme's text, and the records it groups."""

    record_ids = CheckboxListField(
        _l("Experiences in this theme"),
        coerce=int,
        validate_choice=True,
        description=_l("An experience may belong to several themes."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.summary_sv.description = _l("A short summary of the experiences in this theme.")

    def offer(self, records: Iterable[ExperienceRecord], may_open: Callable[[ExperienceRecord], bool]) -> None:
        """The records to tick: each by its number, kind and date, and the start of
        its text where ``may_open`` (the record page's policy) lets the user read it:
        one person's survey answers are not shown to every staff member of the board."""
        self.record_ids.choices = [(rec.id, _record_label(rec, with_text=may_open(rec))) for rec in records]


def _record_label(rec: ExperienceRecord, *, with_text: bool) -> str:
    label = f"#{rec.id} {rec.kind.label}, {rec.occurred_on.isoformat()}"
    if not with_text:
        return label
    if rec.summary_sv or rec.summary_rom:
        text = " ".join((rec.summary_sv or rec.summary_rom or "").split())
    else:
        text = " ".join(" ".join(a.text for a in rec.answers if a.text).split())
    if text:
        label += f": {text[:100]}{'…' if len(text) > 100 else ''}"
    return label


class MeasureForm(VersionedForm):
    body_sv = TextAreaField(
        _l("The board's response in Swedish"),
        validators=[Optional(), Length(max=LONG_TEXT)],
        filters=[empty_to_none],
        description=_l("Markdown may be used."),
    )
    body_rom = text_area(_l("The board's response in Romani chib"))
    owner = StringField(
        _l("Responsible for the measure"),
        validators=[Optional(), Length(max=200)],
        filters=[empty_to_none],
        description=_l("A unit or a role, e.g. the head of the service."),
    )
    status = RadioField(
        _l("Status of the measure"), validators=[DataRequired(message=_l("Choose the status of the measure."))]
    )
    start_date = DateField(_l("Start date"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    reason_sv = text_area(_l("Reason in Swedish"), description=_l("Required when no measure is taken."))
    reason_rom = text_area(_l("Reason in Romani chib"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = enum_choices(MeasureStatus)
