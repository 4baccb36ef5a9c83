"""Public: write a view, get a receipt with a reference code."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from app.common.errors import DomainError
from app.consultations import queries as consultations
from app.db import commit, get_session
from app.i18n import current_language
from app.i18n import gettext as _
from app.media.audio import UNREFERENCED_GRACE, AudioRejected, AudioStore, StoredAudio, store_from_config
from app.participation import audio, services
from app.participation import speaker as speaker_checks
from app.participation.forms import PublicViewpointForm, SpeakerAnswerForm
from app.participation.services import MAX_BODY
from app.web.accesslog import anonymous_route
from app.web.helpers import form_errors, private_page
from app.web.intake import Intake, anonymous_intake, body_limit

bp = Blueprint("participation", __name__)

#: Whether a consultation takes views now, for every template (consultation pages, the home page).
bp.add_app_template_global(services.input_window_open, "view_window_open")


def _largest_view(**_url_values: object) -> int:
    """The largest body of a view: its texts, and a recording of the largest size allowed."""
    return body_limit(MAX_BODY, 1000) + audio.public_limits(current_app.config)["max_bytes"]


#: A held recording is offered for less time than the sweep leaves an unreferenced file alone.
HELD_SECONDS = int(UNREFERENCED_GRACE.total_seconds()) - 600


def _held_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="held-recording")


def _hold(form: PublicViewpointForm, store: AudioStore) -> None:
    """The form is shown again: keep its recording (checked now), so that it need not be made again.

    Only with the participant's consent to have it listened to; a rejected file
    gets its message beside the field at once, with the other errors."""
    if not (form.has_recording() and form.recording_consent.data and not form.website.data):
        return
    try:
        stored = audio.hold_recording(store, form.recording.data.stream)
    except AudioRejected as error:
        form.add_error("recording", error.message)
        return
    form.held_recording.data = _held_signer().dumps(
        [
            stored.original_name,
            stored.original_type,
            stored.playable_name,
            stored.size_bytes,
            stored.duration_seconds,
            stored.playable_bytes,
        ]
    )


def _held(form: PublicViewpointForm, store: AudioStore) -> StoredAudio | None:
    """The recording held for this form, if its reference is genuine, recent and its files still there.

    A reference that is not (expired, or its files swept) is dropped from the form."""
    token = (form.held_recording.data or "").strip()
    if not token:
        return None
    try:
        original, original_type, playable, size, duration, playable_bytes = _held_signer().loads(
            token, max_age=HELD_SECONDS
        )
        stored = StoredAudio(
            str(original), str(original_type), str(playable), int(size), float(duration), int(playable_bytes)
        )
        if store.exists(stored.original_name, stored.playable_name):
            return stored
    except (BadSignature, ValueError, TypeError):
        pass
    form.held_recording.data = ""
    return None


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
    store = store_from_config(current_app.config)
    held = _held(form, store) if form.is_submitted() and not form.has_recording() else None
    held_lost = bool(
        form.is_submitted() and not form.has_recording() and request.form.get("held_recording") and held is None
    )
    valid = window_open and intake.validate_on_submit()
    if held_lost:
        form.add_error(
            "recording",
            _("Your earlier recording is no longer kept. Record it again, or send the form again without it."),
        )
        valid = False
    if valid:
        try:
            if form.has_recording() or held is not None:
                viewpoint, _created = audio.submit_spoken_viewpoint(
                    session,
                    consultation,
                    form.to_data(current_language()),
                    form.recording.data.stream if held is None else held,  # held only without a new recording
                    store,
                    consent=bool(form.recording_consent.data),
                    idempotency_key=intake.key,
                )
            else:
                viewpoint, _created = services.submit_viewpoint(
                    session,
                    consultation,
                    form.to_data(current_language()),
                    idempotency_key=intake.key,
                )
        except DomainError as error:
            form.add_error(error.field, error.message)
            if error.field != "recording":
                _hold(form, store)
        else:
            commit()
            intake.done()
            return redirect(url_for(".receipt", code=viewpoint.reference_code))
    elif window_open and form.is_submitted():
        _hold(form, store)
    response = make_response(
        render_template(
            "participation/submit.html",
            consultation=consultation,
            form=form,
            window_open=window_open,
            audio_limits=audio.public_limits(current_app.config),
            held=_held(form, store) if form.held_recording.data else None,
        )
    )
    # The only page that may use the microphone (the recorder); everywhere else it stays off.
    response.headers["Permissions-Policy"] = "camera=(), microphone=(self), geolocation=()"
    return response


@bp.route("/<lang_code>/views/receipt/<code>")
@anonymous_route
def receipt(code: str) -> str:
    viewpoint = services.get_by_reference_code(get_session(), code[:20]) or abort(404)
    return render_template("participation/receipt.html", viewpoint=viewpoint, consultation=viewpoint.consultation)


@bp.route("/<lang_code>/views/check/<token>", methods=["GET", "POST"])
@anonymous_route
@anonymous_intake(body_limit(MAX_BODY))
def speaker(token: str) -> Response:
    """The speaker's private link: read what staff wrote down, confirm it or send it corrected."""
    session = get_session()
    viewpoint = speaker_checks.get_by_speaker_token(session, token[:100])
    if viewpoint is None:
        return private_page(make_response(render_template("participation/speaker_not_found.html"), 404))
    form = SpeakerAnswerForm()
    if request.method == "GET" or not speaker_checks.can_answer(viewpoint):
        form.body.data = viewpoint.body
    elif form.validate_on_submit():
        with form_errors(form) as attempt:
            if form.confirm.data:
                speaker_checks.confirm_transcription(session, viewpoint)
            else:
                speaker_checks.correct_transcription(session, viewpoint, form.body.data or "")
        if attempt.ok:
            commit()
            return private_page(redirect(url_for(".speaker", token=token)))
    return private_page(
        render_template(
            "participation/speaker.html",
            viewpoint=viewpoint,
            consultation=viewpoint.consultation,
            form=form,
            can_answer=speaker_checks.can_answer(viewpoint),
        )
    )
