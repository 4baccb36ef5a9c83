"""Staff: services, surveys and questions, entering answers and notes, results.

A service's measures (what the board does about the experiences) are in
:mod:`app.experiences.measure_views`.

Each view: parse → load (404) → check permission (403) → one service call →
commit → redirect, or re-render the form with the typed text and the errors.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.boards.services import list_boards
from app.common.csvexport import csv_download
from app.common.errors import DomainError
from app.db import commit, get_session
from app.experiences import answers as xp_answers
from app.experiences import policies, services
from app.experiences import results as xp_results
from app.experiences.forms import (
    NoteForm,
    QuestionForm,
    ServiceForm,
    SurveyForm,
    answer_form,
)
from app.experiences.models import (
    ExperienceAnswer,
    ExperienceRecord,
    Service,
    Survey,
    SurveyQuestion,
)
from app.i18n import default_language, force_language, format_date, language_name, languages
from app.i18n import gettext as _
from app.moderation import pages as moderation
from app.participation.models import Channel
from app.web.charts import bar_chart
from app.web.forms import ConfirmForm
from app.web.helpers import actor, form_errors, load_or_404, load_permitted, require, staff_required
from app.web.qr import qr_svg

bp = Blueprint("experiences_staff", __name__)

PREFIX = "/<lang_code>/staff/experiences"


def _service(service_id: int) -> Service:
    return load_permitted(Service, service_id, policies.can_edit)


def _survey(survey_id: int) -> Survey:
    survey: Survey = load_or_404(Survey, survey_id)
    require(policies.can_edit(actor(), survey.service))
    return survey


# --- Services ---------------------------------------------------------------------------


@bp.route(f"{PREFIX}/")
@staff_required
def index() -> str:
    return render_template("experiences/staff/index.html", services=services.services_for_staff(get_session(), actor()))


@bp.route(f"{PREFIX}/services/new", methods=["GET", "POST"])
@staff_required
def service_new() -> str | Response:
    session = get_session()
    boards = policies.boards_for_new_service(actor(), list_boards(session))
    if not boards:
        abort(403)
    form = ServiceForm(boards=boards)
    if form.validate_on_submit():
        board = next(b for b in boards if b.id == form.board_id.data)
        with form_errors(form) as attempt:
            service = services.create_service(session, actor(), board, form.data)
        if attempt.ok:
            commit()
            flash(_("The service has been added."), "success")
            return redirect(url_for(".service", service_id=service.id))
    return render_template("experiences/staff/service_form.html", form=form, service=None)


@bp.route(f"{PREFIX}/services/<int:service_id>", methods=["GET", "POST"])
@staff_required
def service(service_id: int) -> str | Response:
    session = get_session()
    svc = _service(service_id)
    boards = [svc.board]
    form = ServiceForm(boards=boards) if request.method == "POST" else ServiceForm(obj=svc, boards=boards)
    every = xp_answers.list_records(session, svc)
    records = [r for r in every if policies.can_open_record(actor(), r)]
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            services.update_service(session, actor(), svc, form.data)
        if attempt.ok:
            commit()
            flash(_("The service has been saved."), "success")
            return redirect(url_for(".service", service_id=svc.id))
    return render_template(
        "experiences/staff/service.html",
        service=svc,
        form=form,
        confirm_form=ConfirmForm(),
        results=xp_results.service_results(session, svc),
        records=records,
        closed_records=len(every) - len(records),
        counts={s.id: services.count_records(session, s) for s in svc.surveys},
    )


@bp.route(f"{PREFIX}/services/<int:service_id>/delete", methods=["POST"])
@staff_required
def service_delete(service_id: int) -> Response:
    svc = _service(service_id)
    require(policies.can_publish(actor(), svc))
    if ConfirmForm().validate_on_submit():
        try:
            services.delete_service(get_session(), actor(), svc)
        except DomainError as error:
            flash(str(error.message), "error")
            return redirect(url_for(".service", service_id=service_id))
        commit()
        flash(_("The service has been removed."), "success")
    return redirect(url_for(".index"))


# --- Surveys and questions ---------------------------------------------------------------------


@bp.route(f"{PREFIX}/services/<int:service_id>/surveys/new", methods=["GET", "POST"])
@staff_required
def survey_new(service_id: int) -> str | Response:
    svc = _service(service_id)
    form = SurveyForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            survey = services.create_survey(get_session(), actor(), svc, form.data)
        if attempt.ok:
            commit()
            flash(_("The survey has been created. Now add its questions."), "success")
            return redirect(url_for(".survey", survey_id=survey.id))
    return render_template("experiences/staff/survey_form.html", service=svc, form=form, survey=None)


@bp.route(f"{PREFIX}/surveys/<int:survey_id>", methods=["GET", "POST"])
@staff_required
def survey(survey_id: int) -> str | Response:
    session = get_session()
    srv = _survey(survey_id)
    form = SurveyForm() if request.method == "POST" else SurveyForm(obj=srv)
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            services.update_survey(session, actor(), srv, form.data)
        if attempt.ok:
            commit()
            flash(_("The survey has been saved."), "success")
            return redirect(url_for(".survey", survey_id=srv.id))
    return render_template(
        "experiences/staff/survey.html",
        survey=srv,
        service=srv.service,
        form=form,
        confirm_form=ConfirmForm(),
        answers=services.count_records(session, srv),
        can_publish=policies.may_publish(actor(), srv.service),
        short_urls={lang: xp_results.short_url(srv, lang) for lang in languages()},
    )


@bp.route(f"{PREFIX}/surveys/<int:survey_id>/publish", methods=["POST"])
@staff_required
def survey_publish(survey_id: int) -> Response:
    srv = _survey(survey_id)
    require(policies.can_publish(actor(), srv.service))
    if ConfirmForm().validate_on_submit():
        try:
            services.publish_survey(get_session(), actor(), srv)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            commit()
            flash(_("The survey is published."), "success")
    return redirect(url_for(".survey", survey_id=srv.id))


@bp.route(f"{PREFIX}/surveys/<int:survey_id>/questions/new", methods=["GET", "POST"])
@staff_required
def question_new(survey_id: int) -> str | Response:
    srv = _survey(survey_id)
    form = QuestionForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            services.add_question(get_session(), actor(), srv, form.data)
        if attempt.ok:
            commit()
            flash(_("The question has been added."), "success")
            return redirect(url_for(".survey", survey_id=srv.id))
    return render_template(
        "experiences/staff/question_form.html", survey=srv, service=srv.service, form=form, question=None
    )


@bp.route(f"{PREFIX}/questions/<int:question_id>", methods=["GET", "POST"])
@staff_required
def question(question_id: int) -> str | Response:
    q: SurveyQuestion = load_or_404(SurveyQuestion, question_id)
    srv = _survey(q.survey_id)
    if request.method == "POST":
        form = QuestionForm()
    else:
        form = QuestionForm(obj=q, kind=q.kind.value, options=services.format_options(q))
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            services.update_question(get_session(), actor(), q, form.data)
        if attempt.ok:
            commit()
            flash(_("The question has been saved."), "success")
            return redirect(url_for(".survey", survey_id=srv.id))
    return render_template(
        "experiences/staff/question_form.html",
        survey=srv,
        service=srv.service,
        form=form,
        question=q,
        confirm_form=ConfirmForm(),
    )


@bp.route(f"{PREFIX}/questions/<int:question_id>/delete", methods=["POST"])
@staff_required
def question_delete(question_id: int) -> Response:
    q: SurveyQuestion = load_or_404(SurveyQuestion, question_id)
    srv = _survey(q.survey_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.delete_question(get_session(), actor(), q)
        except DomainError as error:
            flash(str(error.message), "error")
        else:
            commit()
            flash(_("The question has been removed."), "success")
    return redirect(url_for(".survey", survey_id=srv.id))


@bp.route(f"{PREFIX}/surveys/<int:survey_id>/poster")
@staff_required
def poster(survey_id: int) -> str:
    srv = _survey(survey_id)
    codes = []
    # Every UI language, the default last (Romani first on the poster).
    for lang in sorted(languages(), key=lambda code: code == default_language()):
        label = language_name(lang)
        url = xp_results.short_url(srv, lang)
        with force_language(lang):  # "Open until …" in each language of the poster
            open_until = _("Open until %(date)s.", date=format_date(srv.closes_dt, False))
        codes.append(
            {
                "lang": lang,
                "url": url,
                "qr": qr_svg(url, _("QR code: %(url)s", url=url)),
                "label": label,
                "open_until": open_until,
            }
        )
    return render_template("experiences/staff/poster.html", survey=srv, service=srv.service, codes=codes)


# --- Answers and notes ----------------------------------------------------------------------------


@bp.route(f"{PREFIX}/surveys/<int:survey_id>/answers/new", methods=["GET", "POST"])
@staff_required
def answers_new(survey_id: int) -> str | Response:
    srv = _survey(survey_id)
    form: Any = answer_form(srv, staff=True)
    if form.validate_on_submit():
        lang = form.language.data if form.language.data in languages() else default_language()
        with form_errors(form) as attempt:
            xp_answers.record_answers(
                get_session(),
                actor(),
                srv,
                form.to_data(lang),
                channel=Channel(form.channel.data),
                occurred_on=form.occurred_on.data,
            )
        if attempt.ok:
            commit()
            flash(_("The answers have been recorded."), "success")
            return redirect(url_for(".answers_new", survey_id=srv.id))
    return render_template("experiences/staff/answers_form.html", survey=srv, service=srv.service, form=form)


@bp.route(f"{PREFIX}/services/<int:service_id>/notes/new", methods=["GET", "POST"])
@staff_required
def note_new(service_id: int) -> str | Response:
    svc = _service(service_id)
    form = NoteForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            xp_answers.record_note(get_session(), actor(), svc, form.data)
        if attempt.ok:
            commit()
            flash(_("The note has been recorded."), "success")
            return redirect(url_for(".service", service_id=svc.id))
    return render_template("experiences/staff/note_form.html", service=svc, form=form)


@bp.route(f"{PREFIX}/records/<int:record_id>")
@staff_required
def record(record_id: int) -> str | tuple[str, int]:
    rec: ExperienceRecord = load_or_404(ExperienceRecord, record_id)
    svc = _service(rec.service_id)
    if not policies.can_open_record(actor(), rec):
        # Said, not a bare 403: who may open one person's answers, and where the aggregates are.
        return render_template("experiences/staff/record_closed.html", record=rec, service=svc), 403
    return render_template("experiences/staff/record.html", record=rec, service=svc, confirm_form=ConfirmForm())


# --- Results -----------------------------------------------------------------------------------------


@bp.route(f"{PREFIX}/surveys/<int:survey_id>/results")
@staff_required
def results(survey_id: int) -> str:
    srv = _survey(survey_id)
    return render_template(
        "experiences/staff/results.html",
        survey=srv,
        service=srv.service,
        results=xp_results.survey_results(get_session(), srv),
        chart=bar_chart,
        confirm_form=ConfirmForm(),
    )


@bp.route(f"{PREFIX}/surveys/<int:survey_id>/results.csv")
@staff_required
def results_csv(survey_id: int) -> Response:
    srv = _survey(survey_id)
    return csv_download(
        xp_results.results_csv(xp_results.survey_results(get_session(), srv)),
        f"survey-{srv.short_code}.csv",
        private=True,
    )


def _answer(answer_id: int) -> ExperienceAnswer:
    ans: ExperienceAnswer = load_or_404(ExperienceAnswer, answer_id)
    _service(ans.record.service_id)
    return ans


@bp.route(f"{PREFIX}/answers/<int:answer_id>/hide", methods=["GET", "POST"])
@staff_required
def answer_hide(answer_id: int) -> str | Response:
    ans = _answer(answer_id)
    return moderation.hide_page(
        ans,
        permitted=policies.can_edit(actor(), ans.record.service),
        done_url=url_for(".results", survey_id=ans.record.survey_id),
        done_message=_("The answer is hidden from public results."),
        reason_label=_("Why hide the answer?"),
        heading=_("Hide an answer"),
        submit_label=_("Hide the answer"),
        service=ans.record.service,
        nav="experiences/staff/_nav.html",
        explanation=_(
            "A hidden answer is not deleted: staff still see it, and the public results count it as not shown."
        ),
    )


@bp.route(f"{PREFIX}/answers/<int:answer_id>/mask", methods=["GET", "POST"])
@staff_required
def answer_mask(answer_id: int) -> str | Response:
    ans = _answer(answer_id)
    return moderation.mask_page(
        ans,
        permitted=policies.can_edit(actor(), ans.record.service),
        done_url=url_for(".results", survey_id=ans.record.survey_id) + f"#answer-{ans.id}",
        service=ans.record.service,
        nav="experiences/staff/_nav.html",
    )


@bp.route(f"{PREFIX}/answers/<int:answer_id>/approve", methods=["POST"])
@staff_required
def answer_approve(answer_id: int) -> Response:
    ans = _answer(answer_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return moderation.approve_action(
        ans,
        permitted=policies.can_edit(actor(), ans.record.service),
        done_url=url_for(".results", survey_id=ans.record.survey_id) + f"#answer-{ans.id}",
        done_message=_("The answer is approved: it is public if its author agreed."),
    )


@bp.route(f"{PREFIX}/answers/<int:answer_id>/unhide", methods=["POST"])
@staff_required
def answer_unhide(answer_id: int) -> Response:
    ans = _answer(answer_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return moderation.unhide_action(
        ans,
        permitted=policies.can_edit(actor(), ans.record.service),
        done_url=url_for(".results", survey_id=ans.record.survey_id),
        done_message=_("The answer is shown again."),
    )
