"""Database plumbing: the declarative base, the engine, one session per request.

Views get the request's session with :func:`get_session` and call
:func:`commit` once, after the service they called has flushed. The session is
rolled back and closed when the application context ends, so an exception
anywhere leaves nothing half-written.
"""

from __future__ import annotations

import enum
import logging
import math
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any, ClassVar, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask, current_app, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

log = logging.getLogger("app.db")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored as naive UTC and returned as an aware UTC datetime.

    Refuses naive datetimes on the way in, so local wall-clock times cannot
    slip into the database by mistake.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


#: Anonymous input is dated in the city's own days (what pages show).
_LOCAL_ZONE = ZoneInfo("Europe/Stockholm")


def coarse_time(value: datetime, resolution: str = "day") -> datetime:
    """``value`` (aware) rounded down to the start of its Stockholm day, or of its hour, in UTC.

    Anonymous input keeps no finer time than this, so its timestamp cannot be
    joined with the second of a request in a log. Ordering among rows of one
    day or hour follows their ids.
    """
    if resolution == "hour":
        return value.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
    if resolution != "day":
        raise ValueError(f"unknown resolution {resolution!r}")
    local = value.astimezone(_LOCAL_ZONE)
    midnight = datetime(local.year, local.month, local.day, tzinfo=_LOCAL_ZONE)
    return midnight.astimezone(timezone.utc)


def utcnow_day() -> datetime:
    """Now, kept to the day: the default timestamp of anonymous input (see :class:`CoarseUTCDateTime`)."""
    return coarse_time(utcnow(), "day")


class CoarseUTCDateTime(UTCDateTime):
    """A :class:`UTCDateTime` that stores only the start of the day (or hour) of what it is given.

    For anonymous input (views, survey answers, wishes, evaluations): whatever
    code writes, the database never holds a finer time. The column type is
    unchanged (a plain timestamp), so no migration is needed for the type.
    """

    cache_ok = True

    def __init__(self, resolution: str = "day") -> None:
        super().__init__()
        self.resolution = resolution

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return super().process_bind_param(coarse_time(value, self.resolution), dialect)


def str_enum(enum_cls: type[enum.Enum], length: int = 32) -> sa.Enum:
    """An enum stored as its value in a VARCHAR (no native type, no CHECK).

    Adding a member then needs no migration on PostgreSQL.
    """
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    # Every model maps one Table (no model maps a join or a select): typed so, for
    # Core statements on ``Model.__table__`` (DeclarativeBase types it as FromClause).
    __table__: ClassVar[sa.Table]
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def rowcount(result: sa.Result[Any]) -> int:
    """The number of rows an UPDATE or DELETE run by ``session.execute`` matched.

    ``Session.execute`` is typed to return a plain ``Result``; for these statements
    it is a ``CursorResult``, which has the count."""
    return cast("sa.CursorResult[Any]", result).rowcount


