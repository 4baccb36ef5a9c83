"""Public feedback pages: "You said – we did", view permalinks, "find your view"."""

from __future__ import annotations

from typing import Any, TypedDict

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from app.common.csvexport import csv_download, iter_csv
from app.consultations import queries as consultations
from app.consultations.models import Consultation
from app.db import get_session
from app.feedback import consultation as consultation_reports
from app.feedback import exports, figures, promises
from app.feedback import ledger as feedback_ledger
from app.feedback import public as feedback_public
from app.feedback.forms import FindViewForm
from app.feedback.subjects import subject_named
from app.web.accesslog import anonymous_route

bp = Blueprint("feedback", __name__)


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    return {"feedback_promise": _promise_for}


def _promise_for(consultation: Consultation) -> dict[str, Any]:
    """For the consultation page: the promise and, once published, the link."""
    session = get_session()
    report = consultation_reports.get_report(session, consultation)
    return {
        "promise": promises.promise(consultation, report, promises.stockholm_today()),
        "published": bool(report and report.is_published),
    }


class ListArgs(TypedDict):
    page: int
    theme_id: int | None


def view_list_args() -> ListArgs:
    """``?page=`` and ``?theme=`` of the list of views on the feedback page.

    As on the list of consultations, a value that is not a number is ignored
    (page 1, all views), and the page is bounded; the service ignores a theme
    that is not in the feedback and shows the last page for one past the end.
    """
    page = request.args.get("page", 1, type=int) or 1
    theme_id = request.args.get("theme", type=int)
    return {"page": min(max(page, 1), 100000), "theme_id": theme_id}


@bp.route("/<lang_code>/consultations/<int:consultation_id>/feedback")
def public(consultation_id: int) -> str:
    session = get_session()
    consultation = consultations.get_public_consultation(session, consultation_id) or abort(404)
    report = consultation_reports.get_report(session, consultation)
    page = feedback_public.public_feedback_page(session, report, **view_list_args()) if report else None
    return render_template(
        "feedback/public.html",
        consultation=consultation,
        page=page,
        preview=False,
        promise=promises.promise(consultation, report, promises.stockholm_today()),
        find_form=FindViewForm(formdata=None),
        author_label=feedback_public.author_label,
    )


@bp.route("/<lang_code>/views/find")
@anonymous_route
def find() -> tuple[str, int] | Response:
    """GET form: the reference code from the receipt, however it was typed."""
    form = FindViewForm(request.args, meta={"csrf": False})
    status = 200
    if request.args:
        if form.validate():
            viewpoint = feedback_public.find_viewpoint(get_session(), form.code.data)
            if viewpoint is not None and viewpoint.consultation.is_public:
                return redirect(url_for(".view", code=viewpoint.reference_code))
            form.add_error("code", _not_found())
            status = 404
    return render_template("feedback/find.html", form=form), status


def _not_found() -> str:
    from app.i18n import gettext as _

    return _("We found no view with that code. Check the code on your receipt.")


@bp.route("/<lang_code>/views/<code>")
@anonymous_route
def view(code: str) -> str | Response:
    """Permalink for one view: what happened to what I said.

    The text is shown only if the view may be public; otherwise the page says
    which themes it fed into, without the text.
    """
    session = get_session()
    viewpoint = feedback_public.find_viewpoint(session, code)
    if viewpoint is None or not viewpoint.consultation.is_public:
        abort(404)
    if code != viewpoint.reference_code:
        return redirect(url_for(".view", code=viewpoint.reference_code), code=301)
    consultation = viewpoint.consultation
    report = consultation_reports.get_report(session, consultation)
    published = feedback_public.published_themes(report) if report else None  # the themes only: no other view is loaded
    themes = [t for t in published if viewpoint.id in t.viewpoint_ids] if published is not None else []
    return render_template(
        "feedback/view.html",
        viewpoint=viewpoint,
        consultation=consultation,
        published=published is not None,
        themes=themes,
        promise=promises.promise(consultation, report, promises.stockholm_today()),
        author_label=feedback_public.author_label,
    )


@bp.route("/<lang_code>/boards/<slug>/ledger")
def ledger(slug: str) -> str:
    """A board's influence ledger: consultations, views, outcomes, promises kept."""
    from app.boards.services import get_board_by_slug

    session = get_session()
    board = get_board_by_slug(session, slug) or abort(404)
    return render_template("feedback/ledger.html", board=board, ledger=feedback_ledger.board_ledger(session, board))


@bp.route("/<lang_code>/boards/<slug>/ledger.csv")
def ledger_csv(slug: str) -> Response:
    """The board's ledger figures per year (the columns of the city's report.csv)."""
    from app.boards.services import get_board_by_slug

    session = get_session()
    board = get_board_by_slug(session, slug) or abort(404)
    today = promises.stockholm_today()
    return csv_download(exports.figures_csv(session, today=today, board=board), f"ledger-{board.slug}.csv")


@bp.route("/<lang_code>/boards/<slug>/ledger-<subject>.csv")
def subject_ledger_csv(slug: str, subject: str) -> Response:
    """What the board's ledger names of one subject (e.g. each survey and measure of its city services)."""
    from app.boards.services import get_board_by_slug

    session = get_session()
    board = get_board_by_slug(session, slug) or abort(404)
    part = subject_named(subject)
    if part is None or part.ledger_csv is None:
        abort(404)
    header, rows = part.ledger_csv(session, board)
    return csv_download(iter_csv(header, rows), f"ledger-{board.slug}-{part.name}.csv")


@bp.route("/<lang_code>/report")
def city_report() -> str:
    """The city's influence report: consultations, participants, views, outcomes, promises kept, per board."""
    session = get_session()
    return render_template(
        "feedback/report.html", report=figures.city_report(session, today=promises.stockholm_today())
    )


@bp.route("/<lang_code>/report.csv")
def report_csv() -> Response:
    """The city report's figures per board and year."""
    today = promises.stockholm_today()
    return csv_download(exports.figures_csv(get_session(), today=today), f"report-{today.isoformat()}.csv")


@bp.route("/<lang_code>/report/<subject>.csv")
def subject_report_csv(subject: str) -> Response:
    """One subject's figures for the city report, per board and for the city (e.g. experience gathering)."""
    from app.boards.models import Board

    part = subject_named(subject)
    if part is None or part.report_csv is None:
        abort(404)
    session = get_session()
    header, rows = part.report_csv(session, list(session.scalars(sa.select(Board).order_by(Board.name_sv))))
    return csv_download(iter_csv(header, rows), f"report-{part.name}-{promises.stockholm_today().isoformat()}.csv")


@bp.route("/<lang_code>/report/feedback.csv")
def feedback_csv() -> Response:
    """All published themes, responses and decisions (latest published revisions), for the follow-up report."""
    today = promises.stockholm_today()
    return csv_download(exports.feedback_csv(get_session()), f"feedback-{today.isoformat()}.csv")
