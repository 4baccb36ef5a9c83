"""Publishing feedback: the first publication and updates, each a revision with a snapshot.

Staff edit the live rows (the draft). Publishing stores a
:class:`FeedbackRevision` with a JSON snapshot; the public page always shows
the latest snapshot. The first publication lets the report's subject act (a
consultation moves from ``held`` to ``feedback_published``); every later
publication is an update with a change note, and the page says "updated on …"
and what changed. Either way the subject tells the people who asked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.common.errors import DomainError, require_permission
from app.consultations.services import TransitionError
from app.db import utcnow
from app.feedback import policies
from app.feedback.models import FeedbackReport, FeedbackRevision
from app.feedback.snapshots import build_snapshot, diff_snapshots, has_unpublished_changes
from app.feedback.subjects import subject_of
from app.i18n import lazy_gettext as _l


def check_publishable(report: FeedbackReport) -> dict[str, str]:
    """What stands in the way of publishing: ``{field or "theme-<id>": message}``."""
    problems: dict[str, str] = {}
    if not report.summary_sv:
        problems["summary_sv"] = str(_l("Write a summary in Swedish."))
    if not report.themes:
        problems["themes"] = str(_l("Add at least one theme."))
    for theme in report.themes:
        if theme.response is None:
            problems[f"theme-{theme.id}"] = str(_l("The theme “%(title)s” has no response yet.", title=theme.title_sv))
    return problems


def _check_or_raise(report: FeedbackReport) -> None:
    problems = check_publishable(report)
    if problems:
        key, message = next(iter(problems.items()))
        raise DomainError(message, field=key if key == "summary_sv" else None)


def _add_revision(
    report: FeedbackReport, actor: User, now: datetime, note_sv: str | None, note_rom: str | None
) -> FeedbackRevision:
    previous = report.latest_revision
    snapshot = build_snapshot(report)
    revision = FeedbackRevision(
        number=(previous.number + 1) if previous else 1,
        published_dt=now,
        published_by_id=actor.id,
        change_note_sv=note_sv,
        change_note_rom=note_rom,
        snapshot=snapshot,
        changes=diff_snapshots(previous.snapshot if previous else None, snapshot),
    )
    report.revisions.append(revision)
    report.last_published_dt = now
    return revision


def publish_feedback(
    session: Session, actor: User, report: FeedbackReport, *, now: datetime | None = None
) -> FeedbackRevision:
    """Publish the feedback for the first time.

    Needs the publisher role, a held consultation, a Swedish summary and a
    response to every theme. The consultation becomes ``feedback_published``
    and everyone who asked to be told gets an e-mail.
    """
    require_permission(policies.can_publish(actor, report))
    if report.is_published:
        raise TransitionError(_l("The feedback is already published. Publish an update instead."))
    subject = subject_of(report)
    then = subject.first_publication(report) if subject is not None else None
    _check_or_raise(report)
    now = now or utcnow()
    if then is not None:
        then()
    report.published_dt = now
    revision = _add_revision(report, actor, now, None, None)
    session.flush()
    notify_participants(session, report, revision)
    return revision


def publish_update(
    session: Session,
    actor: User,
    report: FeedbackReport,
    *,
    change_note_sv: str | None,
    change_note_rom: str | None = None,
    now: datetime | None = None,
) -> FeedbackRevision:
    """Publish changes to feedback already published, with a note on what changed."""
    require_permission(policies.can_publish(actor, report))
    if not report.is_published:
        raise TransitionError(_l("The feedback has not been published yet."))
    note_sv = (change_note_sv or "").replace("\x00", "").strip()
    if not note_sv:
        raise DomainError(_l("Say what has changed, in Swedish."), field="change_note_sv")
    _check_or_raise(report)
    if not has_unpublished_changes(report):
        raise DomainError(_l("Nothing has changed since the last publication."))
    revision = _add_revision(
        report, actor, now or utcnow(), note_sv, (change_note_rom or "").replace("\x00", "").strip() or None
    )
    session.flush()
    notify_participants(session, report, revision)
    return revision


def notify_participants(session: Session, report: FeedbackReport, revision: FeedbackRevision) -> int:
    """Queue the e-mails of a publication through the report's subject; returns how many."""
    subject = subject_of(report)
    return subject.notify(session, report, revision) if subject is not None else 0
