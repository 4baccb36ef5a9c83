"""Staff pages for suggested themes (issue 22): ask for them, and accept, rename, merge, trim or reject proposals.

A blueprint of its own (as ``participation.audio_views``), so the feedback
staff pages stay one module each. Every view: parse → load with permission
(404/403) → one service call → commit → redirect, or the page again with the
error next to the field (400) or the proposal as a colleague left it (409).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.common.errors import DomainError, PermissionDenied, StaleVersion
from app.common.pagination import Page, paginate_ids
from app.consultations import policies as consultation_policies
from app.consultations.models import Consultation
from app.db import commit, get_session
from app.feedback import consultation as consultation_reports
from app.feedback import policies, suggestions, theming
from app.feedback.forms import ProposalForm, ProposalMergeForm, ProposalViewsForm, SuggestForm
from app.feedback.models import FeedbackReport, SuggestionRun, ThemeSuggestion
from app.i18n import gettext as _
from app.participation.forms import parse_versions
from app.participation.models import Viewpoint
from app.web.helpers import actor, form_errors, load_permitted, staff_required

bp = Blueprint("feedback_suggestions", __name__)

BASE = "/<lang_code>/staff/consultations/<int:consultation_id>/feedback/suggestions"
PER_PAGE = 25


def _load(consultation_id: int) -> tuple[Consultation, FeedbackReport | None, SuggestionRun | None]:
    consultation = load_permitted(Consultation, consultation_id, consultation_policies.can_edit)
    session = get_session()
    return (
        consultation,
        consultation_reports.get_report(session, consultation),
        suggestions.get_run(session, consultation.id),
    )


def _proposal_in(run: SuggestionRun | None, suggestion_id: int) -> ThemeSuggestion | None:
    """The proposal of the consultation's current run with this id (``None``: gone or another run's)."""
    return next((s for s in run.suggestions if s.id == suggestion_id), None) if run else None


def _load_proposal(consultation_id: int, suggestion_id: int) -> tuple[Consultation, FeedbackReport, ThemeSuggestion]:
    consultation, report, run = _load(consultation_id)
    suggestion = _proposal_in(run, suggestion_id)
    if report is None or suggestion is None:
        abort(404)
    return consultation, report, suggestion


def _gone(consultation: Consultation) -> Response:
    """A proposal a colleague accepted, merged or rejected meanwhile: say so instead of a bare 404."""
    flash(_("That proposal is no longer there: a colleague has accepted, merged or rejected it."), "error")
    return _back(consultation)


def _back(consultation: Consultation) -> Response:
    return redirect(url_for(".index", consultation_id=consultation.id))


def _proposal_form(suggestion: ThemeSuggestion, formdata: Any = None) -> ProposalForm:
    form = ProposalForm(formdata=formdata, prefix=f"s{suggestion.id}")
    if formdata is None:
        form.title.data = suggestion.title
        form.version.data = str(suggestion.version)
    return form


def _merge_form(run: SuggestionRun | None, formdata: Any = None) -> ProposalMergeForm:
    proposals = [(s.id, s.title) for s in run.suggestions] if run else []
    form = ProposalMergeForm(formdata=formdata, proposals=proposals)
    if formdata is None:
        form.versions.data = ",".join(f"{s.id}:{s.version}" for s in (run.suggestions if run else []))
    return form


def _index_page(
    consultation: Consultation,
    report: FeedbackReport | None,
    run: SuggestionRun | None,
    *,
    suggest_form: SuggestForm | None = None,
    posted: ProposalForm | None = None,
    posted_id: int | None = None,
    merge_form: ProposalMergeForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    session = get_session()
    forms = {
        s.id: posted if s.id == posted_id and posted is not None else _proposal_form(s)
        for s in (run.suggestions if run else [])
    }
    return render_template(
        "feedback/staff/suggestions.html",
        consultation=consultation,
        report=report,
        run=run,
        suggest_form=suggest_form or SuggestForm(formdata=None),
        forms=forms,
        merge_form=merge_form or _merge_form(run),
        shown=suggestions.overview(session, run) if run else None,
        unthemed=theming.count_unthemed(session, consultation.id),
        max_views=suggestions.MAX_VIEWS,
        may_edit=report is None or policies.can_edit(actor(), report),
    ), status


@bp.route(BASE, methods=["GET", "POST"])
@staff_required
def index(consultation_id: int) -> tuple[str, int] | Response:
    """The proposals; POST: suggest themes afresh (replacing the proposals shown)."""
    session = get_session()
    consultation, report, run = _load(consultation_id)
    if request.method == "GET":
        return _index_page(consultation, report, run)
    form = SuggestForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            report = consultation_reports.start_report(session, actor(), consultation)
            made = suggestions.suggest(session, actor(), report, form.scope.data)
        if attempt.ok:
            commit()
            flash(
                _(
                    "Suggested themes: %(num)d proposals. Nothing is in a theme until you accept a proposal.",
                    num=len(made.suggestions),
                ),
                "success",
            )
            return _back(consultation)
    return _index_page(consultation, report, run, suggest_form=form, status=400)


@bp.route(f"{BASE}/<int:suggestion_id>", methods=["GET", "POST"])
@staff_required
def proposal(consultation_id: int, suggestion_id: int) -> tuple[str, int] | Response:
    """GET: the proposal's views, paginated, to take some out. POST: accept, rename or reject it."""
    if request.method == "POST":
        consultation, report, run = _load(consultation_id)
        suggestion = _proposal_in(run, suggestion_id)
        if suggestion is None or report is None:
            return _gone(consultation)
        form = _proposal_form(suggestion, formdata=request.form)
        if not form.validate_on_submit():
            return _render_after_post(consultation, report, run, suggestion, form, status=400)
        with form_errors(form) as attempt:
            message = _act(report, suggestion, form)
        if attempt.ok:
            commit()
            flash(message, "success")
            return _back(consultation)
        return _render_after_post(consultation, report, run, suggestion, form, status=409 if attempt.conflict else 400)
    consultation, report, suggestion = _load_proposal(consultation_id, suggestion_id)
    return _proposal_page(consultation, report, suggestion, _proposal_form(suggestion))


