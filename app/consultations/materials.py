"""A consultation's materials: its agenda items and background documents.

Staff edit them while the consultation is open (not closed or cancelled); like
:mod:`app.consultations.services`, every function takes the session and the
acting user, checks the rules, flushes and never commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.services import record
from app.common.errors import DomainError, require_permission
from app.common.text import set_texts
from app.consultations import policies
from app.consultations.documents import DocumentStore
from app.consultations.models import AgendaItem, Consultation, ConsultationStatus, Document
from app.consultations.services import TransitionError
from app.i18n import lazy_gettext as _l

S = ConsultationStatus


# --- Agenda -----------------------------------------------------------------


def _require_editable(actor: User, consultation: Consultation) -> None:
    require_permission(policies.can_edit(actor, consultation))
    if consultation.status in (S.CLOSED, S.CANCELLED):
        raise TransitionError(_l("A closed or cancelled consultation can no longer be edited."))


def add_agenda_item(session: Session, actor: User, consultation: Consultation, data: dict[str, Any]) -> AgendaItem:
    """Append an item (question) to the agenda."""
    _require_editable(actor, consultation)
    item = AgendaItem(position=max((i.position for i in consultation.agenda_items), default=0) + 1)
    _agenda_fields(item, data)
    consultation.agenda_items.append(item)
    session.flush()
    return item


def update_agenda_item(session: Session, actor: User, item: AgendaItem, data: dict[str, Any]) -> AgendaItem:
    _require_editable(actor, item.consultation)
    _agenda_fields(item, data)
    session.flush()
    return item


def delete_agenda_item(session: Session, actor: User, item: AgendaItem) -> None:
    consultation = item.consultation
    _require_editable(actor, consultation)
    consultation.agenda_items.remove(item)
    _renumber(consultation)
    session.flush()


def move_agenda_item(session: Session, actor: User, item: AgendaItem, direction: int) -> None:
    """Move an item one step up (``-1``) or down (``+1``)."""
    consultation = item.consultation
    _require_editable(actor, consultation)
    items = list(consultation.agenda_items)
    index = items.index(item)
    target = index + (1 if direction > 0 else -1)
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
        for position, each in enumerate(items, start=1):
            each.position = position
        consultation.agenda_items.sort(key=lambda i: i.position)
    session.flush()


def _renumber(consultation: Consultation) -> None:
    for position, each in enumerate(sorted(consultation.agenda_items, key=lambda i: i.position), start=1):
        each.position = position


def _agenda_fields(item: AgendaItem, data: dict[str, Any]) -> None:
    set_texts(item, data, "title", "description", required=_l("Enter the item in Swedish."))


# --- Documents ------------------------------------------------------------------


def add_document(
    session: Session,
    actor: User,
    consultation: Consultation,
    store: DocumentStore,
    *,
    title: str,
    filename: str,
    data: bytes,
    language: str = "sv",
) -> Document:
    """Store an uploaded background document after checking its content."""
    _require_editable(actor, consultation)
    if not title.strip():
        raise DomainError(_l("Give the document a title."), field="title")
    stored_name, kind = store.save(data)
    try:
        document = Document(
            title=title.strip(),
            language=language,
            original_filename=filename[-255:] or f"document.{kind.extension}",
            stored_name=stored_name,
            content_type=kind.content_type,
            extension=kind.extension,
            size_bytes=len(data),
            uploaded_by_id=actor.id,
        )
        consultation.documents.append(document)
        session.flush()
        record(
            session,
            actor,
            "document.add",
            document,
            after={"title": document.title, "consultation_id": consultation.id},
        )
    except BaseException:
        store.delete(stored_name)  # no file without its row (the caller deletes it if COMMIT fails)
        raise
    return document


def delete_document(session: Session, actor: User, document: Document, store: DocumentStore) -> None:
    consultation = document.consultation
    _require_editable(actor, consultation)
    record(
        session,
        actor,
        "document.delete",
        document,
        before={"title": document.title, "consultation_id": consultation.id},
    )
    consultation.documents.remove(document)
    session.flush()
    store.delete(document.stored_name)
