"""Routes of the plumbing itself: the language-choosing root, the health check, the favicon."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, request, send_from_directory, url_for
from werkzeug.wrappers import Response

from app.db import db_deadline, get_session

bp = Blueprint("web", __name__)


@bp.route("/")
def root() -> Response:
    """Send visitors to their language: Romani if the browser prefers it, else Swedish."""
    languages = list(current_app.config["LANGUAGES"])
    best = request.accept_languages.best_match(languages) or current_app.config["DEFAULT_LANGUAGE"]
    return redirect(url_for("site.home", lang_code=best))


#: Seconds the health check waits for the database: a load balancer's probe
#: typically gives up after 3 s and must hear "unavailable" before that.
HEALTH_DB_TIMEOUT = 2.5


@bp.route("/healthz")
def healthz() -> tuple[dict[str, Any], int]:
    """For the load balancer: 200 when the database answers within
    :data:`HEALTH_DB_TIMEOUT`, 503 when it does not or while this server
    drains before a restart (``DRAIN_FILE`` exists, see gunicorn.conf.py).
    Low free space for uploads is reported as a warning, still 200."""
    config = current_app.config
    drain_file = config.get("DRAIN_FILE")
    if drain_file and os.path.exists(drain_file):
        return {"status": "draining"}, 503
    try:
        with db_deadline(HEALTH_DB_TIMEOUT):
            get_session().execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        current_app.logger.error(
            "health check: database unavailable (%s)", type(getattr(error, "orig", None) or error).__name__
        )
        return {"status": "unavailable", "database": "error"}, 503
    body: dict[str, Any] = {"status": "ok", "database": "ok"}
    free = free_upload_space(config["UPLOAD_DIR"])
    if free is not None and free < int(config.get("UPLOAD_MIN_FREE_MB", 500)) * 1024 * 1024:
        body["uploads"] = "low disk space"
        body["upload_free_mb"] = free // (1024 * 1024)
        current_app.logger.warning("health check: %d MB free for uploads", free // (1024 * 1024))
    return body, 200


def free_upload_space(directory: str) -> int | None:
    """Bytes free on the volume of ``directory`` (or of its nearest existing parent)."""
    path = Path(directory or ".").resolve()
    while not path.exists() and path != path.parent:
        path = path.parent
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


@bp.route("/favicon.ico")
def favicon() -> Response:
    """Browsers and link previews ask for it at the root, whatever the page links."""
    return send_from_directory(
        current_app.static_folder or "static", "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400
    )
