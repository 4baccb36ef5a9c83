"""Suggested themes: the views of a consultation grouped by text similarity, as proposals staff review.

:func:`suggest` groups the views in no theme (or all views, if staff choose)
with :func:`app.common.textgroups.group_texts` (character n-grams of the
original and every translation, spectral clustering) and stores the groups as
:class:`~app.feedback.models.ThemeSuggestion` rows, replacing the previous
ones. Nothing reaches a theme until staff act on a proposal: **accept** (a new
theme with the proposal's views, through :func:`app.feedback.assignments.apply`,
so every view's assignment is audited as any other), **rename**, **merge** two
proposals, **remove views** from one, or **reject** it. Each action is audited
and checks the proposal's version (two colleagues reviewing at once).

A proposal is a snapshot: views put in a theme after it was made are left
where they are when it is accepted (:class:`Accepted` says how many), never
assigned a second time by an old proposal.

At most :data:`MAX_VIEWS` views are grouped per run (the oldest first), so the
work in one request stays around a second; the page says when more were left
for the next run (docs/performance.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from app.accounts.models import User
from app.audit.services import record
from app.common.errors import DomainError, StaleVersion
from app.common.textgroups import Group, group_texts
from app.feedback import assignments, theming
from app.feedback import services as feedback
from app.feedback.models import (
    FeedbackReport,
    SuggestionRun,
    Theme,
    ThemeSuggestion,
)
from app.feedback.models import (
    theme_suggestion_viewpoints as members_table,
)
from app.i18n import lazy_gettext as _l
from app.participation.groupings import GroupChange
from app.participation.models import Viewpoint, ViewpointTranslation

#: The most views grouped in one run (about a second of work; see docs/performance.md).
MAX_VIEWS = 1000
#: The most proposals one run makes.
MAX_GROUPS = 10
SCOPES = ("unthemed", "all")
TITLE_MAX = 300


class StaleSuggestion(StaleVersion):
    """A colleague changed the proposal after the page was opened."""

    def __init__(self, suggestion: ThemeSuggestion) -> None:
        super().__init__(
            _l(
                "Someone else has changed the proposal “%(title)s” since you opened this page. Nothing "
                "was changed: check it and send again.",
                title=suggestion.title,
            ),
            suggestion,
        )
        self.suggestion = suggestion


@dataclass(frozen=True)
class Accepted:
    theme: Theme
    #: Views that went into the new theme.
    added: int
    #: Views of the proposal that were put in a theme after it was made: left where they are.
    themed_since: int


def get_run(session: Session, consultation_id: int) -> SuggestionRun | None:
    return session.scalar(sa.select(SuggestionRun).where(SuggestionRun.consultation_id == consultation_id))


def _themed(consultation_id: int) -> sa.Select[Any]:
    return sa.select(theming.theme_pairs(consultation_id).subquery().c.viewpoint_id)


# --- Making suggestions ---------------------------------------------------------------------


def _label(group: Group, texts: list[str]) -> str:
    """The words that set the group apart, or else the first words of its most typical view."""
    if group.words:
        label = ", ".join(group.words)
    else:
        words = texts[group.members[0]].split()
        label = " ".join(words[:6]) + (" …" if len(words) > 6 else "")
    return (label[:1].upper() + label[1:])[:TITLE_MAX] or "–"


def suggest(session: Session, actor: User, report: FeedbackReport, scope: str) -> SuggestionRun:
    """Group the consultation's views (``scope``: ``"unthemed"`` or ``"all"``) and store the
    proposals, replacing the earlier ones. Views without text (a recording not yet written
    down) are left out."""
    feedback.require_editable(actor, report)
    if scope not in SCOPES:
        raise DomainError(_l("Choose which views to group."), field="scope")
    consultation_id = report.consultation_id
    assert consultation_id is not None, "suggested themes are for a consultation's views"
    views = sa.select(Viewpoint.id).where(Viewpoint.consultation_id == consultation_id, Viewpoint.body != "")
    if scope == "unthemed":
        views = views.where(Viewpoint.id.not_in(_themed(consultation_id)))
    available = session.scalar(sa.select(sa.func.count()).select_from(views.subquery())) or 0
    picked = views.order_by(Viewpoint.id).limit(MAX_VIEWS)
    ids: list[int] = []
    items: dict[int, dict[str, str]] = {}
    for viewpoint_id, language, body in session.execute(
        sa.select(Viewpoint.id, Viewpoint.language, Viewpoint.body)
        .where(Viewpoint.id.in_(picked.subquery().select()))
        .order_by(Viewpoint.id)
    ):
        ids.append(viewpoint_id)
        items[viewpoint_id] = {language: body}
    for viewpoint_id, language, body in session.execute(
        sa.select(ViewpointTranslation.viewpoint_id, ViewpointTranslation.language, ViewpointTranslation.body).where(
            ViewpointTranslation.viewpoint_id.in_(picked.subquery().select()), ViewpointTranslation.body != ""
        )
    ):
        items[viewpoint_id].setdefault(language, body)
    themed_before: set[int] = set()
    if scope == "all":
        pairs = theming.theme_pairs(consultation_id).subquery()
        themed_before = set(
            session.scalars(sa.select(pairs.c.viewpoint_id).where(pairs.c.viewpoint_id.in_(picked.subquery().select())))
        )
    label_texts = [items[i].get("sv") or "\n".join(items[i].values()) for i in ids]
    groups = group_texts([items[i] for i in ids], max_groups=MAX_GROUPS, label_texts=label_texts)

    previous = get_run(session, consultation_id)
    if previous is not None:
        session.delete(previous)
        session.flush()  # one run per consultation: the old one goes before the new one is inserted
    run = SuggestionRun(
        consultation_id=consultation_id,
        scope=scope,
        considered=len(ids),
        available=available,
        grouped=sum(len(g.members) for g in groups),
        created_by_id=actor.id,
    )
    run.suggestions = [
        ThemeSuggestion(position=position, title=_label(group, label_texts))
        for position, group in enumerate(groups, start=1)
    ]
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
    except sa.exc.IntegrityError:  # a colleague's run was stored a moment earlier (one per consultation)
        raise DomainError(
            _l("A colleague has just suggested themes for this consultation: reload the page to see them."),
            field="scope",
        ) from None
    rows = [
        {
            "suggestion_id": suggestion.id,
            "viewpoint_id": ids[member],
            "rank": rank,
            "themed_before": ids[member] in themed_before,
        }
        for suggestion, group in zip(run.suggestions, groups, strict=True)
        for rank, member in enumerate(group.members)
    ]
    if rows:
        session.execute(sa.insert(members_table), rows)
    record(
        session,
        actor,
        "theme_suggestion.run",
        run,
        after={"scope": scope, "considered": len(ids), "available": available, "proposals": len(groups)},
    )
    return run


# --- Reviewing them ---------------------------------------------------------------------------


def _check(suggestion: ThemeSuggestion, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != suggestion.version:
        raise StaleSuggestion(suggestion)


def _bump(session: Session, suggestion: ThemeSuggestion) -> None:
    """A new version of the proposal (its views live in an association table, which does not bump it)."""
    with feedback.saving(session, suggestion, StaleSuggestion):
        flag_modified(suggestion, "title")


def _title(title: str | None) -> str:
    title = (title or "").strip()
    if not title:
        raise DomainError(_l("Give the theme a title in Swedish."), field="title")
    if len(title) > TITLE_MAX:
        raise DomainError(_l("At most %(num)d characters.", num=TITLE_MAX), field="title")
    return title


def _members(suggestion: ThemeSuggestion) -> sa.Select[Any]:
    return sa.select(members_table.c.viewpoint_id).where(members_table.c.suggestion_id == suggestion.id)


def _delete(session: Session, suggestion: ThemeSuggestion) -> None:
    run = suggestion.run
    run.suggestions.remove(suggestion)
    session.delete(suggestion)
    for position, each in enumerate(run.suggestions, start=1):
        each.position = position
    session.flush()


def rename(
    session: Session,
    actor: User,
    report: FeedbackReport,
    suggestion: ThemeSuggestion,
    title: str | None,
    *,
    expected_version: int | None,
) -> ThemeSuggestion:
    feedback.require_editable(actor, report)
    _check(suggestion, expected_version)
    new_title = _title(title)
    before = suggestion.title
    with feedback.saving(session, suggestion, StaleSuggestion):
        suggestion.title = new_title
    record(session, actor, "theme_suggestion.rename", suggestion, before={"title": before}, after={"title": new_title})
    return suggestion


def accept(
    session: Session,
    actor: User,
    report: FeedbackReport,
    suggestion: ThemeSuggestion,
    title: str | None,
    *,
    expected_version: int | None,
) -> Accepted:
    """A new theme titled ``title`` with the proposal's views, through the assignment service (each view's
    assignment audited); views put in a theme since the proposal was made stay where they are."""
    feedback.require_editable(actor, report)
    _check(suggestion, expected_version)
    new_title = _title(title)
    assert report.consultation_id is not None
    members = _members(suggestion)
    themed_since = (
        sa.select(sa.func.count())
        .select_from(members_table)
        .where(
            members_table.c.suggestion_id == suggestion.id,
            members_table.c.themed_before.is_(False),
            members_table.c.viewpoint_id.in_(_themed(report.consultation_id)),
        )
    )
    skipped = session.scalar(themed_since) or 0
    fresh = members.where(
        sa.or_(
            members_table.c.themed_before.is_(True),
            members_table.c.viewpoint_id.not_in(_themed(report.consultation_id)),
        )
    )
    if not session.scalar(sa.select(sa.func.count()).select_from(fresh.subquery())):
        raise DomainError(
            _l(
                "Every view of this proposal has been put in a theme since it was made: there is nothing "
                "left to accept. Reject it, or suggest themes again."
            ),
            field="title",
        )
    with session.begin_nested():  # the theme and the proposal's removal, or nothing
        theme, added = assignments.apply(
            session,
            actor,
            report,
            GroupChange(action="assign", group_id=None, viewpoint_ids=fresh, versions={}, new_title=new_title),
        )
        record(
            session,
            actor,
            "theme_suggestion.accept",
            suggestion,
            after={"title": new_title, "theme_id": theme.id, "views": added, "themed_since": skipped},
        )
        _delete(session, suggestion)
    return Accepted(theme=theme, added=added, themed_since=skipped)


def reject(
    session: Session, actor: User, report: FeedbackReport, suggestion: ThemeSuggestion, *, expected_version: int | None
) -> None:
    feedback.require_editable(actor, report)
    _check(suggestion, expected_version)
    count = session.scalar(sa.select(sa.func.count()).select_from(_members(suggestion).subquery())) or 0
    record(session, actor, "theme_suggestion.reject", suggestion, before={"title": suggestion.title, "views": count})
    _delete(session, suggestion)


def remove_views(
    session: Session,
    actor: User,
    report: FeedbackReport,
    suggestion: ThemeSuggestion,
    viewpoint_ids: list[int],
    *,
    expected_version: int | None,
) -> int:
    """Take views out of a proposal (they stay unthemed); a proposal left empty is removed. Returns how many."""
    feedback.require_editable(actor, report)
    if not viewpoint_ids:
        raise DomainError(_l("Tick the views to take out of the proposal."), field="viewpoint_ids")
    _check(suggestion, expected_version)
    # Matched in Python (a proposal has at most MAX_VIEWS): a posted id too large for an SQL integer never reaches it.
    gone = sorted(set(session.scalars(_members(suggestion))) & set(viewpoint_ids))
    if not gone:
        raise DomainError(_l("Tick the views to take out of the proposal."), field="viewpoint_ids")
    session.execute(
        sa.delete(members_table).where(
            members_table.c.suggestion_id == suggestion.id, members_table.c.viewpoint_id.in_(gone)
        )
    )
    record(session, actor, "theme_suggestion.remove_views", suggestion, after={"viewpoint_ids": gone})
    if session.scalar(sa.select(sa.func.count()).select_from(_members(suggestion).subquery())):
        _bump(session, suggestion)
    else:
        _delete(session, suggestion)
    return len(gone)


def merge(
    session: Session,
    actor: User,
    report: FeedbackReport,
    run: SuggestionRun,
    source_id: int | None,
    target_id: int | None,
    seen: dict[int, int],
) -> ThemeSuggestion:
    """The first proposal's views join the second (after the second's own, in their order); the first is removed."""
    feedback.require_editable(actor, report)
    source = next((s for s in run.suggestions if s.id == source_id), None)
    target = next((s for s in run.suggestions if s.id == target_id), None)
    if source is None:
        raise DomainError(_l("Choose a proposal from the list."), field="source")
    if target is None:
        raise DomainError(_l("Choose a proposal from the list."), field="target")
    if source.id == target.id:
        raise DomainError(_l("Choose two different proposals."), field="target")
    for each in (source, target):
        if seen.get(each.id) != each.version:
            raise StaleSuggestion(each)
    offset = (
        session.scalar(sa.select(sa.func.max(members_table.c.rank)).where(members_table.c.suggestion_id == target.id))
        or 0
    ) + 1
    moving = session.execute(
        sa.select(members_table.c.viewpoint_id, members_table.c.rank, members_table.c.themed_before).where(
            members_table.c.suggestion_id == source.id, members_table.c.viewpoint_id.not_in(_members(target))
        )
    ).all()
    if moving:
        session.execute(
            sa.insert(members_table),
            [
                {
                    "suggestion_id": target.id,
                    "viewpoint_id": viewpoint_id,
                    "rank": offset + rank,
                    "themed_before": themed_before,
                }
                for viewpoint_id, rank, themed_before in moving
            ],
        )
    record(
        session,
        actor,
        "theme_suggestion.merge",
        target,
        after={"merged_id": source.id, "merged_title": source.title, "views": len(moving)},
    )
    _delete(session, source)
    _bump(session, target)
    return target


# --- Showing them (a constant number of queries, whatever the number of views) ------------------


@dataclass(frozen=True)
class Overview:
    counts: dict[int, int]
    #: ``{suggestion_id: [(language, variety, count)]}``
    languages: dict[int, list[tuple[str, Any, int]]]
    #: Views of each proposal put in a theme since it was made (accepting leaves them where they are).
    themed_since: dict[int, int]
    #: The most typical views of each proposal (at most ``excerpts``), in order.
    typical: dict[int, list[Viewpoint]]


def overview(session: Session, run: SuggestionRun, excerpts: int = 3) -> Overview:
    consultation_id = run.consultation_id
    in_run = sa.select(ThemeSuggestion.id).where(ThemeSuggestion.run_id == run.id)
    members = members_table.c
    counts = {
        sid: count
        for sid, count in session.execute(
            sa.select(members.suggestion_id, sa.func.count())
            .where(members.suggestion_id.in_(in_run))
            .group_by(members.suggestion_id)
        )
    }
    languages: dict[int, list[tuple[str, Any, int]]] = {}
    for sid, language, variety, count in session.execute(
        sa.select(members.suggestion_id, Viewpoint.language, Viewpoint.romani_variety, sa.func.count())
        .join(Viewpoint, Viewpoint.id == members.viewpoint_id)
        .where(members.suggestion_id.in_(in_run))
        .group_by(members.suggestion_id, Viewpoint.language, Viewpoint.romani_variety)
        .order_by(members.suggestion_id, Viewpoint.language, Viewpoint.romani_variety)
    ):
        languages.setdefault(sid, []).append((language, variety, count))
    themed_since = {
        sid: count
        for sid, count in session.execute(
            sa.select(members.suggestion_id, sa.func.count())
            .where(
                members.suggestion_id.in_(in_run),
                members.themed_before.is_(False),
                members.viewpoint_id.in_(_themed(consultation_id)),
            )
            .group_by(members.suggestion_id)
        )
    }
    typical: dict[int, list[Viewpoint]] = {}
    if excerpts > 0:
        ranked = (
            sa.select(
                members.suggestion_id,
                members.viewpoint_id,
                sa.func.row_number()
                .over(partition_by=members.suggestion_id, order_by=(members.rank, members.viewpoint_id))
                .label("n"),
            )
            .where(members.suggestion_id.in_(in_run))
            .subquery()
        )
        picked = session.execute(
            sa.select(ranked.c.suggestion_id, ranked.c.viewpoint_id)
            .where(ranked.c.n <= excerpts)
            .order_by(ranked.c.suggestion_id, ranked.c.n)
        ).all()
        views = {
            v.id: v for v in session.scalars(sa.select(Viewpoint).where(Viewpoint.id.in_([v for _s, v in picked])))
        }
        for sid, viewpoint_id in picked:
            typical.setdefault(sid, []).append(views[viewpoint_id])
    return Overview(counts=counts, languages=languages, themed_since=themed_since, typical=typical)


def member_ids(suggestion: ThemeSuggestion) -> sa.Select[Any]:
    """The proposal's view ids, the most typical first (for a paginated list)."""
    return (
        sa.select(members_table.c.viewpoint_id)
        .where(members_table.c.suggestion_id == suggestion.id)
        .order_by(members_table.c.rank, members_table.c.viewpoint_id)
    )


def themed_since(session: Session, suggestion: ThemeSuggestion, viewpoint_ids: list[int]) -> set[int]:
    """Which of these views of the proposal were put in a theme since it was made."""
    consultation_id = suggestion.run.consultation_id
    return set(
        session.scalars(
            sa.select(members_table.c.viewpoint_id).where(
                members_table.c.suggestion_id == suggestion.id,
                members_table.c.themed_before.is_(False),
                members_table.c.viewpoint_id.in_(viewpoint_ids),
                members_table.c.viewpoint_id.in_(_themed(consultation_id)),
            )
        )
    )
