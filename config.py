"""Configuration classes, read from the environment.

``create_app()`` picks the class named by ``APP_ENV`` (development, test,
production; default development) and then applies any overrides it is given.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))

#: Secrets that must never reach production.
INSECURE_SECRETS = {"", "dev", "change-me", "development-secret-not-for-production"}


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


# UI languages. ``locale`` is the CLDR locale used for number formatting
# (Romani has no CLDR data, so it formats numbers as Swedish); ``html_lang``
# is the BCP 47 tag written into pages; ``dir`` the writing direction.
# Month and weekday names come from each language's own catalog.
DEFAULT_LANGUAGES: dict[str, dict[str, str]] = {
    "sv": {"name": "Svenska", "locale": "sv", "html_lang": "sv", "dir": "ltr", "og_locale": "sv_SE"},
    "rom": {
        "name": "Romani čhib",
        "locale": "sv",
        "html_lang": "rom",
        "dir": "ltr",
        "variety": "kalderash",
        "og_locale": "rom_SE",  # Open Graph wants language_TERRITORY: Romani as used in Sweden
    },
}


def _languages() -> dict[str, dict[str, str]]:
    """The UI languages: the defaults, plus any in the JSON file named by
    ``LANGUAGES_FILE`` (``{"fi": {"name": "Suomi", "locale": "fi", "html_lang": "fi", "dir": "ltr"}}``).
    Adding a language takes its catalog in ``translations/<code>/`` and one entry there."""
    languages = {code: dict(info) for code, info in DEFAULT_LANGUAGES.items()}
    path = os.environ.get("LANGUAGES_FILE")
    if path:
        with open(path, encoding="utf-8") as handle:
            languages.update(json.load(handle))
    return languages


class Config:
    ENV_NAME = "development"
    DEBUG = False
    TESTING = False
    SECRET_KEY = os.environ.get("SECRET_KEY", "development-secret-not-for-production")
    #: Encrypts two-factor secrets in the database (app/common/secretbox.py); unset, a key is
    #: derived from SECRET_KEY. When rotating SECRET_KEY, set this to the old SECRET_KEY.
    DATA_ENCRYPTION_KEY = os.environ.get("DATA_ENCRYPTION_KEY", "")
    DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'samradsportalen.sqlite'}")
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    #: Seconds a request may wait for PostgreSQL in all (a hung database then
    #: gives a 503 instead of a worker stuck until gunicorn kills it).
    DB_REQUEST_TIMEOUT = float(os.environ.get("DB_REQUEST_TIMEOUT") or 8)
    #: Seconds PostgreSQL keeps a transaction whose client fell silent (a
    #: connection cut by the network) before ending it and freeing its row locks.
    DB_IDLE_IN_TRANSACTION_TIMEOUT = float(os.environ.get("DB_IDLE_IN_TRANSACTION_TIMEOUT") or 60)
    #: /healthz warns (still 200) when the upload volume has less free space than this.
    UPLOAD_MIN_FREE_MB = _env_int("UPLOAD_MIN_FREE_MB", 500)
    #: While this file exists /healthz answers 503 so the load balancer drains
    #: this server; gunicorn.conf.py creates it on SIGTERM before stopping.
    DRAIN_FILE = os.environ.get("DRAIN_FILE", "")
    #: Sound recordings (spoken views) and readings: the longest and largest accepted.
    AUDIO_MAX_SECONDS = _env_int("AUDIO_MAX_SECONDS", 600)
    AUDIO_MAX_MB = _env_int("AUDIO_MAX_MB", 20)
    #: Days after a spoken view's transcription was published that the recording is kept.
    AUDIO_RETENTION_DAYS = _env_int("AUDIO_RETENTION_DAYS", 30)
    #: Days a speaker has to confirm or correct what staff wrote down (the e-mail gives the date);
    #: without an answer by then the view may be published as written.
    SPEAKER_CONFIRM_DAYS = _env_int("SPEAKER_CONFIRM_DAYS", 14)
    FFMPEG = os.environ.get("FFMPEG", "ffmpeg")
    FFPROBE = os.environ.get("FFPROBE", "ffprobe")
    #: A request body larger than this is refused (413) before it is read; room for a full recording and the form.
    MAX_CONTENT_LENGTH = max(_env_int("MAX_UPLOAD_MB", 20), AUDIO_MAX_MB + 1) * 1024 * 1024
    TRANSLATIONS_DIR = os.environ.get("TRANSLATIONS_DIR", str(BASE_DIR / "translations"))
    LANGUAGES = _languages()
    DEFAULT_LANGUAGE = "sv"
    TIMEZONE = "Europe/Stockholm"
    SITE_NAME = "Samrådsportalen"
    #: The site's address as the public sees it: every absolute link (e-mails, calendars,
    #: feeds, QR codes, the API) is built from it, never from the request's Host header.
    #: Unset, it follows ``PORT`` (``PORT=8000 make run``).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{_env_int('PORT', 5000)}"
    PAGE_SIZE = _env_int("PAGE_SIZE", 20)
    #: How long a new gunicorn worker may spend rendering the most-read pages before
    #: its first request (app/warmup.py); 0 turns the warm-up off.
    WARM_UP_SECONDS = _env_int("WARM_UP_SECONDS", 10)
    FEEDBACK_WEEKS_DEFAULT = _env_int("FEEDBACK_WEEKS_DEFAULT", 8)
    #: Calendars of many consultations (all, a board's) keep meetings that ended this many days ago.
    CALENDAR_PAST_DAYS = _env_int("CALENDAR_PAST_DAYS", 365)
    #: Days after a meeting that participants can answer its evaluation.
    EVALUATION_OPEN_DAYS = _env_int("EVALUATION_OPEN_DAYS", 30)
    #: Experience results with fewer answers than this are not shown (page and CSV).
    MIN_GROUP_SIZE = _env_int("MIN_GROUP_SIZE", 5)

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # a long form must not expire while someone types
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    HSTS = False
    PROXY_FIX = _env_bool("PROXY_FIX", False)

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Samrådsportalen <noreply@samradsportalen.example>")

    #: Days before a meeting that registrants get a reminder (``flask send-reminders``).
    REMINDER_DAYS_BEFORE = _env_int("REMINDER_DAYS_BEFORE", 2)
    #: Days after published feedback (or a cancellation) that contact data is kept.
    CONTACT_RETENTION_DAYS = _env_int("CONTACT_RETENTION_DAYS", 90)
    #: Days after a wish was answered or declined that the sender's contact data is kept
    #: (wishes still new or planned keep it, so the person can be told).
    WISH_CONTACT_RETENTION_DAYS = _env_int("WISH_CONTACT_RETENTION_DAYS", CONTACT_RETENTION_DAYS)
    #: Days after an experience answer that its contact details are deleted at the latest
    #: (sooner: CONTACT_RETENTION_DAYS after the service's measures were published).
    ANSWER_CONTACT_MAX_DAYS = _env_int("ANSWER_CONTACT_MAX_DAYS", 365)
    #: Hours a sent (or given-up) e-mail keeps its address, subject and body in the outbox.
    OUTBOX_KEEP_HOURS = _env_int("OUTBOX_KEEP_HOURS", 48)
    #: Days the deployment keeps access logs (log rotation is outside the app; the privacy notice states this).
    LOG_RETENTION_DAYS = _env_int("LOG_RETENTION_DAYS", 14)
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    #: Rendered public pages for anonymous visitors (app/web/pagecache.py):
    #: memory:// (per process), redis://host:6379/1 (shared), or off.
    PAGE_CACHE_URL = os.environ.get("PAGE_CACHE_URL", "memory://")
    PAGE_CACHE_MAX_MB = _env_int("PAGE_CACHE_MAX_MB", 64)
    PAGE_CACHE_PREFIX = os.environ.get("PAGE_CACHE_PREFIX", "samrad:page:")

    #: Staff sign-in with the City's identity provider (OpenID Connect; README "Single sign-on").
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
    OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile offline_access")
    #: The claim listing a person's groups, and the rules giving roles for groups
    #: (``GROUP=BOARD_SLUG:ROLE`` or ``GROUP=site-admin``, separated by ``;``).
    OIDC_ROLE_CLAIM = os.environ.get("OIDC_ROLE_CLAIM", "")
    OIDC_ROLE_MAP = os.environ.get("OIDC_ROLE_MAP", "")
    #: ``amr`` values (RFC 8176) and ``acr`` values that count as multi-factor authentication.
    OIDC_MFA_AMR = os.environ.get("OIDC_MFA_AMR", "mfa")
    OIDC_MFA_ACR = os.environ.get("OIDC_MFA_ACR", "")
    OIDC_CLOCK_SKEW = _env_int("OIDC_CLOCK_SKEW", 60)
    OIDC_REVALIDATE_MINUTES = _env_int("OIDC_REVALIDATE_MINUTES", 15)
    OIDC_TIMEOUT = _env_int("OIDC_TIMEOUT", 10)
    #: ``off`` hides the password login (break-glass: ``flask break-glass-login``).
    LOCAL_LOGIN = _env_bool("LOCAL_LOGIN", True)

    DEMO_STAFF_EMAIL = "demo.staff@stockholm.example"
    DEMO_STAFF_PASSWORD = os.environ.get("DEMO_STAFF_PASSWORD", "demo-password-2026")

    def validate(self) -> None:
        """Raise ``RuntimeError`` if this configuration must not start."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    DEBUG = _env_bool("FLASK_DEBUG", False)


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-secret"
    DATABASE_URL = "sqlite://"
    DB_REQUEST_TIMEOUT = 60.0  # a loaded CI machine is slow; the fault tests set their own
    UPLOAD_DIR = ""  # set per test run by the fixtures
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    PAGE_CACHE_URL = "memory://"  # on, as in production: the suite runs through it
    PUBLIC_BASE_URL = "http://localhost"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS = True

    def validate(self) -> None:
        secret = os.environ.get("SECRET_KEY", "")
        if secret in INSECURE_SECRETS or len(secret) < 32:
            raise RuntimeError(
                "Production refuses to start: set SECRET_KEY to a random value of "
                "at least 32 characters (python -c 'import secrets; "
                "print(secrets.token_hex(32))')."
            )
        if "DATABASE_URL" not in os.environ:
            raise RuntimeError("Production refuses to start: set DATABASE_URL.")
        if os.environ.get("OIDC_ISSUER") and not os.environ["OIDC_ISSUER"].startswith("https://"):
            raise RuntimeError("Production refuses to start: OIDC_ISSUER must be an https:// address.")
        if not os.environ.get("PUBLIC_BASE_URL", "").startswith("https://"):
            raise RuntimeError(
                "Production refuses to start: set PUBLIC_BASE_URL to the site's https:// address "
                "(links in e-mails, calendars and feeds are built from it)."
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    name = os.environ.get("APP_ENV", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"APP_ENV must be one of {sorted(CONFIGS)}, not {name!r}") from None
