from __future__ import annotations

import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.boards.models import Board
from app.db import Base, str_enum, utcnow
from app.i18n import lazy_gettext as _l


class Role(enum.Enum):
    EDITOR = "editor"  # drafts and edits
    PUBLISHER = "publisher"  # also publishes and cancels

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {Role.EDITOR: _l("Editor"), Role.PUBLISHER: _l("Publisher")}


#: The password hash of an account without a local password (it never verifies).
NO_PASSWORD = "!"


def new_session_nonce() -> str:
    return secrets.token_urlsafe(16)


class User(Base):
    """A staff member. Participants have no accounts."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    is_site_admin: Mapped[bool] = mapped_column(default=False)
    preferred_language: Mapped[str] = mapped_column(sa.String(8), default="sv")
    #: Changing this logs the user out of every session.
    session_nonce: Mapped[str] = mapped_column(sa.String(32), default=new_session_nonce)
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_dt: Mapped[datetime | None]
    #: The authenticator app's Base32 secret, encrypted (:mod:`app.common.secretbox`, read it with
    #: ``two_factor.totp_secret_of``); ``None`` without two-factor login.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(255))
    #: The last time step accepted, so a code cannot be replayed.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: The identity provider's subject (``sub``) of this person, once linked (app/accounts/sso.py).
    #: A linked account signs in only through the provider (break-glass aside).
    oidc_sub: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    #: The provider's refresh token (encrypted), used to re-validate the person now and then.
    oidc_refresh_token: Mapped[str | None] = mapped_column(sa.Text)
    #: When the provider last confirmed that the person may still sign in.
    oidc_checked_dt: Mapped[datetime | None]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    def role_in(self, board_id: int) -> Role | None:
        for membership in self.memberships:
            if membership.board_id == board_id:
                return membership.role
        return None

    @property
    def has_local_password(self) -> bool:
        """Accounts created through the identity provider have none (``"!"``)."""
        return self.password_hash != NO_PASSWORD and self.oidc_sub is None

    @property
    def has_two_factor(self) -> bool:
        return self.totp_secret is not None

    @property
    def must_set_up_two_factor(self) -> bool:
        """Site administrators must use two-factor login."""
        return self.is_site_admin and not self.has_two_factor

    @property
    def board_ids(self) -> set[int]:
        return {m.board_id for m in self.memberships}

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class LoginThrottle(Base):
    """Failed attempts under one key (a submitted e-mail address, a client address, a known
    device, an account's second step or re-authentication), never a hard lock: each failure
    beyond the free ones doubles the wait. Keys are keyed hashes, so the table holds no
    address in clear; rows are forgotten a day after their last failure."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_dt: Mapped[datetime] = mapped_column(index=True)
    blocked_until_dt: Mapped[datetime | None]
    #: Whether the account's holder has been told about this series of failures.
    notified: Mapped[bool] = mapped_column(default=False)


class AccessRequestStatus(enum.Enum):
    PENDING = "pending"
    GRANTED = "granted"
    DECLINED = "declined"


class AccessRequest(Base):
    """Someone signed in at the identity provider whom no staff account knows yet: a site
    administrator grants access (a new account, or a link to an existing one whose e-mail
    matches: the e-mail is only a hint, never linked without an administrator)."""

    __tablename__ = "access_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    sub: Mapped[str] = mapped_column(sa.String(255), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    created_dt: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[AccessRequestStatus] = mapped_column(
        str_enum(AccessRequestStatus), default=AccessRequestStatus.PENDING, index=True
    )
    decided_dt: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "board_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    board_id: Mapped[int] = mapped_column(sa.ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))

    user: Mapped[User] = relationship(back_populates="memberships")
    board: Mapped[Board] = relationship(lazy="joined")
