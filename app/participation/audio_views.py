"""Staff: listen to a spoken view and write down what was said.

The sound is served only to staff who may edit the consultation (a role on a
hosting board), never cached (``no-store``), with range requests so the player
can seek. No public route serves it.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from werkzeug.wrappers import Response

from app.consultations import policies
from app.db import commit, get_session
from app.i18n import gettext as _
from app.media.audio import PLAYABLE_TYPE, store_from_config
from app.participation import audio
from app.participation.audio_forms import TranscriptionForm
from app.participation.models import Provenance, Viewpoint
from app.web.helpers import actor, form_errors, load_or_404, require, staff_required

bp = Blueprint("participation_audio", __name__)


def _load_recording(viewpoint_id: int) -> audio.ViewpointRecording:
    viewpoint: Viewpoint = load_or_404(Viewpoint, viewpoint_id)
    require(policies.can_edit(actor(), viewpoint.consultation))
    recording = audio.get_recording(get_session(), viewpoint.id)
    if recording is None:
        abort(404)
    return recording


def _send(stored_name: str | None, mimetype: str, download_name: str | None = None) -> Response:
    if not stored_name:
        abort(404)  # deleted by the retention job
    path = store_from_config(current_app.config).path(stored_name)
    if not path.exists():
        abort(404)
    response = send_file(
        path,
        mimetype=mimetype,
        conditional=True,
        etag=True,
        max_age=0,
        as_attachment=download_name is not None,
        download_name=download_name,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<lang_code>/staff/views/<int:viewpoint_id>/recording.mp3")
@staff_required
def play(viewpoint_id: int) -> Response:
    """The recording as MP3, for the player in the staff pages."""
    recording = _load_recording(viewpoint_id)
    return _send(recording.playable_name, PLAYABLE_TYPE)


@bp.route("/<lang_code>/staff/views/<int:viewpoint_id>/recording/original")
@staff_required
def download_original(viewpoint_id: int) -> Response:
    """The file as the participant sent it, as a download."""
    recording = _load_recording(viewpoint_id)
    extension = recording.original_type.split("/")[-1].replace("mpeg", "mp3").replace("x-", "")
    return _send(
        recording.original_name,
        recording.original_type,
        download_name=f"{recording.viewpoint.reference_code}.{extension}",
    )


@bp.route("/<lang_code>/staff/views/<int:viewpoint_id>/transcribe", methods=["GET", "POST"])
@staff_required
def transcribe(viewpoint_id: int) -> str | Response:
    recording = _load_recording(viewpoint_id)
    viewpoint = recording.viewpoint
    form = TranscriptionForm()
    if not form.is_submitted():
        form.transcription.data = recording.transcription
        if recording.transcription_provenance:
            form.provenance.data = recording.transcription_provenance.value
        form.transcriber.data = recording.transcriber
    if form.validate_on_submit():
        publish = bool(form.publish.data)
        with form_errors(form) as attempt:
            audio.save_transcription(
                get_session(),
                actor(),
                recording,
                text=form.transcription.data or "",
                provenance=Provenance(form.provenance.data),
                transcriber=form.transcriber.data,
                publish=publish,
            )
        if attempt.ok:
            commit()
            if publish:
                flash(
                    _("The transcription is now the text of the view. The recording itself is never published."),
                    "success",
                )
                return redirect(url_for("participation_staff.index", consultation_id=viewpoint.consultation_id))
            flash(_("The transcription has been saved as a draft."), "success")
            return redirect(url_for(".transcribe", viewpoint_id=viewpoint.id))
    return render_template(
        "participation/staff/transcribe.html",
        viewpoint=viewpoint,
        consultation=viewpoint.consultation,
        recording=recording,
        form=form,
    )
