"""Samrådsportalen: open consultations with the Roma national minority."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from flask import Flask, abort, g, request
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from app.db import Database, get_session

csrf = CSRFProtect()
login_manager = LoginManager()

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Any = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application.

    ``config`` is a config class (default: chosen by ``APP_ENV``); ``overrides``
    a mapping applied on top, as tests do.
    """
    from config import config_from_env

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    config_class = config or config_from_env()
    config_obj = config_class()
    app.config.from_object(config_obj)
    if overrides:
        app.config.update(overrides)
    config_obj.validate()

    _configure_logging(app)
    if app.config.get("PROXY_FIX"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]  # Flask's documented way

    from app import (
        i18n,
        registry,  # noqa: F401  (every table, every domain's hooks)
    )

    Database().init_app(app)  # one per application: tests create many
    csrf.init_app(app)
    i18n.init_app(app)
    _init_login(app)
    _init_language_routing(app)

    # Ids in URLs fit the database's INTEGER: a larger number is a 404, not a 500.
    app.url_map.converters["int"] = _DatabaseInteger

    from app.accounts import sso_client
    from app.accounts.admin_views import bp as accounts_admin_bp
    from app.accounts.sso_views import bp as sso_bp
    from app.accounts.views import bp as accounts_bp
    from app.api.views import bp as api_bp
    from app.audit.views import bp as audit_bp
    from app.consultations.board_views import bp as boards_bp
    from app.consultations.staff_views import bp as consultations_staff_bp
    from app.consultations.views import bp as consultations_bp
    from app.experiences.measure_views import bp as experiences_measures_bp
    from app.experiences.staff_views import bp as experiences_staff_bp
    from app.experiences.views import bp as experiences_bp
    from app.feedback.staff_views import bp as feedback_staff_bp
    from app.feedback.suggestion_views import bp as feedback_suggestions_bp
    from app.feedback.views import bp as feedback_bp
    from app.minutes.staff_views import bp as minutes_staff_bp
    from app.minutes.views import bp as minutes_bp
    from app.participation.audio_views import bp as participation_audio_bp
    from app.participation.staff_views import bp as participation_staff_bp
    from app.participation.views import bp as participation_bp
    from app.readings.staff_views import bp as readings_staff_bp
    from app.readings.views import bp as readings_bp
    from app.registrations.staff_views import bp as registrations_staff_bp
    from app.registrations.views import bp as registrations_bp
    from app.site.views import bp as site_bp
    from app.translations import staff_views as translations_views
    from app.web.routes import bp as web_bp
    from app.wishes.staff_views import bp as wishes_staff_bp
    from app.wishes.views import bp as wishes_bp

    for blueprint in (
        web_bp,
        site_bp,
        api_bp,
        accounts_bp,
        accounts_admin_bp,
        sso_bp,
        audit_bp,
        boards_bp,
        consultations_bp,
        consultations_staff_bp,
        registrations_bp,
        registrations_staff_bp,
        participation_bp,
        participation_staff_bp,
        participation_audio_bp,
        readings_bp,
        readings_staff_bp,
        feedback_bp,
        feedback_staff_bp,
        feedback_suggestions_bp,
        minutes_bp,
        minutes_staff_bp,
        experiences_bp,
        experiences_staff_bp,
        experiences_measures_bp,
        wishes_bp,
        wishes_staff_bp,
        translations_views.bp,
    ):
        app.register_blueprint(blueprint)

    from app.web import accesslog, caching, errors, intake, limits, security, templating

    limits.init_app(app)
    sso_client.init_app(app)
    intake.init_app(app)  # its body size check runs first, before CSRF and the limiter read the body

    errors.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    caching.init_app(app)
    accesslog.init_app(app)
    translations_views.init_app(app)

    from app.cli import register_cli

    register_cli(app)
    return app


class _DatabaseInteger(IntegerConverter):
    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _configure_logging(app: Flask) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(logging.INFO)


def _init_login(app: Flask) -> None:
    from app.accounts.services import load_user_by_session_id
    from app.i18n import gettext
    from app.web.forms import N_

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = N_("Please log in to see this page.")
    login_manager.localize_callback = gettext
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def _load(session_id: str) -> Any:
        return load_user_by_session_id(get_session(), session_id)


def _init_language_routing(app: Flask) -> None:
    """Every page lives under ``/<lang_code>/``; URLs built in a request keep its language."""

    @app.url_value_preprocessor
    def _pull_language(endpoint: str | None, values: dict[str, Any] | None) -> None:
        if values is not None and "lang_code" in values:
            lang = values.pop("lang_code")
            if lang not in app.config["LANGUAGES"]:
                abort(404)
            g.ui_lang = lang

    @app.url_defaults
    def _add_language(endpoint: str, values: dict[str, Any]) -> None:
        if "lang_code" not in values and app.url_map.is_endpoint_expecting(endpoint, "lang_code"):
            from app.i18n import current_language

            values["lang_code"] = current_language()

    @app.before_request
    def _language_from_path() -> None:
        # Error pages for unmatched URLs still speak the language of the path.
        if "ui_lang" not in g:
            first = request.path.strip("/").split("/", 1)[0]
            if first in app.config["LANGUAGES"]:
                g.ui_lang = first
