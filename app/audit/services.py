"""Recording audit events (called by domain services, inside their transaction)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent
from app.db import utcnow


def _jsonable(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: _jsonable(getattr(obj, name)) for name in sorted(fields)}


def record(
    session: Session,
    actor: Any,
    action: str,
    obj: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        before={k: _jsonable(v) for k, v in before.items()} if before else None,
        after={k: _jsonable(v) for k, v in after.items()} if after else None,
    )
    session.add(event)
    return event


def record_many(
    session: Session,
    actor: Any,
    action: str,
    object_type: str,
    object_ids: list[int],
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> int:
    """One event per object, written in one statement (e.g. 200 views put in a theme at once)."""
    if not object_ids:
        return 0
    actor_id = getattr(actor, "id", None)
    before_json = {k: _jsonable(v) for k, v in before.items()} if before else None
    after_json = {k: _jsonable(v) for k, v in after.items()} if after else None
    now = utcnow()
    session.execute(
        sa.insert(AuditEvent),
        [
            {
                "actor_id": actor_id,
                "action": action,
                "object_type": object_type,
                "object_id": object_id,
                "before": before_json,
                "after": after_json,
                "created_dt": now,
            }
            for object_id in object_ids
        ],
    )
    return len(object_ids)
