"""Two-factor login: the TOTP secret (stored encrypted), turning it on, checking a
code, turning it off. Callers re-authenticate before a change."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from app.accounts import totp
from app.accounts.models import User, new_session_nonce
from app.accounts.services import notify_holder
from app.common import secretbox
from app.common.errors import DomainError
from app.i18n import lazy_gettext as _l


def totp_secret_of(user: User) -> str | None:
    """The user's TOTP secret in clear (stored encrypted)."""
    if user.totp_secret is None:
        return None
    return secretbox.decrypt(user.totp_secret, secretbox.key_material(current_app.config))


def store_totp_secret(user: User, secret: str | None) -> None:
    user.totp_secret = None if secret is None else secretbox.encrypt(secret, secretbox.key_material(current_app.config))


def enable_two_factor(session: Session, user: User, secret: str, code: str) -> None:
    """Turn on (or move to a new app) two-factor login once the user proves the app shows
    the right code; ends every other session and tells the holder. Callers re-authenticate first."""
    step = totp.verify(secret, code)
    if step is None:
        raise DomainError(
            _l("The code is not right. Check the time on your phone and try the newest code."), field="code"
        )
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
