"""Staff: who registered, what they need, who came; CSV export."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    url_for,
)
from werkzeug.wrappers import Response

from app.common.csvexport import csv_download, iter_csv
from app.consultations import policies
from app.consultations.models import Consultation
from app.db import commit, get_session
from app.i18n import gettext as _
from app.registrations import roster
from app.registrations.forms import AttendanceForm
from app.registrations.models import Registration
from app.web.helpers import actor, form_errors, load_permitted, staff_required

bp = Blueprint("registrations_staff", __name__)


def _render_list(consultation: Consultation, form: AttendanceForm, status: int = 200) -> tuple[str, int]:
    registrations = roster.list_registrations(get_session(), actor(), consultation)
    return render_template(
        "registrations/staff/list.html",
        consultation=consultation,
        registrations=registrations,
        summary=roster.summarise(registrations),
        form=form,
        attendance_open=roster.attendance_open(consultation),
    ), status


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/registrations")
@staff_required
def index(consultation_id: int) -> tuple[str, int]:
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    return _render_list(consultation, AttendanceForm())


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/registrations/attendance", methods=["POST"])
@staff_required
def attendance(consultation_id: int) -> tuple[str, int] | Response:
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    session = get_session()
    form = AttendanceForm()
    form.attended.choices = [
        (r.id, r.id) for r in roster.list_registrations(session, actor(), consultation) if r.is_active
    ]
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            count = roster.mark_attendance(session, actor(), consultation, form.attended.data or [])
        if attempt.ok:
            commit()
            flash(_("Attendance is saved: %(num)d came.", num=count), "success")
            return redirect(url_for(".index", consultation_id=consultation.id))
    return _render_list(consultation, form, 200)


#: Columns of the export: what staff need to plan and follow up, nothing more.
#: Stable, language-independent headers; values are codes (``yes``/``no``, ``registered``, ``sv``).
CSV_COLUMNS = (
    "status",
    "registered_utc",
    "name",
    "email",
    "phone",
    "organisation",
    "language",
    "romani_variety",
    "needs_interpreter",
    "interpreter_variety",
    "needs",
    "wants_feedback",
    "attended",
)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _row(r: Registration) -> list[str | None]:
    contact = r.contact
    return [
        r.status.value,
        r.created_dt.strftime("%Y-%m-%d %H:%M:%S"),
        contact.name if contact else None,
        contact.email if contact else None,
        contact.phone if contact else None,
        contact.organisation if contact else None,
        r.language,
        r.romani_variety.value if r.romani_variety else None,
        _yes_no(r.needs_interpreter),
        r.interpreter_variety.value if r.interpreter_variety else None,
        r.needs,
        _yes_no(r.wants_feedback),
        _yes_no(r.attended),
    ]


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/registrations.csv")
@staff_required
def export(consultation_id: int) -> Response:
    """Every registration with its contact data (:mod:`app.common.csvexport`); never cached."""
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    rows = roster.iter_registrations(get_session(), actor(), consultation)
    return csv_download(iter_csv(CSV_COLUMNS, map(_row, rows)), f"anmalningar-{consultation.id}.csv", private=True)
