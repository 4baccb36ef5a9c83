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
from typing import Any, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask, current_app, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

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

#: Tables whose rows no public page shows: writing them does not invalidate
#: cached public pages (logins, the mail outbox, the audit log).
PAGE_NEUTRAL_TABLES = frozenset({"users", "memberships", "login_throttles", "access_requests", "outbox_messages",
                                 "audit_events", "content_generation", "translator_languages", "glossary_terms"})


#: Rows of ``content_generation``: row 1 counts every change public pages may
#: show; a table listed here also bumps a row of its own, so a cache of that
#: table alone (the translation overrides) survives every other change.
CONTENT_ROW = 1
TRANSLATIONS_ROW = 2
COUNTED_TABLES = {"translation_entries": TRANSLATIONS_ROW}

#: Writes scoped to one consultation. A participant's view, registration or
#: evaluation changes only that consultation's own pages (and the few pages
#: that count across consultations), so such a commit does not bump row 1:
#: it bumps :data:`SCOPED_ROW` (read by every page that is not declared
#: blind to these tables, see ``app.web.public``) and the consultation's own
#: row, :func:`scope_row`. Only rows added or changed through the unit of work
#: are scoped (their ``consultation_id`` is known); a DELETE, a bulk statement
#: or any other table written in the same transaction bumps row 1 as before.
SCOPED_ROW = 3
SCOPE_ROW_BASE = 1_000_000
SCOPED_TABLES = {"viewpoints": "consultation_id", "registrations": "consultation_id",
                 "minutes_evaluations": "consultation_id"}
#: Tables whose new rows no public page shows unless a scoped row written with
#: them links them (a view author's or registrant's contact details).
NEUTRAL_ON_INSERT = frozenset({"contacts"})


def scope_row(consultation_id: int) -> int:
    """The ``content_generation`` row counting writes scoped to one consultation."""
    return SCOPE_ROW_BASE + consultation_id


class AppSession(Session):
    """The application's session: remembers whether a transaction wrote rows
    public pages may show, and then bumps the content generation as the last
    statement before COMMIT (see :func:`bump_content_generation`)."""


def _table_name(entity: Any) -> str | None:
    table = getattr(entity, "__table__", None)
    return getattr(table, "name", None)


def _note_write(session: Session, table: str | None) -> None:
    if table not in PAGE_NEUTRAL_TABLES:
        session.info["public_write"] = True
    if table in COUNTED_TABLES:
        session.info.setdefault("counted_rows", set()).add(COUNTED_TABLES[table])


def _note_scoped_write(session: Session, obj: Any, *, inserted: bool) -> None:
    """A row added or changed through the unit of work: scoped to its consultation where it can be."""
    table = _table_name(obj)
    if inserted and table in NEUTRAL_ON_INSERT:
        return
    attribute = SCOPED_TABLES.get(table or "")
    scope = getattr(obj, attribute, None) if attribute else None
    moved = attribute is not None and not inserted and sa.inspect(obj).attrs[attribute].history.deleted
    if isinstance(scope, int) and not moved:  # a row moved to another consultation changes two: row 1
        session.info.setdefault("scoped_rows", set()).add(scope_row(scope))
    else:
        _note_write(session, table)


@event.listens_for(AppSession, "after_flush")
def _note_flushed_writes(session: Session, _context: Any) -> None:
    for obj in session.new:
        _note_scoped_write(session, obj, inserted=True)
    for obj in session.dirty:
        _note_scoped_write(session, obj, inserted=False)
    for obj in session.deleted:
        _note_write(session, _table_name(obj))


@event.listens_for(AppSession, "do_orm_execute")
def _note_statement_writes(state: Any) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    _note_write(state.session, getattr(getattr(state.statement, "table", None), "name", None))


@event.listens_for(AppSession, "before_commit")
def _bump_before_commit(session: Session) -> None:
    session.flush()  # what commit() would flush next, so it is noted above
    for row in sorted(session.info.pop("counted_rows", ())):
        bump_content_generation(session.connection(), row)
    scoped = session.info.pop("scoped_rows", set())
    if session.info.pop("public_write", False):
        bump_content_generation(session.connection())  # every page: the scoped ones too
    elif scoped:
        for row in (SCOPED_ROW, *sorted(scoped)):
            bump_content_generation(session.connection(), row)


@event.listens_for(AppSession, "after_transaction_end")
def _forget_writes(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # the outermost transaction ended (a SAVEPOINT does not count)
        session.info.pop("public_write", None)
        session.info.pop("counted_rows", None)
        session.info.pop("scoped_rows", None)


class ContentGeneration(Base):
    """A counter bumped by every commit that changed rows public pages may show.

    The page cache (:mod:`app.web.pagecache`) keys rendered pages by it, so a
    change is visible on the next request, on every app server. One row
    (``id = 1``), written by :func:`bump_content_generation`.
    """

    __tablename__ = "content_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


def bump_content_generation(connection: sa.Connection, row: int = CONTENT_ROW) -> None:
    """Count one more change of public content (an upsert of row 1), or of a
    counted table (its row, see :data:`COUNTED_TABLES`).

    Runs as the transaction's last statement, so the row lock it takes on
    PostgreSQL is held only for the COMMIT and cannot take part in a deadlock.
    """
    table = cast(sa.Table, ContentGeneration.__table__)
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]  # same on_conflict API
    statement = insert(table).values(id=row, value=1)
    connection.execute(statement.on_conflict_do_update(index_elements=[table.c.id], set_={"value": table.c.value + 1}))


def content_generation(session: Session) -> int:
    """The current generation (0 before the first change)."""
    return session.scalar(sa.select(ContentGeneration.value).where(ContentGeneration.id == 1)) or 0


def request_generations(session: Session, scope_rows: tuple[int, ...] = ()) -> dict[int, int]:
    """Generation rows (``{row: value}``), read at most once per application
    context with one primary-key read: the page cache keys pages by row 1 and,
    per page, by :data:`SCOPED_ROW` or a consultation's :func:`scope_row`; the
    translation overrides reload when row 2 changed."""
    values: dict[int, int] | None = g.get("content_generations")
    wanted = (CONTENT_ROW, TRANSLATIONS_ROW, SCOPED_ROW, *scope_rows)
    if values is None or any(row not in values for row in wanted):
        missing = [row for row in wanted if values is None or row not in values]
        with session.no_autoflush:
            rows = session.execute(
                sa.select(ContentGeneration.id, ContentGeneration.value).where(ContentGeneration.id.in_(missing))
            )
            values = {**(values or {}), **dict.fromkeys(missing, 0), **{row_id: value for row_id, value in rows}}
        g.content_generations = values
    return values


def request_content_generation(session: Session) -> int:
    """The content generation (row 1) of this request (see :func:`request_generations`)."""
    return request_generations(session)[CONTENT_ROW]


class Database:
    """Owns the engine and hands out one session per application context."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.request_timeout = 8.0
        self.session_factory: sessionmaker[Session] | None = None
        #: Tests set this to a session joined to an outer transaction.
        self.external_session: Session | None = None

    def init_app(self, app: Flask) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"],
                                  idle_in_transaction_timeout=app.config.get("DB_IDLE_IN_TRANSACTION_TIMEOUT"))
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
