"""Measures reuse the feedback machinery unchanged in kind: a
:class:`FeedbackReport` with ``service_id`` holds the themes, the themes'
:class:`ThemeResponse` rows hold the text of the answer (and, when no measure
is taken, the reason), and :func:`app.feedback.publication.publish_feedback` /
``publish_update`` publish them as revisions. This module adds the
:class:`Measure` (owner, status, dates), puts it into the published snapshot
and tells the people who left contact details.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from app.accounts.models import User
from app.audit.services import record as audit
from app.common.errors import DomainError, require_permission
from app.common.text import enum_value, require_text, text_field
from app.common.urls import external_url
from app.db import insert_or_existing
from app.experiences import policies
from app.experiences.models import (
    ExperienceRecord,
    Measure,
    MeasureStatus,
    Service,
    theme_experiences,
)
from app.feedback import public as feedback_public
from app.feedback import publication
from app.feedback import services as feedback
from app.feedback.models import (
    FeedbackReport,
    FeedbackRevision,
    Outcome,
    Theme,
    ThemeResponse,
)
from app.i18n import lazy_gettext as _l
from app.mail.services import queue_email
from app.participation.models import Contact


def get_report(session: Session, service: Service) -> FeedbackReport | None:
    return session.scalar(sa.select(FeedbackReport).where(FeedbackReport.service_id == service.id))


def start_report(session: Session, actor: User, service: Service) -> FeedbackReport:
    """The service's measures report (a feedback report), created empty on first use."""
    require_permission(policies.can_edit(actor, service))
    report = get_report(session, service)
    if report is None:
        # A colleague may start it at the same moment (one report per service): then work on theirs.
        report, _created = insert_or_existing(
            session, FeedbackReport(service=service, service_id=service.id), lambda: get_report(session, service)
        )
    return report


def theme_record_ids(session: Session, theme: Theme) -> list[int]:
    return list(
        session.scalars(
            sa.select(theme_experiences.c.record_id)
            .where(theme_experiences.c.theme_id == theme.id)
            .order_by(theme_experiences.c.record_id)
        )
    )


def theme_record_counts(session: Session, theme_ids: list[int]) -> dict[int, int]:
    if not theme_ids:
        return {}
    return dict(
        session.execute(
            sa.select(theme_experiences.c.theme_id, sa.func.count())
            .where(theme_experiences.c.theme_id.in_(theme_ids))
            .group_by(theme_experiences.c.theme_id)
        ).all()
    )


def _checked_record_ids(session: Session, report: FeedbackReport, record_ids: list[int]) -> list[int]:
    """``record_ids`` sorted and without repeats, if they are all records of the report's service."""
    ids = sorted(set(record_ids))
    if ids:
        found = set(
            session.scalars(
                sa.select(ExperienceRecord.id).where(
                    ExperienceRecord.id.in_(ids), ExperienceRecord.service_id == report.service_id
                )
            )
        )
        if found != set(ids):
            raise DomainError(_l("Choose experiences of this service."), field="record_ids")
    return ids


def set_theme_experiences(session: Session, actor: User, theme: Theme, record_ids: list[int]) -> bool:
    """Replace the experiences grouped in a theme (records of the report's service only).

    Returns whether they changed.
    """
    report = theme.report
    require_permission(report.service is not None and policies.can_edit(actor, report.service))
    ids = _checked_record_ids(session, report, record_ids)
    if ids == theme_record_ids(session, theme):
        return False
    session.execute(sa.delete(theme_experiences).where(theme_experiences.c.theme_id == theme.id))
    if ids:
        session.execute(sa.insert(theme_experiences), [{"theme_id": theme.id, "record_id": i} for i in ids])
    session.flush()
    return True


def add_theme(session: Session, actor: User, service: Service, data: dict[str, Any], record_ids: list[int]) -> Theme:
    """A theme of experiences: the feedback theme, plus the records grouped in it."""
    report = start_report(session, actor, service)
    theme = feedback.add_theme(session, actor, report, data)
    set_theme_experiences(session, actor, theme, record_ids)
    return theme


def update_theme(
    session: Session,
    actor: User,
    theme: Theme,
    data: dict[str, Any],
    record_ids: list[int],
    *,
    expected_version: int | None = None,
) -> Theme:
    """Edit a theme's text and replace the experiences grouped in it.

    ``expected_version`` is the theme's version when the form was opened; a
    conflict raises :class:`app.feedback.services.StaleTheme` and nothing is
    written. The experiences live in an association table, which does not bump
    the version by itself: a change of them alone bumps it too, so an open form
    sees it.
    """
    report = theme.report
    require_permission(report.service is not None and policies.can_edit(actor, report.service))
    if expected_version is not None and expected_version != theme.version:
        raise feedback.StaleTheme(theme)
    ids = _checked_record_ids(session, report, record_ids)
    before = theme.version
    feedback.update_theme(session, actor, theme, data, expected_version=expected_version)
    if ids != theme_record_ids(session, theme):
        if theme.version == before:
            # Only the experiences changed: bump the version first (UPDATE … WHERE
            # version = …), so a colleague's save in between is a conflict, not lost.
            with feedback.saving(session, theme, feedback.StaleTheme):
                flag_modified(theme, "title_sv")
        set_theme_experiences(session, actor, theme, ids)
    return theme


