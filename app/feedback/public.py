"""Public reads of feedback: the published snapshot with today's visibility of the views, found by receipt code."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, lazyload

from app.common.pagination import Page
from app.consultations.models import Consultation
from app.feedback.models import FeedbackReport, FeedbackRevision, Outcome
from app.feedback.snapshots import build_snapshot
from app.participation.models import Viewpoint


def normalize_code(code: str | None) -> str:
    """A reference code as typed on a receipt: case, spaces and dashes do not matter."""
    return re.sub(r"[\s\-‐‑‒–—_.]", "", (code or "").replace("\x00", "")).upper()[:40]


def find_viewpoint(session: Session, code: str | None) -> Viewpoint | None:
    wanted = normalize_code(code)
    if not wanted:
        return None
    column = sa.func.upper(sa.func.replace(sa.func.replace(Viewpoint.reference_code, "-", ""), " ", ""))
    return session.scalar(sa.select(Viewpoint).where(column == wanted).limit(1))


@dataclass
class BoardRef:
    id: int
    slug: str
    name_sv: str
    name_rom: str | None


@dataclass
class PublicDecision:
    id: int
    board: BoardRef | None
    meeting_date: date
    case_reference: str
    paragraph: str
    title_sv: str
    title_rom: str | None
    minutes_url: str | None


@dataclass
class PublicResponse:
    outcome: Outcome
    body_sv: str
    body_rom: str | None
    reason_sv: str | None
    reason_rom: str | None
    forwarded_to: BoardRef | None
    next_update_date: date | None
    decisions: list[PublicDecision]
    #: Keys added by ``RESPONSE_SNAPSHOT_EXTENSIONS`` (e.g. ``measure``).
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class PublicTheme:
    id: int
    title_sv: str
    title_rom: str | None
    summary_sv: str | None
    summary_rom: str | None
    viewpoint_ids: list[int]
    response: PublicResponse | None
    viewpoints: list[Viewpoint] = field(default_factory=list)
    #: How many of ``viewpoint_ids`` may be shown today (published, not hidden).
    published_count: int = 0


@dataclass
class PublicFeedback:
    """What the public feedback page shows: a snapshot plus today's visibility of the views."""

    summary_sv: str | None
    summary_rom: str | None
    themes: list[PublicTheme]
    revision: FeedbackRevision | None
    first_published_dt: datetime | None
    #: The views shown: all published views, or (``public_feedback_page``) those of ``listing``.
    viewpoints: list[Viewpoint]
    #: The themes of each view in ``viewpoints``.
    themes_of: dict[int, list[PublicTheme]]
    hidden_count: int
    unpublished_count: int
    #: All published views of the consultation (not only those in ``viewpoints``).
    published_count: int = 0
    #: The page of views shown (``public_feedback_page``); ``None`` when ``viewpoints`` holds them all.
    listing: Page[Viewpoint] | None = None
    #: The theme the list of views is limited to, if any.
    selected_theme: PublicTheme | None = None

    def theme(self, theme_id: int) -> PublicTheme | None:
        return next((t for t in self.themes if t.id == theme_id), None)


def _board(data: dict[str, Any] | None) -> BoardRef | None:
    return BoardRef(**data) if data else None


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


_RESPONSE_KEYS = {
    "outcome",
    "body_sv",
    "body_rom",
    "reason_sv",
    "reason_rom",
    "forwarded_to",
    "next_update_date",
    "decisions",
}


