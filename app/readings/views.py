"""Public: the audio readings, served with range requests and caching headers."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file
from werkzeug.wrappers import Response

from app.db import get_session
from app.i18n import current_language
from app.media.audio import PLAYABLE_TYPE, store_from_config
from app.media.models import AudioReading, ReadingSubject, subject_key
from app.media.readings import pick, readings_of
from app.readings import services

bp = Blueprint("readings", __name__)

#: The URL names the file, and a new upload is a new file: browsers and proxies may keep it a year.
MAX_AGE = 31_536_000


def reading_for(subject: str, object_id: int) -> AudioReading | None:
    """Template global: the reading of a text for the page's language (else another), or ``None``."""
    return pick(readings_of(get_session(), subject_key(ReadingSubject(subject), object_id)), current_language())


bp.add_app_template_global(reading_for, "reading_for")


@bp.route("/audio/readings/<int:reading_id>/<name>.mp3")
def audio(reading_id: int, name: str) -> Response:
    """A reading, while its text is public. ``name`` is the stored file's random
    name, so a replaced reading never comes back from a cache."""
    session = get_session()
    reading = session.get(AudioReading, reading_id)
    if reading is None or reading.playable_name != name or not services.is_public(session, reading):
        abort(404)
    path = store_from_config(current_app.config).path(reading.playable_name)
    if not path.exists():
        abort(404)
    response = send_file(
        path, mimetype=PLAYABLE_TYPE, conditional=True, etag=True, max_age=MAX_AGE, last_modified=reading.created_dt
    )
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response
