"""Feedback on a consultation: the first subject of the feedback machinery.

A consultation's report is prepared once the consultation is published; its
first publication moves the consultation to ``feedback_published``; those who
gave a view or registered and asked to be told get an e-mail. Registered as a
:class:`~app.feedback.subjects.Subject` by :mod:`app.feedback.hooks`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, lazyload

from app.accounts.models import User
from app.common.errors import require_permission
from app.common.possible import require_possible
from app.common.urls import external_url
from app.consultations import policies as consultation_policies
from app.consultations.models import Consultation, ConsultationStatus
from app.consultations.services import TransitionError
from app.db import insert_or_existing
from app.feedback import policies
from app.feedback.models import FeedbackReport, FeedbackRevision
from app.feedback.subjects import Subject
from app.i18n import lazy_gettext as _l
from app.mail.services import queue_email
from app.participation.models import Contact, Viewpoint
from app.registrations.models import Registration, RegistrationStatus

S = ConsultationStatus

#: Statuses in which feedback can be prepared.
PREPARABLE = (S.PUBLISHED, S.HELD, S.FEEDBACK_PUBLISHED, S.CLOSED)


def get_report(session: Session, consultation: Consultation) -> FeedbackReport | None:
    # The themes (with their views, responses and decisions) load only when used:
    # public pages read the published snapshot and never need them.
    return get_report_by_id(session, consultation.id)


def get_report_by_id(session: Session, consultation_id: int) -> FeedbackReport | None:
    """The consultation's report, without its themes (see :func:`get_report`)."""
    return session.scalar(
        sa.select(FeedbackReport)
        .where(FeedbackReport.consultation_id == consultation_id)
        .options(lazyload(FeedbackReport.themes))
    )


def start_report(session: Session, actor: User, consultation: Consultation) -> FeedbackReport:
    """The consultation's report, created empty on first use."""
    report = get_report(session, consultation)
    if report is None:
        report = FeedbackReport(consultation=consultation, consultation_id=consultation.id)
    require_permission(policies.can_edit(actor, report))
    if consultation.status not in PREPARABLE:
        raise TransitionError(_l("Feedback can be prepared once the consultation is published."))
    if report.id is None:
        # A colleague may start it at the same moment (one report per consultation): then work on theirs.
        report, _created = insert_or_existing(session, report, lambda: get_report(session, consultation))
    return report


def _consultation(report: FeedbackReport) -> Consultation:
    """The consultation of a report of this subject (see :func:`_owns`)."""
    assert report.consultation is not None, "a consultation's report without its consultation"
    return report.consultation


def check_editable(report: FeedbackReport) -> None:
    if _consultation(report).status not in PREPARABLE:
        raise TransitionError(_l("Feedback can be prepared once the consultation is published."))


def first_publication(report: FeedbackReport) -> Callable[[], None]:
    """Only a held consultation gets feedback; publishing it moves the consultation on."""
    consultation = _consultation(report)
    require_possible(consultation_policies.feedback_can_first_appear(consultation), TransitionError)

    def move_on() -> None:
        consultation.status = S.FEEDBACK_PUBLISHED

    return move_on


def notify_participants(session: Session, report: FeedbackReport, revision: FeedbackRevision) -> int:
    """E-mail everyone who asked for feedback, once per address, in their language.

    Those who gave a view and asked to be told, and registrants who asked.
    Returns the number of messages queued.
    """
    rows = session.execute(
        sa.select(Viewpoint.reference_code, Contact.email, Contact.language, Contact.id)
        .join(Contact, Viewpoint.contact_id == Contact.id)
        .where(
            Viewpoint.consultation_id == report.consultation_id,
            Viewpoint.wants_feedback.is_(True),
            Contact.email.is_not(None),
            Contact.email != "",
        )
        .order_by(Viewpoint.id)
    ).all()
    recipients: dict[str, dict[str, Any]] = {}
    for code, email, language, contact_id in rows:
        assert email is not None  # the query skips contacts without an address
        key = email.strip().lower()
        entry = recipients.setdefault(
            key, {"to": email.strip(), "language": language, "codes": [], "contact_id": contact_id}
        )
        entry["codes"].append(code)
    # Registrants who asked to be told (their views, if any, are listed above).
    registrants = session.execute(
        sa.select(Contact.email, Contact.language, Contact.id)
        .join(Registration, Registration.contact_id == Contact.id)
        .where(
            Registration.consultation_id == report.consultation_id,
            Registration.wants_feedback.is_(True),
            Registration.status != RegistrationStatus.CANCELLED,
            Contact.email.is_not(None),
            Contact.email != "",
        )
        .order_by(Registration.id)
    ).all()
    for email, language, contact_id in registrants:
        assert email is not None  # the query skips contacts without an address
        recipients.setdefault(
            email.strip().lower(), {"to": email.strip(), "language": language, "codes": [], "contact_id": contact_id}
        )
    if not recipients:
        return 0
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["DEFAULT_LANGUAGE"]
    template = "feedback/published" if revision.number == 1 else "feedback/updated"
    for entry in recipients.values():
        lang = entry["language"] if entry["language"] in languages else default
        queue_email(
            session,
            to=entry["to"],
            contact_id=entry["contact_id"],
            template=template,
            language=lang,
            kind="feedback.published" if revision.number == 1 else "feedback.updated",
            consultation=report.consultation,
            revision=revision,
            feedback_url=external_url("feedback.public", lang_code=lang, consultation_id=report.consultation_id),
            views=[(code, external_url("feedback.view", lang_code=lang, code=code)) for code in entry["codes"]],
        )
    return len(recipients)


def _owns(report: FeedbackReport) -> bool:
    return report.consultation_id is not None or report.consultation is not None


def _can_edit(user: User, report: FeedbackReport) -> bool:
    return consultation_policies.can_edit(user, _consultation(report))


def _can_publish(user: User, report: FeedbackReport) -> bool:
    return consultation_policies.can_publish(user, _consultation(report))


SUBJECT = Subject(
    name="consultation",
    owns=_owns,
    can_edit=_can_edit,
    can_publish=_can_publish,
    notify=notify_participants,
    check_editable=check_editable,
    first_publication=first_publication,
)

__all__ = ["PREPARABLE", "SUBJECT", "get_report", "start_report", "notify_participants"]