def themes_from_snapshot(snapshot: dict[str, Any]) -> list[PublicTheme]:
    themes = []
    for t in snapshot.get("themes", []):
        r = t.get("response")
        response = None
        if r:
            response = PublicResponse(
                outcome=Outcome(r["outcome"]),
                body_sv=r["body_sv"],
                body_rom=r.get("body_rom"),
                reason_sv=r.get("reason_sv"),
                reason_rom=r.get("reason_rom"),
                forwarded_to=_board(r.get("forwarded_to")),
                next_update_date=_date(r.get("next_update_date")),
                decisions=[
                    PublicDecision(
                        id=d["id"],
                        board=_board(d.get("board")),
                        meeting_date=date.fromisoformat(d["meeting_date"]),
                        case_reference=d["case_reference"],
                        paragraph=d["paragraph"],
                        title_sv=d["title_sv"],
                        title_rom=d.get("title_rom"),
                        minutes_url=d.get("minutes_url"),
                    )
                    for d in r.get("decisions", [])
                ],
                extras={k: v for k, v in r.items() if k not in _RESPONSE_KEYS},
            )
        themes.append(
            PublicTheme(
                id=t["id"],
                title_sv=t["title_sv"],
                title_rom=t.get("title_rom"),
                summary_sv=t.get("summary_sv"),
                summary_rom=t.get("summary_rom"),
                viewpoint_ids=list(t.get("viewpoint_ids", [])),
                response=response,
            )
        )
    return themes


def _public_snapshot(report: FeedbackReport, draft: bool) -> tuple[dict[str, Any], FeedbackRevision | None] | None:
    """The snapshot the public page shows and its revision (the draft's: none); ``None`` if nothing is published."""
    revision = report.latest_revision
    if draft:
        return build_snapshot(report), None
    if revision is None:
        return None
    return revision.snapshot, revision


def public_feedback(session: Session, report: FeedbackReport, *, draft: bool = False) -> PublicFeedback | None:
    """The published feedback (or, for a staff preview, the current draft), with all its views.

    Only views that may be public are listed; hidden views and views without
    consent are counted, never shown. Visibility is checked now, so a view
    hidden after publication disappears from the page at once.

    This loads every view of the consultation (the open-data API lists them
    all); the public page uses :func:`public_feedback_page`, which loads one
    page of them.
    """
    found = _public_snapshot(report, draft)
    if found is None:
        return None
    snapshot, revision = found
    themes = themes_from_snapshot(snapshot)
    all_views = (
        list(
            session.scalars(
                sa.select(Viewpoint)
                .where(Viewpoint.consultation_id == report.consultation_id)
                .order_by(Viewpoint.id)
                .options(joinedload(Viewpoint.contact))  # author_label() reads the name: no query per view
            )
        )
        if report.consultation_id is not None
        else []
    )
    public = [v for v in all_views if v.is_public]
    by_id = {v.id: v for v in public}
    themes_of: dict[int, list[PublicTheme]] = defaultdict(list)
    for theme in themes:
        theme.viewpoints = [by_id[i] for i in theme.viewpoint_ids if i in by_id]
        theme.published_count = len(theme.viewpoints)
        for v in theme.viewpoints:
            themes_of[v.id].append(theme)
    return PublicFeedback(
        summary_sv=snapshot.get("summary_sv"),
        summary_rom=snapshot.get("summary_rom"),
        themes=themes,
        revision=revision,
        first_published_dt=report.published_dt,
        viewpoints=public,
        themes_of=dict(themes_of),
        hidden_count=sum(1 for v in all_views if v.is_hidden),
        unpublished_count=sum(1 for v in all_views if not v.is_hidden and not v.publish_consent),
        published_count=len(public),
    )


def published_themes(report: FeedbackReport) -> list[PublicTheme] | None:
    """The themes of the published feedback, without loading any view; ``None`` if nothing is published."""
    found = _public_snapshot(report, draft=False)
    return themes_from_snapshot(found[0]) if found else None


#: Views per page in the list of views on the public feedback page.
VIEWS_PER_PAGE = 50


