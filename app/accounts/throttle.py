"""Limits on guessing: failed logins, two-factor codes and re-authentications are
counted per key (a keyed hash of the typed address, the account, the client's
network address, or a "known device" of the account), and past the free ones
each failure doubles the wait."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_app_context
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app.accounts.models import LoginThrottle, User
from app.common.errors import DomainError
from app.i18n import lazy_gettext as _l

#: Failed attempts allowed per key before waits start, by kind of key. Each failure
#: beyond them doubles the wait, from ``FIRST_WAIT`` up to ``MAX_WAIT``; a key's count
#: starts afresh ``FORGET_AFTER`` after its last failure (rows go a day later).
FREE_FAILURES = {"email": 5, "device": 5, "address": 20, "code": 5, "reauth": 5}
FIRST_WAIT = timedelta(seconds=30)
MAX_WAIT = timedelta(hours=1)
FORGET_AFTER = timedelta(hours=1)
DROP_AFTER = timedelta(days=1)
#: A "known device" cookie exempts its holder from the throttle that strangers cause.
DEVICE_COOKIE_DAYS = 180


class LoginThrottled(DomainError):
    """Too many failed attempts under a key: wait before trying again. The same answer
    whether or not an account exists for the address (the key is the address typed)."""

    def __init__(self, wait: timedelta, field: str | None = "password") -> None:
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        super().__init__(_l("Too many failed attempts. Try again in %(minutes)s min.", minutes=minutes), field=field)
        self.wait = wait


def _pepper() -> bytes:
    return (current_app.config["SECRET_KEY"] if has_app_context() else "samradsportalen").encode()


def throttle_key(kind: str, value: str) -> str:
    """``kind:`` and a keyed hash of ``value`` (no address is stored in clear)."""
    digest = hmac.new(_pepper(), f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()[:40]
    return f"{kind}:{digest}"


def _wait(kind: str, failures: int) -> timedelta:
    over = failures - FREE_FAILURES[kind]
    if over < 0:
        return timedelta(0)
    return min(FIRST_WAIT * (2 ** min(over, 20)), MAX_WAIT)


def throttle_wait(session: Session, keys: list[str], now: datetime) -> timedelta:
    """How long the longest block among ``keys`` still lasts (zero if none is blocked)."""
    rows = session.scalars(sa.select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all() if keys else []
    return max(
        (row.blocked_until_dt - now for row in rows if row.blocked_until_dt and row.blocked_until_dt > now),
        default=timedelta(0),
    )


def record_failure(session: Session, key: str, now: datetime) -> LoginThrottle:
    """Count a failure under ``key``; past the free ones, block it for a doubling time."""
    row = session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(key=key, failures=0, last_failure_dt=now, notified=False)
        session.add(row)
    elif row.last_failure_dt < now - FORGET_AFTER:
        row.failures, row.notified = 0, False
    row.failures += 1
    row.last_failure_dt = now
    wait = _wait(key.partition(":")[0], row.failures)
    row.blocked_until_dt = now + wait if wait else None
    session.execute(sa.delete(LoginThrottle).where(LoginThrottle.last_failure_dt < now - DROP_AFTER))
    session.flush()
    return row


def clear_throttle(session: Session, key: str) -> None:
    session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == key))


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_pepper().decode(), salt="known-device")


def make_device_token(user: User) -> str:
    """The value of the "known device" cookie set after a complete login."""
    return _device_serializer().dumps({"u": user.id, "n": secrets.token_urlsafe(12)})


def device_key(device_token: str | None, user: User | None) -> str | None:
    if not device_token or user is None:
        return None
    try:
        data = _device_serializer().loads(device_token, max_age=DEVICE_COOKIE_DAYS * 86400)
    except BadData:
        return None
    if not isinstance(data, dict) or data.get("u") != user.id:
        return None
    return throttle_key("device", f"{user.id}:{data.get('n')}")
