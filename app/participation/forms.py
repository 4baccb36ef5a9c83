from __future__ import annotations

from typing import Any

from flask import current_app
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.consultations.models import Consultation, RomaniVariety
from app.i18n import lazy_gettext as _l
from app.i18n import localized_text
from app.participation.models import Channel, Provenance
from app.participation.services import MAX_BODY, ViewpointData
from app.web.forms import (
    AnonymousForm,
    BaseForm,
    EmailAddress,
    choices,
    empty_to_none,
    enum_choices,
    optional_int,
    strip,
)


class ViewpointForm(AnonymousForm):
    """A participant's written view. Only the text itself is required."""

    agenda_item_id = SelectField(_l("Which question is it about?"), coerce=optional_int, validate_choice=True)
    body = TextAreaField(
        _l("Your view"),
        validators=[DataRequired(message=_l("Write your view.")), Length(max=MAX_BODY)],
        description=_l("Write in Romani chib, Swedish or another language."),
    )
    language = RadioField(_l("Language of your view"), default="sv", validators=[DataRequired()])
    romani_variety = SelectField(
        _l("Which Romani variety?"), validators=[Optional()], description=_l("If you wrote in Romani chib. Optional.")
    )
    other_language = StringField(
        _l("Which other language?"), validators=[Optional(), Length(max=60)], filters=[empty_to_none]
    )
    name = StringField(
        _l("Your name or a pseudonym"),
        validators=[Optional(), Length(max=200)],
        filters=[empty_to_none],
        description=_l("Optional. Leave empty to be anonymous."),
    )
    show_name = BooleanField(_l("Show my name with my view when it is published"))
    organisation = StringField(
        _l("On behalf of an organisation"),
        validators=[Optional(), Length(max=200)],
        filters=[empty_to_none],
        description=_l("Optional, e.g. an association."),
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[Optional(), EmailAddress(), Length(max=254)],
        filters=[empty_to_none],
        description=_l("Optional. Only used to tell you what your view led to."),
    )
    wants_feedback = BooleanField(_l("Tell me by e-mail when the board publishes its feedback"))
    publish_consent = BooleanField(
        _l("My view may be published word for word on this website"),
        description=_l(
            "Without your name unless you ask for it. If you say no, the board still reads and uses your view."
        ),
    )

    def __init__(self, *args: Any, consultation: Consultation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.agenda_item_id.choices = choices(
            [("", _l("The consultation in general"))]
            + [(str(i.id), localized_text(i, "title")) for i in consultation.agenda_items]
        )
        self.language.choices = choices(
            [("rom", _l("Romani chib")), ("sv", _l("Swedish")), ("other", _l("Another language"))]
        )
        self.romani_variety.choices = enum_choices(RomaniVariety, blank=_l("Not stated"))

    def to_data(self, contact_language: str) -> ViewpointData:
        variety = (self.romani_variety.data or "").strip() or None  # Optional() lets whitespace through
        return ViewpointData(
            body=self.body.data or "",
            language=self.language.data or "",
            romani_variety=RomaniVariety(variety) if variety else None,
            other_language=self.other_language.data,
            agenda_item_id=self.agenda_item_id.data,
            name=self.name.data,
            organisation=self.organisation.data,
            email=self.email.data,
            contact_language=contact_language,
            show_name=bool(self.show_name.data),
            publish_consent=bool(self.publish_consent.data),
            wants_feedback=bool(self.wants_feedback.data),
        )


class PublicViewpointForm(ViewpointForm):
    """The public form: a written view, a recorded one, or both (``participation.audio``)."""

    body = TextAreaField(
        _l("Your view"),
        validators=[Optional(), Length(max=MAX_BODY)],
        description=_l("Write in Romani chib, Swedish or another language. You can also record your view below."),
    )
    recording_consent = BooleanField(
        _l("I agree that staff of the board listen to my recording and write down what I said"),
        description=_l("Needed only if you send a recording."),
    )
    recording = FileField(
        _l("Your recording"),
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[Optional(), EmailAddress(), Length(max=254)],
        filters=[empty_to_none],
        description=_l(
            "Optional. Only used to tell you what your view led to and, if you send a recording, "
            "to let you check what we wrote down."
        ),
    )
    #: A signed reference to a recording sent with this form before, kept while the form was shown again.
    held_recording = HiddenField()

    def has_recording(self) -> bool:
        return isinstance(self.recording.data, FileStorage) and bool(self.recording.data.filename)


class SpokenViewpointForm(ViewpointForm):
    """Staff recording what someone said; the speaker's consent is asked aloud."""

    channel = RadioField(_l("How was the view given?"), validators=[DataRequired()])
    # Staff fill this in: every label speaks of the speaker, not to "you".
    language = RadioField(_l("Language spoken"), default="sv", validators=[DataRequired()])
    romani_variety = SelectField(
        _l("Which Romani variety?"),
        validators=[Optional()],
        description=_l("If the speaker spoke Romani chib. Optional."),
    )
    name = StringField(
        _l("Speaker's name or pseudonym"),
        validators=[Optional(), Length(max=200)],
        filters=[empty_to_none],
        description=_l("Optional. Leave empty if the speaker wants to be anonymous."),
    )
    show_name = BooleanField(_l("The speaker wants the name shown with the view when it is published"))
    organisation = StringField(
        _l("The speaker speaks on behalf of an organisation"),
        validators=[Optional(), Length(max=200)],
        filters=[empty_to_none],
        description=_l("Optional, e.g. an association."),
    )
    email = EmailField(
        _l("The speaker's e-mail address"),
        validators=[Optional(), EmailAddress(), Length(max=254)],
        filters=[empty_to_none],
        description=_l("Optional. Only used to tell the speaker what the view led to."),
    )
    wants_feedback = BooleanField(_l("The speaker wants to be told by e-mail when the board publishes its feedback"))
    publish_consent = BooleanField(_l("The speaker agrees that the view may be published word for word"))
    email = EmailField(
        _l("Speaker's e-mail address"),
        validators=[Optional(), EmailAddress(), Length(max=254)],
        filters=[empty_to_none],
    )

    def __init__(self, *args: Any, consultation: Consultation, **kwargs: Any) -> None:
        super().__init__(*args, consultation=consultation, **kwargs)
        self.channel.choices = enum_choices(c for c in Channel if c is not Channel.WEB)
        self.body.label.text = _l("What was said")
        self.email.description = _l(
            "Optional. The speaker gets what you wrote down, to confirm or correct it within %(days)s days; "
            "until then the view is not published.",
            days=current_app.config.get("SPEAKER_CONFIRM_DAYS", 14),
        )


class SpeakerAnswerForm(BaseForm):
    """The speaker, by the private link: confirm the text, or send it corrected."""

    body = TextAreaField(
        _l("What you said"),
        validators=[Length(max=MAX_BODY)],
        filters=[strip],
        description=_l("Change what is not right, then send the correction."),
    )
    confirm = SubmitField(_l("Yes, this is what I said"))
    correct = SubmitField(_l("Send my correction"))


class TranslationForm(BaseForm):
    language = RadioField(_l("Translated into"), validators=[DataRequired()])
    body = TextAreaField(
        _l("Translation"),
        validators=[DataRequired(message=_l("Write the translation.")), Length(max=MAX_BODY)],
        filters=[strip],
    )
    provenance = RadioField(_l("Who translated it?"), validators=[DataRequired()], default=Provenance.HUMAN.value)
    translator = StringField(
        _l("Translator's name"),
        validators=[Optional(), Length(max=200)],
        filters=[empty_to_none],
        description=_l("For a human translation: who translated, e.g. the bridge builder's name."),
    )

    def __init__(self, *args: Any, source_language: str | None = None, **kwargs: Any) -> None:
        """``source_language``: the original's; a new form offers the other language as the target."""
        super().__init__(*args, **kwargs)
        self.language.choices = choices([("sv", _l("Swedish")), ("rom", _l("Romani chib"))])
        self.provenance.choices = enum_choices(Provenance)
        if source_language is not None and not self.is_submitted():
            self.language.data = "sv" if source_language != "sv" else "rom"


class BulkThemeForm(BaseForm):
    """Put many views in a theme at once, take them out, or move them (the staff views list).

    The views are the ticked ones, all on the page, or all that match the
    filter (the filter travels in hidden fields); works without JavaScript.
    """

    action = RadioField(
        _l("What to do"), default="assign", validators=[DataRequired(message=_l("Choose what to do with the views."))]
    )
    to_theme = SelectField(_l("Theme"), validators=[DataRequired(message=_l("Choose a theme from the list."))])
    new_title = StringField(_l("Title of the new theme, in Swedish"), validators=[Length(max=300)], filters=[strip])
    scope = RadioField(
        _l("Which views"), default="ticked", validators=[DataRequired(message=_l("Choose which views."))]
    )
    #: ``id:version`` of every theme as the page showed them (optimistic locking).
    versions = HiddenField()
    #: How many views matched the filter when the page was shown.
    expected_total = HiddenField()

    def __init__(
        self,
        *args: Any,
        themes: list[tuple[int, str]],
        total: int,
        page_count: int,
        source: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        actions = [("assign", _l("Add to the theme")), ("unassign", _l("Remove from the theme"))]
        if source:
            actions.append(("move", _l("Move from “%(theme)s” to the theme", theme=source)))
        self.action.choices = choices(actions)
        self.to_theme.choices = choices(
            [
                ("", _l("Choose a theme")),
                *((str(i), t) for i, t in themes),
                ("new", _l("A new theme (give its title below)")),
            ]
        )
        self.scope.choices = choices(
            [
                ("ticked", _l("The views I ticked")),
                ("page", _l("Every view on this page (%(num)d)", num=page_count)),
                ("all", _l("Every view that matches the filter, on every page (%(num)d)", num=total)),
            ]
        )

    def validate_new_title(self, field: Any) -> None:
        if self.to_theme.data == "new" and not field.data:
            raise ValidationError(_l("Give the new theme a title in Swedish."))

    def seen_versions(self) -> dict[int, int]:
        return parse_versions(self.versions.data)


class ReadingForm(BaseForm):
    """The reading mode's form: a button per theme (one tap), "remove" buttons, and a new theme on the fly."""

    new_title = StringField(_l("New theme, in Swedish"), validators=[Optional(), Length(max=300)], filters=[strip])
    versions = HiddenField()

    def seen_versions(self) -> dict[int, int]:
        return parse_versions(self.versions.data)


def parse_versions(text: str | None) -> dict[int, int]:
    """``"3:2,5:1"`` → ``{3: 2, 5: 1}`` (theme id: version, as the page showed them)."""
    out = {}
    for pair in (text or "").split(","):
        theme_id, _sep, version = pair.partition(":")
        if theme_id.isdigit() and version.isdigit():
            out[int(theme_id)] = int(version)
    return out
