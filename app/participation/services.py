"""Views (synpunkter): written by participants, recorded by staff, translated, moderated.

Nothing here stores an IP address or a user agent. Contact data goes to a
separate ``Contact`` row that can be withdrawn or purged while the view stays.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.services import record
from app.common.errors import DomainError, require_permission
from app.consultations import policies
from app.consultations.models import Consultation, ConsultationStatus, RomaniVariety
from app.db import add_once, utcnow
from app.i18n import languages
from app.i18n import lazy_gettext as _l
from app.moderation import services as moderation
from app.participation import speaker
from app.participation.models import (
    INPUT_LANGUAGES,
    MAX_BODY,
    Channel,
    Contact,
    HiddenReason,
    Provenance,
    Viewpoint,
    ViewpointTranslation,
)

#: Unambiguous characters for reference codes (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class InputWindowClosed(DomainError):
    """Written views are not accepted now."""


def new_reference_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalise_reference_code(text: str) -> str:
    """'abcd efgh', 'ABCDEFGH' and 'abcd-efgh' all mean 'ABCD-EFGH'."""
    raw = "".join(ch for ch in (text or "").upper() if ch.isalnum())[:8]
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else raw


def input_window_open(consultation: Consultation, now: datetime | None = None) -> bool:
    """Are written views accepted now?

    Only for published or held consultations, and within the input window if
    one is set (from its opening, until its closing).
    """
    now = now or utcnow()
    if consultation.status not in (ConsultationStatus.PUBLISHED, ConsultationStatus.HELD):
        return False
    if consultation.input_opens_dt and now < consultation.input_opens_dt:
        return False
    if consultation.input_closes_dt and now > consultation.input_closes_dt:
        return False
    return True


@dataclass
class ViewpointData:
    """What a participant (or staff on their behalf) says, and about whom."""

    body: str
    language: str
    romani_variety: RomaniVariety | None = None
    other_language: str | None = None
    agenda_item_id: int | None = None
    name: str | None = None
    organisation: str | None = None
    email: str | None = None
    contact_language: str = "sv"
    show_name: bool = False
    publish_consent: bool = False
    wants_feedback: bool = False


def validate_viewpoint(consultation: Consultation, data: ViewpointData, *, body_required: bool = True) -> None:
    """Raise :class:`DomainError` next to the field that is wrong. A recorded view
    (``participation.audio``) may come without typed text."""
    if body_required and (not data.body or not data.body.strip()):
        raise DomainError(_l("Write your view."), field="body")
    if len(data.body) > MAX_BODY:
        raise DomainError(_l("Your view is too long. Split it into two, or send it by e-mail."), field="body")
    if data.language not in INPUT_LANGUAGES:
        raise DomainError(_l("Choose a language from the list."), field="language")
    if data.language == "other" and not (data.other_language or "").strip():
        raise DomainError(_l("Say which language the view is written in."), field="other_language")
    if data.agenda_item_id is not None and data.agenda_item_id not in {i.id for i in consultation.agenda_items}:
        raise DomainError(_l("Choose a question from the list."), field="agenda_item_id")
    if data.wants_feedback and not data.email:
        raise DomainError(_l("Give an e-mail address if you want to be told about the feedback."), field="email")


def _contact(data: ViewpointData) -> Contact | None:
    if not (data.name or data.email or data.organisation):
        return None
    return Contact(name=data.name, email=data.email, organisation=data.organisation, language=data.contact_language)


def new_viewpoint(consultation: Consultation, data: ViewpointData, **extra: Any) -> Viewpoint:
    return Viewpoint(
        consultation=consultation,
        consultation_id=consultation.id,
        agenda_item_id=data.agenda_item_id,
        reference_code=new_reference_code(),
        body=data.body.strip(),
        language=data.language,
        romani_variety=data.romani_variety if data.language == "rom" else None,
        other_language=((data.other_language or "").strip() or None) if data.language == "other" else None,
        on_behalf_of=data.organisation,
        show_name=bool(data.show_name and data.name),
        publish_consent=data.publish_consent,
        wants_feedback=data.wants_feedback,
        contact=_contact(data),
        **extra,
    )


def get_by_idempotency_key(session: Session, key: str) -> Viewpoint | None:
    return session.scalar(sa.select(Viewpoint).where(Viewpoint.idempotency_key == key))


def get_by_reference_code(session: Session, code: str) -> Viewpoint | None:
    return session.scalar(sa.select(Viewpoint).where(Viewpoint.reference_code == normalise_reference_code(code)))


def submit_viewpoint(
    session: Session,
    consultation: Consultation,
    data: ViewpointData,
    *,
    idempotency_key: str,
    now: datetime | None = None,
) -> tuple[Viewpoint, bool]:
    """Store a participant's written view; return ``(view, created)``.

    The same ``idempotency_key`` (one per opened form) never creates a second
    view: a double click, a reload or a resent form returns the first one.
    Raises :class:`InputWindowClosed` outside the input window.
    """
    existing = get_by_idempotency_key(session, idempotency_key)
    if existing is not None:
        return existing, False
    if not input_window_open(consultation, now):
        raise InputWindowClosed(_l("Written views are not accepted for this consultation now."))
    validate_viewpoint(consultation, data)
    viewpoint = new_viewpoint(consultation, data, channel=Channel.WEB, idempotency_key=idempotency_key)
    return add_once(session, viewpoint, idempotency_key)


def record_spoken_viewpoint(
    session: Session, actor: User, consultation: Consultation, data: ViewpointData, *, channel: Channel
) -> Viewpoint:
    """Record a view said at the meeting, by phone, letter, e-mail or at a visit.

    It is the same record as a written view, with the channel and the staff
    member who entered it; the speaker's consent decides publication. A speaker
    who left an e-mail address is sent the text to confirm or correct, and it
    is not public until they do or the time to answer runs out (:mod:`.speaker`).
    """
    require_permission(policies.can_edit(actor, consultation))
    if channel is Channel.WEB:
        raise DomainError(_l("Choose how the view was given."), field="channel")
    if consultation.status not in (ConsultationStatus.PUBLISHED, ConsultationStatus.HELD):
        raise DomainError(_l("Views can be recorded for published or held consultations."))
    validate_viewpoint(consultation, data)
    viewpoint = new_viewpoint(consultation, data, channel=channel, entered_by_id=actor.id)
    session.add(viewpoint)
    session.flush()
    record(session, actor, "viewpoint.record", viewpoint, after={"channel": channel, "language": data.language})
    speaker.ask_speaker(session, viewpoint)
    return viewpoint


def put_translation(
    session: Session,
    actor: User,
    original: Any,
    translations: list[Any],
    make: Callable[[], Any],
    *,
    action: str,
    language: str,
    body: str,
    provenance: Provenance,
    translator: str | None,
) -> Any:
    """Add (or replace) the translation of ``original`` (a view, a wish) into ``language``
    and record ``action`` in the audit log (with the text before, when one was replaced).

    ``translations`` is the original's list of :class:`~app.participation.models.TranslatedCopy`
    rows and ``make`` builds a new one. Checks the language (one of the site's) and, for a
    human translation, who made it; the original always stays. The caller checks permission.
    """
    if language not in languages():
        raise DomainError(_l("Choose a language from the list."), field="language")
    if language == original.language:
        raise DomainError(_l("The translation must be into another language than the original."), field="language")
    if not body or not body.strip():
        raise DomainError(_l("Write the translation."), field="body")
    if provenance is Provenance.HUMAN and not (translator or "").strip():
        raise DomainError(_l("Say who translated the text."), field="translator")
    translation = next((t for t in translations if t.language == language), None)
    before = {"body": translation.body} if translation else None
    if translation is None:
        translation = make()
        translation.language = language
        translations.append(translation)
    translation.body = body.strip()
    translation.provenance = provenance
    translation.translator = (translator or "").strip() or None
    # An original masked before it was translated: the translator worked from the masked text.
    moderation.mask_new_copy(original, translation)
    session.flush()
    record(
        session,
        actor,
        action,
        original,
        before=before,
        after={"language": language, "provenance": provenance, "body": translation.body},
    )
    return translation


def add_translation(
    session: Session,
    actor: User,
    viewpoint: Viewpoint,
    *,
    language: str,
    body: str,
    provenance: Provenance,
    translator: str | None = None,
) -> ViewpointTranslation:
    """Add (or replace) a translation of a view. The original always stays."""
    require_permission(policies.can_edit(actor, viewpoint.consultation))
    translation: ViewpointTranslation = put_translation(
        session,
        actor,
        viewpoint,
        viewpoint.translations,
        lambda: ViewpointTranslation(created_by_id=actor.id),
        action="viewpoint.translate",
        language=language,
        body=body,
        provenance=provenance,
        translator=translator,
    )
    return translation


def hide_viewpoint(
    session: Session, actor: User, viewpoint: Viewpoint, *, reason: HiddenReason, note: str | None = None
) -> None:
    """Hide a view from public pages. It is never deleted; the action is audited (``app.moderation``)."""
    moderation.hide(
        session, actor, viewpoint, permitted=policies.can_edit(actor, viewpoint.consultation), reason=reason, note=note
    )


def mask_viewpoint(
    session: Session,
    actor: User,
    viewpoint: Viewpoint,
    *,
    masked_body: str | None,
    translations: dict[int, str | None] | None = None,
) -> None:
    """Publish a version of the text with personal data masked (e.g. "[name]"), and of each translation.

    The original stays in the record for the archive; an empty text removes the
    mask. While a view is masked, a translation is public only as masked here
    (``translations`` by translation id), see :func:`app.moderation.services.mask`.
    """
    moderation.mask(
        session,
        actor,
        viewpoint,
        permitted=policies.can_edit(actor, viewpoint.consultation),
        masked_text=masked_body,
        copies=translations,
    )


def unhide_viewpoint(session: Session, actor: User, viewpoint: Viewpoint) -> None:
    moderation.unhide(session, actor, viewpoint, permitted=policies.can_edit(actor, viewpoint.consultation))


# --- Reads ----------------------------------------------------------------------


@dataclass
class ViewCounts:
    total: int
    hidden: int
    by_language: dict[str, int]


def count_viewpoints(session: Session, consultation_id: int) -> ViewCounts:
    """How many views a consultation received, by language, and how many are hidden."""
    rows = session.execute(
        sa.select(Viewpoint.language, (Viewpoint.hidden_dt.is_not(None)).label("hidden"), sa.func.count())
        .where(Viewpoint.consultation_id == consultation_id)
        .group_by(Viewpoint.language, "hidden")
    ).all()
    by_language: dict[str, int] = {}
    hidden = 0
    for language, is_hidden, count in rows:
        by_language[language] = by_language.get(language, 0) + count
        if is_hidden:
            hidden += count
    return ViewCounts(total=sum(by_language.values()), hidden=hidden, by_language=by_language)