def public_feedback_page(
    session: Session,
    report: FeedbackReport,
    *,
    page: int = 1,
    theme_id: int | None = None,
    per_page: int = VIEWS_PER_PAGE,
    draft: bool = False,
) -> PublicFeedback | None:
    """The feedback page with one page of its published views, perhaps of one theme.

    What :func:`public_feedback` returns, but the database does the paging:
    one query counts the views (published, hidden, without consent, and
    published per theme) and one loads only the ``per_page`` views of page
    ``page``, in the order of the full list. ``theme_id`` limits the list to
    that theme's views; an id that is not a theme of this feedback is ignored
    (like any unknown filter value), and a page past the end shows the last
    page. The themes' ``viewpoints`` stay empty: the page links from each theme
    to its views instead of showing them twice.
    """
    found = _public_snapshot(report, draft)
    if found is None:
        return None
    snapshot, revision = found
    themes = themes_from_snapshot(snapshot)
    selected = next((t for t in themes if t.id == theme_id), None) if theme_id is not None else None
    consultation_id = report.consultation_id
    published = hidden = unpublished = 0
    # Viewpoint.is_public (a spoken view has no text until its transcription is published,
    # a transcribed one none while it awaits its speaker)
    public = Viewpoint.public_clause()
    without_consent = sa.and_(Viewpoint.publish_consent.is_(False), Viewpoint.hidden_dt.is_(None))
    if consultation_id is not None:
        published, hidden, unpublished = session.execute(
            sa.select(
                sa.func.count(sa.case((public, 1))),
                sa.func.count(Viewpoint.hidden_dt),
                sa.func.count(sa.case((without_consent, 1))),
            ).where(Viewpoint.consultation_id == consultation_id)
        ).one()
        themed = [i for t in themes for i in t.viewpoint_ids]
        if themed:
            # The snapshot says which views a theme holds: count those that may be shown today.
            # The ids of the public ones are read (one column, within the themed ids' range), not
            # sent: an IN list per theme made a statement of thousands of parameters on every request.
            shown_now = set(
                session.scalars(
                    sa.select(Viewpoint.id).where(
                        Viewpoint.consultation_id == consultation_id,
                        public,
                        Viewpoint.id.between(min(themed), max(themed)),
                    )
                )
            )
            for theme in themes:
                theme.published_count = sum(1 for i in theme.viewpoint_ids if i in shown_now)
    total = selected.published_count if selected else published
    page = min(max(1, page), max(1, -(-total // per_page)))
    items: list[Viewpoint] = []
    if total:
        stmt = (
            sa.select(Viewpoint)
            .where(Viewpoint.consultation_id == consultation_id, public)
            .order_by(Viewpoint.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
            .options(joinedload(Viewpoint.contact))  # author_label() reads the name: no query per view
        )
        if selected:
            stmt = stmt.where(Viewpoint.id.in_(selected.viewpoint_ids))
        items = list(session.scalars(stmt))
    shown = {v.id for v in items}
    themes_of: dict[int, list[PublicTheme]] = defaultdict(list)
    for theme in themes:
        for viewpoint_id in theme.viewpoint_ids:
            if viewpoint_id in shown:
                themes_of[viewpoint_id].append(theme)
    return PublicFeedback(
        summary_sv=snapshot.get("summary_sv"),
        summary_rom=snapshot.get("summary_rom"),
        themes=themes,
        revision=revision,
        first_published_dt=report.published_dt,
        viewpoints=items,
        themes_of=dict(themes_of),
        hidden_count=hidden,
        unpublished_count=unpublished,
        published_count=published,
        listing=Page(items=items, page=page, per_page=per_page, total=total),
        selected_theme=selected,
    )


def author_label(viewpoint: Viewpoint) -> str | None:
    """The name a view may be shown with (see :attr:`Viewpoint.author_label`)."""
    return viewpoint.author_label


def list_recent_feedback(session: Session, limit: int = 5) -> list[tuple[Consultation, FeedbackReport]]:
    """Consultations whose feedback was published most recently (for the home page)."""
    rows = session.execute(
        sa.select(Consultation, FeedbackReport)
        .join(FeedbackReport, FeedbackReport.consultation_id == Consultation.id)
        # Every publication sets last_published_dt, so the index serves the sort.
        .where(FeedbackReport.last_published_dt.is_not(None))
        .order_by(FeedbackReport.last_published_dt.desc(), FeedbackReport.id.desc())
        .limit(limit)
        # Title, board and date only: not the themes with all their views, nor the agenda.
        .options(
            lazyload(FeedbackReport.themes),
            lazyload(Consultation.agenda_items),
            lazyload(Consultation.documents),
            lazyload(Consultation.co_hosts),
        )
    ).all()
    return [(c, r) for c, r in rows]
