"""Who may do what with feedback. Pure functions, no database access.

A report is judged by what it reports on: a consultation, or a city service
(experiences and measures, judged by the service's board).
"""

from __future__ import annotations

from app.accounts.models import User
from app.consultations import policies as consultation_policies
from app.feedback.models import FeedbackReport


def can_edit(user: User, report: FeedbackReport) -> bool:
    """Editors and publishers of a hosting board write themes and responses."""
    if report.consultation is not None:
        return consultation_policies.can_edit(user, report.consultation)
    if report.service is not None:
        from app.experiences import policies as experience_policies

        return experience_policies.can_edit(user, report.service)
    return user.is_site_admin


def can_publish(user: User, report: FeedbackReport) -> bool:
    """Publishing (and publishing updates) needs the publisher role."""
    if report.consultation is not None:
        return consultation_policies.can_publish(user, report.consultation)
    if report.service is not None:
        from app.experiences import policies as experience_policies

        return experience_policies.can_publish(user, report.service)
    return user.is_site_admin
