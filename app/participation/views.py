"""Public: write a view, get a receipt with a reference code."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app.common.errors import DomainError
from app.consultations import services as consultations
from app.db import commit, get_session
from app.i18n import current_language
from app.media.audio import store_from_config
from app.participation import audio, services
from app.participation.forms import PublicViewpointForm
from app.participation.services import MAX_BODY
from app.web.accesslog import anonymous_route
from app.web.intake import Intake, anonymous_intake, body_limit

bp = Blueprint("participation", __name__)

#: Whether a consultation takes views now, for every template (consultation pages, the home page).
bp.add_app_template_global(services.input_window_open, "view_window_open")


def _largest_view(**_url_values: object) -> int:
    """The largest body of a view: its texts, and a recording of the largest size allowed."""
    return body_limit(MAX_BODY, 1000) + audio.public_limits(current_app.config)["max_bytes"]


@bp.route("/<lang_code>/consultations/<int:consultation_id>/views/new", methods=["GET", "POST"])
@anonymous_route
@anonymous_intake(_largest_view)
def submit(consultation_id: int) -> Response:
    session = get_session()
    consultation = consultations.get_public_consultation(session, consultation_id) or abort(404)
    form = PublicViewpointForm(consultation=consultation)
    intake = Intake(form)
    if not form.is_submitted():
        form.language.data = current_language()
    window_open = services.input_window_open(consultation)
    if window_open and intake.validate_on_submit():
        try:
            if form.has_recording():
                viewpoint, _created = audio.submit_spoken_viewpoint(
                    session, consultation, form.to_data(current_language()), form.recording.data.stream,
                    store_from_config(current_app.config), consent=bool(form.recording_consent.data),
                    idempotency_key=intake.key,
                )
            else:
                viewpoint, _created = services.submit_viewpoint(
                    session, consultation, form.to_data(current_language()), idempotency_key=intake.key,
                )
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            commit()
            intake.done()
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
