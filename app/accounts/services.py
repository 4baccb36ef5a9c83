"""Account operations: create staff users, grant roles, passwords and e-mail
address, reset and break-glass links, sessions, and telling the holder.

Signing in is in :mod:`~app.accounts.login` (limited by
:mod:`~app.accounts.throttle`), two-factor login in :mod:`~app.accounts.two_factor`,
site administration in :mod:`~app.accounts.admin`."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app.accounts.models import LoginThrottle, Membership, Role, User, new_session_nonce
from app.accounts.passwords import hash_password
from app.accounts.throttle import throttle_key
from app.audit.services import record
from app.boards.models import Board
from app.common.errors import DomainError
from app.i18n import lazy_gettext as _l

MIN_PASSWORD_LENGTH = 12

_COMMON = {
    line.strip().lower()
    for line in (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8").splitlines()
    if line.strip()
}


def check_password_strength(password: str, *, email: str = "", field: str = "password") -> None:
    """At least 12 characters, not a common password, not the e-mail address."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_l("The password must be at least 12 characters long."), field=field)
    lowered = password.lower()
    if lowered in _COMMON or len(set(lowered)) < 4 or (email and email.split("@")[0].lower() in lowered):
        raise DomainError(
            _l("This password is too easy to guess. Choose a longer phrase of several words."), field=field
        )


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


def notify_holder(session: Session, user: User, event: str, **context: Any) -> None:
    """Tell the account's holder, in their language, that something happened to it."""
    from app.common.urls import external_url
    from app.mail.services import queue_email

    language = user.preferred_language
    if has_app_context() and language not in current_app.config["LANGUAGES"]:
        language = current_app.config["DEFAULT_LANGUAGE"]
    queue_email(
        session,
        to=context.pop("to", None) or user.email,
        template=f"accounts/notice_{event}",
        language=language,
        kind=f"account.{event}",
        user=user,
        account_url=external_url("accounts.account", lang_code=language),
        forgot_url=external_url("accounts.forgot_password", lang_code=language),
        **context,
    )


def change_password(session: Session, user: User, new_password: str, *, reason: str = "password_changed") -> None:
    """Set a new password, end every session of the user and tell them by e-mail.
    (Callers re-authenticate first, or hold a valid reset link.)"""
    check_password_strength(new_password, email=user.email)
    user.password_hash = hash_password(new_password)
    user.session_nonce = new_session_nonce()
    session.execute(
        sa.delete(LoginThrottle).where(
            LoginThrottle.key.in_(
                [
                    throttle_key("email", user.email),
                    throttle_key("code", str(user.id)),
                    throttle_key("reauth", str(user.id)),
                ]
            )
        )
    )
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
    if (
        user is None
        or not user.is_active
        or not user.is_site_admin
        or not hmac.compare_digest(user.session_nonce, str(data.get("n")))
    ):
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


def set_preferred_language(session: Session, user: User, language: str, available: set[str] | list[str]) -> None:
    """The language of the user's e-mails and of the staff pages after login."""
    if language not in available:
        raise DomainError(_l("Choose a language from the list."), field="language")
    user.preferred_language = language
    session.flush()
