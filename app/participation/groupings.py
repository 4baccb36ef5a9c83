"""The groups staff sort views into (feedback themes), as the staff views list sees them.

Participation is below feedback: it never imports it. The feedback domain
registers one :class:`Grouping` from its ``hooks`` module (imported by
:mod:`app.registry`); the views list filters by it ("in no theme", "in any",
"in this one") and shows each view's groups. Without a registration the list
simply has no theme filter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class GroupChange:
    """One bulk action on views: put them in a group, take them out, or move them from one to another."""

    #: ``"assign"``, ``"unassign"`` or ``"move"`` (from ``source_id`` to the group).
    action: str
    #: The group, or ``None`` for a new one titled ``new_title``.
    group_id: int | None
    #: The views: a SELECT of ids (everything matching a filter) or a list of ids.
    viewpoint_ids: sa.Select[Any] | list[int]
    #: ``{group id: version}`` as the page showed them (optimistic locking).
    versions: dict[int, int]
    new_title: str | None = None
    source_id: int | None = None


@dataclass(frozen=True)
class Grouping:
    #: ``pairs(consultation_id)``: a SELECT of ``group_id`` and ``viewpoint_id`` for the consultation's groups.
    pairs: Callable[[int], sa.Select[Any]]
    #: ``choices(session, consultation_id)``: ``[(group_id, label)]`` in the order staff see them.
    choices: Callable[[Session, int], list[tuple[int, str]]]
    #: ``versions(session, consultation_id)``: ``{group_id: version}``.
    versions: Callable[[Session, int], dict[int, int]]
    #: ``change(session, actor, consultation, change)``: carry out a :class:`GroupChange`; returns the
    #: group's label and how many views changed. Raises ``DomainError`` (a ``StaleVersion`` on a conflict).
    change: Callable[[Session, Any, Any, GroupChange], tuple[str, int]]


_GROUPING: list[Grouping] = []


def register(grouping: Grouping) -> None:
    """Set the grouping (called once, by the feedback domain's hooks)."""
    _GROUPING[:] = [grouping]


def grouping() -> Grouping | None:
    return _GROUPING[0] if _GROUPING else None


def groups_of(session: Session, consultation_id: int, viewpoint_ids: list[int]) -> dict[int, list[int]]:
    """The group ids of each of these views (one query)."""
    found = grouping()
    if found is None or not viewpoint_ids:
        return {}
    pairs = found.pairs(consultation_id).subquery()
    out: dict[int, list[int]] = {}
    rows = session.execute(
        sa.select(pairs.c.viewpoint_id, pairs.c.group_id)
        .where(pairs.c.viewpoint_id.in_(viewpoint_ids))
        .order_by(pairs.c.group_id)
    )
    for viewpoint_id, group_id in rows:
        out.setdefault(viewpoint_id, []).append(group_id)
    return out
