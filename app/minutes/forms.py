from __future__ import annotations

from typing import Any

from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.i18n import UIText
from app.i18n import lazy_gettext as _l
from app.minutes.services import (
    MAX_BODY,
    MAX_COMMENT,
    MAX_NOTE,
    MAX_PROPOSAL,
    MAX_REASON,
    EvaluationData,
)
from app.web.forms import AnonymousForm, BaseForm, VersionedForm, choices, empty_to_none, strip


class MinutesForm(VersionedForm):
    body_sv = TextAreaField(
        _l("Minutes in Swedish"),
        validators=[Optional(), Length(max=MAX_BODY)],
        filters=[strip],
        description=_l("Markdown: a blank line between paragraphs, # for headings, - for lists."),
    )
    body_rom = TextAreaField(
        _l("Minutes in Romani chib"), validators=[Optional(), Length(max=MAX_BODY)], filters=[strip]
    )
    note = TextAreaField(
        _l("What was changed"),
        validators=[Optional(), Length(max=MAX_NOTE)],
        filters=[empty_to_none],
        description=_l("Shown in the revision history. Needed when publishing a new revision."),
    )


class CorrectionForm(BaseForm):
    text = TextAreaField(
        _l("What should be corrected?"),
        validators=[DataRequired(message=_l("Write what should be corrected.")), Length(max=MAX_PROPOSAL)],
        filters=[strip],
        description=_l("Quote the part that is wrong and write what it should say."),
    )


class DecisionForm(BaseForm):
    decision = RadioField(_l("Decision"), validators=[DataRequired(message=_l("Choose accept or decline."))])
    reason = TextAreaField(
        _l("Reason"),
        validators=[Optional(), Length(max=MAX_REASON)],
        filters=[empty_to_none],
        description=_l("Required when declining. The proposer gets it by e-mail."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.decision.choices = choices([("accept", _l("Accept")), ("decline", _l("Decline"))])


def _scale(label: UIText, low: UIText, high: UIText) -> RadioField:
    return RadioField(
        label,
        coerce=int,
        validators=[DataRequired(message=_l("Choose an answer from 1 to 5."))],
        description=_l("1 means %(low)s, 5 means %(high)s.", low=low, high=high),
    )


class EvaluationForm(AnonymousForm):
    well_run = _scale(_l("Was the meeting well run?"), _l("not at all"), _l("very well"))
    could_speak = _scale(_l("Could you say what you wanted to say?"), _l("not at all"), _l("completely"))
    language_support = _scale(
        _l("Was the language support (interpretation, Romani texts) enough?"), _l("not at all"), _l("completely")
    )
    comment = TextAreaField(
        _l("Anything else? (optional)"),
        validators=[Optional(), Length(max=MAX_COMMENT)],
        filters=[empty_to_none],
        description=_l("Only the board reads this. Do not write your name."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scale = choices([(str(n), str(n)) for n in range(1, 6)])
        for name in ("well_run", "could_speak", "language_support"):
            getattr(self, name).choices = scale

    def to_data(self) -> EvaluationData:
        return EvaluationData(
            well_run=self.well_run.data,
            could_speak=self.could_speak.data,
            language_support=self.language_support.data,
            comment=self.comment.data,
        )
