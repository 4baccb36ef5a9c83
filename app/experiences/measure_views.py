"""Staff: a service's measures — what the board does about the experiences users gave.

The summary, theme and publish pages are the shared feedback staff pages
(:mod:`app.feedback.pages`), described for a service by :data:`PAGES`; the
measure form (a response with its owner, status and dates) is the service's own.
Services, surveys, answers and notes are in :mod:`app.experiences.staff_views`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.db import commit, get_session
from app.experiences import answers as xp_answers
from app.experiences import measures as xp_measures
from app.experiences import policies
from app.experiences.forms import MeasureForm, ThemeForm
from app.experiences.models import Service
from app.feedback import pages
from app.feedback.models import FeedbackReport, Theme
from app.feedback.pages import StaffPages
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.web.helpers import actor, form_errors, load_permitted, staff_required

bp = Blueprint("experiences_measures", __name__)

PREFIX = "/<lang_code>/staff/experiences"


def _service(service_id: int) -> Service:
    return load_permitted(Service, service_id, policies.can_edit)


# --- Measures -----------------------------------------------------------------------------------------


def _measures_context(session: Session, _service: Service, report: FeedbackReport | None) -> dict[str, Any]:
    """The themes table: how many experiences each theme rests on, and its measure."""
    if report is None:
        return {"measures": {}, "counts": {}}
    return {
        "measures": xp_measures.measures_for(session, report),
        "counts": xp_measures.theme_record_counts(session, [t.id for t in report.themes]),
    }


def _prepare_theme_form(session: Session, service: Service, theme: Theme | None, form: ThemeForm, opened: bool) -> None:
    """The service's records to tick, and (when the form opens on a theme) those it groups."""
    user = actor()
    form.offer(xp_answers.list_records(session, service), lambda record: policies.can_open_record(user, record))
    if opened and theme is not None:
        form.record_ids.data = xp_measures.theme_record_ids(session, theme)


def _theme_context(session: Session, _service: Service, _theme: Theme | None, conflict: Theme | None) -> dict[str, Any]:
    return {"conflict_record_ids": xp_measures.theme_record_ids(session, conflict) if conflict else []}


#: A service's measures: its part of the shared feedback staff pages (:mod:`app.feedback.pages`).
PAGES = StaffPages(
    owner_name="service",
    load=_service,
    get_report=xp_measures.get_report,
    start_report=xp_measures.start_report,
    summary_endpoint="experiences_measures.measures",
    publish_endpoint="experiences_measures.measures_publish",
    summary_template="experiences/staff/measures.html",
    theme_template="experiences/staff/theme.html",
    publish_template="experiences/staff/publish.html",
    may_publish=lambda user, service, _report: policies.may_publish(user, service),
    publish=lambda session, user, service, _report, note_sv, note_rom: xp_measures.publish_measures(
        session, user, service, change_note_sv=note_sv, change_note_rom=note_rom
    ),
    published_message=_l("The measures are published."),
    summary_context=_measures_context,
    theme_form=ThemeForm,
    prepare_theme_form=_prepare_theme_form,
    add_theme=lambda session, user, service, form: xp_measures.add_theme(
        session, user, service, form.data, form.record_ids.data or []
    ),
    update_theme=lambda session, user, theme, form, version: xp_measures.update_theme(
        session, user, theme, form.data, form.record_ids.data or [], expected_version=version
    ),
    theme_added=lambda service, theme: (
        _("The theme has been added. Now write the response and the measure."),
        url_for(".measure", service_id=service.id, theme_id=theme.id),
    ),
    theme_context=_theme_context,
)


@bp.route(f"{PREFIX}/services/<int:service_id>/measures", methods=["GET", "POST"])
@staff_required
def measures(service_id: int) -> tuple[str, int] | Response:
    return pages.summary_page(PAGES, service_id)


@bp.route(f"{PREFIX}/services/<int:service_id>/measures/themes/new", methods=["GET", "POST"])
@staff_required
def theme_new(service_id: int) -> tuple[str, int] | Response:
    return pages.theme_page(PAGES, service_id)


@bp.route(f"{PREFIX}/services/<int:service_id>/measures/themes/<int:theme_id>", methods=["GET", "POST"])
@staff_required
def theme_edit(service_id: int, theme_id: int) -> tuple[str, int] | Response:
    return pages.theme_page(PAGES, service_id, theme_id)


@bp.route(f"{PREFIX}/services/<int:service_id>/measures/themes/<int:theme_id>/measure", methods=["GET", "POST"])
@staff_required
def measure(service_id: int, theme_id: int) -> tuple[str, int] | Response:
    session = get_session()
    svc, _report, theme = pages.load_theme(PAGES, service_id, theme_id)
    current = xp_measures.get_measure(session, theme.response)
    if request.method == "POST":
        form = MeasureForm()
    elif current is not None and theme.response is not None:
        r = theme.response
        form = MeasureForm(
            body_sv=r.body_sv,
            body_rom=r.body_rom,
            reason_sv=r.reason_sv,
            reason_rom=r.reason_rom,
            owner=current.owner,
            status=current.status.value,
            start_date=current.start_date,
            end_date=current.end_date,
        )
    else:
        form = MeasureForm()
    if request.method != "POST":
        # The response's version guards the response and its measure together.
        form.version.data = str(theme.response.version if theme.response is not None else 0)
    conflict: xp_measures.StaleMeasure | None = None
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            xp_measures.save_measure(session, actor(), theme, form.data, expected_version=form.expected_version())
        if attempt.ok:
            commit()
            flash(_("The measure has been saved."), "success")
            return redirect(url_for(".measures", service_id=svc.id))
        conflict = attempt.conflict  # type: ignore[assignment]  # save_measure raises StaleMeasure
    return render_template(
        "experiences/staff/measure.html",
        service=svc,
        theme=theme,
        form=form,
        conflict=conflict.response if conflict else None,
        conflict_measure=conflict.measure if conflict else None,
    ), 409 if conflict else 200


@bp.route(f"{PREFIX}/services/<int:service_id>/measures/publish", methods=["GET", "POST"])
@staff_required
def measures_publish(service_id: int) -> str | Response:
    return pages.publish_page(PAGES, service_id)
