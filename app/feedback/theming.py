"""Theming at scale: which views are in which theme, counted and changed in SQL.

A theme's views live in the ``theme_viewpoints`` association table. The staff
pages never load a theme's views to count or list them: counts, languages and
memberships are queries here, and bulk changes are single INSERT/DELETE
statements, each assignment audited.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.feedback.models import FeedbackReport, Theme, theme_viewpoints
from app.participation.models import Viewpoint


def theme_pairs(consultation_id: int) -> sa.Select[Any]:
    """``(group_id, viewpoint_id)`` of every theme of the consultation's report."""
    return (
        sa.select(theme_viewpoints.c.theme_id.label("group_id"), theme_viewpoints.c.viewpoint_id)
        .join(Theme, Theme.id == theme_viewpoints.c.theme_id)
        .join(FeedbackReport, FeedbackReport.id == Theme.report_id)
        .where(FeedbackReport.consultation_id == consultation_id)
    )


def theme_choices(session: Session, consultation_id: int) -> list[tuple[int, str]]:
    """The consultation's themes in their order, as ``(id, Swedish title)``."""
    rows = session.execute(
        sa.select(Theme.id, Theme.title_sv)
        .join(FeedbackReport, FeedbackReport.id == Theme.report_id)
        .where(FeedbackReport.consultation_id == consultation_id)
        .order_by(Theme.position, Theme.id)
    )
    return [(theme_id, title) for theme_id, title in rows]


def viewpoint_ids(session: Session, report: FeedbackReport) -> dict[int, list[int]]:
    """Each theme's view ids, sorted (one query, no view loaded)."""
    rows = session.execute(
        sa.select(theme_viewpoints.c.theme_id, theme_viewpoints.c.viewpoint_id)
        .join(Theme, Theme.id == theme_viewpoints.c.theme_id)
        .where(Theme.report_id == report.id)
        .order_by(theme_viewpoints.c.theme_id, theme_viewpoints.c.viewpoint_id)
    )
    out: dict[int, list[int]] = {t.id: [] for t in report.themes}
    for theme_id, viewpoint_id in rows:
        out.setdefault(theme_id, []).append(viewpoint_id)
    return out


def theme_counts(session: Session, report: FeedbackReport) -> dict[int, int]:
    """How many views each theme of the report holds."""
    rows = session.execute(
        sa.select(theme_viewpoints.c.theme_id, sa.func.count())
        .join(Theme, Theme.id == theme_viewpoints.c.theme_id)
        .where(Theme.report_id == report.id)
        .group_by(theme_viewpoints.c.theme_id)
    )
    return {theme_id: count for theme_id, count in rows}


def theme_languages(session: Session, report: FeedbackReport) -> dict[int, list[tuple[str, Any, int]]]:
    """Each theme's views by language and Romani variety: ``{theme_id: [(language, variety, count)]}``."""
    rows = session.execute(
        sa.select(theme_viewpoints.c.theme_id, Viewpoint.language, Viewpoint.romani_variety, sa.func.count())
        .join(Theme, Theme.id == theme_viewpoints.c.theme_id)
        .join(Viewpoint, Viewpoint.id == theme_viewpoints.c.viewpoint_id)
        .where(Theme.report_id == report.id)
        .group_by(theme_viewpoints.c.theme_id, Viewpoint.language, Viewpoint.romani_variety)
        .order_by(theme_viewpoints.c.theme_id, Viewpoint.language, Viewpoint.romani_variety)
    )
    out: dict[int, list[tuple[str, Any, int]]] = {}
    for theme_id, language, variety, count in rows:
        out.setdefault(theme_id, []).append((language, variety, count))
    return out


def count_unthemed(session: Session, consultation_id: int) -> int:
    """How many of the consultation's views are in no theme yet."""
    return (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Viewpoint)
            .where(
                Viewpoint.consultation_id == consultation_id,
                Viewpoint.id.not_in(sa.select(theme_pairs(consultation_id).subquery().c.viewpoint_id)),
            )
        )
        or 0
    )
