"""Test fixtures.

* ``engine``: one per backend, session-scoped and parametrised: SQLite always,
  PostgreSQL too when ``TEST_DATABASE_URL`` is set. Every test that uses the
  database runs once per backend.
* ``db_session``: each test runs inside an outer transaction that is rolled
  back at the end (SQLAlchemy's "join a session into an external transaction"
  recipe); the application's own commits become SAVEPOINT releases.
* ``app``/``client``/``auth``: the flaskr pattern, with the session injected.
* ``board``/``other_board``/``publisher``/``editor``/``staff``: the usual cast, built
  with the factories; a module overrides ``board`` (or a role) when it needs another.
* ``create_*``: callable factories (indico's pattern). They commit (which, in
  the joined session, only releases a SAVEPOINT) because every request ends
  with a rollback of whatever it did not commit itself, as in production.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

import app.registry as _registry  # noqa: F401  (the `app` fixture below takes the name)
from app import create_app
from app.accounts.models import Role, User
from app.accounts.services import create_user as create_user_service
from app.accounts.services import grant_role
from app.boards.models import Board, BoardKind
from app.consultations.models import Consultation, ConsultationStatus, MeetingFormat
from app.db import AppSession, Base, make_engine
from app.registrations.services import RegistrationData
from config import TestConfig
from tests.support import MarkerTranslations

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    """Argon2 with minimal cost in tests: same code path, a fraction of the time."""
    from argon2 import PasswordHasher

    import app.accounts.passwords as passwords

    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = original


@pytest.fixture(scope="session", params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    else:
        assert TEST_DATABASE_URL is not None  # BACKENDS has postgresql only when it is set
        url = TEST_DATABASE_URL
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    yield engine
    Base.metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture
def backend(engine: sa.Engine) -> str:
    return engine.dialect.name


@pytest.fixture
def db_session(engine: sa.Engine) -> Iterator[Session]:
    connection = engine.connect()
    transaction = connection.begin()
    session = AppSession(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        if transaction.is_active:
            transaction.rollback()
        connection.close()


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Override in a test module to change the configuration."""
    return {}


@pytest.fixture
def app(engine: sa.Engine, db_session: Session, tmp_path: Any, app_overrides: dict[str, Any]) -> Iterator[Flask]:
    overrides = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        **app_overrides,
    }
    application = create_app(TestConfig, overrides)
    application.extensions["db"].external_session = db_session
    yield application
    application.extensions["db"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()


def totp_code(user: User) -> str:
    """The current code of a two-factor user's authenticator (the replay guard is reset
    so that each test login may reuse the current time step)."""
    from sqlalchemy.orm import object_session

    from app.accounts import totp

    user.totp_last_step = None
    session = object_session(user)
    if session is not None:
        session.commit()
    return totp.code_at(plain_totp_secret(user), totp.current_step())


def _test_key_material() -> str:
    from app.common import secretbox

    return secretbox.key_material(
        {"SECRET_KEY": TestConfig.SECRET_KEY, "DATA_ENCRYPTION_KEY": TestConfig.DATA_ENCRYPTION_KEY}
    )


def plain_totp_secret(user: User) -> str:
    """A two-factor user's secret in clear (stored encrypted with the test configuration's key)."""
    from app.common import secretbox

    assert user.totp_secret is not None
    return secretbox.decrypt(user.totp_secret, _test_key_material())


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, user: User | str, password: str = PASSWORD, lang: str = "sv") -> Any:
        """Log in through the real form, answering the two-factor step if the user has one."""
        email = user if isinstance(user, str) else user.email
        response = self._client.post(f"/{lang}/login", data={"email": email, "password": password})
        if isinstance(user, User) and user.totp_secret and response.headers.get("Location", "").endswith("/login/code"):
            response = self._client.post(f"/{lang}/login/code", data={"code": totp_code(user)})
        return response

    def logout(self, lang: str = "sv") -> Any:
        return self._client.post(f"/{lang}/logout")

    def offered_totp_secret(self) -> str:
        """Open the two-factor setup page (logged in) and return the secret it offers, which
        the session keeps until a code from it confirms the setup."""
        self._client.get("/sv/staff/account/two-factor")
        with self._client.session_transaction() as session:
            secret: str = session["totp_setup"]
        return secret


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


_counter = itertools.count(1)


@pytest.fixture
def create_board(db_session: Session) -> Callable[..., Board]:
    def _create(slug: str | None = None, kind: BoardKind = BoardKind.SPECIALIST, **kwargs: Any) -> Board:
        n = next(_counter)
        slug = slug or f"board-{n}"
        board = Board(
            slug=slug,
            kind=kind,
            name_sv=kwargs.pop("name_sv", f"Nämnd {n}"),
            name_rom=kwargs.pop("name_rom", f"Komisia {n}"),
            contact_email=kwargs.pop("contact_email", f"{slug}@stockholm.example"),
            **kwargs,
        )
        db_session.add(board)
        db_session.commit()
        return board

    return _create


