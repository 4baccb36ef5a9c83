"""Site administration of accounts: list, create, change rights and roles, end a
person's sessions. Every function checks that the actor is a site administrator."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.accounts.services import create_user, end_sessions, grant_role
from app.audit.services import record
from app.boards.models import Board
from app.common.errors import DomainError, require_permission
from app.i18n import lazy_gettext as _l


def list_users(session: Session) -> list[User]:
    return list(session.scalars(sa.select(User).order_by(User.name, User.id)))


def require_site_admin(actor: User) -> None:
    require_permission(actor.is_site_admin)


def admin_create_user(
    session: Session, actor: User, *, email: str, name: str, is_site_admin: bool = False, preferred_language: str = "sv"
) -> User:
    """A site administrator creates an account; the person sets a password through the e-mailed link."""
    require_site_admin(actor)
    user = create_user(
        session,
        email=email,
        name=name,
        password=secrets.token_urlsafe(32),
        is_site_admin=is_site_admin,
        preferred_language=preferred_language,
    )
    record(session, actor, "user.create", user, after={"email": user.email, "is_site_admin": is_site_admin})
    return user


def admin_update_user(
    session: Session, actor: User, user: User, *, is_active: bool, is_site_admin: bool, roles: dict[int, Role | None]
) -> None:
    """Set a user's active flag, site administration and role per board (``None`` removes the membership)."""
    require_site_admin(actor)
    if user.id == actor.id and (not is_active or not is_site_admin):
        raise DomainError(_l("You cannot remove your own administration rights or deactivate yourself."))
    roles_before = {m.board_id: m.role.value for m in user.memberships}
    before = {"is_active": user.is_active, "is_site_admin": user.is_site_admin, "roles": roles_before}
    lost_rights = (
        (user.is_active and not is_active)
        or (user.is_site_admin and not is_site_admin)
        or any(
            (role is None and board_id in roles_before)
            or (role is not None and board_id in roles_before and role.value != roles_before[board_id])
            for board_id, role in roles.items()
        )
    )
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
    record(
        session,
        actor,
        "user.update",
        user,
        before=before,
        after={
            "is_active": user.is_active,
            "is_site_admin": user.is_site_admin,
            "roles": {m.board_id: m.role.value for m in user.memberships},
        },
    )


def admin_end_sessions(session: Session, actor: User, user: User) -> None:
    """A site administrator ends every session of a person at once."""
    require_site_admin(actor)
    end_sessions(session, user)
    record(session, actor, "user.end_sessions", user)