#: What a measure's status says as a feedback outcome.
STATUS_OUTCOMES = {
    MeasureStatus.PLANNED: Outcome.IMPLEMENTED,
    MeasureStatus.ONGOING: Outcome.IMPLEMENTED,
    MeasureStatus.DONE: Outcome.IMPLEMENTED,
    MeasureStatus.NOT_TAKEN: Outcome.NOT_IMPLEMENTED,
}


class StaleMeasure(feedback.StaleResponse):
    """Someone else saved the response or the measure after this form was opened.

    ``response`` and ``measure`` are the colleague's, as now saved (``measure``
    is ``None`` if the response has none).
    """

    def __init__(self, response: ThemeResponse, measure: Measure | None) -> None:
        super().__init__(response)
        self.measure = measure


def _stale_measure(session: Session, response: ThemeResponse) -> StaleMeasure:
    measure = session.scalar(
        sa.select(Measure).where(Measure.response_id == response.id).execution_options(populate_existing=True)
    )
    return StaleMeasure(response, measure)


def save_measure(
    session: Session, actor: User, theme: Theme, data: dict[str, Any], *, expected_version: int | None = None
) -> Measure:
    """Write the response to a theme and its measure (owner, status, dates).

    The response is the feedback :class:`ThemeResponse` (written by
    :func:`app.feedback.services.save_response`); *not taken* is saved as the
    outcome *not implemented*, so its reason is required the same way.

    ``expected_version`` is the response's version when the form was opened
    (``0`` if there was none yet); a conflict raises :class:`StaleMeasure` and
    nothing is written. The response's version guards the pair: a save that
    changes only the measure bumps the response's version too.
    """
    report = theme.report
    require_permission(report.service is not None and policies.can_edit(actor, report.service))
    existing = theme.response
    if existing is not None and expected_version is not None and expected_version != existing.version:
        raise _stale_measure(session, existing)
    status = enum_value(data, "status", MeasureStatus, _l("Choose the status of the measure."))
    owner = text_field(data, "owner")
    if not owner:
        raise DomainError(_l("Say who is responsible for the measure."), field="owner")
    start, end = data.get("start_date"), data.get("end_date")
    start = start if isinstance(start, date) else None
    end = end if isinstance(end, date) else None
    if start and end and end < start:
        raise DomainError(_l("The end date cannot be before the start date."), field="end_date")
    if status is MeasureStatus.NOT_TAKEN:
        require_text(data, "reason", _l("Say why no measure is taken, in Swedish."))
    owner = owner[:200]
    version = existing.version if existing is not None else None
    try:
        # The measure's texts (body_<lang>, reason_<lang>) are the response's.
        texts = {key: value for key, value in data.items() if key.startswith(("body_", "reason_"))}
        response = feedback.save_response(
            session, actor, theme, {"outcome": STATUS_OUTCOMES[status], **texts}, expected_version=expected_version
        )
        measure = get_measure(session, response)
        if (
            measure is None
            or (measure.owner, measure.status, measure.start_date, measure.end_date) != (owner, status, start, end)
        ) and response.version == version:
            # Only the measure changes: bump the response's version first (UPDATE …
            # WHERE version = …), so a colleague's save in between is a conflict.
            with feedback.saving(session, response, feedback.StaleResponse):
                flag_modified(response, "body_sv")
    except feedback.StaleResponse as error:
        raise _stale_measure(session, error.response) from None
    before = {"status": measure.status} if measure else None
    if measure is None:
        measure = Measure(response=response, response_id=response.id)
        session.add(measure)
    measure.owner = owner
    measure.status = status
    measure.start_date = start
    measure.end_date = end
    session.flush()
    audit(session, actor, "measure.save", measure, before=before, after={"status": status, "owner": owner})
    return measure


def get_measure(session: Session, response: ThemeResponse | None) -> Measure | None:
    if response is None or response.id is None:
        return None
    return session.scalar(sa.select(Measure).where(Measure.response_id == response.id))


def measures_for(session: Session, report: FeedbackReport) -> dict[int, Measure]:
    """Theme id → measure, for the staff overview."""
    rows = session.execute(
        sa.select(ThemeResponse.theme_id, Measure)
        .join(Measure, Measure.response_id == ThemeResponse.id)
        .join(Theme, ThemeResponse.theme_id == Theme.id)
        .where(Theme.report_id == report.id)
    ).all()
    return {theme_id: measure for theme_id, measure in rows}


