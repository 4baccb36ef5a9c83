"""Wishes for future consultations: sent by anyone, answered and moderated by the boards.

Nothing here stores an IP address or a user agent. Contact data goes to a
separate ``Contact`` row, only if the person gives it, so it can be purged
while the wish and its answer stay. Services flush but never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.services import record
from app.boards.models import Board
from app.common.errors import DomainError, require_permission
from app.common.pagination import Page, paginate
from app.common.text import enum_value, has_text, require_text, set_texts, text_columns, text_field, texts_of
from app.consultations.models import RomaniVariety
from app.db import add_once, utcnow
from app.i18n import lazy_gettext as _l
from app.mail.services import forget_contacts, queue_email
from app.moderation import services as moderation
from app.moderation.models import HiddenReason
from app.participation.models import INPUT_LANGUAGES, Contact, Provenance
from app.participation.services import put_translation
from app.wishes import policies
from app.wishes.models import Wish, WishAnswerRevision, WishKind, WishStatus, WishTranslation, wish_boards

MAX_TEXT = 5000
MAX_ANSWER = 10000
PUBLIC_PER_PAGE = 30


@dataclass
class WishData:
    """What a person proposes, to whom, and (optionally) how to reach them."""

    kind: WishKind
    text: str
    language: str
    board_ids: list[int] = field(default_factory=list)
    romani_variety: RomaniVariety | None = None
    name: str | None = None
    email: str | None = None
    contact_language: str = "sv"
    wants_answer: bool = False


def _validate(session: Session, data: WishData) -> list[Board]:
    if not isinstance(data.kind, WishKind):
        raise DomainError(_l("Choose what your wish is about."), field="kind")
    if not data.text or not data.text.strip():
        raise DomainError(_l("Write your wish."), field="text")
    if len(data.text) > MAX_TEXT:
        raise DomainError(_l("Your wish is too long. Split it into two, or send it by e-mail."), field="text")
    if data.language not in INPUT_LANGUAGES:
        raise DomainError(_l("Choose a language from the list."), field="language")
    ids = set(data.board_ids or [])
    if not ids:
        raise DomainError(_l("Choose at least one board."), field="board_ids")
    boards = list(session.scalars(sa.select(Board).where(Board.id.in_(ids)).order_by(Board.name_sv)))
    if len(boards) != len(ids):
        raise DomainError(_l("Choose boards from the list."), field="board_ids")
    if data.wants_answer and not data.email:
        raise DomainError(_l("Give an e-mail address if you want to be told when the boards answer."), field="email")
    return boards


def _contact(data: WishData) -> Contact | None:
    if not (data.name or data.email):
        return None
    return Contact(name=data.name, email=data.email, language=data.contact_language)


def get_by_idempotency_key(session: Session, key: str) -> Wish | None:
    return session.scalar(sa.select(Wish).where(Wish.idempotency_key == key))


def submit_wish(session: Session, data: WishData, *, idempotency_key: str) -> tuple[Wish, bool]:
    """Store a wish sent on the public form; return ``(wish, created)``.

    The same ``idempotency_key`` (one per opened form) never creates a second
    wish: a double click, a reload or a resent form returns the first one.
    """
    existing = get_by_idempotency_key(session, idempotency_key)
    if existing is not None:
        return existing, False
    boards = _validate(session, data)
    wish = Wish(
        kind=data.kind,
        text=data.text.strip(),
        language=data.language,
        romani_variety=data.romani_variety if data.language == "rom" else None,
        wants_answer=bool(data.wants_answer and data.email),
        contact=_contact(data),
        idempotency_key=idempotency_key,
        boards=boards,
    )
    return add_once(session, wish, idempotency_key)


def answer_wish(
    session: Session,
    actor: User,
    wish: Wish,
    data: dict[str, Any],
) -> int:
    """Set the status and the public answer (``answer_<lang>``) of a wish from
    ``data``; return how many e-mails were queued.

    Answered and declined need an answer in Swedish (for declined: the reason);
    the Romani answer is optional and falls back to Swedish on public pages.
    When the status changes to planned, answered or declined and the person
    asked to be told, an e-mail is queued in their language. Audited.
    """
    require_permission(policies.can_answer(actor, wish))
    status = enum_value(data, "status", WishStatus, _l("Choose a status from the list."))
    if status is WishStatus.DECLINED:
        require_text(data, "answer", _l("Give the reason for declining, in Swedish."))
    if status is WishStatus.ANSWERED:
        require_text(data, "answer", _l("Write the answer in Swedish."))
    if has_text(Wish, data, "answer"):  # a translation needs the Swedish answer it translates
        require_text(data, "answer", _l("Write the answer in Swedish too."))
    for column in text_columns(Wish, "answer"):
        if len(text_field(data, column) or "") > MAX_ANSWER:
            raise DomainError(_l("The text is too long."), field=column)
    earlier = WishAnswerRevision(status=wish.status, answered_by_id=wish.answered_by_id, answered_dt=wish.answered_dt)
    old = texts_of(wish, "answer")
    for lang, text in old.items():
        setattr(earlier, f"answer_{lang}", text)
    set_texts(wish, data, "answer")
    new = texts_of(wish, "answer")
    changed_status = status is not wish.status
    if wish.answered_dt is not None and (changed_status or new != old):
        # The answer as it stood is kept: staff see what was said before, by whom and when.
        wish.earlier_answers.append(earlier)
    before = {"status": wish.status, **{f"answer_{lang}": text for lang, text in old.items()}}
    wish.status = status
    wish.answered_by_id = actor.id
    wish.answered_dt = utcnow()
    moderation.mark_reviewed(wish, actor)  # answering it, staff read it: the wish is public with its answer
    session.flush()
    record(
        session,
        actor,
        "wish.answer",
        wish,
        before=before,
        after={"status": status, **{f"answer_{lang}": text for lang, text in new.items()}},
    )
    if changed_status and status is not WishStatus.NEW:
        return notify_person(session, wish)
    return 0


def notify_person(session: Session, wish: Wish) -> int:
    """E-mail the person who sent ``wish`` the boards' answer, if they asked to be told.

    The message is rendered in the language they used on the site. Returns 1
    if a message was queued, otherwise 0.
    """
    contact = wish.contact
    if not (wish.wants_answer and contact is not None and contact.email):
        return 0
    from app.common.urls import external_url

    languages = current_app.config["LANGUAGES"]
    lang = contact.language if contact.language in languages else current_app.config["DEFAULT_LANGUAGE"]
    queue_email(
        session,
        to=contact.email.strip(),
        contact_id=contact.id,
        language=lang,
        template="wishes/answered",
        kind="wish.answered",
        wish=wish,
        wishes_url=external_url("wishes.index", lang_code=lang, _anchor=f"wish-{wish.id}"),
    )
    return 1


def hide_wish(session: Session, actor: User, wish: Wish, *, reason: HiddenReason, note: str | None = None) -> None:
    """Hide a wish from public pages. It is never deleted; the action is audited (``app.moderation``)."""
    moderation.hide(session, actor, wish, permitted=policies.can_moderate(actor, wish), reason=reason, note=note)


def unhide_wish(session: Session, actor: User, wish: Wish) -> None:
    """Show a hidden wish again. Audited."""
    moderation.unhide(session, actor, wish, permitted=policies.can_moderate(actor, wish))


def approve_wish(session: Session, actor: User, wish: Wish) -> None:
    """Staff have read the wish: it is public from now on (unless hidden). Audited."""
    moderation.approve(session, actor, wish, permitted=policies.can_moderate(actor, wish))


def mask_wish(session: Session, actor: User, wish: Wish, *, masked_text: str | None) -> None:
    """Publish a wish with personal data masked; the original stays for the archive."""
    moderation.mask(session, actor, wish, permitted=policies.can_moderate(actor, wish), masked_text=masked_text)


def purge_contacts(session: Session, *, now: datetime, retention_days: int) -> int:
    """Delete the contact data of wishes answered or declined more than ``retention_days`` ago.

    The wish and its answer stay, anonymous. Wishes still new or only planned
    keep their contact, so the person can be told when they are answered.
    Idempotent; flushes only. Returns the number of contacts deleted.
    """
    cutoff = now - timedelta(days=retention_days)
    contact_ids = set(
        session.scalars(
            sa.select(Wish.contact_id).where(
                Wish.contact_id.is_not(None),
                Wish.status.in_([WishStatus.ANSWERED, WishStatus.DECLINED]),
                Wish.answered_dt < cutoff,
            )
        )
    )
    if contact_ids:
        # Unlink first (no reliance on ON DELETE SET NULL), then delete.
        session.execute(
            sa.update(Wish).where(Wish.contact_id.in_(contact_ids)).values(contact_id=None, wants_answer=False)
        )
        forget_contacts(session, contact_ids)  # their messages leave the outbox with them
        session.execute(sa.delete(Contact).where(Contact.id.in_(contact_ids)))
        session.flush()
        session.expire_all()
    return len(contact_ids)


# --- Reads ----------------------------------------------------------------------


def list_public(session: Session, page: int = 1, per_page: int = PUBLIC_PER_PAGE) -> Page[Wish]:
    """Wishes staff have read (approved or answered) and not hidden, newest first, with their status and answers."""
    stmt = (
        sa.select(Wish)
        .where(Wish.hidden_dt.is_(None), Wish.reviewed_dt.is_not(None))
        .order_by(Wish.created_dt.desc(), Wish.id.desc())
    )
    return paginate(session, stmt, page, per_page)


def translate_wish(
    session: Session,
    actor: User,
    wish: Wish,
    *,
    language: str,
    body: str,
    provenance: Provenance,
    translator: str | None = None,
) -> WishTranslation:
    """Add (or replace) a translation of a wish for staff, as for views (the original stays)."""
    require_permission(policies.can_answer(actor, wish))
    translation: WishTranslation = put_translation(
        session,
        actor,
        wish,
        wish.translations,
        lambda: WishTranslation(created_by_id=actor.id),
        action="wish.translate",
        language=language,
        body=body,
        provenance=provenance,
        translator=translator,
    )
    return translation


def list_for_staff(
    session: Session, actor: User, status: WishStatus | None = None, board_id: int | None = None
) -> list[Wish]:
    """Wishes addressed to the actor's boards (every wish for site admins), hidden ones too;
    only those addressed to ``board_id`` when given.

    Unanswered wishes first, then newest first.
    """
    stmt = sa.select(Wish)
    if not actor.is_site_admin:
        ids = sorted(actor.board_ids)
        if not ids:
            return []
        stmt = stmt.where(Wish.id.in_(sa.select(wish_boards.c.wish_id).where(wish_boards.c.board_id.in_(ids))))
    if status is not None:
        stmt = stmt.where(Wish.status == status)
    if board_id is not None:
        stmt = stmt.where(Wish.id.in_(sa.select(wish_boards.c.wish_id).where(wish_boards.c.board_id == board_id)))
    stmt = stmt.order_by(sa.case((Wish.status == WishStatus.NEW, 0), else_=1), Wish.created_dt.desc(), Wish.id.desc())
    return list(session.scalars(stmt))
