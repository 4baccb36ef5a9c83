"""Signing in and proving it again: the password step, the two-factor step and
re-authentication before a sensitive change, each limited by :mod:`app.accounts.throttle`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.accounts.models import User
from app.accounts.passwords import hash_password, needs_rehash, verify_password
from app.accounts.services import get_user_by_email, notify_holder
from app.accounts.throttle import (
    LoginThrottled,
    clear_throttle,
    device_key,
    record_failure,
    throttle_key,
    throttle_wait,
)
from app.accounts.two_factor import check_two_factor
from app.common.errors import DomainError
from app.db import utcnow
from app.i18n import lazy_gettext as _l

#: A login whose password was right but whose two-factor code is still missing expires.
PENDING_LOGIN_SECONDS = 300


# A dummy hash so that an unknown e-mail costs as much time as a wrong password.
_DUMMY_HASH = hash_password("timing-equaliser-password")


@dataclass
class LoginKeys:
    """The throttle keys of one login attempt."""

    account: str  # the typed address, or the known device of that account
    address: str | None  # the client's network address

    @property
    def all(self) -> list[str]:
        return [self.account] + ([self.address] if self.address else [])


def authenticate(
    session: Session,
    email: str,
    password: str,
    *,
    client_address: str | None = None,
    device_token: str | None = None,
    now: datetime | None = None,
) -> User | None:
    """The active user with these credentials, or ``None``.

    Failures are counted per typed address (or, for a browser that completed a
    login to this account before, per that device, so a stranger's guessing
    does not shut its holder out) and per client address; beyond the free
    ones each failure doubles the wait (:class:`LoginThrottled`). A blocked
    address and an unknown one are answered alike, after the same work (one
    password hash check). The holder is told by e-mail when their account's
    waits begin. The caller must commit in every case so that failures count.
    """
    now = now or utcnow()
    normalized = email.strip().lower()
    user = get_user_by_email(session, normalized)
    device = device_key(device_token, user)
    keys = LoginKeys(
        account=device or throttle_key("email", normalized),
        address=throttle_key("address", client_address) if client_address else None,
    )
    wait = throttle_wait(session, keys.all, now)
    if wait:
        verify_password(_DUMMY_HASH, password)
        raise LoginThrottled(wait)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        ok = False
    else:
        # An account linked to the identity provider signs in there (or by break-glass link).
        ok = verify_password(user.password_hash, password) and user.is_active and user.has_local_password
    if not ok:
        account_row = record_failure(session, keys.account, now)
        if keys.address:
            record_failure(session, keys.address, now)
        if user is not None and user.is_active and account_row.blocked_until_dt and not account_row.notified:
            account_row.notified = True
            notify_holder(session, user, "failed_logins", when=now)
        return None
    assert user is not None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    clear_throttle(session, keys.account)
    user.last_login_dt = now
    session.flush()
    return user


def pending_login_valid(started: float | None, now: float) -> bool:
    """Is a login waiting for its two-factor code still fresh enough to finish?"""
    return started is not None and 0 <= now - started <= PENDING_LOGIN_SECONDS


def check_login_code(session: Session, user: User, code: str, *, now: datetime | None = None) -> bool:
    """The second login step: ``code`` for ``user``, guesses limited per account
    (:class:`LoginThrottled` past the free ones; the holder is told, since whoever
    guesses knows the password)."""
    now = now or utcnow()
    key = throttle_key("code", str(user.id))
    wait = throttle_wait(session, [key], now)
    if wait:
        raise LoginThrottled(wait, field="code")
    if check_two_factor(session, user, code):
        clear_throttle(session, key)
        return True
    row = record_failure(session, key, now)
    if row.blocked_until_dt and not row.notified:
        row.notified = True
        notify_holder(session, user, "failed_codes", when=now)
    return False


#: An account of the identity provider re-authenticates by signing in there again: a
#: sensitive change is allowed within this many seconds of that sign-in.
FRESH_SIGN_IN_SECONDS = 600


def reauthenticate(
    session: Session,
    user: User,
    password: str | None,
    code: str | None = None,
    *,
    signed_in_seconds_ago: float | None = None,
    now: datetime | None = None,
) -> None:
    """Prove again that the holder is at the keyboard before a sensitive change: the
    current password (for an account of the identity provider: a sign-in there within
    ``FRESH_SIGN_IN_SECONDS``) and, where two-factor login is on, a current code. Guesses
    are limited per account. Raises :class:`DomainError` next to the wrong field."""
    now = now or utcnow()
    key = throttle_key("reauth", str(user.id))
    wait = throttle_wait(session, [key], now)
    if wait:
        raise LoginThrottled(wait, field="current_password" if user.has_local_password else "current_code")
    if not user.has_local_password:
        if signed_in_seconds_ago is None or signed_in_seconds_ago > FRESH_SIGN_IN_SECONDS:
            raise DomainError(_l("For this change, sign in again with the City's account first."))
    elif not verify_password(user.password_hash, password or ""):
        record_failure(session, key, now)
        raise DomainError(_l("This is not your current password."), field="current_password")
    if user.has_two_factor and not check_two_factor(session, user, code or ""):
        record_failure(session, key, now)
        raise DomainError(_l("The code is not right. Try the newest code in your app."), field="current_code")
    clear_throttle(session, key)
