"""Error pages in the visitor's language, and domain errors turned into HTTP answers."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, render_template, request
from flask_login import AnonymousUserMixin
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.common.errors import DeletedMeanwhile, NotFound, PermissionDenied
from app.common.problems import problem_response
from app.db import get_session

#: Sent again but not shown to the person.
HIDDEN_FIELDS = {"submission_key", "next", "version"}


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[str, int, dict[str, str]] | Response:
        code = error.code or 500
        # Headers the error carries (``Allow`` on a 405, ``Retry-After`` on a 429), not its content type.
        headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
        if _is_api():
            return problem_response(code, error.name, headers=headers)
        template = f"errors/{code}.html" if code in (400, 403, 404, 405, 413, 429, 503) else "errors/generic.html"
        # A form whose CSRF token is missing or expired (a phone left for hours): give back what was typed.
        kept = _posted_input()[1] if isinstance(error, CSRFError) else []
        return render_template(template, error=error, code=code, kept=kept), code, headers

    @app.errorhandler(PermissionDenied)
    def _forbidden(error: PermissionDenied) -> tuple[str, int]:
        return render_template("errors/403.html", code=403), 403

    @app.errorhandler(NotFound)
    def _not_found(error: NotFound) -> tuple[str, int]:
        return render_template("errors/404.html", code=404), 404

    @app.errorhandler(sa.exc.DataError)
    def _bad_data(error: sa.exc.DataError) -> tuple[str, int]:
        # Input the database refuses (e.g. NUL characters, numbers out of range)
        # that slipped past a form: the visitor sent something wrong, not us.
        current_app.logger.warning("database refused input: %s", error.orig.__class__.__name__)
        get_session().rollback()
        return render_template("errors/400.html", code=400), 400

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    @app.errorhandler(sa.exc.TimeoutError)
    def _database_down(error: sa.exc.SQLAlchemyError) -> tuple[str, int] | Response:
        """The database is unreachable, hung or lost the connection half-way
        (refused, no answer before the request's deadline, no connection left
        in the pool): answer 503 and give back what was typed, with a button
        that sends it again once the service is back."""
        current_app.logger.error("database unavailable: %s", type(getattr(error, "orig", None) or error).__name__)
        try:
            get_session().rollback()
        except sa.exc.SQLAlchemyError:
            pass
        if _is_api():
            return problem_response(
                503,
                "Service Unavailable",
                "The database is unavailable; try again shortly.",
                headers={"Retry-After": "30"},
            )
        if "_login_user" not in g:
            g._login_user = AnonymousUserMixin()
        resend, kept = _posted_input()
        return render_template("errors/503.html", code=503, kept=kept, resend=resend), 503

    @app.errorhandler(DeletedMeanwhile)
    def _deleted_meanwhile(error: DeletedMeanwhile) -> tuple[str, int]:
        """What the form edits is gone: say so, and give back what was typed."""
        get_session().rollback()
        _resend, kept = _posted_input()
        return render_template("errors/409.html", code=409, message=error.message, kept=kept), 409

    @app.errorhandler(500)
    def _server_error(error: Exception) -> tuple[str, int] | Response:
        if _is_api():
            return problem_response(500, "Internal Server Error")
        return render_template("errors/500.html", code=500), 500


def _is_api() -> bool:
    """The JSON API answers errors as problem details (RFC 9457), not pages."""
    return request.path.startswith("/api/")


def _posted_input() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``(resend, kept)``: the posted fields to send again (no CSRF token, honeypot
    or password) and those of them worth showing (typed text, not hidden keys)."""
    if request.method != "POST":
        return [], []
    resend = [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in ("csrf_token", "website") and "password" not in name
    ]
    return resend, [(n, v) for n, v in resend if n not in HIDDEN_FIELDS and v.strip()]
