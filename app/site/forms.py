from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.i18n import lazy_gettext as _l
from app.web.forms import BaseForm, empty_to_none, strip


class AccessibilityForm(BaseForm):
    a11y_compliance_sv = TextAreaField(
        _l("Compliance, in Swedish"), validators=[DataRequired(), Length(max=5000)], filters=[strip]
    )
    a11y_compliance_rom = TextAreaField(
        _l("Compliance, in Romani chib"), validators=[Optional(), Length(max=5000)], filters=[empty_to_none]
    )
    a11y_gaps_sv = TextAreaField(
        _l("Known gaps and why, in Swedish"), validators=[DataRequired(), Length(max=5000)], filters=[strip]
    )
    a11y_gaps_rom = TextAreaField(
        _l("Known gaps and why, in Romani chib"), validators=[Optional(), Length(max=5000)], filters=[empty_to_none]
    )
    a11y_assessment_sv = TextAreaField(
        _l("How and when the service was assessed, in Swedish"),
        validators=[DataRequired(), Length(max=5000)],
        filters=[strip],
    )
    a11y_assessment_rom = TextAreaField(
        _l("How and when the service was assessed, in Romani chib"),
        validators=[Optional(), Length(max=5000)],
        filters=[empty_to_none],
    )
    a11y_contact_sv = TextAreaField(
        _l("How to report a problem, in Swedish"), validators=[DataRequired(), Length(max=5000)], filters=[strip]
    )
    a11y_contact_rom = TextAreaField(
        _l("How to report a problem, in Romani chib"),
        validators=[Optional(), Length(max=5000)],
        filters=[empty_to_none],
    )
