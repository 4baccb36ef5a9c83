"""Registers a city service's measures as a subject of the feedback machinery (imported by :mod:`app.registry`)."""

from __future__ import annotations

from app.experiences import policies
from app.experiences.ledger import experience_ledger, experience_ledger_csv, experience_report, experience_report_csv
from app.experiences.measures import measure_snapshot, notify_measures
from app.feedback import subjects

subjects.register(
    subjects.Subject(
        name="service",
        owns=lambda report: report.service_id is not None or report.service is not None,
        can_edit=lambda user, report: policies.can_edit(user, report.service),
        can_publish=lambda user, report: policies.can_publish(user, report.service),
        notify=notify_measures,
        snapshot_extension=measure_snapshot,
        ledger_part=experience_ledger,
        ledger_template="experiences/_ledger.html",
        report_part=experience_report,
        report_template="experiences/_report.html",
        report_csv=experience_report_csv,
        ledger_csv=experience_ledger_csv,
    )
)