@pytest.fixture
def create_user(db_session: Session) -> Callable[..., User]:
    def _create(
        email: str | None = None,
        boards: dict[Board, Role] | None = None,
        is_site_admin: bool = False,
        two_factor: bool | None = None,
        **kwargs: Any,
    ) -> User:
        """A staff user; site administrators get two-factor login unless ``two_factor=False``."""
        n = next(_counter)
        user = create_user_service(
            db_session,
            email=email or f"staff{n}@stockholm.example",
            name=kwargs.pop("name", f"Staff {n}"),
            password=kwargs.pop("password", PASSWORD),
            is_site_admin=is_site_admin,
        )
        for board, role in (boards or {}).items():
            grant_role(db_session, user, board, role)
        if two_factor if two_factor is not None else is_site_admin:
            from app.accounts import totp
            from app.common import secretbox

            user.totp_secret = secretbox.encrypt(totp.new_secret(), _test_key_material())
        db_session.commit()
        return user

    return _create


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """A Swedish request context, as in a view (e-mails need URLs and templates)."""
    with app.test_request_context("/sv/"):
        yield


@pytest.fixture
def marker_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every catalog becomes a :class:`tests.support.MarkerTranslations`: texts say their language."""
    import app.i18n

    monkeypatch.setattr(app.i18n, "_load_catalog", lambda directory, language: MarkerTranslations(language))


@pytest.fixture
def board(create_board: Callable[..., Board]) -> Board:
    """The board most tests work on; a module that needs another one overrides this fixture
    (and ``publisher``, ``editor`` and ``staff`` follow it)."""
    return create_board(slug="kultur", name_sv="Kulturnämnden", name_rom="I Komisia vash e Kultura")


@pytest.fixture
def other_board(create_board: Callable[..., Board]) -> Board:
    """A second board, for what one board must not see or do on another's behalf."""
    return create_board(slug="socialnamnden", name_sv="Socialnämnden", name_rom="I Komisia Sociala")


@pytest.fixture
def publisher(create_user: Callable[..., User], board: Board) -> User:
    return create_user(boards={board: Role.PUBLISHER})


@pytest.fixture
def editor(create_user: Callable[..., User], board: Board) -> User:
    return create_user(boards={board: Role.EDITOR})


@pytest.fixture
def staff(editor: User) -> User:
    """The staff member of tests that need one, not a particular role: ``board``'s editor."""
    return editor


def registration_data(**overrides: Any) -> RegistrationData:
    """What the public registration form sends: Sara, consenting, unless ``overrides`` say otherwise."""
    values: dict[str, Any] = {"name": "Sara", "consent": True}
    values.update(overrides)
    return RegistrationData(**values)


def in_days(days: float, hour: int = 18) -> datetime:
    base = datetime.now(timezone.utc).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


@pytest.fixture
def create_consultation(db_session: Session, create_board: Callable[..., Board]) -> Callable[..., Consultation]:
    """A consultation written directly (bypassing services) in any status."""

    def _create(
        board: Board | None = None,
        status: ConsultationStatus = ConsultationStatus.PUBLISHED,
        co_hosts: list[Board] | None = None,
        **kwargs: Any,
    ) -> Consultation:
        board = board or create_board()
        start = kwargs.pop("start_dt", in_days(14))
        values: dict[str, Any] = {
            "title_sv": "Samråd om fritidsgårdar",
            "title_rom": "Sfatuipe vash le khera",
            "summary_sv": "Vad vill ni ha på fritidsgården?",
            "summary_rom": "So kamen ande fritidsgården?",
            "influence_sv": "Programmet.",
            "influence_rom": "O programo.",
            "decided_sv": "Budgeten.",
            "decided_rom": "O budzheto.",
            "format": MeetingFormat.IN_PERSON,
            "start_dt": start,
            "end_dt": kwargs.pop("end_dt", start + timedelta(hours=2)),
            "venue_name": "Tensta träff",
            "address": "Tensta allé 1",
            "interpreter_languages": ["kalderash"],
        }
        values.update(kwargs)
        consultation = Consultation(lead_board=board, status=status, **values)
        if status is not ConsultationStatus.DRAFT:
            consultation.published_dt = datetime.now(timezone.utc)
        consultation.co_hosts = list(co_hosts or [])
        db_session.add(consultation)
        db_session.commit()
        return consultation

    return _create
