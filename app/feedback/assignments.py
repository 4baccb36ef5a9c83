"""Putting views into themes at scale: add, remove and move many at once, merge themes.

Each change is a few SQL statements, whatever the number of views (the ids
come as a SELECT from the staff views list's filter, or as a list), and each
assignment is one row in the audit log. A change to a theme's views bumps the
theme's ``version``: the action is refused (:class:`StaleThemes`), and nothing
written, when a theme was changed by a colleague after the page was opened.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from app.accounts.models import User
from app.audit.services import record, record_many
from app.common.errors import DomainError, StaleVersion
from app.feedback import services as feedback
from app.feedback.models import FeedbackReport, Theme, theme_viewpoints
from app.i18n import lazy_gettext as _l
from app.participation.groupings import GroupChange as Change
from app.participation.models import Viewpoint


class StaleThemes(StaleVersion):
    """A theme was changed by someone else after the page was opened."""

    def __init__(self, theme: Theme) -> None:
        super().__init__(
            _l(
                "Someone else has changed the theme “%(title)s” since you opened this page. Nothing was changed: "
                "check the list and send again.",
                title=theme.title_sv,
            ),
            theme,
        )
        self.theme = theme


def versions(session: Session, report: FeedbackReport | None) -> dict[int, int]:
    if report is None:
        return {}
    rows = session.execute(sa.select(Theme.id, Theme.version).where(Theme.report_id == report.id))
    return {theme_id: version for theme_id, version in rows}


def _theme(report: FeedbackReport, theme_id: int | None, field: str) -> Theme:
    theme = next((t for t in report.themes if t.id == theme_id), None)
    if theme is None:
        raise DomainError(_l("Choose a theme from the list."), field=field)
    return theme


def _check(theme: Theme, seen: dict[int, int]) -> None:
    if theme.id not in seen or seen[theme.id] != theme.version:
        raise StaleThemes(theme)


def _bump(session: Session, theme: Theme) -> None:
    """A new version of the theme (its views live in an association table, which does not bump it)."""
    with feedback.saving(session, theme, StaleThemes):
        flag_modified(theme, "title_sv")
    session.expire(theme, ["viewpoints"])


def _ids(session: Session, report: FeedbackReport, viewpoint_ids: sa.Select[Any] | list[int]) -> sa.Select[Any]:
    """The given views, only those of the report's consultation. A posted id no SQL integer can hold
    (``99999999999999999999``) is no view: it is left out rather than sent to the database."""
    source = (
        viewpoint_ids
        if isinstance(viewpoint_ids, sa.Select)
        else sa.select(Viewpoint.id).where(Viewpoint.id.in_([int(i) for i in viewpoint_ids if 0 < int(i) < 2**63]))
    )
    return sa.select(Viewpoint.id).where(
        Viewpoint.consultation_id == report.consultation_id, Viewpoint.id.in_(source.order_by(None).subquery().select())
    )


def _members(theme: Theme) -> sa.Select[Any]:
    return sa.select(theme_viewpoints.c.viewpoint_id).where(theme_viewpoints.c.theme_id == theme.id)


def _add(session: Session, actor: User, theme: Theme, ids: sa.Select[Any], action: str) -> int:
    new = list(session.scalars(ids.where(Viewpoint.id.not_in(_members(theme))).order_by(Viewpoint.id)))
    if new:
        session.execute(sa.insert(theme_viewpoints), [{"theme_id": theme.id, "viewpoint_id": i} for i in new])
        record_many(session, actor, action, "Viewpoint", new, after={"theme_id": theme.id, "theme": theme.title_sv})
        _bump(session, theme)
    return len(new)


def _remove(session: Session, actor: User, theme: Theme, ids: sa.Select[Any], action: str) -> int:
    gone = list(session.scalars(ids.where(Viewpoint.id.in_(_members(theme))).order_by(Viewpoint.id)))
    if gone:
        session.execute(
            sa.delete(theme_viewpoints).where(
                theme_viewpoints.c.theme_id == theme.id, theme_viewpoints.c.viewpoint_id.in_(gone)
            )
        )
        record_many(session, actor, action, "Viewpoint", gone, before={"theme_id": theme.id, "theme": theme.title_sv})
        _bump(session, theme)
    return len(gone)


def apply(session: Session, actor: User, report: FeedbackReport, change: Change) -> tuple[Theme, int]:
    """Carry out a bulk action; returns the theme and how many views it added, removed or moved.

    Raises :class:`DomainError` next to the field that is wrong, :class:`StaleThemes`
    when a theme involved was changed after the page was opened (nothing is written).
    """
    feedback.require_editable(actor, report)
    with session.begin_nested():  # a refusal half-way writes nothing
        return _apply(session, actor, report, change)


def _apply(session: Session, actor: User, report: FeedbackReport, change: Change) -> tuple[Theme, int]:
    if change.action not in ("assign", "unassign", "move"):
        raise DomainError(_l("Choose what to do with the views."), field="action")
    if isinstance(change.viewpoint_ids, list) and not change.viewpoint_ids:
        raise DomainError(_l("Choose at least one view, or all views that match the filter."), field="viewpoint_ids")
    source = _theme(report, change.source_id, "action") if change.action == "move" else None
    if source is not None:
        _check(source, change.versions)
    if change.group_id is None:
        if change.action == "unassign":
            raise DomainError(_l("Choose a theme from the list."), field="theme")
        theme = feedback.add_theme(session, actor, report, {"title_sv": change.new_title})
        record(session, actor, "theme.create", theme, after={"title_sv": theme.title_sv})
    else:
        theme = _theme(report, change.group_id, "theme")
        _check(theme, change.versions)
    if source is not None and source.id == theme.id:
        raise DomainError(_l("Choose another theme than the one the views are in."), field="theme")
    ids = _ids(session, report, change.viewpoint_ids)
    if change.action == "unassign":
        return theme, _remove(session, actor, theme, ids, "theme.unassign")
    if source is not None:
        in_source = ids.where(Viewpoint.id.in_(_members(source)))
        moved = _add(session, actor, theme, in_source, "theme.assign")
        _remove(session, actor, source, in_source, "theme.unassign")
        return theme, moved
    return theme, _add(session, actor, theme, ids, "theme.assign")


def merge(
    session: Session,
    actor: User,
    report: FeedbackReport,
    source_id: int | None,
    target_id: int | None,
    seen: dict[int, int],
) -> tuple[Theme, int]:
    """Merge one theme into another: its views join the other theme, then it is removed (with its response)."""
    feedback.require_editable(actor, report)
    with session.begin_nested():  # a refusal half-way writes nothing
        return _merge(session, actor, report, source_id, target_id, seen)


def _merge(
    session: Session,
    actor: User,
    report: FeedbackReport,
    source_id: int | None,
    target_id: int | None,
    seen: dict[int, int],
) -> tuple[Theme, int]:
    source = _theme(report, source_id, "source")
    target = _theme(report, target_id, "target")
    if source.id == target.id:
        raise DomainError(_l("Choose two different themes."), field="target")
    _check(source, seen)
    _check(target, seen)
    moved = _add(session, actor, target, _ids(session, report, _members(source)), "theme.assign")
    record(session, actor, "theme.merge", target, after={"merged_theme_id": source.id, "merged_title": source.title_sv})
    feedback.delete_theme(session, actor, source)
    return target, moved
