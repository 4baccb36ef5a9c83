"""Sign-in with the City's account (OpenID Connect), re-validation, break-glass login.

The flow: ``/<lang>/login/city`` sends the browser to the provider (authorization code
flow, PKCE S256, ``state`` and ``nonce`` kept in the signed session); the provider sends
it back to ``/oidc/callback`` (one fixed redirect URI to register); Authlib exchanges
the code and validates the ID token (signature against the provider's keys, issuer,
audience, expiry, nonce; clock skew ``OIDC_CLOCK_SKEW`` seconds). Any failure gives a
page in the person's language, never a 500.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from app.accounts import services, sso, sso_client
from app.accounts.views import finish_login, start_second_step
from app.common import secretbox
from app.common.errors import DomainError
from app.db import commit, get_session, utcnow
from app.i18n import current_language
from app.i18n import gettext as _
from app.web.forms import ConfirmForm
from app.web.limits import limiter

log = logging.getLogger(__name__)
bp = Blueprint("sso", __name__)

#: Why a sign-in failed → HTTP status (the messages are in :func:`_message`).
REASONS = {"denied": 403, "unreachable": 503, "state": 400, "invalid": 400, "refused": 400, "disabled": 403}


def _message(reason: str) -> str:
    return {
        "denied": _("You did not allow Samrådsportalen to use your City account, so you are not signed in."),
        "unreachable": _("The City's sign-in service cannot be reached right now. Try again in a while."),
        "state": _("The sign-in took too long or was started in another window. Start again."),
        "invalid": _(
            "The answer from the City's sign-in service could not be verified, so you are not signed in. "
            "Start again; if it happens again, tell the site administrator."
        ),
        "refused": _("The City's sign-in service did not complete the sign-in. Start again."),
    }[reason]


def _error_page(reason: str, detail: str = "", message: str | None = None) -> tuple[str, int]:
    status = REASONS[reason]
    log.warning("sign-in with the identity provider failed: %s %s", reason, detail[:200])
    for key in [k for k in session if k.startswith("_state_")]:
        session.pop(key)
    return render_template(
        "accounts/sso_error.html", message=message or _message(reason), local_login=sso_client.local_login_enabled()
    ), status


def _require_sso() -> None:
    if not sso_client.enabled():
        abort(404)


@bp.route("/<lang_code>/login/city")
@limiter.limit("30 per minute")
def start() -> Response | tuple[str, int]:
    """Send the browser to the City's identity provider."""
    _require_sso()
    from app.accounts.views import _safe_next

    try:
        sso_client.metadata()
    except sso_client.ProviderUnreachable as error:
        return _error_page("unreachable", str(error))
    except sso_client.WrongIssuer as error:
        return _error_page("invalid", str(error))
    session["sso_lang"] = current_language()
    session["sso_next"] = _safe_next(request.args.get("next")) or ""
    return sso_client.client().authorize_redirect(sso_client.redirect_uri(), ui_locales=current_language())


@bp.route("/oidc/callback")
@limiter.limit("30 per minute")
def callback() -> Response | tuple[str, int]:
    """The provider's answer: validate, then log in, ask for the local code, or record a
    request for access."""
    _require_sso()
    g.ui_lang = (
        session.get("sso_lang")
        if session.get("sso_lang") in current_app.config["LANGUAGES"]
        else (current_app.config["DEFAULT_LANGUAGE"])
    )
    if request.args.get("error"):
        reason = (
            "denied"
            if request.args["error"] in {"access_denied", "consent_required", "login_required", "interaction_required"}
            else "refused"
        )
        return _error_page(reason, request.args["error"])
    try:
        sso_client.metadata()
        token = sso_client.client().authorize_access_token(leeway=int(current_app.config.get("OIDC_CLOCK_SKEW", 60)))
    except sso_client.ProviderUnreachable as error:
        return _error_page("unreachable", str(error))
    except sso_client.WrongIssuer as error:
        return _error_page("invalid", str(error))
    except MismatchingStateError as error:
        return _error_page("state", str(error))
    except OAuthError as error:  # the token endpoint refused (a replayed or expired code)
        return _error_page("refused", f"{error.error}: {error.description}")
    except JoseError as error:  # signature, issuer, audience, expiry, nonce
        return _error_page("invalid", repr(error))
    except requests.RequestException as error:
        return _error_page("unreachable", str(error))
    claims: dict[str, Any] = dict(token.get("userinfo") or {})
    if not claims.get("sub"):
        return _error_page("invalid", "no ID token")
    config = current_app.config
    identity = sso.Identity(
        sub=str(claims["sub"]),
        email=str(claims.get("email") or ""),
        name=str(claims.get("name") or ""),
        groups=sso.groups_from_claims(claims, config.get("OIDC_ROLE_CLAIM", "")),
        mfa=sso.asserts_mfa(
            claims, config.get("OIDC_MFA_AMR", "").split(","), config.get("OIDC_MFA_ACR", "").split(",")
        ),
    )
    db = get_session()
    try:
        outcome = sso.sign_in(db, identity, rules=sso_client.role_rules())
    except DomainError as error:
        commit()
        return _error_page("disabled", identity.sub, message=str(error.message))
    if outcome.request is not None:
        commit()
        return render_template("accounts/sso_access_requested.html", request_row=outcome.request), 200
    user = outcome.user
    assert user is not None
    user.oidc_refresh_token = (
        secretbox.encrypt(token["refresh_token"], secretbox.key_material(config), purpose="oidc")
        if token.get("refresh_token")
        else None
    )
    commit()
    extra = {
        "idp": True,
        "idp_at": time.time(),
        "idp_mfa": identity.mfa,
        "idp_id_token": token.get("id_token"),
        "idp_expires": float(token.get("expires_at") or time.time() + 3600),
    }
    language = session.get("sso_lang") or current_language()
    target = session.get("sso_next") or url_for("consultations_staff.dashboard", lang_code=language)
    if user.is_site_admin and not identity.mfa and user.has_two_factor:
        return start_second_step(user, target, extra)  # the provider did not assert MFA: the local code
    return finish_login(user, target, extra)


