"""Account operations: create staff users, grant roles, authenticate."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app.accounts import totp
from app.accounts.models import LoginThrottle, Membership, Role, User, new_session_nonce
from app.accounts.passwords import hash_password, needs_rehash, verify_password
from app.audit.services import record
from app.boards.models import Board
from app.common import secretbox
from app.common.errors import DomainError, require_permission
from app.db import utcnow
from app.i18n import lazy_gettext as _l

MIN_PASSWORD_LENGTH = 12

#: Failed attempts allowed per key before waits start, by kind of key. Each failure
#: beyond them doubles the wait, from ``FIRST_WAIT`` up to ``MAX_WAIT``; a key's count
#: starts afresh ``FORGET_AFTER`` after its last failure (rows go a day later).
FREE_FAILURES = {"email": 5, "device": 5, "address": 20, "code": 5, "reauth": 5}
FIRST_WAIT = timedelta(seconds=30)
MAX_WAIT = timedelta(hours=1)
FORGET_AFTER = timedelta(hours=1)
DROP_AFTER = timedelta(days=1)
#: A login whose password was right but whose two-factor code is still missing expires.
PENDING_LOGIN_SECONDS = 300
#: A "known device" cookie exempts its holder from the throttle that strangers cause.
DEVICE_COOKIE_DAYS = 180
_COMMON = {
    line.strip().lower()
    for line in (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8").splitlines()
    if line.strip()
}


class LoginThrottled(DomainError):
    """Too many failed attempts under a key: wait before trying again. The same answer
    whether or not an account exists for the address (the key is the address typed)."""

    def __init__(self, wait: timedelta, field: str | None = "password") -> None:
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        super().__init__(_l("Too many failed attempts. Try again in %(minutes)s min.", minutes=minutes),
                         field=field)
        self.wait = wait


def check_password_strength(password: str, *, email: str = "", field: str = "password") -> None:
    """At least 12 characters, not a common password, not the e-mail address."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_l("The password must be at least 12 characters long."), field=field)
    lowered = password.lower()
    if lowered in _COMMON or len(set(lowered)) < 4 or (email and email.split("@")[0].lower() in lowered):
        raise DomainError(_l("This password is too easy to guess. Choose a longer phrase of several words."), field=field)

# A dummy hash so that an unknown e-mail costs as much time as a wrong password.
_DUMMY_HASH = hash_password("timing-equaliser-password")


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.strip().lower()))


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    is_site_admin: bool = False,
    preferred_language: str = "sv",
) -> User:
    """Create a staff user. Raises :class:`DomainError` if the e-mail is taken or the password short."""
    email = email.strip().lower()
    if get_user_by_email(session, email) is not None:
        raise DomainError(_l("There is already an account with this e-mail address."), field="email")
    check_password_strength(password, email=email)
    user = User(
        email=email,
        name=name.strip(),
        password_hash=hash_password(password),
        is_site_admin=is_site_admin,
        preferred_language=preferred_language,
    )
    session.add(user)
    session.flush()
    return user


def grant_role(session: Session, user: User, board: Board, role: Role) -> Membership:
    """Give ``user`` ``role`` in ``board`` (replacing any earlier role there)."""
    for membership in user.memberships:
        if membership.board_id == board.id:
            membership.role = role
            session.flush()
            return membership
    membership = Membership(board=board, role=role)
    user.memberships.append(membership)
    session.flush()
    return membership


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
    return max((row.blocked_until_dt - now for row in rows if row.blocked_until_dt and row.blocked_until_dt > now),
               default=timedelta(0))


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


def _device_key(device_token: str | None, user: User | None) -> str | None:
    if not device_token or user is None:
        return None
    try:
        data = _device_serializer().loads(device_token, max_age=DEVICE_COOKIE_DAYS * 86400)
    except BadData:
        return None
    if not isinstance(data, dict) or data.get("u") != user.id:
        return None
    return throttle_key("device", f"{user.id}:{data.get('n')}")


@dataclass
class LoginKeys:
    """The throttle keys of one login attempt."""

    account: str  # the typed address, or the known device of that account
    address: str | None  # the client's network address

    @property
    def all(self) -> list[str]:
        return [self.account] + ([self.address] if self.address else [])


def authenticate(session: Session, email: str, password: str, *, client_address: str | None = None,
                 device_token: str | None = None, now: datetime | None = None) -> User | None:
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
    device = _device_key(device_token, user)
    keys = LoginKeys(account=device or throttle_key("email", normalized),
                     address=throttle_key("address", client_address) if client_address else None)
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


def reauthenticate(session: Session, user: User, password: str | None, code: str | None = None, *,
                   signed_in_seconds_ago: float | None = None, now: datetime | None = None) -> None:
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


