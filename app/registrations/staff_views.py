"""Staff: who registered, what they need, who came; CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    stream_with_context,
    url_for,
)

from app.web.helpers import actor, form_errors, load_or_404, require, staff_required
from app.consultations import policies
from app.consultations.models import Consultation
from app.db import commit, get_session, keep_session_open
from app.i18n import format_datetime, language_name
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.registrations import services
from app.registrations.forms import AttendanceForm
from app.registrations.models import Registration

bp = Blueprint("registrations_staff", __name__)


def _load(consultation_id: int) -> Consultation:
    consultation: Consultation = load_or_404(Consultation, consultation_id)
    require(policies.can_edit(actor(), consultation))
    return consultation


def _render_list(consultation: Consultation, form: AttendanceForm, status: int = 200) -> tuple[str, int]:
    registrations = services.list_registrations(get_session(), actor(), consultation)
    return render_template(
        "registrations/staff/list.html", consultation=consultation, registrations=registrations,
        summary=services.summarise(registrations), form=form,
        attendance_open=services.attendance_open(consultation),
    ), status


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/registrations")
@staff_required
def index(consultation_id: int) -> tuple[str, int]:
    consultation = _load(consultation_id)
    return _render_list(consultation, AttendanceForm())


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/registrations/attendance", methods=["POST"])
@staff_required
def attendance(consultation_id: int) -> tuple[str, int] | Response:
    consultation = _load(consultation_id)
    session = get_session()
    form = AttendanceForm()
    form.attended.choices = [
        (r.id, r.id) for r in services.list_registrations(session, actor(), consultation) if r.is_active
    ]
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            count = services.mark_attendance(session, actor(), consultation, form.attended.data or [])
        if attempt.ok:
            commit()
            flash(_("Attendance is saved: %(num)d came.", num=count), "success")
            return redirect(url_for(".index", consultation_id=consultation.id))
    return _render_list(consultation, form, 200)


#: Columns of the export: what staff need to plan and follow up, nothing more.
CSV_COLUMNS = (
    _l("Status"),
    _l("Registered"),
    _l("Name or pseudonym"),
    _l("E-mail address"),
    _l("Phone number"),
    _l("Organisation"),
    _l("Language"),
    _l("Romani variety"),
    _l("Needs an interpreter"),
    _l("Interpreter into"),
    _l("Accessibility or other needs"),
    _l("Wants the feedback"),
    _l("Came"),
)


def _safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def _row(r: Registration) -> list[str]:
    contact = r.contact
    yes, no = _("Yes"), _("No")
    return [
        r.status.label,
        format_datetime(r.created_dt, weekday=False),
        contact.name or "" if contact else "",
        contact.email or "" if contact else "",
        contact.phone or "" if contact else "",
        contact.organisation or "" if contact else "",
        language_name(r.language),
        r.romani_variety.label if r.romani_variety else "",
        yes if r.needs_interpreter else no,
        r.interpreter_variety.label if r.interpreter_variety else "",
        r.needs or "",
        yes if r.wants_feedback else no,
        "" if r.attended is None else (yes if r.attended else no),
    ]


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/registrations.csv")
@staff_required
def export(consultation_id: int) -> Response:
    """Semicolon-separated UTF-8 with a byte order mark, as Excel with Swedish settings expects."""
    consultation = _load(consultation_id)
    rows = services.iter_registrations(get_session(), actor(), consultation)

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

        def flush() -> str:
            text = buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            return text

        writer.writerow([str(label) for label in CSV_COLUMNS])
        yield "\ufeff" + flush()
        for registration in rows:
            writer.writerow([_safe(cell) for cell in _row(registration)])
            yield flush()

    response = Response(stream_with_context(keep_session_open(generate())), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="anmalningar-{consultation.id}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
