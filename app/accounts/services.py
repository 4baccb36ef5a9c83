"""Account operations: create staff users, grant roles, authenticate."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app.accounts import totp
from app.accounts.models import Membership, Role, User, new_session_nonce
from app.accounts.passwords import hash_password, needs_rehash, verify_password
from app.audit.services import record
from app.boards.models import Board
from app.common.errors import DomainError, require_permission
from app.db import utcnow
from app.i18n import lazy_gettext as _l

MIN_PASSWORD_LENGTH = 12
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
_COMMON = {
    line.strip().lower()
    for line in (Path(__file__).with_name("common_passwords.txt")).read_text(encoding="utf-8").splitlines()
    if line.strip()
}


class AccountLocked(DomainError):
    """Too many failed logins: wait before trying again."""


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


def authenticate(session: Session, email: str, password: str, *, now: datetime | None = None) -> User | None:
    """The active user with these credentials, or ``None``.

    After ``MAX_FAILED_LOGINS`` consecutive failures the account is locked for
    ``LOCKOUT`` (:class:`AccountLocked`), even for the right password. The
    caller must commit in both cases so that failures are counted.
    """
    now = now or utcnow()
    user = get_user_by_email(session, email)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if user.locked_until_dt and user.locked_until_dt > now:
        raise AccountLocked(_l("Too many failed attempts. The account is locked for 15 minutes."))
    if not verify_password(user.password_hash, password) or not user.is_active:
        user.failed_login_count += 1
        if user.failed_login_count >= MAX_FAILED_LOGINS:
            user.locked_until_dt = now + LOCKOUT
            user.failed_login_count = 0
        session.flush()
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_login_count = 0
    user.locked_until_dt = None
    user.last_login_dt = now
    session.flush()
    return user


def change_password(session: Session, user: User, new_password: str) -> None:
    """Set a new password and log the user out of every other session."""
    check_password_strength(new_password, email=user.email)
    user.password_hash = hash_password(new_password)
    user.session_nonce = new_session_nonce()
    user.failed_login_count = 0
    user.locked_until_dt = None
    session.flush()


def logout_everywhere(session: Session, user: User) -> None:
    """Invalidate every session of the user (their session ids carry the nonce)."""
    user.session_nonce = new_session_nonce()
    session.flush()


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
    return user


def load_user_by_session_id(session: Session, session_id: str) -> User | None:
    """Flask-Login's loader: ``"<id>:<nonce>"`` so changing the nonce logs out everywhere."""
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit() or not nonce:
        return None
    user = session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_nonce != nonce:
        return None
    return user


def enable_two_factor(session: Session, user: User, secret: str, code: str) -> None:
    """Turn on two-factor login once the user proves the app shows the right code."""
    step = totp.verify(secret, code)
    if step is None:
        raise DomainError(_l("The code is not right. Check the time on your phone and try the newest code."), field="code")
    user.totp_secret = secret
    user.totp_last_step = step
    session.flush()


def check_two_factor(session: Session, user: User, code: str) -> bool:
    """Is ``code`` a fresh, valid code for the user? Records its time step."""
    if user.totp_secret is None:
        return True
    step = totp.verify(user.totp_secret, code, last_step=user.totp_last_step)
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
    before = {"is_active": user.is_active, "is_site_admin": user.is_site_admin,
              "roles": {m.board_id: m.role.value for m in user.memberships}}
    if user.is_active and not is_active:
        user.session_nonce = new_session_nonce()  # log the person out everywhere
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


def set_preferred_language(session: Session, user: User, language: str, available: set[str] | list[str]) -> None:
    """The language of the user's e-mails and of the staff pages after login."""
    if language not in available:
        raise DomainError(_l("Choose a language from the list."), field="language")
    user.preferred_language = language
    session.flush()
