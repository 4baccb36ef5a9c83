"""Database plumbing: the declarative base, the engine, one session per request.

Views get the request's session with :func:`get_session` and call
:func:`commit` once, after the service they called has flushed. The session is
rolled back and closed when the application context ends, so an exception
anywhere leaves nothing half-written.
"""

from __future__ import annotations

import enum
from datetime import datetime, timezone
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

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


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys and working SAVEPOINTs."""
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
            conn.exec_driver_sql("BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


class Database:
    """Owns the engine and hands out one session per application context."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None
        #: Tests set this to a session joined to an outer transaction.
        self.external_session: Session | None = None

    def init_app(self, app: Flask) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"])
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)
        app.extensions["db"] = self
        app.teardown_appcontext(self._teardown)

    def session(self) -> Session:
        if self.external_session is not None:
            return self.external_session
        assert self.session_factory is not None
        return self.session_factory()

    def _teardown(self, exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is None:
            return
        # Whatever the request did not commit is discarded.
        session.rollback()
        if session is not self.external_session:
            session.close()


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
    existing = session.scalar(sa.select(model).where(model.idempotency_key == key))
    if existing is not None:
        return existing, False
    try:
        # Added inside the SAVEPOINT: begin_nested() flushes what is pending
        # first, so an object added before it would be inserted outside.
        with session.begin_nested():
            session.add(obj)
            session.flush()
    except sa.exc.IntegrityError:
        existing = session.scalar(sa.select(model).where(model.idempotency_key == key))
        if existing is None:
            raise
        return existing, False
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
                session.rollback()
                if session is not database.external_session:
                    session.close()

    return generate()
