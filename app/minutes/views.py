"""Public minutes with their revision history, corrections through the private
registration link, and the anonymous evaluation of the meeting."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app.common.errors import DomainError
from app.consultations import queries as consultations
from app.consultations.models import Consultation
from app.db import commit, get_session
from app.i18n import gettext as _
from app.minutes import services
from app.minutes.forms import CorrectionForm, EvaluationForm
from app.registrations.private import load_by_token as load_registration
from app.registrations.private import private_page as _private
from app.web.accesslog import anonymous_route
from app.web.intake import Intake, anonymous_intake, body_limit, sent_in_this_browser

bp = Blueprint("minutes", __name__)


@bp.app_context_processor
def _globals() -> dict[str, Any]:
    def minutes_links(consultation: Consultation) -> dict[str, Any]:
        """What the consultation page links to: published minutes, an open evaluation, its results."""
        state = services.evaluation_state(consultation)
        return {
            "minutes": services.get_published_minutes(get_session(), consultation) is not None,
            "evaluation": state == "open",
            "evaluation_results": state != "not_yet",
        }

    return {"minutes_links": minutes_links}


def _public_consultation(consultation_id: int) -> Consultation:
    consultation = consultations.get_public_consultation(get_session(), consultation_id)
    if consultation is None:
        abort(404)
    return consultation


@bp.route("/<lang_code>/consultations/<int:consultation_id>/minutes")
def public(consultation_id: int) -> str:
    consultation = _public_consultation(consultation_id)
    minutes = services.get_published_minutes(get_session(), consultation)
    revisions = list(reversed(minutes.revisions)) if minutes else []
    return render_template(
        "minutes/public.html",
        consultation=consultation,
        minutes=minutes,
        latest=revisions[0] if revisions else None,
        revisions=revisions,
        evaluation_open=services.evaluation_state(consultation) == "open",
    )


@bp.route("/<lang_code>/registrations/<token>/correction", methods=["GET", "POST"])
@anonymous_route
@anonymous_intake(body_limit(services.MAX_PROPOSAL))
def correction(token: str) -> Response:
    session = get_session()
    registration = load_registration(token)
    consultation = registration.consultation
    form = CorrectionForm()
    closed = services.correction_closed_reason(session, registration)
    if closed is None and form.validate_on_submit():
        try:
            services.submit_correction(session, registration, form.text.data or "")
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            commit()
            flash(_("Thank you. The board will answer your proposal by e-mail, if you gave an address."), "success")
            return _private(redirect(url_for(".correction", token=registration.token)))
    minutes = services.get_published_minutes(session, consultation)
    return _private(
        render_template(
            "minutes/correction.html",
            registration=registration,
            consultation=consultation,
            form=form,
            closed=closed,
            latest=minutes.latest if minutes else None,
            proposals=services.proposals_by(session, registration),
        )
    )


@bp.route("/<lang_code>/consultations/<int:consultation_id>/evaluation", methods=["GET", "POST"])
@anonymous_route
@anonymous_intake(body_limit(services.MAX_COMMENT))
def evaluation(consultation_id: int) -> str | Response:
    session = get_session()
    consultation = _public_consultation(consultation_id)
    form = EvaluationForm()
    # One evaluation per browser: the key is given once per session and only that key is taken,
    # so one person cannot push the count past the minimum group size and read the others' answers.
    intake = Intake(form, once=True)
    state = services.evaluation_state(consultation)
    if state == "open" and intake.validate_on_submit():
        try:
            _answer, created = services.submit_evaluation(
                session, consultation, form.to_data(), idempotency_key=intake.key
            )
        except services.EvaluationClosed:
            state = services.evaluation_state(consultation)
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            commit()
            intake.done()
            flash(
                _("Thank you for your answers.")
                if created
                else _("Your answers had already been received. Nothing was stored twice."),
                "success",
            )
            return redirect(url_for(".results", consultation_id=consultation.id))
    if state == "open" and intake.sent_key:
        state = "answered"
    return render_template(
        "minutes/evaluation.html",
        consultation=consultation,
        form=form,
        state=state,
        closes_dt=services.evaluation_closes_dt(consultation),
    )


@bp.route("/<lang_code>/consultations/<int:consultation_id>/evaluation/results")
def results(consultation_id: int) -> str:
    consultation = _public_consultation(consultation_id)
    return render_template(
        "minutes/results.html",
        consultation=consultation,
        results=services.evaluation_results(get_session(), consultation),
        state=services.evaluation_state(consultation),
        answered=sent_in_this_browser("minutes.evaluation", consultation_id=consultation.id),
    )
