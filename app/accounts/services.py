"""Account operations: create staff users, grant roles, authenticate."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Membership, Role, User
from app.accounts.passwords import hash_password, needs_rehash, verify_password
from app.boards.models import Board
from app.common.errors import DomainError
from app.db import utcnow
from app.i18n import lazy_gettext as _l

MIN_PASSWORD_LENGTH = 12

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
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_l("The password must be at least 12 characters long."), field="password")
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
    membership = Membership(user=user, board=board, role=role)
    user.memberships.append(membership)
    session.flush()
    return membership


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with these credentials, or ``None``. Records the login time."""
    user = get_user_by_email(session, email)
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_dt = utcnow()
    session.flush()
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
