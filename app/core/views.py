from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.consultations import services as consultations
from app.db import get_session
from app.feedback import services as feedback

bp = Blueprint("core", __name__)


@bp.route("/")
def root() -> Response:
    """Send visitors to their language: Romani if the browser prefers it, else Swedish."""
    languages = list(current_app.config["LANGUAGES"])
    best = request.accept_languages.best_match(languages) or current_app.config["DEFAULT_LANGUAGE"]
    return redirect(url_for("core.home", lang_code=best))


@bp.route("/<lang_code>/")
def home() -> str:
    session = get_session()
    upcoming = consultations.list_upcoming(session, limit=6)
    recent_feedback = feedback.list_recent_feedback(session, limit=4)
    return render_template("core/home.html", upcoming=upcoming, recent_feedback=recent_feedback)


@bp.route("/<lang_code>/privacy")
def privacy() -> str:
    return render_template("core/privacy.html")


@bp.route("/<lang_code>/easy-read")
def easy_read() -> str:
    """Lättläst: what a consultation is, how to take part, what happens afterwards."""
    return render_template("core/easy_read.html")


@bp.route("/healthz")
def healthz() -> tuple[dict[str, str], int]:
    """200 when the database answers, 503 otherwise."""
    try:
        get_session().execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("health check: database unavailable")
        return {"status": "unavailable", "database": "error"}, 503
    return {"status": "ok", "database": "ok"}, 200
