"""Registrations (anmälan) to consultations, with capacity and a waitlist.

Public pages: the registration form, and the private page behind the link in
the confirmation (view or cancel). The ``flask send-reminders`` command is
registered on this blueprint at the top level (``cli_group=None``).
"""

from __future__ import annotations

from typing import Any

import click
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from app.common.errors import DomainError
from app.common.urls import external_url
from app.consultations import queries as consultations
from app.consultations.models import Consultation, ConsultationStatus
from app.db import commit, get_session
from app.i18n import current_language
from app.i18n import gettext as _
from app.registrations import notifications, places, services
from app.registrations.forms import CancelRegistrationForm, RegistrationForm
from app.registrations.models import RegistrationStatus
from app.registrations.private import load_by_token as _load
from app.registrations.private import private_page as _private
from app.registrations.services import MAX_NEEDS
from app.web.accesslog import anonymous_route
from app.web.intake import Intake, anonymous_intake, body_limit

bp = Blueprint("registrations", __name__, cli_group=None)


@bp.app_context_processor
def _registration_helpers() -> dict[str, Any]:
    def registration_cta(consultation: Consultation) -> dict[str, Any] | None:
        """What the consultation page says about registering (``None``: nothing); asked
        twice by the page (its facts and its call to register), counted once per request."""
        known: dict[int, dict[str, Any] | None] = g.setdefault("registration_cta", {})
        if consultation.id not in known:
            known[consultation.id] = _cta(consultation)
        return known[consultation.id]

    def _cta(consultation: Consultation) -> dict[str, Any] | None:
        if consultation.status is not ConsultationStatus.PUBLISHED:
            return None
        reason = places.closed_reason(consultation)
        left = places.places_left(get_session(), consultation) if reason is None else None
        return {"open": reason is None, "reason": reason, "places_left": left, "full": left == 0}

    return {"registration_cta": registration_cta}


@bp.route("/<lang_code>/consultations/<int:consultation_id>/register", methods=["GET", "POST"])
@anonymous_route
@anonymous_intake(body_limit(MAX_NEEDS, 1000))
def register(consultation_id: int) -> str | Response:
    session = get_session()
    consultation = consultations.get_public_consultation(session, consultation_id)
    if consultation is None or consultation.status is not ConsultationStatus.PUBLISHED:
        abort(404)
    form = RegistrationForm(consultation=consultation)
    intake = Intake(form)
    if not form.is_submitted():
        form.language.data = current_language()
    closed = places.closed_reason(consultation)
    if closed is None and intake.validate_on_submit():
        try:
            registration = services.register(session, consultation, form.to_data(), idempotency_key=intake.key)
        except places.RegistrationClosed as error:
            closed = str(error.message)
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            commit()
            intake.done()
            if registration.status is RegistrationStatus.CONFIRMED:
                flash(_("You are registered. Welcome!"), "success")
            else:
                flash(
                    _("The meeting is full, so you are on the waiting list. We will tell you if a place becomes free."),
                    "info",
                )
            return redirect(url_for(".manage", token=registration.token))
    left = places.places_left(session, consultation) if closed is None else None
    return render_template(
        "registrations/register.html", consultation=consultation, form=form, closed=closed, places_left=left
    )


@bp.route("/<lang_code>/registrations/<token>")
@anonymous_route
def manage(token: str) -> Response:
    session = get_session()
    registration = _load(token)
    return _private(
        render_template(
            "registrations/manage.html",
            registration=registration,
            consultation=registration.consultation,
            position=places.waitlist_position(session, registration),
            can_cancel=services.can_cancel(registration),
            cancel_form=CancelRegistrationForm(),
            link=external_url("registrations.manage", token=registration.token),
        )
    )


@bp.route("/<lang_code>/registrations/<token>/cancel", methods=["GET", "POST"])
@anonymous_route
@anonymous_intake(body_limit())
def cancel(token: str) -> Response:
    """GET asks once (a plain page, no JavaScript needed); only the POST from that page cancels."""
    registration = _load(token)
    if request.method == "GET":
        if not services.can_cancel(registration):
            return _private(redirect(url_for(".manage", token=registration.token)))
        return _private(
            render_template(
                "registrations/cancel.html",
                registration=registration,
                consultation=registration.consultation,
                cancel_form=CancelRegistrationForm(),
            )
        )
    form = CancelRegistrationForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.cancel(get_session(), registration)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        commit()
        if registration.contact is not None and registration.contact.email:
            flash(
                _(
                    "Your registration is cancelled. Thank you for telling us. We have sent you an e-mail to confirm it."
                ),
                "success",
            )
        else:
            flash(_("Your registration is cancelled. Thank you for telling us."), "success")
    return _private(redirect(url_for(".manage", token=registration.token)))


@bp.route("/<lang_code>/registrations/<token>/my-data.json")
@anonymous_route
def my_data(token: str) -> Response:
    """Download everything held about the person, as JSON."""
    registration = _load(token)
    response = jsonify(services.personal_data(registration))
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    return _private(response)


@bp.route("/<lang_code>/registrations/<token>/withdraw", methods=["POST"])
@anonymous_route
@anonymous_intake(body_limit())
def withdraw(token: str) -> Response:
    """Delete the person's contact data now (the private link then stops working)."""
    registration = _load(token)
    if not CancelRegistrationForm().validate_on_submit():
        abort(400)
    services.withdraw_contact_data(get_session(), registration)
    commit()
    flash(_("Your contact details have been deleted. This link no longer works."), "success")
    return _private(redirect(url_for("consultations.detail", consultation_id=registration.consultation_id)))


@bp.cli.command("send-reminders")
@click.option("--days", type=int, default=None, help="Days before the meeting (default: REMINDER_DAYS_BEFORE, 2).")
def send_reminders_command(days: int | None) -> None:
    """Queue reminder e-mails to registrants of meetings in the next few days (idempotent)."""
    if days is None:
        days = int(current_app.config.get("REMINDER_DAYS_BEFORE", notifications.DEFAULT_REMINDER_DAYS))
    session = get_session()
    count = notifications.send_reminders(session, days_before=days)
    session.commit()
    click.echo(f"Reminders queued: {count}.")
