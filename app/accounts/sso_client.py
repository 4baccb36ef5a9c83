"""The OpenID Connect client (Authlib): discovery, the authorization request with PKCE,
``state`` and ``nonce``, the code exchange with ID-token validation, re-validation with
the refresh token, and RP-initiated logout. Configured from the environment
(``OIDC_*``, see README); absent ``OIDC_ISSUER``, single sign-on is off.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from app.accounts.sso import RoleRule, parse_role_map
from app.common.urls import external_url

log = logging.getLogger(__name__)

NAME = "city"


class ProviderUnreachable(Exception):
    """The identity provider did not answer (network, timeout, 5xx)."""


class WrongIssuer(Exception):
    """The discovery document names another issuer than ``OIDC_ISSUER``."""


def init_app(app: Flask) -> None:
    """Register the provider with Authlib and check the configuration (fails at start-up)."""
    app.config["OIDC_ROLE_RULES"] = parse_role_map(app.config.get("OIDC_ROLE_MAP", ""))
    if app.config.get("OIDC_ROLE_RULES") and not app.config.get("OIDC_ROLE_CLAIM"):
        raise RuntimeError("OIDC_ROLE_MAP needs OIDC_ROLE_CLAIM (the claim that lists a person's groups).")
    if not app.config.get("LOCAL_LOGIN", True) and not app.config.get("OIDC_ISSUER"):
        raise RuntimeError("LOCAL_LOGIN=off needs OIDC_ISSUER: nobody could log in (break-glass aside).")
    if not app.config.get("OIDC_ISSUER"):
        return
    if not (app.config.get("OIDC_CLIENT_ID") and app.config.get("OIDC_CLIENT_SECRET")):
        raise RuntimeError("OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.")
    oauth = OAuth(app)
    oauth.register(
        NAME,
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=app.config["OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": app.config.get("OIDC_SCOPES") or "openid email profile",
            "code_challenge_method": "S256",
            "timeout": app.config.get("OIDC_TIMEOUT", 10),
        },
    )
    app.extensions["sso_oauth"] = oauth


def enabled() -> bool:
    return "sso_oauth" in current_app.extensions


def local_login_enabled() -> bool:
    return bool(current_app.config.get("LOCAL_LOGIN", True))


def role_rules() -> list[RoleRule]:
    return list(current_app.config.get("OIDC_ROLE_RULES") or [])


def client() -> Any:
    return current_app.extensions["sso_oauth"].create_client(NAME)


def metadata() -> dict[str, Any]:
    """The provider's discovery document, checked against ``OIDC_ISSUER``."""
    try:
        data = client().load_server_metadata()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnreachable(str(error)) from error
    if data.get("issuer", "").rstrip("/") != current_app.config["OIDC_ISSUER"].rstrip("/"):
        raise WrongIssuer(f"discovery names issuer {data.get('issuer')!r}")
    return data


def redirect_uri() -> str:
    return external_url("sso.callback")


def refresh(refresh_token: str) -> dict[str, Any] | None:
    """New tokens for a refresh token; ``None`` if the provider refuses it (the person was
    disabled, or their sessions revoked). Raises :class:`ProviderUnreachable`."""
    try:
        metadata()
        # No scope: the refresh keeps what was granted (RFC 6749 §6).
        return dict(client().fetch_access_token(grant_type="refresh_token", refresh_token=refresh_token, scope=None))
    except OAuthError as error:
        log.warning("identity provider refused the refresh token: %s", error.error)
        return None
    except requests.RequestException as error:
        raise ProviderUnreachable(str(error)) from error


def logout_url(id_token: str | None, language: str) -> str | None:
    """Where to send the browser for RP-initiated logout, if the provider offers it."""
    try:
        endpoint = metadata().get("end_session_endpoint")
    except (ProviderUnreachable, WrongIssuer):
        return None
    if not endpoint:
        return None
    from urllib.parse import urlencode

    params = {
        "client_id": current_app.config["OIDC_CLIENT_ID"],
        "ui_locales": language,
        "post_logout_redirect_uri": external_url("sso.logged_out"),
    }
    if id_token:
        params["id_token_hint"] = id_token
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"