def _act(report: FeedbackReport, suggestion: ThemeSuggestion, form: ProposalForm) -> str:
    """Accept, rename or reject (the button pressed); returns the message to flash."""
    session = get_session()
    if form.accept.data:
        done = suggestions.accept(
            session, actor(), report, suggestion, form.title.data, expected_version=form.expected_version()
        )
        message = _(
            "The theme “%(theme)s” has been made with %(num)d views. Now write the board's response.",
            theme=done.theme.title_sv,
            num=done.added,
        )
        if done.themed_since:
            message += " " + _(
                "%(num)d views of the proposal had been put in a theme since it was made: they stay where they are.",
                num=done.themed_since,
            )
        return message
    if form.rename.data:
        suggestions.rename(
            session, actor(), report, suggestion, form.title.data, expected_version=form.expected_version()
        )
        return _("The title has been saved.")
    if form.reject.data:
        suggestions.reject(session, actor(), report, suggestion, expected_version=form.expected_version())
        return _("The proposal has been rejected; its views are where they were.")
    raise DomainError(_("Choose what to do with the proposal."), field="title")


def _render_after_post(
    consultation: Consultation,
    report: FeedbackReport,
    run: SuggestionRun | None,
    suggestion: ThemeSuggestion,
    form: ProposalForm,
    status: int,
) -> tuple[str, int]:
    """The page the form was sent from, again, with the error next to the field."""
    if request.args.get("from") == "proposal":
        return _proposal_page(consultation, report, suggestion, form, status=status)
    return _index_page(consultation, report, run, posted=form, posted_id=suggestion.id, status=status)


def _page_number() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _proposal_page(
    consultation: Consultation,
    report: FeedbackReport,
    suggestion: ThemeSuggestion,
    form: ProposalForm,
    views_form: ProposalViewsForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    session = get_session()
    page: Page[Viewpoint] = paginate_ids(
        session,
        suggestions.member_ids(suggestion),
        lambda s, ids: list(s.scalars(sa.select(Viewpoint).where(Viewpoint.id.in_(ids)))),
        _page_number(),
        PER_PAGE,
    )
    if views_form is None:
        views_form = ProposalViewsForm(formdata=None)
        views_form.version.data = str(suggestion.version)
    return render_template(
        "feedback/staff/suggestion.html",
        consultation=consultation,
        report=report,
        suggestion=suggestion,
        form=form,
        views_form=views_form,
        page=page,
        args={},
        themed_since=suggestions.themed_since(session, suggestion, [v.id for v in page.items]),
        languages=suggestions.overview(session, suggestion.run, excerpts=0).languages.get(suggestion.id, []),
    ), status


@bp.route(f"{BASE}/<int:suggestion_id>/remove", methods=["POST"])
@staff_required
def remove_views(consultation_id: int, suggestion_id: int) -> tuple[str, int] | Response:
    """Take the ticked views out of the proposal (they stay in no theme)."""
    session = get_session()
    consultation, report, run = _load(consultation_id)
    suggestion = _proposal_in(run, suggestion_id)
    if suggestion is None or report is None:
        return _gone(consultation)
    form = ProposalViewsForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            removed = suggestions.remove_views(
                session,
                actor(),
                report,
                suggestion,
                form.viewpoint_ids.data or [],
                expected_version=form.expected_version(),
            )
        if attempt.ok:
            commit()
            flash(_("Views taken out of the proposal: %(num)d. They are in no theme.", num=removed), "success")
            if run is None or suggestion not in run.suggestions:  # the proposal was left empty and is gone
                return _back(consultation)
            return redirect(url_for(".proposal", consultation_id=consultation.id, suggestion_id=suggestion.id))
        status = 409 if attempt.conflict else 400
    else:
        status = 400
    return _proposal_page(consultation, report, suggestion, _proposal_form(suggestion), views_form=form, status=status)


@bp.route(f"{BASE}/merge", methods=["POST"])
@staff_required
def merge(consultation_id: int) -> tuple[str, int] | Response:
    """Merge two proposals; one changed meanwhile refuses it, and nothing is written."""
    session = get_session()
    consultation, report, run = _load(consultation_id)
    if run is None or report is None:
        return _gone(consultation)
    form = _merge_form(run, formdata=request.form)
    status = 400
    if form.validate_on_submit():
        try:
            target = suggestions.merge(
                session, actor(), report, run, form.source.data, form.target.data, parse_versions(form.versions.data)
            )
        except PermissionDenied:
            raise
        except DomainError as error:
            form.add_error(error.field, error.message)
            if isinstance(error, StaleVersion):  # the proposals as now saved: sending again merges them as they are
                form.versions.data = _merge_form(run).versions.data
                status = 409
        else:
            commit()
            flash(_("The proposals are merged into “%(title)s”.", title=target.title), "success")
            return _back(consultation)
    return _index_page(consultation, report, run, merge_form=form, status=status)
