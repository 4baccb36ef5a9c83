from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import login_user, logout_user
from werkzeug.wrappers import Response

from app.accounts import services, sso_client, totp
from app.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    CodeForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    NewPasswordForm,
    TwoFactorForm,
)
from app.accounts.login import authenticate, check_login_code, pending_login_valid, reauthenticate
from app.accounts.sso_client import enabled as sso_enabled
from app.accounts.sso_client import local_login_enabled
from app.accounts.throttle import DEVICE_COOKIE_DAYS, LoginThrottled, make_device_token
from app.accounts.two_factor import enable_two_factor
from app.common.errors import DomainError
from app.common.urls import external_url
from app.db import commit, get_session
from app.i18n import current_language
from app.i18n import gettext as _
from app.mail.services import queue_email
from app.web.forms import ConfirmForm, choices
from app.web.helpers import actor, form_errors, staff_required
from app.web.limits import limiter

bp = Blueprint("accounts", __name__)

LOGIN_LIMIT = "10 per minute;50 per hour"


def _safe_next(target: str | None) -> str | None:
    """Only local paths are followed after login."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


DEVICE_COOKIE = "samrad_device"


# A login through the identity provider (app/accounts/sso_views.py) keeps in the session:
# idp, idp_at (when), idp_mfa (MFA asserted), idp_id_token (logout hint), idp_expires.
PENDING_KEYS = ("pending_2fa", "pending_since", "pending_next", "pending_extra")


def needs_local_two_factor_setup(user: services.User) -> bool:
    """A site administrator without two-factor login, unless the provider asserted MFA."""
    return user.must_set_up_two_factor and not session.get("idp_mfa")


def start_second_step(user: services.User, target: str, extra: dict[str, object] | None = None) -> Response:
    """Password (or provider) done, two-factor code pending: expires after a few minutes."""
    session.clear()
    session["pending_2fa"] = user.get_id()
    session["pending_since"] = time.time()
    session["pending_next"] = target
    session["pending_extra"] = extra or {}
    return redirect(url_for("accounts.login_code"))


def finish_login(user: services.User, target: str, extra: dict[str, object] | None = None) -> Response:
    """Complete a login: a fresh session (with ``extra``: the provider's assertions), the
    known-device cookie, then the target."""
    session.clear()
    session.update(extra or {})
    login_user(user)
    response = redirect(url_for("accounts.two_factor") if needs_local_two_factor_setup(user) else target)
    response.set_cookie(
        DEVICE_COOKIE,
        make_device_token(user),
        max_age=DEVICE_COOKIE_DAYS * 86400,
        httponly=True,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        samesite="Lax",
        path="/",
    )
    return response


@bp.route("/<lang_code>/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login() -> str | Response:
    """The staff login page: "Sign in with the City's account" first (when configured),
    then the password form (unless ``LOCAL_LOGIN=off``)."""
    form = LoginForm(next=request.args.get("next", ""))
    if request.method == "POST" and not local_login_enabled():
        abort(404)
    if form.validate_on_submit():
        try:
            user = authenticate(
                get_session(),
                form.email.data or "",
                form.password.data or "",
                client_address=request.remote_addr,
                device_token=request.cookies.get(DEVICE_COOKIE),
            )
        except LoginThrottled as error:
            form.add_error("password", error.message)
            user = None
        else:
            if user is None:
                form.add_error("password", _("The e-mail address or the password is wrong."))
        commit()  # failed attempts count towards the waits
        if user is not None:
            home_language = (
                user.preferred_language
                if user.preferred_language in current_app.config["LANGUAGES"]
                else current_language()
            )
            target = _safe_next(form.next.data) or url_for("consultations_staff.dashboard", lang_code=home_language)
            if user.has_two_factor:
                return start_second_step(user, target)
            return finish_login(user, target)
    return render_template("accounts/login.html", form=form, local_login=local_login_enabled(), sso=sso_enabled())


@bp.route("/<lang_code>/login/code", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login_code() -> str | Response:
    """Second step for accounts with two-factor login; it expires after a few minutes."""
    if not pending_login_valid(session.get("pending_since"), time.time()):
        if session.pop("pending_2fa", None):
            for key in PENDING_KEYS:
                session.pop(key, None)
            flash(_("The login took too long. Log in again."), "info")
        return redirect(url_for(".login"))
    user = services.load_user_by_session_id(get_session(), session.get("pending_2fa", ""))
    if user is None:
        return redirect(url_for(".login"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            ok = check_login_code(get_session(), user, form.code.data or "")
        except LoginThrottled as error:
            commit()
            for key in PENDING_KEYS:
                session.pop(key, None)
            flash(str(error.message), "error")
            return redirect(url_for(".login"))
        commit()  # a wrong code counts
        if ok:
            target = session.get("pending_next") or url_for("consultations_staff.dashboard")
            return finish_login(
                user,
                _safe_next(target) or url_for("consultations_staff.dashboard"),
                dict(session.get("pending_extra") or {}),
            )
        form.add_error("code", _("The code is not right. Try the newest code in your app."))
    return render_template("accounts/login_code.html", form=form)


@bp.route("/<lang_code>/staff/account/two-factor", methods=["GET", "POST"])
@staff_required
def two_factor() -> str | Response:
    """Turn on or replace two-factor login: the current password (and the old app's code when
    replacing), then the new app's code."""
    user = actor()
    form = TwoFactorForm(two_factor=user.has_two_factor, password=user.has_local_password)
    secret = session.get("totp_setup") or totp.new_secret()
    session["totp_setup"] = secret
    if form.validate_on_submit():
        db = get_session()
        with form_errors(form) as attempt:
            if totp.verify(secret, form.code.data or "") is None:  # before the old code is used up
                raise DomainError(
                    _("The code is not right. Check the time on your phone and try the newest code."), field="code"
                )
            _reauthenticate(form, user)
            enable_two_factor(db, user, secret, form.code.data or "")
        if attempt.ok:
            commit()
            login_user(user)  # this session continues with the new nonce; every other one ended
            session.pop("totp_setup", None)
            flash(_("Two-factor login is on."), "success")
            return redirect(url_for(".account"))
    return render_template(
        "accounts/two_factor.html",
        form=form,
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        uri=totp.provisioning_uri(secret, user.email),
    )


@bp.before_app_request
def _require_two_factor_for_admins() -> Response | None:
    """A site administrator without two-factor login may only set it up (or log out)."""
    from flask_login import current_user

    if (
        request.endpoint
        and "/staff/" in request.path
        and request.endpoint not in {"accounts.two_factor", "accounts.logout"}
        and current_user.is_authenticated
        and needs_local_two_factor_setup(current_user)
    ):
        return redirect(url_for("accounts.two_factor", lang_code=request.path.strip("/").split("/")[0]))
    return None


@bp.route("/<lang_code>/logout", methods=["POST"])
def logout() -> Response:
    """Log out: the account's session nonce changes, so a copied session cookie stops working
    too (every session of the account ends)."""
    from flask_login import current_user

    id_token = session.get("idp_id_token") if session.get("idp") else None
    was_sso = bool(session.get("idp"))
    if current_user.is_authenticated:
        services.end_sessions(get_session(), actor())
        commit()
    logout_user()
    session.clear()
    flash(_("You have been logged out."), "info")
    if was_sso and sso_enabled():
        # RP-initiated logout: the provider ends its session too, then sends the browser back.
        target = sso_client.logout_url(id_token, current_language())
        if target:
            return redirect(target)
    return redirect(url_for("site.home"))


def _reauthenticate(form: ChangePasswordForm | ChangeEmailForm | TwoFactorForm, user: services.User) -> None:
    """The current password (and code) before a sensitive change; a wrong guess is committed
    so that it counts, whatever happens next."""
    idp_at = session.get("idp_at")
    try:
        reauthenticate(
            get_session(),
            user,
            form.current_password.data if "current_password" in form else None,
            form.current_code.data if "current_code" in form else None,
            signed_in_seconds_ago=time.time() - idp_at if idp_at else None,
        )
    finally:
        commit()


def _account_page(**forms: object) -> str:
    user = actor()
    forms.setdefault("form", ChangePasswordForm(formdata=None, two_factor=user.has_two_factor))
    forms.setdefault("email_form", ChangeEmailForm(formdata=None, two_factor=user.has_two_factor))
    forms.setdefault("language_form", _language_form())
    return render_template("accounts/account.html", confirm_form=ConfirmForm(), **forms)


@bp.route("/<lang_code>/staff/account", methods=["GET", "POST"])
@staff_required
def account() -> str | Response:
    """Change one's password (with the current one; this ends every other session)."""
    user = actor()
    form = ChangePasswordForm(two_factor=user.has_two_factor)
    if form.validate_on_submit():
        db = get_session()
        with form_errors(form) as attempt:
            services.check_password_strength(form.password.data or "", email=user.email)
            _reauthenticate(form, user)
            services.change_password(db, user, form.password.data or "")
        if attempt.ok:
            commit()
            login_user(user)  # keep this session, with the new nonce
            flash(_("Your password has been changed. Other sessions have been logged out."), "success")
            return redirect(url_for(".account"))
    return _account_page(form=form)


@bp.route("/<lang_code>/staff/account/email", methods=["POST"])
@staff_required
def change_email() -> str | Response:
    user = actor()
    form = ChangeEmailForm(two_factor=user.has_two_factor)
    if form.validate_on_submit():
        db = get_session()
        with form_errors(form) as attempt:
            services.check_email_available(db, user, form.email.data or "")
            _reauthenticate(form, user)
            services.change_email(db, user, form.email.data or "")
        if attempt.ok:
            commit()
            flash(_("Your e-mail address has been changed. We have told both addresses."), "success")
            return redirect(url_for(".account"))
    return _account_page(email_form=form)


def _language_form() -> LanguageForm:
    form = LanguageForm()
    form.language.choices = choices((code, info["name"]) for code, info in current_app.config["LANGUAGES"].items())
    if not form.is_submitted():
        form.language.data = actor().preferred_language
    return form


@bp.route("/<lang_code>/staff/account/language", methods=["POST"])
@staff_required
def language() -> str | Response:
    form = _language_form()
    if form.validate_on_submit():
        services.set_preferred_language(
            get_session(), actor(), form.language.data or "", list(current_app.config["LANGUAGES"])
        )
        commit()
        return redirect(url_for(".account", lang_code=form.language.data))
    return _account_page(language_form=form)


@bp.route("/<lang_code>/staff/account/logout-everywhere", methods=["POST"])
@staff_required
def logout_everywhere() -> Response:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.logout_everywhere(get_session(), actor())
    commit()
    logout_user()
    session.clear()
    flash(_("You have been logged out everywhere."), "info")
    return redirect(url_for(".login"))


@bp.route("/<lang_code>/password/forgot", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def forgot_password() -> str | Response:
    if not local_login_enabled():
        abort(404)
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        db = get_session()
        user = services.get_user_by_email(db, form.email.data or "")
        if user is not None and user.is_active and user.has_local_password:
            token = services.make_reset_token(user, current_app.config["SECRET_KEY"])
            queue_email(
                db,
                to=user.email,
                template="accounts/password_reset",
                language=user.preferred_language,
                kind="account.password_reset",
                user=user,
                link=external_url("accounts.reset_password", token=token, lang_code=user.preferred_language),
            )
            commit()
        # The same answer whether or not the address has an account.
        flash(
            _(
                "If the address belongs to an account, we have sent a link to choose a new password. It works for one hour."
            ),
            "info",
        )
        return redirect(url_for(".login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/<lang_code>/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> str | tuple[str, int] | Response:
    db = get_session()
    user = services.user_for_reset_token(db, token, current_app.config["SECRET_KEY"])
    if user is None:
        return render_template("accounts/reset_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(db, user, form.password.data or "", reason="password_reset")
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            commit()
            flash(_("Your new password is saved. Log in with it."), "success")
            return redirect(url_for(".login"))
    return render_template("accounts/reset.html", form=form)
