from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from app.boards.models import Board
from app.consultations.models import RomaniVariety
from app.i18n import lazy_gettext as _l
from app.i18n import localized_text
from app.web.forms import (
    AnonymousForm,
    BaseForm,
    CheckboxListField,
    EmailAddress,
    choices,
    empty_to_none,
    enum_choices,
    strip,
)
from app.wishes.models import WishKind, WishStatus
from app.wishes.services import MAX_ANSWER, MAX_TEXT, WishData


class WishForm(AnonymousForm):
    """A wish for future consultations. The text and at least one board are required."""

    kind = RadioField(
        _l("What is your wish about?"),
        default=WishKind.TOPIC.value,
        validators=[DataRequired(message=_l("Choose what your wish is about."))],
    )
    text = TextAreaField(
        _l("Your wish"),
        validators=[DataRequired(message=_l("Write your wish.")), Length(max=MAX_TEXT)],
        description=_l(
            "For example a question you want a consultation about, a good time or place, "
            "or how you would like to meet. Write in Romani chib, Swedish or another language."
        ),
    )
    board_ids = CheckboxListField(
        # "At least one" is checked by the service: a ``required`` flag would
        # mark every single checkbox as required.
        _l("Which boards is the wish for?"),
        coerce=int,
        validate_choice=True,
        description=_l("Choose one or more. If you are not sure, choose the City executive board."),
    )
    language = RadioField(_l("Language of your wish"), default="sv", validators=[DataRequired()])
    romani_variety = SelectField(
        _l("Which Romani variety?"), validators=[Optional()], description=_l("If you wrote in Romani chib. Optional.")
    )
    name = StringField(
        _l("Your name or a pseudonym"),
        validators=[Optional(), Length(max=200)],
        filters=[empty_to_none],
        description=_l("Optional. It is never shown on the website."),
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[Optional(), EmailAddress(), Length(max=254)],
        filters=[empty_to_none],
        description=_l("Optional. Only used to tell you the answer."),
    )
    wants_answer = BooleanField(_l("Tell me by e-mail when the boards answer"))

    def __init__(self, *args: Any, boards: list[Board], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = enum_choices(WishKind)
        self.board_ids.choices = choices((b.id, localized_text(b, "name")) for b in boards)
        self.language.choices = choices(
            [("rom", _l("Romani chib")), ("sv", _l("Swedish")), ("other", _l("Another language"))]
        )
        self.romani_variety.choices = enum_choices(RomaniVariety, blank=_l("Not stated"))

    def to_data(self, contact_language: str) -> WishData:
        variety = self.romani_variety.data or None
        return WishData(
            kind=WishKind(self.kind.data),
            text=self.text.data or "",
            language=self.language.data or "",
            board_ids=list(self.board_ids.data or []),
            romani_variety=RomaniVariety(variety) if variety else None,
            name=self.name.data,
            email=self.email.data,
            contact_language=contact_language,
            wants_answer=bool(self.wants_answer.data),
        )


class AnswerForm(BaseForm):
    status = RadioField(_l("Status"), validators=[DataRequired()])
    answer_sv = TextAreaField(
        _l("Answer in Swedish"),
        validators=[Optional(), Length(max=MAX_ANSWER)],
        filters=[strip],
        description=_l(
            "Public. Required when the wish is answered or declined; when declined, give the reason. Markdown may be used."
        ),
    )
    answer_rom = TextAreaField(
        _l("Answer in Romani chib"),
        validators=[Optional(), Length(max=MAX_ANSWER)],
        filters=[strip],
        description=_l("Optional. Without it the Swedish answer is shown, marked as Swedish."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = enum_choices(WishStatus)
