"""Who may do what with feedback. Pure functions, no database access.

A report is judged by what it reports on, its subject (a consultation; a city
service, judged by the service's board): :mod:`app.feedback.subjects`.
"""

from __future__ import annotations

from app.accounts.models import User
from app.feedback.models import FeedbackReport
from app.feedback.subjects import subject_of


def can_edit(user: User, report: FeedbackReport) -> bool:
    """Editors and publishers of a hosting board write themes and responses."""
    subject = subject_of(report)
    return subject.can_edit(user, report) if subject is not None else user.is_site_admin


def can_publish(user: User, report: FeedbackReport) -> bool:
    """Publishing (and publishing updates) needs the publisher role."""
    subject = subject_of(report)
    return subject.can_publish(user, report) if subject is not None else user.is_site_admin