def measure_snapshot(response: ThemeResponse) -> dict[str, Any]:
    """Snapshot extension: the measure goes into the published revision with its response."""
    from sqlalchemy.orm import object_session

    session = object_session(response)
    measure = get_measure(session, response) if session is not None else None
    if measure is None:
        return {}
    return {
        "measure": {
            "owner": measure.owner,
            "status": measure.status.value,
            "start_date": measure.start_date.isoformat() if measure.start_date else None,
            "end_date": measure.end_date.isoformat() if measure.end_date else None,
        }
    }


def publish_measures(
    session: Session,
    actor: User,
    service: Service,
    *,
    change_note_sv: str | None = None,
    change_note_rom: str | None = None,
    now: datetime | None = None,
) -> FeedbackRevision:
    """Publish the measures (first time) or an update (with a note on what changed).

    Every theme needs a measure; then the feedback publication does the rest
    (snapshot, revision, e-mails through :func:`notify_measures`).
    """
    report = get_report(session, service)
    if report is None:
        raise DomainError(_l("Add at least one theme."))
    require_permission(policies.can_publish(actor, service))
    measures = measures_for(session, report)
    for theme in report.themes:
        if theme.id not in measures:
            raise DomainError(_l("The theme “%(title)s” has no measure yet.", title=theme.title_sv))
    if report.is_published:
        return publication.publish_update(
            session, actor, report, change_note_sv=change_note_sv, change_note_rom=change_note_rom, now=now
        )
    return publication.publish_feedback(session, actor, report, now=now)


def _status_changes(revision: FeedbackRevision) -> list[dict[str, Any]]:
    """Measures whose status is new or changed in this revision."""
    previous = None
    revisions = revision.report.revisions
    index = revisions.index(revision)
    if index > 0:
        previous = revisions[index - 1].snapshot
    before = {
        t["id"]: ((t.get("response") or {}).get("measure") or {}).get("status")
        for t in (previous or {}).get("themes", [])
    }
    changed = []
    for t in revision.snapshot.get("themes", []):
        status = ((t.get("response") or {}).get("measure") or {}).get("status")
        if status and before.get(t["id"]) != status:
            changed.append(
                {"title_sv": t["title_sv"], "title_rom": t.get("title_rom"), "status": MeasureStatus(status)}
            )
    return changed


def notify_measures(session: Session, report: FeedbackReport, revision: FeedbackRevision) -> int:
    """E-mail everyone who left an address and asked to be told, once per address, in their language.

    Sent when the measures are first published, and on updates in which a
    measure is new or changed status.
    """
    changes = _status_changes(revision)
    if revision.number > 1 and not changes:
        return 0
    rows = session.execute(
        sa.select(Contact.email, Contact.language, Contact.id)
        .join(ExperienceRecord, ExperienceRecord.contact_id == Contact.id)
        .where(
            ExperienceRecord.service_id == report.service_id,
            ExperienceRecord.wants_updates.is_(True),
            Contact.email.is_not(None),
            Contact.email != "",
        )
        .order_by(ExperienceRecord.id)
    ).all()
    recipients: dict[str, tuple[str, str, int]] = {}
    for email, language, contact_id in rows:
        assert email is not None  # the query skips contacts without an address
        recipients.setdefault(email.strip().lower(), (email.strip(), language, contact_id))
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["DEFAULT_LANGUAGE"]
    first = revision.number == 1
    for to, language, contact_id in recipients.values():
        lang = language if language in languages else default
        queue_email(
            session,
            to=to,
            language=lang,
            contact_id=contact_id,
            template="experiences/published" if first else "experiences/updated",
            kind="measures.published" if first else "measures.updated",
            service=report.service,
            revision=revision,
            changes=changes,
            measures_url=external_url("experiences.measures", lang_code=lang, service_id=report.service_id),
        )
    return len(recipients)


def public_measures(session: Session, service: Service) -> tuple[FeedbackReport | None, Any, dict[int, int]]:
    """The published measures page: the feedback snapshot and how many experiences each theme rests on."""
    report = get_report(session, service)
    page = feedback_public.public_feedback(session, report) if report else None
    counts = theme_record_counts(session, [t.id for t in page.themes]) if page else {}
    return report, page, counts


def measure_of(public_response: Any) -> dict[str, Any] | None:
    """The measure of a published response, with the status as an enum (templates)."""
    if public_response is None:
        return None
    data = public_response.extras.get("measure")
    if not data:
        return None
    return {
        **data,
        "status": MeasureStatus(data["status"]),
        "start_date": date.fromisoformat(data["start_date"]) if data.get("start_date") else None,
        "end_date": date.fromisoformat(data["end_date"]) if data.get("end_date") else None,
    }
