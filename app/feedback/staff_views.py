"""Staff pages for writing and publishing feedback.

Each view: parse → load (404) → check permission (403) → one service call →
commit → redirect, or re-render the form with the typed text and the errors.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.boards.services import list_boards
from app.consultations import policies as consultation_policies
from app.consultations.models import Consultation
from app.db import commit, get_session
from app.feedback import assignments, policies, promises, publication, snapshots, theming
from app.feedback import consultation as consultation_reports
from app.feedback import public as feedback_public
from app.feedback import services as feedback
from app.feedback.forms import (
    DecisionForm,
    MergeForm,
    ResponseForm,
    SummaryForm,
    ThemeForm,
    UpdateForm,
)
from app.feedback.models import Decision, FeedbackReport, Theme, ThemeResponse
from app.feedback.views import view_list_args
from app.i18n import gettext as _
from app.participation.forms import parse_versions
from app.web.forms import ConfirmForm
from app.web.helpers import (
    actor,
    flash_errors,
    form_errors,
    load_or_404,
    load_permitted,
    require,
    staff_required,
)

bp = Blueprint("feedback_staff", __name__)


def _load(consultation_id: int) -> tuple[Consultation, FeedbackReport | None]:
    consultation = load_permitted(Consultation, consultation_id, consultation_policies.can_edit)
    return consultation, consultation_reports.get_report(get_session(), consultation)


def _load_theme(consultation_id: int, theme_id: int) -> tuple[Consultation, FeedbackReport, Theme]:
    consultation, report = _load(consultation_id)
    theme: Theme = load_or_404(Theme, theme_id)
    if report is None or theme.report_id != report.id:
        abort(404)
    return consultation, report, theme


def _back(consultation: Consultation) -> Response:
    return redirect(url_for(".overview", consultation_id=consultation.id))


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/feedback", methods=["GET", "POST"])
@staff_required
def overview(consultation_id: int) -> tuple[str, int] | Response:
    session = get_session()
    consultation, report = _load(consultation_id)
    if request.method == "POST":
        form = SummaryForm()
    else:
        form = SummaryForm(obj=report)
        form.version.data = str(report.version if report else 0)
    conflict: FeedbackReport | None = None
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            report = consultation_reports.start_report(session, actor(), consultation)
            feedback.update_summary(session, actor(), report, form.data, expected_version=form.expected_version())
        if attempt.ok:
            commit()
            flash(_("The summary has been saved."), "success")
            return _back(consultation)
        conflict = attempt.current
    themes = theming.theme_choices(session, consultation.id)
    merge_form = MergeForm(formdata=None, themes=themes)
    merge_form.versions.data = ",".join(f"{i}:{v}" for i, v in sorted(assignments.versions(session, report).items()))
    return render_template(
        "feedback/staff/overview.html", consultation=consultation, report=report, form=form, conflict=conflict,
        theme_counts=theming.theme_counts(session, report) if report else {},
        theme_languages=theming.theme_languages(session, report) if report else {},
        unthemed=theming.count_unthemed(session, consultation.id), merge_form=merge_form,
        problems=publication.check_publishable(report) if report else {},
        unpublished=bool(report and snapshots.has_unpublished_changes(report)),
        publish_now=consultation_policies.may_publish_feedback(
            actor(), consultation, first=not (report and report.is_published)),
        confirm_form=ConfirmForm(),
    ), 409 if conflict else 200


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/feedback/themes/new", methods=["GET", "POST"])
@staff_required
def theme_new(consultation_id: int) -> str | Response:
    session = get_session()
    consultation, _report = _load(consultation_id)
    form = ThemeForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            report = consultation_reports.start_report(session, actor(), consultation)
            feedback.add_theme(session, actor(), report, form.data)
        if attempt.ok:
            commit()
            flash(_("The theme has been added. Now put views in it, then write the board's response."), "success")
            return redirect(url_for("participation_staff.index", consultation_id=consultation.id, theme="none"))
    return render_template("feedback/staff/theme.html", consultation=consultation, form=form, theme=None)


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/feedback/themes/<int:theme_id>",
          methods=["GET", "POST"])
@staff_required
def theme_edit(consultation_id: int, theme_id: int) -> tuple[str, int] | Response:
    consultation, _report, theme = _load_theme(consultation_id, theme_id)
    if request.method == "POST":
        form = ThemeForm()
    else:
        form = ThemeForm(obj=theme)
        form.version.data = str(theme.version)
    conflict: Theme | None = None
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            feedback.update_theme(get_session(), actor(), theme, form.data, expected_version=form.expected_version())
        if attempt.ok:
            commit()
            flash(_("The theme has been saved."), "success")
            return _back(consultation)
        conflict = attempt.current
    return render_template("feedback/staff/theme.html", consultation=consultation, form=form, theme=theme,
                           confirm_form=ConfirmForm(), conflict=conflict,
                           view_count=theming.theme_counts(get_session(), theme.report).get(theme.id, 0),
                           ), 409 if conflict else 200


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/feedback/themes/merge", methods=["POST"])
@staff_required
def theme_merge(consultation_id: int) -> Response:
    """Merge two themes (from the overview); a theme changed meanwhile refuses it, and nothing is written."""
    session = get_session()
    consultation, report = _load(consultation_id)
    if report is None:
        abort(404)
    form = MergeForm(themes=theming.theme_choices(session, consultation.id))
    if not form.validate_on_submit():
        for message in [m for _f, _l, m in form.error_list()] or [_("Choose a theme from the list.")]:
            flash(message, "error")
        return _back(consultation)
    with flash_errors() as attempt:
        target, moved = assignments.merge(session, actor(), report, form.source.data, form.target.data,
                                          parse_versions(form.versions.data))
    if attempt.ok:
        commit()
        flash(_("The themes are merged; views that joined “%(theme)s”: %(num)d.", num=moved, theme=target.title_sv), "success")
    return _back(consultation)


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/feedback/themes/<int:theme_id>/delete",
          methods=["POST"])
@staff_required
def theme_delete(consultation_id: int, theme_id: int) -> Response:
    consultation, _report, theme = _load_theme(consultation_id, theme_id)
    if ConfirmForm().validate_on_submit():
        with flash_errors() as attempt:
            feedback.delete_theme(get_session(), actor(), theme)
        if attempt.ok:
            commit()
            flash(_("The theme has been removed."), "success")
    return _back(consultation)


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/feedback/themes/<int:theme_id>/response",
          methods=["GET", "POST"])
@staff_required
def response(consultation_id: int, theme_id: int) -> tuple[str, int] | Response:
    session = get_session()
    consultation, _report, theme = _load_theme(consultation_id, theme_id)
    boards = [b for b in list_boards(session) if b.id != consultation.lead_board_id]
    if request.method == "POST":
        form = ResponseForm(boards=boards)
    elif theme.response is not None:
        r = theme.response
        form = ResponseForm(obj=r, boards=boards, outcome=r.outcome.value)
        form.version.data = str(r.version)
    else:
        form = ResponseForm(boards=boards, version="0")
    conflict: ThemeResponse | None = None
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            feedback.save_response(session, actor(), theme, form.data, expected_version=form.expected_version())
        if attempt.ok:
            commit()
            flash(_("The response has been saved."), "success")
            return redirect(url_for(".response", consultation_id=consultation.id, theme_id=theme.id))
        conflict = attempt.current
    return render_template(
        "feedback/staff/response.html", consultation=consultation, theme=theme, form=form, conflict=conflict,
        view_count=theming.theme_counts(session, theme.report).get(theme.id, 0),
        decision_form=DecisionForm(formdata=None, boards=list_boards(session), board_id=consultation.lead_board_id),
        confirm_form=ConfirmForm(),
    ), 409 if conflict else 200


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/feedback/themes/<int:theme_id>/decisions",
          methods=["POST"])
@staff_required
def decision_add(consultation_id: int, theme_id: int) -> str | Response:
    session = get_session()
    consultation, _report, theme = _load_theme(consultation_id, theme_id)
    if theme.response is None:
        flash(_("Save the response before citing decisions."), "error")
        return redirect(url_for(".response", consultation_id=consultation.id, theme_id=theme.id))
    form = DecisionForm(boards=list_boards(session))
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            feedback.cite_decision(session, actor(), theme.response, form.data)
        if attempt.ok:
            commit()
            flash(_("The decision has been added."), "success")
            return redirect(url_for(".response", consultation_id=consultation.id, theme_id=theme.id))
    r = theme.response
    boards = [b for b in list_boards(session) if b.id != consultation.lead_board_id]
    return render_template(
        "feedback/staff/response.html", consultation=consultation, theme=theme,
        view_count=theming.theme_counts(session, theme.report).get(theme.id, 0),
        form=ResponseForm(formdata=None, obj=r, boards=boards, outcome=r.outcome.value),
        decision_form=form, confirm_form=ConfirmForm(),
    )


@bp.route(
    "/<lang_code>/staff/consultations/<int:consultation_id>/feedback/themes/<int:theme_id>/decisions/<int:decision_id>/remove",
    methods=["POST"],
)
@staff_required
def decision_remove(consultation_id: int, theme_id: int, decision_id: int) -> Response:
    consultation, _report, theme = _load_theme(consultation_id, theme_id)
    decision: Decision = load_or_404(Decision, decision_id)
    if theme.response is None or decision not in theme.response.decisions:
        abort(404)
    if ConfirmForm().validate_on_submit():
        with flash_errors() as attempt:
            feedback.remove_decision(get_session(), actor(), theme.response, decision)
        if attempt.ok:
            commit()
            flash(_("The decision is no longer cited."), "success")
    return redirect(url_for(".response", consultation_id=consultation.id, theme_id=theme.id))


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/feedback/preview")
@staff_required
def preview(consultation_id: int) -> str:
    session = get_session()
    consultation, report = _load(consultation_id)
    if report is None:
        abort(404)
    return render_template(
        "feedback/public.html", consultation=consultation,
        page=feedback_public.public_feedback_page(session, report, draft=True, **view_list_args()),
        preview=True, promise=promises.promise(consultation, report, promises.stockholm_today()),
        find_form=None, author_label=feedback_public.author_label,
    )


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/feedback/publish", methods=["GET", "POST"])
@staff_required
def publish(consultation_id: int) -> str | Response:
    session = get_session()
    consultation, report = _load(consultation_id)
    if report is None:
        abort(404)
    require(policies.can_publish(actor(), report))
    form: Any = UpdateForm() if report.is_published else ConfirmForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            if report.is_published:
                publication.publish_update(session, actor(), report, change_note_sv=form.change_note_sv.data,
                                        change_note_rom=form.change_note_rom.data)
            else:
                publication.publish_feedback(session, actor(), report)
        if attempt.ok:
            commit()
            flash(_("The feedback is published."), "success")
            return _back(consultation)
    return render_template(
        "feedback/staff/publish.html", consultation=consultation, report=report, form=form,
        problems=publication.check_publishable(report), unpublished=snapshots.has_unpublished_changes(report),
    )


@bp.route("/<lang_code>/staff/feedback/overdue")
@staff_required
def overdue() -> str:
    """Late feedback in the user's boards, by lead board, paginated."""
    today = promises.stockholm_today()
    page = promises.overdue_page(get_session(), actor(), today, max(1, request.args.get("page", 1, type=int) or 1))
    return render_template("feedback/staff/overdue.html", groups=promises.by_board(page.items), page=page, args={},
                           today=today)
