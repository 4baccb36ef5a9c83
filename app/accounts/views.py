from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from app.accounts.forms import LoginForm
from app.accounts.services import authenticate
from app.db import commit, get_session
from app.i18n import gettext as _

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only local paths are followed after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/<lang_code>/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = authenticate(get_session(), form.email.data or "", form.password.data or "")
        if user is not None:
            commit()
            session.clear()  # a fresh session on login
            login_user(user)
            return redirect(_safe_next(form.next.data) or url_for("consultations_staff.dashboard"))
        form.add_error("password", _("The e-mail address or the password is wrong."))
    return render_template("accounts/login.html", form=form)


@bp.route("/<lang_code>/logout", methods=["POST"])
def logout() -> Response:
    logout_user()
    session.clear()
    flash(_("You have been logged out."), "info")
    return redirect(url_for("core.home"))