def notify_holder(session: Session, user: User, event: str, **context: Any) -> None:
    """Tell the account's holder, in their language, that something happened to it."""
    from app.common.urls import external_url
    from app.mail.services import queue_email

    language = user.preferred_language
    if has_app_context() and language not in current_app.config["LANGUAGES"]:
        language = current_app.config["DEFAULT_LANGUAGE"]
    queue_email(session, to=context.pop("to", None) or user.email,
                template=f"accounts/notice_{event}", language=language, kind=f"account.{event}", user=user,
                account_url=external_url("accounts.account", lang_code=language),
                forgot_url=external_url("accounts.forgot_password", lang_code=language), **context)


def change_password(session: Session, user: User, new_password: str, *, reason: str = "password_changed") -> None:
    """Set a new password, end every session of the user and tell them by e-mail.
    (Callers re-authenticate first, or hold a valid reset link.)"""
    check_password_strength(new_password, email=user.email)
    user.password_hash = hash_password(new_password)
    user.session_nonce = new_session_nonce()
    session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key.in_(
        [throttle_key("email", user.email), throttle_key("code", str(user.id)), throttle_key("reauth", str(user.id))])))
    session.flush()
    notify_holder(session, user, reason)


def check_email_available(session: Session, user: User, new_email: str) -> None:
    new_email = new_email.strip().lower()
    if new_email == user.email:
        raise DomainError(_l("This is already your e-mail address."), field="email")
    if get_user_by_email(session, new_email) is not None:
        raise DomainError(_l("There is already an account with this e-mail address."), field="email")


def change_email(session: Session, user: User, new_email: str) -> None:
    """Change the login address (after :func:`reauthenticate`); both addresses are told."""
    check_email_available(session, user, new_email)
    new_email = new_email.strip().lower()
    old_email = user.email
    user.email = new_email
    session.flush()
    notify_holder(session, user, "email_changed", to=old_email, old_email=old_email, new_email=new_email)
    notify_holder(session, user, "email_changed", old_email=old_email, new_email=new_email)


def end_sessions(session: Session, user: User) -> None:
    """End every session of the user at once (their session ids carry the nonce)."""
    user.session_nonce = new_session_nonce()
    session.flush()


def logout_everywhere(session: Session, user: User) -> None:
    """Invalidate every session of the user (their session ids carry the nonce)."""
    end_sessions(session, user)


def make_reset_token(user: User, secret_key: str) -> str:
    """A signed token naming the user and a fingerprint of the current password hash:
    it stops working as soon as the password changes (single use) or after its max age."""
    serializer = URLSafeTimedSerializer(secret_key, salt="password-reset")
    return serializer.dumps({"id": user.id, "pw": user.password_hash[-16:]})


def user_for_reset_token(session: Session, token: str, secret_key: str, max_age: int = 3600) -> User | None:
    serializer = URLSafeTimedSerializer(secret_key, salt="password-reset")
    try:
        data = serializer.loads(token, max_age=max_age)
    except BadData:
        return None
    user = session.get(User, data.get("id")) if isinstance(data, dict) and isinstance(data.get("id"), int) else None
    if user is None or not user.is_active or user.password_hash[-16:] != data.get("pw"):
        return None
    if user.oidc_sub is not None:
        return None  # signs in through the identity provider
    return user


BREAK_GLASS_MINUTES = 15


def make_break_glass_token(session: Session, user: User, secret_key: str) -> str:
    """A one-time login link for a site administrator (``flask break-glass-login``): valid for
    ``BREAK_GLASS_MINUTES``, used up by its first use (which changes the session nonce)."""
    if not user.is_site_admin or not user.is_active:
        raise DomainError(_l("Break-glass login is only for active site administrators."))
    serializer = URLSafeTimedSerializer(secret_key, salt="break-glass")
    return serializer.dumps({"id": user.id, "n": user.session_nonce})


def user_for_break_glass_token(session: Session, token: str, secret_key: str) -> User | None:
    serializer = URLSafeTimedSerializer(secret_key, salt="break-glass")
    try:
        data = serializer.loads(token, max_age=BREAK_GLASS_MINUTES * 60)
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("id"), int):
        return None
    user = session.get(User, data["id"])
    if (user is None or not user.is_active or not user.is_site_admin
            or not hmac.compare_digest(user.session_nonce, str(data.get("n")))):
        return None
    return user


def use_break_glass(session: Session, user: User) -> None:
    """Use up a break-glass link: every session of the account ends (the link with it)."""
    end_sessions(session, user)
    record(session, user, "user.break_glass_login", user)
    notify_holder(session, user, "break_glass")