@bp.route("/oidc/logged-out")
def logged_out() -> Response:
    """Where the provider sends the browser back after RP-initiated logout."""
    return redirect(url_for("web.root"))


@bp.before_app_request
def _revalidate() -> Response | None:
    """An account signed in through the provider is checked with the provider every
    ``OIDC_REVALIDATE_MINUTES`` (refresh token): a person disabled there, or whose sessions
    were revoked there, is logged out at their next request. Without a refresh token the
    session ends when the provider's access token expires."""
    if not session.get("idp") or request.endpoint in (None, "static") or not current_user.is_authenticated:
        return None
    if not sso_client.enabled():
        return _end_session()
    user = current_user._get_current_object()
    now = utcnow()
    interval = int(current_app.config.get("OIDC_REVALIDATE_MINUTES", 15)) * 60
    if user.oidc_checked_dt and (now - user.oidc_checked_dt).total_seconds() < interval:
        return None
    config = current_app.config
    if not user.oidc_refresh_token:
        return _end_session() if time.time() > float(session.get("idp_expires") or 0) else None
    try:
        refresh_token = secretbox.decrypt(user.oidc_refresh_token, secretbox.key_material(config), purpose="oidc")
        tokens = sso_client.refresh(refresh_token)
    except sso_client.ProviderUnreachable as error:
        log.warning("identity provider unreachable for re-validation: %s", str(error)[:200])
        return None  # availability: the next request tries again
    except (sso_client.WrongIssuer, secretbox.UndecryptableSecret):
        tokens = None
    db = get_session()
    if tokens is None:
        services.end_sessions(db, user)
        user.oidc_refresh_token = None
        commit()
        return _end_session()
    if tokens.get("refresh_token"):
        user.oidc_refresh_token = secretbox.encrypt(
            tokens["refresh_token"], secretbox.key_material(config), purpose="oidc"
        )
    user.oidc_checked_dt = now
    commit()
    return None


def _end_session() -> Response:
    language = current_language()
    logout_user()
    session.clear()
    flash(_("Your sign-in has ended. Sign in again with the City's account."), "info")
    return redirect(url_for("accounts.login", lang_code=language))


# --- Break-glass --------------------------------------------------------------------------------


@bp.route("/<lang_code>/login/break-glass/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
def break_glass(token: str) -> str | Response | tuple[str, int]:
    """A one-time local login for a site administrator, made by ``flask break-glass-login``
    (the provider is down, or ``LOCAL_LOGIN=off``). Opening the link shows a button, so a
    mail scanner that follows links cannot use it up."""
    db = get_session()
    user = services.user_for_break_glass_token(db, token, current_app.config["SECRET_KEY"])
    if user is None:
        return render_template("accounts/reset_invalid.html"), 404
    form = ConfirmForm()
    if form.validate_on_submit():
        services.use_break_glass(db, user)
        commit()
        target = url_for("consultations_staff.dashboard")
        if user.has_two_factor:
            return start_second_step(user, target)
        return finish_login(user, target)
    return render_template("accounts/break_glass.html", form=form, user=user)
