"""Routes of the plumbing itself: the language-choosing root and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, request, url_for
from werkzeug.wrappers import Response

from app.db import get_session

bp = Blueprint("web", __name__)


@bp.route("/")
def root() -> Response:
    """Send visitors to their language: Romani if the browser prefers it, else Swedish."""
    languages = list(current_app.config["LANGUAGES"])
    best = request.accept_languages.best_match(languages) or current_app.config["DEFAULT_LANGUAGE"]
    return redirect(url_for("site.home", lang_code=best))


@bp.route("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """200 when the database answers, 503 otherwise."""
    try:
        get_session().execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("health check: database unavailable")
        return {"status": "unavailable", "database": "error"}, 503
    return {"status": "ok", "database": "ok"}, 200
