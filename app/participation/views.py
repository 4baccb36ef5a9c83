"""Public: write a view, get a receipt with a reference code."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app.common.errors import DomainError
from app.consultations import services as consultations
from app.db import commit, get_session
from app.i18n import current_language
from app.i18n import gettext as _
from app.media.audio import store_from_config
from app.participation import audio, services
from app.participation.forms import PublicViewpointForm
from app.web.accesslog import anonymous_route
from app.web.limits import ANONYMOUS_POST_LIMIT, limiter

bp = Blueprint("participation", __name__)

#: Whether a consultation takes views now, for every template (consultation pages, the home page).
bp.add_app_template_global(services.input_window_open, "view_window_open")


@bp.route("/<lang_code>/consultations/<int:consultation_id>/views/new", methods=["GET", "POST"])
@anonymous_route
@limiter.limit(ANONYMOUS_POST_LIMIT, methods=["POST"])
def submit(consultation_id: int) -> Response:
    session = get_session()
    consultation = consultations.get_public_consultation(session, consultation_id) or abort(404)
    form = PublicViewpointForm(consultation=consultation)
    if not form.is_submitted():
        form.submission_key.data = secrets.token_urlsafe(24)
        form.language.data = current_language()
    window_open = services.input_window_open(consultation)
    if window_open and form.validate_on_submit():
        if form.website.data:
            # Probably a robot. A person whose browser filled the hidden field
            # can simply send again: the field is emptied.
            form.add_error(None, _("The form could not be sent. Please check it and send it again."))
            form.website.data = ""
            form.website.raw_data = []
        elif not (form.submission_key.data or "").strip():
            form.add_error(None, _("The form was incomplete. Please send it again."))
            form.submission_key.data = secrets.token_urlsafe(24)
        else:
            try:
                if form.has_recording():
                    viewpoint, _created = audio.submit_spoken_viewpoint(
                        session, consultation, form.to_data(current_language()), form.recording.data.stream,
                        store_from_config(current_app.config), consent=bool(form.recording_consent.data),
                        idempotency_key=form.submission_key.data[:64],
                    )
                else:
                    viewpoint, _created = services.submit_viewpoint(
                        session, consultation, form.to_data(current_language()),
                        idempotency_key=form.submission_key.data[:64],
                    )
            except DomainError as error:
                form.add_error(error.field, error.message)
            else:
                commit()
                return redirect(url_for(".receipt", code=viewpoint.reference_code))
    response = make_response(render_template(
        "participation/submit.html", consultation=consultation, form=form, window_open=window_open,
        audio_limits=audio.public_limits(current_app.config),
    ))
    # The only page that may use the microphone (the recorder); everywhere else it stays off.
    response.headers["Permissions-Policy"] = "camera=(), microphone=(self), geolocation=()"
    return response


@bp.route("/<lang_code>/views/receipt/<code>")
@anonymous_route
def receipt(code: str) -> str:
    viewpoint = services.get_by_reference_code(get_session(), code[:20]) or abort(404)
    return render_template("participation/receipt.html", viewpoint=viewpoint, consultation=viewpoint.consultation)
