from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.consultations.models import Consultation, RomaniVariety
from app.i18n import lazy_gettext as _l
from app.registrations.services import MAX_NEEDS, RegistrationData
from app.web.forms import AnonymousForm, BaseForm, choices, empty_to_none, enum_choices, strip


class RegistrationForm(AnonymousForm):
    """Only a name (or pseudonym) and the consent are required."""

    name = StringField(
        _l("Your name or a pseudonym"),
        validators=[DataRequired(message=_l("Write your name or a pseudonym.")), Length(max=200)],
        filters=[strip],
        description=_l("A pseudonym is fine. We use it to greet you and to keep track of places."),
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[Optional(), Length(max=254)],
        filters=[empty_to_none],
        description=_l("Optional. We send a confirmation, a reminder and any change to the meeting."),
    )
    phone = StringField(
        _l("Phone number"),
        validators=[Optional(), Length(max=40)],
        filters=[empty_to_none],
        description=_l("Optional. If you would rather be called than e-mailed."),
    )
    organisation = StringField(
        _l("Organisation"),
        validators=[Optional(), Length(max=200)],
        filters=[empty_to_none],
        description=_l("Optional, e.g. an association you represent."),
    )
    language = RadioField(
        _l("Which language do you prefer?"),
        validators=[DataRequired()],
        description=_l("We write to you in this language."),
    )
    romani_variety = SelectField(
        _l("Which Romani variety do you speak?"),
        validators=[Optional()],
        description=_l("If you chose Romani chib. Optional."),
    )
    needs_interpreter = BooleanField(_l("I need an interpreter at the meeting"))
    interpreter_variety = SelectField(
        _l("Interpreter into which variety?"), validators=[Optional()], description=_l("If you need an interpreter.")
    )
    needs = TextAreaField(
        _l("Accessibility or other needs"),
        validators=[Optional(), Length(max=MAX_NEEDS)],
        filters=[empty_to_none],
        description=_l("Optional. E.g. step-free access, hearing loop, food, a quiet room, childcare."),
    )
    wants_feedback = BooleanField(_l("Tell me when the board publishes what the views led to"))
    consent = BooleanField(
        _l("I agree that my registration is stored"),
        validators=[DataRequired(message=_l("You need to agree so that we can keep your registration."))],
        description=_l(
            "We store what you write here to plan the meeting (places, interpreters, needs) and to contact you "
            "about it. Only the staff who arrange the consultation can see it. Your name and contact details are "
            "deleted after the board has given its feedback."
        ),
    )

    def __init__(self, *args: Any, consultation: Consultation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = choices([("sv", _l("Swedish")), ("rom", _l("Romani chib"))])
        self.romani_variety.choices = enum_choices(RomaniVariety, blank=_l("Not stated"))
        offered = consultation.interpreter_varieties
        rest = [v for v in RomaniVariety if v not in offered]
        self.interpreter_variety.choices = enum_choices([*offered, *rest], blank=_l("Not stated"))

    def to_data(self) -> RegistrationData:
        variety = self.romani_variety.data or None
        interpreter = self.interpreter_variety.data or None
        return RegistrationData(
            name=self.name.data or "",
            consent=bool(self.consent.data),
            email=self.email.data,
            phone=self.phone.data,
            organisation=self.organisation.data,
            language=self.language.data or "",
            romani_variety=RomaniVariety(variety) if variety else None,
            needs_interpreter=bool(self.needs_interpreter.data),
            interpreter_variety=RomaniVariety(interpreter) if interpreter else None,
            needs=self.needs.data,
            wants_feedback=bool(self.wants_feedback.data),
        )


class CancelRegistrationForm(BaseForm):
    """Only the CSRF token."""


class AttendanceForm(BaseForm):
    attended = SelectMultipleField(_l("Came to the meeting"), coerce=int, validate_choice=True)
