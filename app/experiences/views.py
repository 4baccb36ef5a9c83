"""Public: services per board, answering a survey by its short link, results, measures."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app.boards.services import get_board_by_slug
from app.common.errors import DomainError
from app.db import commit, get_session
from app.experiences import answers as xp_answers
from app.experiences import measures as xp_measures
from app.experiences import results as xp_results
from app.experiences import services
from app.experiences.forms import answer_form
from app.experiences.models import SCALE_LABELS, Service
from app.i18n import current_language
from app.web.accesslog import anonymous_route
from app.web.charts import bar_chart
from app.web.helpers import load_or_404
from app.web.intake import Intake, anonymous_intake, body_limit

bp = Blueprint("experiences", __name__)


@bp.route("/<lang_code>/experiences/")
def index() -> str:
    """Every board's services: open surveys and published measures."""
    return render_template("experiences/index.html", services=services.list_services(get_session()), board=None)


@bp.route("/<lang_code>/boards/<slug>/services")
def board_services(slug: str) -> str:
    session = get_session()
    board = get_board_by_slug(session, slug) or abort(404)
    return render_template("experiences/index.html", services=services.list_services(session, {board.id}), board=board)


@bp.route("/<lang_code>/s/<code>", methods=["GET", "POST"])
@anonymous_route
@anonymous_intake(lambda code: body_limit(*services.text_answer_limits(get_session(), code)))
def answer(code: str) -> str | Response:
    session = get_session()
    survey = services.get_by_short_code(session, code)
    if survey is None or not survey.is_published:
        abort(404)
    if code != survey.short_code:
        return redirect(url_for(".answer", code=survey.short_code), code=301)
    form = answer_form(survey)
    intake = Intake(form)
    if not form.is_submitted():
        form.language.data = current_language()
    is_open = survey.is_open()
    if is_open and intake.validate_on_submit():
        try:
            record, created = xp_answers.submit_answers(
                session, survey, form.to_data(current_language()), idempotency_key=intake.key
            )
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            commit()
            # Only this browser's own key shows what was stored (another's key shows the date alone).
            receipt = intake.is_this_browsers
            intake.done()
            if created:
                return redirect(url_for(".thanks", code=survey.short_code))
            # Back and sent again (or a double click): nothing is stored twice.
            return render_template(
                "experiences/already_received.html",
                survey=survey,
                record=record,
                receipt=receipt and record.survey_id == survey.id,
                scale_labels=SCALE_LABELS,
            )
    return render_template(
        "experiences/answer.html",
        survey=survey,
        form=form,
        is_open=is_open,
        has_required=any(q.required for q in survey.questions),
    )


@bp.route("/<lang_code>/s/<code>/thanks")
@anonymous_route
def thanks(code: str) -> str:
    survey = services.get_by_short_code(get_session(), code)
    if survey is None or not survey.is_published:
        abort(404)
    return render_template("experiences/thanks.html", survey=survey)


@bp.route("/<lang_code>/s/<code>/results")
def results(code: str) -> str:
    session = get_session()
    survey = services.get_by_short_code(session, code)
    if survey is None or not survey.is_published:
        abort(404)
    return render_template(
        "experiences/results_public.html",
        survey=survey,
        results=xp_results.survey_results(session, survey, public=True),
        chart=bar_chart,
    )


@bp.route("/<lang_code>/services/<int:service_id>/measures")
def measures(service_id: int) -> str:
    session = get_session()
    service: Service = load_or_404(Service, service_id)
    report, page, counts = xp_measures.public_measures(session, service)
    return render_template(
        "experiences/measures.html",
        service=service,
        report=report,
        page=page,
        counts=counts,
        measure_of=xp_measures.measure_of,
        preview=False,
    )
