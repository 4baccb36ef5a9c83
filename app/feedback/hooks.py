"""Registers consultation feedback as a subject of the feedback machinery, and the
themes as the grouping of the staff views list (imported by :mod:`app.registry`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.consultations.models import Consultation
from app.feedback import assignments, consultation, subjects, theming
from app.participation import groupings


def _versions(session: Session, consultation_id: int) -> dict[int, int]:
    report = consultation.get_report_by_id(session, consultation_id)
    return assignments.versions(session, report)


def _change(session: Session, actor: User, subject: Consultation, change: groupings.GroupChange) -> tuple[str, Any]:
    report = consultation.start_report(session, actor, subject)
    theme, count = assignments.apply(session, actor, report, change)
    return theme.title_sv, count


subjects.register(consultation.SUBJECT)
groupings.register(
    groupings.Grouping(pairs=theming.theme_pairs, choices=theming.theme_choices, versions=_versions, change=_change)
)
