"""Staff sign-in through the city's identity provider (OpenID Connect): who a verified ID
token names and what they may do. The protocol itself (discovery, PKCE, state, nonce,
token validation) is Authlib's, in :mod:`app.accounts.sso_views`; this module only sees
claims that have been validated.

* A person is identified by the provider's ``sub``, stored on their staff account once
  linked. An e-mail address is never enough to link: an unknown ``sub`` becomes an
  :class:`AccessRequest`, which a site administrator grants (a new account, or a link to
  the existing account with that address) or declines.
* With ``OIDC_ROLE_CLAIM`` and ``OIDC_ROLE_MAP``, groups asserted by the provider give
  roles without an administrator: see :func:`parse_role_map` for the format. The roles of
  the boards named in the map follow the provider at every sign-in (granted, changed or
  removed); other boards' roles are left to the administrators.
* Multi-factor authentication is what the provider asserts in ``amr``/``acr``
  (``OIDC_MFA_AMR``, ``OIDC_MFA_ACR``); without it, a site administrator still needs the
  local two-factor code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.admin import require_site_admin
from app.accounts.models import NO_PASSWORD, AccessRequest, AccessRequestStatus, Role, User
from app.accounts.services import end_sessions, get_user_by_email, grant_role
from app.audit.services import record
from app.boards.models import Board
from app.common.errors import DomainError
from app.db import utcnow
from app.i18n import lazy_gettext as _l

SITE_ADMIN = "site-admin"


@dataclass(frozen=True)
class RoleRule:
    group: str
    board_slug: str | None  # None: site administration
    role: Role | None


@dataclass
class Identity:
    """What a validated ID token (and the userinfo answer) say about a person."""

    sub: str
    email: str = ""
    name: str = ""
    groups: list[str] = field(default_factory=list)
    mfa: bool = False


def parse_role_map(text: str) -> list[RoleRule]:
    """``OIDC_ROLE_MAP``: rules separated by ``;`` or new lines, each
    ``GROUP=BOARD_SLUG:ROLE`` (``editor`` or ``publisher``) or ``GROUP=site-admin``.
    Example: ``samrad-kultur-editors=kultur:editor; samrad-admins=site-admin``.
    Raises ``ValueError`` on a malformed rule (the application refuses to start)."""
    rules = []
    for raw in re.split(r"[;\n]", text or ""):
        rule = raw.strip()
        if not rule:
            continue
        group, sep, target = (part.strip() for part in rule.partition("="))
        if not sep or not group or not target:
            raise ValueError(f"OIDC_ROLE_MAP: {rule!r} is not GROUP=BOARD_SLUG:ROLE or GROUP=site-admin")
        if target == SITE_ADMIN:
            rules.append(RoleRule(group, None, None))
            continue
        slug, _, role = target.partition(":")
        try:
            rules.append(RoleRule(group, slug.strip(), Role(role.strip())))
        except ValueError:
            raise ValueError(f"OIDC_ROLE_MAP: the role in {rule!r} must be editor or publisher") from None
    return rules


def groups_from_claims(claims: Mapping[str, Any], claim: str) -> list[str]:
    """The groups in ``claim`` (a list, or a space/comma separated string)."""
    value = claims.get(claim) if claim else None
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,]+", value) if part]
    if isinstance(value, Iterable):
        return [str(part) for part in value]
    return []


def asserts_mfa(claims: Mapping[str, Any], amr_values: Iterable[str], acr_values: Iterable[str]) -> bool:
    """Did the provider assert multi-factor authentication (RFC 8176 ``amr``, or ``acr``)?"""
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    wanted_amr = {value for value in amr_values if value}
    wanted_acr = {value for value in acr_values if value}
    return bool(wanted_amr.intersection(amr)) or (bool(wanted_acr) and claims.get("acr") in wanted_acr)


@dataclass
class SignIn:
    """The outcome of a sign-in: a user to log in, or a pending request for access."""

    user: User | None = None
    request: AccessRequest | None = None


def _apply_role_map(session: Session, user: User, groups: list[str], rules: list[RoleRule]) -> bool:
    """Make the roles of mapped boards (and site administration, if mapped) follow the
    provider. Returns whether any right was taken away."""
    if not rules:
        return False
    asserted = set(groups)
    lost = False
    slugs = {rule.board_slug for rule in rules if rule.board_slug}
    boards = {b.slug: b for b in session.scalars(sa.select(Board).where(Board.slug.in_(slugs)))} if slugs else {}
    for slug, board in boards.items():
        roles = [rule.role for rule in rules if rule.board_slug == slug and rule.group in asserted]
        wanted = Role.PUBLISHER if Role.PUBLISHER in roles else (Role.EDITOR if roles else None)
        current = user.role_in(board.id)
        if wanted is None and current is not None:
            user.memberships.remove(next(m for m in user.memberships if m.board_id == board.id))
            lost = True
        elif wanted is not None and wanted != current:
            lost = lost or current is Role.PUBLISHER
            grant_role(session, user, board, wanted)
    if any(rule.board_slug is None for rule in rules):
        admin = any(rule.board_slug is None and rule.group in asserted for rule in rules)
        lost = lost or (user.is_site_admin and not admin)
        user.is_site_admin = admin
    session.flush()
    return lost


def _maps_to_something(groups: list[str], rules: list[RoleRule]) -> bool:
    return any(rule.group in groups for rule in rules)


def sign_in(session: Session, identity: Identity, *, rules: list[RoleRule], now: datetime | None = None) -> SignIn:
    """The staff account of a person the provider has just authenticated, or their
    (new or existing) pending request for access. Raises :class:`DomainError` for a
    disabled account or a declined request."""
    now = now or utcnow()
    user = session.scalar(sa.select(User).where(User.oidc_sub == identity.sub))
    if user is None and _maps_to_something(identity.groups, rules):
        user = _create_from_identity(session, identity)
        record(session, None, "user.create_from_idp", user, after={"email": user.email})
    if user is not None:
        if not user.is_active:
            raise DomainError(_l("Your staff account has been deactivated. Ask a site administrator."))
        if _apply_role_map(session, user, identity.groups, rules):
            end_sessions(session, user)
        if identity.name and identity.name != user.name:
            user.name = identity.name[:200]
        user.last_login_dt = now
        user.oidc_checked_dt = now
        session.flush()
        return SignIn(user=user)
    request = session.scalar(sa.select(AccessRequest).where(AccessRequest.sub == identity.sub))
    if request is None:
        request = AccessRequest(sub=identity.sub, email=identity.email[:254], name=identity.name[:200], created_dt=now)
        session.add(request)
        session.flush()
    elif request.status is AccessRequestStatus.DECLINED:
        raise DomainError(_l("Your request for access has been declined. Ask a site administrator if this is wrong."))
    else:
        request.email, request.name = identity.email[:254] or request.email, identity.name[:200] or request.name
        session.flush()
    return SignIn(request=request)


def _create_from_identity(session: Session, identity: Identity) -> User:
    email = (identity.email or f"{identity.sub}@idp.invalid").strip().lower()[:254]
    if get_user_by_email(session, email) is not None:
        # The address belongs to an existing account: linking it is an administrator's decision.
        email = f"{identity.sub[:200]}@idp.invalid"
    user = User(email=email, name=(identity.name or email)[:200], password_hash=NO_PASSWORD, oidc_sub=identity.sub)
    session.add(user)
    session.flush()
    return user


def pending_requests(session: Session) -> list[AccessRequest]:
    return list(
        session.scalars(
            sa.select(AccessRequest)
            .where(AccessRequest.status == AccessRequestStatus.PENDING)
            .order_by(AccessRequest.created_dt, AccessRequest.id)
        )
    )


def matching_account(session: Session, request: AccessRequest) -> User | None:
    """The existing account whose e-mail matches the request (a hint for the administrator)."""
    if not request.email:
        return None
    user = get_user_by_email(session, request.email)
    return user if user is not None and user.oidc_sub is None else None


def grant_request(session: Session, actor: User, request: AccessRequest, *, link: bool) -> User:
    """Grant access: link the person to the account with their e-mail (``link``), or create
    an account without roles (the administrator then gives roles on the account page)."""
    require_site_admin(actor)
    if request.status is not AccessRequestStatus.PENDING:
        raise DomainError(_l("This request has already been decided."))
    if link:
        user = matching_account(session, request)
        if user is None:
            raise DomainError(_l("No account without a link has this e-mail address."))
        user.oidc_sub = request.sub
        end_sessions(session, user)  # from now on the account signs in through the provider
    else:
        user = _create_from_identity(session, Identity(sub=request.sub, email=request.email, name=request.name))
    request.status, request.decided_dt, request.decided_by_id, request.user_id = (
        AccessRequestStatus.GRANTED,
        utcnow(),
        actor.id,
        user.id,
    )
    session.flush()
    record(session, actor, "access_request.grant", user, after={"sub": request.sub, "linked": link})
    return user


def decline_request(session: Session, actor: User, request: AccessRequest) -> None:
    require_site_admin(actor)
    if request.status is not AccessRequestStatus.PENDING:
        raise DomainError(_l("This request has already been decided."))
    request.status, request.decided_dt, request.decided_by_id = AccessRequestStatus.DECLINED, utcnow(), actor.id
    session.flush()
    record(session, actor, "access_request.decline", request, after={"sub": request.sub})
