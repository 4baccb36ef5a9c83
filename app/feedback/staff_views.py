"""Staff pages for writing and publishing feedback on a consultation.

The summary, theme and publish pages are the shared ones of :mod:`app.feedback.pages`,
described for consultations by :data:`PAGES`; merging and removing themes, the
responses with their cited decisions, the preview and late feedback are the
consultation's own.

Each view: parse → load (404) → check permission (403) → one service call →
commit → redirect, or re-render the form with the typed text and the errors.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.accounts.models import User
from app.boards.services import list_boards
from app.consultations import policies as consultation_policies
from app.consultations.models import Consultation
from app.db import commit, get_session
from app.feedback import assignments, pages, promises, publication, theming
from app.feedback import consultation as consultation_reports
from app.feedback import public as feedback_public
from app.feedback import services as feedback
from app.feedback.forms import DecisionForm, MergeForm, ResponseForm, ThemeForm
from app.feedback.models import Decision, FeedbackReport, FeedbackRevision, Theme, ThemeResponse
from app.feedback.pages import StaffPages
from app.feedback.views import view_list_args
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.participation.forms import parse_versions
from app.web.forms import ConfirmForm
from app.web.helpers import actor, flash_errors, form_errors, load_or_404, load_permitted, staff_required

bp = Blueprint("feedback_staff", __name__)


def _load_consultation(consultation_id: int) -> Consultation:
    return load_permitted(Consultation, consultation_id, consultation_policies.can_edit)


def _overview_context(session: Session, consultation: Consultation, report: FeedbackReport | None) -> dict[str, Any]:
    """The themes table: views per theme and language, views in no theme, the merge form."""
    merge_form = MergeForm(formdata=None, themes=theming.theme_choices(session, consultation.id))
    merge_form.versions.data = ",".join(f"{i}:{v}" for i, v in sorted(assignments.versions(session, report).items()))
    return {
        "theme_counts": theming.theme_counts(session, report) if report else {},
        "theme_languages": theming.theme_languages(session, report) if report else {},
        "unthemed": theming.count_unthemed(session, consultation.id),
        "merge_form": merge_form,
        "confirm_form": ConfirmForm(),
    }


def _add_theme(session: Session, user: User, consultation: Consultation, form: ThemeForm) -> Theme:
    report = consultation_reports.start_report(session, user, consultation)
    return feedback.add_theme(session, user, report, form.data)


def _theme_added(consultation: Consultation, _theme: Theme) -> tuple[str, str]:
    """A new theme is empty: next, its views are ticked in the list of views in no theme."""
    return (
        _("The theme has been added. Now put views in it, then write the board's response."),
        url_for("participation_staff.index", consultation_id=consultation.id, theme="none"),
    )


def _theme_context(
    session: Session,
    _consultation: Consultation,
    theme: Theme | None,
    _conflict: Theme | None,
) -> dict[str, Any]:
    if theme is None:
        return {}
    return {"confirm_form": ConfirmForm(), "view_count": theming.theme_counts(session, theme.report).get(theme.id, 0)}


def _publish(
    session: Session,
    user: User,
    _consultation: Consultation,
    report: FeedbackReport,
    note_sv: str | None,
    note_rom: str | None,
) -> FeedbackRevision:
    if report.is_published:
        return publication.publish_update(session, user, report, change_note_sv=note_sv, change_note_rom=note_rom)
    return publication.publish_feedback(session, user, report)


#: Consultation feedback's part of the shared staff pages (:mod:`app.feedback.pages`).
PAGES = StaffPages(
    owner_name="consultation",
    load=_load_consultation,
    get_report=consultation_reports.get_report,
    start_report=consultation_reports.start_report,
    summary_endpoint="feedback_staff.overview",
    publish_endpoint="feedback_staff.publish",
    summary_template="feedback/staff/overview.html",
    theme_template="feedback/staff/theme.html",
    publish_template="feedback/staff/publish.html",
    may_publish=lambda user, consultation, report: consultation_policies.may_publish_feedback(
        user, consultation, first=not (report and report.is_published)
    ),
    publish=_publish,
    published_message=_l("The feedback is published."),
    summary_context=_overview_context,
    theme_form=ThemeForm,
    prepare_theme_form=lambda *_args: None,
    add_theme=_add_theme,
    update_theme=lambda session, user, theme, form, version: feedback.update_theme(
        session, user, theme, form.data, expected_version=version
    ),
    theme_added=_theme_added,
    theme_context=_theme_context,
)


def _back(consultation: Consultation) -> Response:
    return redirect(url_for(".overview", consultation_id=consultation.id))


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/feedback", methods=["GET", "POST"])
@staff_required
def overview(consultation_id: int) -> tuple[str, int] | Response:
    return pages.summary_page(PAGES, consultation_id)


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/feedback/themes/new", methods=["GET", "POST"])
@staff_required
def theme_new(consultation_id: int) -> tuple[str, int] | Response:
    return pages.theme_page(PAGES, consultation_id)


@bp.route(
    "/<lang_code>/staff/consultations/<int:consultation_id>/feedback/themes/<int:theme_id>", methods=["GET", "POST"]
)
@staff_required
def theme_edit(consultation_id: int, theme_id: int) -> tuple[str, int] | Response:
    return pages.theme_page(PAGES, consultation_id, theme_id)


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/feedback/themes/merge", methods=["POST"])
@staff_required
def theme_merge(consultation_id: int) -> Response:
    """Merge two themes (from the overview); a theme changed meanwhile refuses it, and nothing is written."""
    session = get_session()
    consultation, report = pages.load_report(PAGES, consultation_id)
    form = MergeForm(themes=theming.theme_choices(session, consultation.id))
    if not form.validate_on_submit():
        for message in [m for _f, _l, m in form.error_list()] or [_("Choose a theme from the list.")]:
            flash(message, "error")
        return _back(consultation)
    with flash_errors() as attempt:
        target, moved = assignments.merge(
            session, actor(), report, form.source.data, form.target.data, parse_versions(form.versions.data)
        )
    if attempt.ok:
        commit()
        flash(
            _("The themes are merged; views that joined “%(theme)s”: %(num)d.", num=moved, theme=target.title_sv),
            "success",
        )
    return _back(consultation)


@bp.route(
    "/<lang_code>/staff/consultations/<int:consultation_id>/feedback/themes/<int:theme_id>/delete", methods=["POST"]
)
@staff_required
def theme_delete(consultation_id: int, theme_id: int) -> Response:
    consultation, _report, theme = pages.load_theme(PAGES, consultation_id, theme_id)
    if ConfirmForm().validate_on_submit():
        with flash_errors() as attempt:
            feedback.delete_theme(get_session(), actor(), theme)
        if attempt.ok:
            commit()
            flash(_("The theme has been removed."), "success")
    return _back(consultation)


@bp.route(
    "/<lang_code>/staff/consultations/<int:consultation_id>/feedback/themes/<int:theme_id>/response",
    methods=["GET", "POST"],
)
@staff_required
def response(consultation_id: int, theme_id: int) -> tuple[str, int] | Response:
    session = get_session()
    consultation, _report, theme = pages.load_theme(PAGES, consultation_id, theme_id)
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
        "feedback/staff/response.html",
        consultation=consultation,
        theme=theme,
        form=form,
        conflict=conflict,
        view_count=theming.theme_counts(session, theme.report).get(theme.id, 0),
        decision_form=DecisionForm(formdata=None, boards=list_boards(session), board_id=consultation.lead_board_id),
        confirm_form=ConfirmForm(),
    ), 409 if conflict else 200


@bp.route(
    "/<lang_code>/staff/consultations/<int:consultation_id>/feedback/themes/<int:theme_id>/decisions", methods=["POST"]
)
@staff_required
def decision_add(consultation_id: int, theme_id: int) -> str | Response:
    session = get_session()
    consultation, _report, theme = pages.load_theme(PAGES, consultation_id, theme_id)
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
        "feedback/staff/response.html",
        consultation=consultation,
        theme=theme,
        view_count=theming.theme_counts(session, theme.report).get(theme.id, 0),
        form=ResponseForm(formdata=None, obj=r, boards=boards, outcome=r.outcome.value),
        decision_form=form,
        confirm_form=ConfirmForm(),
    )


@bp.route(
    "/<lang_code>/staff/consultations/<int:consultation_id>/feedback/themes/<int:theme_id>/decisions/<int:decision_id>/remove",
    methods=["POST"],
)
@staff_required
def decision_remove(consultation_id: int, theme_id: int, decision_id: int) -> Response:
    consultation, _report, theme = pages.load_theme(PAGES, consultation_id, theme_id)
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
    consultation, report = pages.load_report(PAGES, consultation_id)
    return render_template(
        "feedback/public.html",
        consultation=consultation,
        page=feedback_public.public_feedback_page(session, report, draft=True, **view_list_args()),
        preview=True,
        promise=promises.promise(consultation, report, promises.stockholm_today()),
        find_form=None,
        author_label=feedback_public.author_label,
    )


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/feedback/publish", methods=["GET", "POST"])
@staff_required
def publish(consultation_id: int) -> str | Response:
    return pages.publish_page(PAGES, consultation_id)


@bp.route("/<lang_code>/staff/feedback/overdue")
@staff_required
def overdue() -> str:
    """Late feedback in the user's boards, by lead board, paginated."""
    today = promises.stockholm_today()
    page = promises.overdue_page(get_session(), actor(), today, max(1, request.args.get("page", 1, type=int) or 1))
    return render_template(
        "feedback/staff/overdue.html", groups=promises.by_board(page.items), page=page, args={}, today=today
    )
