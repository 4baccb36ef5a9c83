"""Helpers for tests that need real infrastructure: a loopback SMTP server and
a scratch PostgreSQL database where threads can commit for real."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from aiosmtpd.controller import Controller

import app.registry  # noqa: F401
from app.db import Base
from tests.databases import empty_database


def free_port() -> int:
    """A port nobody listens on right now (bind to 0, read it, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def plain_text(message: EmailMessage) -> str:
    """The text/plain body of a received message (which the test expects it to have)."""
    body = message.get_body(preferencelist=("plain",))
    assert body is not None, f"no text/plain part in {message['Subject']!r}"
    return body.get_content()


H = TypeVar("H")


@contextlib.contextmanager
def serve_smtp(handler: H, port: int | None = None) -> Iterator[tuple[H, int]]:
    """A real SMTP server (aiosmtpd) on the loopback interface answering with ``handler``,
    for the duration of the block; yields the handler and the port."""
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@contextlib.contextmanager
def smtp_server(delay: float = 0.0, port: int | None = None) -> Iterator[tuple[SmtpSink, int]]:
    """A real SMTP server that keeps every message (an :class:`SmtpSink`), for the block."""
    with serve_smtp(SmtpSink(delay=delay), port) as served:
        yield served


@contextlib.contextmanager
def scratch_postgres() -> Iterator[str]:
    """A fresh PostgreSQL database with the full schema; dropped afterwards.

    Threads in a test connect to it with their own engines and commit for real,
    which the rolled-back ``db_session`` of the other tests cannot show.
    """
    with empty_database("postgresql", Path("."), "scratch") as url:
        engine = sa.create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
        yield url
