"""Hide, show again and mask participant text (views, survey answers, wishes).

The domain services check who may moderate (each domain has its own policy)
and call these with ``permitted``; everything else — what is stored, what
reaches the copies, what is audited — happens here, once. Flushes, never commits.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.audit.services import record
from app.common.errors import DomainError, require_permission
from app.db import utcnow
from app.i18n import lazy_gettext as _l
from app.moderation.models import HiddenReason, Moderated, Reviewed

#: Longest masked text (the longest text any moderated model accepts).
MAX_TEXT = 10000


def hide(
    session: Session, actor: Any, item: Moderated, *, permitted: bool, reason: HiddenReason, note: str | None = None
) -> None:
    """Hide ``item`` from every public page, export and the API. Never deleted; audited."""
    require_permission(permitted)
    if not isinstance(reason, HiddenReason):
        raise DomainError(_l("Choose a reason from the list."), field="reason")
    item.hidden_dt = utcnow()
    item.hidden_reason = reason
    item.hidden_note = (note or "").strip() or None
    item.hidden_by_id = actor.id
    session.flush()
    record(session, actor, f"{item.audit_name}.hide", item, after={"reason": reason, "note": item.hidden_note})


def unhide(session: Session, actor: Any, item: Moderated, *, permitted: bool) -> None:
    """Show a hidden item again. Audited."""
    require_permission(permitted)
    before = {"reason": item.hidden_reason}
    item.hidden_dt = item.hidden_reason = item.hidden_note = item.hidden_by_id = None
    session.flush()
    record(session, actor, f"{item.audit_name}.unhide", item, before=before)


def approve(session: Session, actor: Any, item: Reviewed, *, permitted: bool) -> None:
    """Staff have read ``item`` (a wish, a free-text answer): it may be public now, unless hidden. Audited."""
    require_permission(permitted)
    if item.reviewed_dt is None:
        item.reviewed_dt = utcnow()
        item.reviewed_by_id = actor.id
        session.flush()
        record(session, actor, f"{getattr(item, 'audit_name', type(item).__name__.lower())}.approve", item)


def mark_reviewed(item: Reviewed, actor: Any) -> None:
    """Staff acted on ``item`` having read it (answered a wish): it counts as reviewed. Flushes nothing."""
    if item.reviewed_dt is None:
        item.reviewed_dt = utcnow()
        item.reviewed_by_id = actor.id


def mask(
    session: Session,
    actor: Any,
    item: Moderated,
    *,
    permitted: bool,
    masked_text: str | None,
    copies: dict[int, str | None] | None = None,
) -> None:
    """Publish ``item`` with personal data masked (e.g. "[name]"); the original stays for the archive.

    An empty text, or the original unchanged, removes the mask. ``copies`` gives
    the masked text of each copy (translation) by its id: while the original is
    masked, a copy without one is not shown at all (see
    :func:`app.moderation.models.copy_public_text`), so masking can never leave
    the name in a translation. Removing the mask removes the copies' masks too.
    """
    require_permission(permitted)
    masked = (masked_text or "").strip() or None
    if masked is not None and masked == item.original_text.strip():
        masked = None
    if masked is not None and len(masked) > MAX_TEXT:
        raise DomainError(_l("The text is too long."), field="masked_body")
    copies = copies or {}
    before: dict[str, Any] = {"masked": item.masked}
    after: dict[str, Any] = {"masked": masked}
    setattr(item, item.masked_text_attr, masked)
    for copy in item.text_copies():
        text = (copies.get(copy.id) or "").strip() or None if masked is not None else None
        if text is not None and len(text) > MAX_TEXT:
            raise DomainError(_l("The text is too long."), field=f"copy_{copy.id}")
        before[f"masked_{copy.language}"] = copy.masked_body
        copy.masked_body = text
        after[f"masked_{copy.language}"] = text
    session.flush()
    record(session, actor, f"{item.audit_name}.mask", item, before=before, after=after)


def mask_new_copy(item: Moderated, copy: Any) -> None:
    """A copy (translation) added while ``item`` is masked was made from the masked text: it is public as it is."""
    copy.masked_body = copy.body if item.masked is not None else None
