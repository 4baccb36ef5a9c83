"""Security headers on every response; ``Cache-Control: no-store`` on staff and account pages."""

from __future__ import annotations

from flask import Flask, Response, request

#: Blueprints whose pages are about a staff account (login, two-factor, password reset).
ACCOUNT_BLUEPRINTS = frozenset({"accounts", "accounts_admin", "sso"})


def _private_page() -> bool:
    """Staff pages show personal data (and the two-factor page a secret); nothing a
    logged-in person sees may be kept by a browser or proxy cache."""
    from flask_login import current_user

    if request.endpoint in (None, "static"):
        return False
    return (
        request.blueprint in ACCOUNT_BLUEPRINTS
        or "/staff/" in request.path
        or bool(current_user and current_user.is_authenticated)
    )


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; media-src 'self' blob:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if _private_page():
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("ETag", None)
        if app.config.get("HSTS"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