def load_user_by_session_id(session: Session, session_id: str) -> User | None:
    """Flask-Login's loader: ``"<id>:<nonce>"`` so changing the nonce logs out everywhere."""
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit() or not nonce:
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.is_active or not hmac.compare_digest(user.session_nonce, nonce):
        return None
    return user


def totp_secret_of(user: User) -> str | None:
    """The user's TOTP secret in clear (stored encrypted)."""
    if user.totp_secret is None:
        return None
    return secretbox.decrypt(user.totp_secret, secretbox.key_material(current_app.config))


def store_totp_secret(user: User, secret: str | None) -> None:
    user.totp_secret = (None if secret is None
                        else secretbox.encrypt(secret, secretbox.key_material(current_app.config)))


def enable_two_factor(session: Session, user: User, secret: str, code: str) -> None:
    """Turn on (or move to a new app) two-factor login once the user proves the app shows
    the right code; ends every other session and tells the holder. Callers re-authenticate first."""
    step = totp.verify(secret, code)
    if step is None:
        raise DomainError(_l("The code is not right. Check the time on your phone and try the newest code."), field="code")
    replaced = user.has_two_factor
    store_totp_secret(user, secret)
    user.totp_last_step = step
    user.session_nonce = new_session_nonce()
    session.flush()
    notify_holder(session, user, "two_factor_replaced" if replaced else "two_factor_on")


def check_two_factor(session: Session, user: User, code: str) -> bool:
    """Is ``code`` a fresh, valid code for the user? Records its time step."""
    secret = totp_secret_of(user)
    if secret is None:
        return True
    step = totp.verify(secret, code, last_step=user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    session.flush()
    return True


def disable_two_factor(session: Session, user: User) -> None:
    if user.is_site_admin:
        raise DomainError(_l("Site administrators must use two-factor login."))
    user.totp_secret = None
    user.totp_last_step = None
    session.flush()
    notify_holder(session, user, "two_factor_off")


def list_users(session: Session) -> list[User]:
    return list(session.scalars(sa.select(User).order_by(User.name, User.id)))


def require_site_admin(actor: User) -> None:
    require_permission(actor.is_site_admin)


def admin_create_user(session: Session, actor: User, *, email: str, name: str, is_site_admin: bool = False,
                      preferred_language: str = "sv") -> User:
    """A site administrator creates an account; the person sets a password through the e-mailed link."""
    require_site_admin(actor)
    user = create_user(session, email=email, name=name, password=secrets.token_urlsafe(32),
                       is_site_admin=is_site_admin, preferred_language=preferred_language)
    record(session, actor, "user.create", user, after={"email": user.email, "is_site_admin": is_site_admin})
    return user


def admin_update_user(session: Session, actor: User, user: User, *, is_active: bool, is_site_admin: bool,
                      roles: dict[int, Role | None]) -> None:
    """Set a user's active flag, site administration and role per board (``None`` removes the membership)."""
    require_site_admin(actor)
    if user.id == actor.id and (not is_active or not is_site_admin):
        raise DomainError(_l("You cannot remove your own administration rights or deactivate yourself."))
    roles_before = {m.board_id: m.role.value for m in user.memberships}
    before = {"is_active": user.is_active, "is_site_admin": user.is_site_admin, "roles": roles_before}
    lost_rights = (user.is_active and not is_active) or (user.is_site_admin and not is_site_admin) or any(
        (role is None and board_id in roles_before)
        or (role is not None and board_id in roles_before and role.value != roles_before[board_id])
        for board_id, role in roles.items())
    if lost_rights:
        end_sessions(session, user)  # an open session must not keep rights that were taken away
    user.is_active = is_active
    user.is_site_admin = is_site_admin
    boards = {b.id: b for b in session.scalars(sa.select(Board).where(Board.id.in_(list(roles))))} if roles else {}
    for board_id, role in roles.items():
        existing = next((m for m in user.memberships if m.board_id == board_id), None)
        if role is None:
            if existing is not None:
                user.memberships.remove(existing)
        elif board_id in boards:
            grant_role(session, user, boards[board_id], role)
    session.flush()
    record(session, actor, "user.update", user, before=before, after={
        "is_active": user.is_active, "is_site_admin": user.is_site_admin,
        "roles": {m.board_id: m.role.value for m in user.memberships}})


def admin_end_sessions(session: Session, actor: User, user: User) -> None:
    """A site administrator ends every session of a person at once."""
    require_site_admin(actor)
    end_sessions(session, user)
    record(session, actor, "user.end_sessions", user)


def set_preferred_language(session: Session, user: User, language: str, available: set[str] | list[str]) -> None:
    """The language of the user's e-mails and of the staff pages after login."""
    if language not in available:
        raise DomainError(_l("Choose a language from the list."), field="language")
    user.preferred_language = language
    session.flush()