def make_engine(url: str, *, idle_in_transaction_timeout: float | None = None, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys and working SAVEPOINTs.

    On PostgreSQL, waits end by the deadline (see :func:`db_deadline`), and with
    ``idle_in_transaction_timeout`` the server ends transactions whose client
    fell silent for that many seconds."""
    if url.startswith("sqlite"):
        connect_args = kwargs.pop("connect_args", {})
        connect_args.setdefault("check_same_thread", False)
        engine = sa.create_engine(url, connect_args=connect_args, **kwargs)
        file_backed = url not in ("sqlite://", "sqlite:///:memory:")

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy emit BEGIN itself so SAVEPOINT works (pysqlite's
            # legacy transaction handling breaks it), and enforce FKs.
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if file_backed:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # A request that will write takes the write lock up front: a
            # deferred BEGIN that reads first cannot upgrade its lock while
            # another process writes and fails at once ("database is locked"),
            # whereas BEGIN IMMEDIATE waits (busy timeout) for its turn.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        event.listen(engine, "do_connect", _connector(idle_in_transaction_timeout))
    return engine


# --- Deadlines ------------------------------------------------------------------------
#
# A database that is down refuses connections at once; one that is hung (a
# pooler or proxy in front of a dead primary) accepts them and never answers.
# Without a deadline of our own a request would then wait until gunicorn kills
# the worker, and the next one would hang again. Every wait for PostgreSQL is
# therefore bounded by the deadline of the current request (or block, see
# :func:`db_deadline`): when it passes, the connection is closed (its state is
# unknown) and an ``OperationalError`` follows, which the views answer with
# the same 503 as a refused connection (app/web/errors.py).

#: ``time.monotonic()`` by which the current request's database waits end; ``None``: no limit.
_deadline: ContextVar[float | None] = ContextVar("db_deadline", default=None)

#: Seconds a new PostgreSQL connection may take at most (libpq's minimum is 2),
#: unless the URL says otherwise (``?connect_timeout=N``).
CONNECT_TIMEOUT = 3
#: Seconds the ROLLBACK at the end of a request may wait for the database.
TEARDOWN_TIMEOUT = 2.0


#: Seconds one wait may take at most (batch jobs: see :func:`db_wait_limit`); ``None``: no limit.
_wait_limit: ContextVar[float | None] = ContextVar("db_wait_limit", default=None)


@contextmanager
def db_wait_limit(seconds: float) -> Iterator[None]:
    """Inside the block no single wait for PostgreSQL (a statement, a COMMIT)
    takes longer than ``seconds``: for batch jobs, which may run long in all
    but must not hang on a database that stopped answering."""
    token = _wait_limit.set(seconds)
    try:
        yield
    finally:
        _wait_limit.reset(token)


def _wait_timeout() -> float | None:
    """Seconds the next wait may take (``None``: unbounded)."""
    end, limit = _deadline.get(), _wait_limit.get()
    left = None if end is None else max(end - time.monotonic(), 0.0)
    if limit is None:
        return left
    return limit if left is None else min(left, limit)


@contextmanager
def db_deadline(seconds: float) -> Iterator[None]:
    """Every PostgreSQL wait inside the block ends within ``seconds`` from now
    (or by the deadline already in force, if that is earlier)."""
    token = _deadline.set(_earlier(_deadline.get(), time.monotonic() + seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def _earlier(a: float | None, b: float) -> float:
    return b if a is None else min(a, b)


_connection_class: Any = None


def _deadline_connection_class() -> Any:
    """A psycopg connection whose waits for the server end at the deadline."""
    global _connection_class
    if _connection_class is not None:
        return _connection_class
    import psycopg
    from psycopg import errors as pg_errors

    class DeadlineTimeout(psycopg.OperationalError):
        pass

    class DeadlineConnection(psycopg.Connection):
        def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
            bound = _wait_timeout()
            if bound is None or timeout is not None:
                return super().wait(gen, interval=interval, timeout=timeout)
            try:
                return super().wait(gen, interval=interval, timeout=bound)
            except pg_errors._WaitTimeout:
                # Half-way through the protocol: the connection cannot be used
                # again. Closed, SQLAlchemy sees a disconnect and drops it from the pool.
                self.pgconn.finish()
                raise DeadlineTimeout("the database did not answer in time") from None

    _connection_class = DeadlineConnection
    return DeadlineConnection


def _connector(idle_in_transaction_timeout: float | None) -> Callable[..., Any]:
    """The ``do_connect`` hook: a :func:`_deadline_connection_class` connection,
    opened with a connect timeout that ends by the deadline."""

    def connect(dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> Any:
        connection_class = _deadline_connection_class()
        params = dict(cparams)  # SQLAlchemy reuses the dict for every connection
        timeout = float(params.get("connect_timeout") or CONNECT_TIMEOUT)
        end = _deadline.get()
        if end is not None:
            left = end - time.monotonic()
            if left <= 0.1:
                import psycopg

                raise psycopg.OperationalError("no time left to connect to the database before the request's deadline")
            timeout = min(timeout, left)
        # Whole seconds, at least 2 (psycopg's and libpq's minimum): may overrun a
        # deadline by less than 2 s, never by a connection attempt's full length.
        params["connect_timeout"] = max(2, math.floor(timeout))
        if idle_in_transaction_timeout and "options" not in params:
            # A connection cut by the network leaves its server-side transaction
            # (and its row locks) behind until the server notices: end it in time.
            params["options"] = f"-c idle_in_transaction_session_timeout={int(idle_in_transaction_timeout * 1000)}"
        return connection_class.connect(*cargs, **params)

    return connect


#: Set while handling a request that will write (POST and friends); SQLite then
#: begins its transactions with ``BEGIN IMMEDIATE``. PostgreSQL ignores it.
write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)


class AppSession(Session):
    """The application's session. :mod:`app.generations` listens to it: a transaction that
    wrote rows public pages may show bumps the content generation as its last statement."""


class Database:
    """Owns the engine and hands out one session per application context."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.request_timeout = 8.0
        self.session_factory: sessionmaker[Session] | None = None
        #: Tests set this to a session joined to an outer transaction.
        self.external_session: Session | None = None

    def init_app(self, app: Flask) -> None:
        self.engine = make_engine(
            app.config["DATABASE_URL"], idle_in_transaction_timeout=app.config.get("DB_IDLE_IN_TRANSACTION_TIMEOUT")
        )
        self.session_factory = sessionmaker(self.engine, class_=AppSession, expire_on_commit=False)
        app.extensions["db"] = self
        self.request_timeout = float(app.config.get("DB_REQUEST_TIMEOUT", 8))
        app.teardown_appcontext(self._teardown)

        @app.before_request
        def _start_deadline() -> None:
            # Before anything else touches the database (the page cache, the login).
            request.environ["samrad.db_deadline"] = _deadline.set(time.monotonic() + self.request_timeout)

        @app.teardown_request
        def _end_deadline(_exc: BaseException | None) -> None:
            # Per request, not per application context: a test's (or a CLI's)
            # application context can outlive many requests.
            token = request.environ.pop("samrad.db_deadline", None)
            if token is not None:
                try:
                    _deadline.reset(token)
                except (ValueError, RuntimeError):  # torn down in another context (a streamed response)
                    _deadline.set(None)

        @app.before_request
        def _note_write_intent() -> None:
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                g.write_intent_token = write_intent.set(True)

        @app.teardown_request
        def _forget_write_intent(_exc: BaseException | None) -> None:
            token = g.pop("write_intent_token", None)
            if token is not None:
                try:
                    write_intent.reset(token)
                except ValueError:  # torn down in another context (a streamed response)
                    write_intent.set(False)

    def session(self) -> Session:
        if self.external_session is not None:
            return self.external_session
        assert self.session_factory is not None
        return self.session_factory()

    def _teardown(self, exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            # The request's deadline has ended (teardown_request runs first): the
            # ROLLBACK gets a short one of its own, a hung database cannot hold it.
            with db_deadline(TEARDOWN_TIMEOUT):
                discard(session, keep_open=session is self.external_session)


def discard(session: Session, *, keep_open: bool = False) -> None:
    """Roll back whatever ``session`` did not commit and close it.

    Never raises for a connection that died meanwhile (a flapping or hung
    database): there is nothing left to roll back, and the pool drops the
    connection. The answer the request already has (often a 503) stands.
    """
    try:
        session.rollback()
    except sa.exc.SQLAlchemyError as error:
        log.warning("database connection lost at the end of a request: %s", _reason(error))
        try:
            session.invalidate()
        except sa.exc.SQLAlchemyError:
            pass
        return
    if not keep_open:
        session.close()


def _reason(error: BaseException) -> str:
    return type(getattr(error, "orig", None) or error).__name__


def get_db() -> Database:
    return current_app.extensions["db"]


def get_session() -> Session:
    """The session of the current application context (created on first use)."""
    if "db_session" not in g:
        g.db_session = get_db().session()
    return g.db_session


def commit() -> None:
    """The one commit point of a request."""
    get_session().commit()


def add_once(session: Session, obj: Any, key: str) -> tuple[Any, bool]:
    """Add ``obj`` (a model with a unique ``idempotency_key``) unless a row with
    ``key`` exists; return ``(row, created)``.

    If the same form is sent twice at the same moment, the unique constraint
    lets one request win; the other gets the winner's row instead of an error.
    """
    model = type(obj)

    def existing() -> Any:
        return session.scalar(sa.select(model).where(model.idempotency_key == key))

    row = existing()
    if row is not None:
        return row, False
    return insert_or_existing(session, obj, existing)


def insert_or_existing(session: Session, obj: Any, existing: Callable[[], Any]) -> tuple[Any, bool]:
    """Insert ``obj``; if a unique constraint refuses it because another
    transaction inserted the same thing a moment earlier, return that row
    (``existing()``) instead: ``(row, created)``. The session stays usable.
    """
    try:
        # Added inside the SAVEPOINT: begin_nested() flushes what is pending
        # first, so an object added before it would be inserted outside.
        with session.begin_nested():
            session.add(obj)
            session.flush()
    except sa.exc.IntegrityError:
        row = existing()
        if row is None:
            raise
        return row, False
    return obj, True


def keep_session_open(chunks: Iterable[Any]) -> Iterator[Any]:
    """Let a streamed response use the request's session after the view returned.

    The session is taken away from the application context (whose teardown
    would close it before the first row is written) and closed when the last
    chunk has been produced, or the client went away.
    """
    session: Session | None = g.pop("db_session", None)
    database = get_db()

    def generate() -> Iterator[Any]:
        try:
            yield from chunks
        finally:
            if session is not None:
                discard(session, keep_open=session is database.external_session)

    return generate()
