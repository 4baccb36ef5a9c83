"""Encryption of small secrets kept in the database (the TOTP secrets of staff accounts).

Authenticated encryption (Fernet: AES-128-CBC + HMAC-SHA256) with a key derived
by HKDF from ``DATA_ENCRYPTION_KEY`` or, when that is unset, from
``SECRET_KEY``. A stored value reads ``f1:<token>``; a database dump or an
export therefore holds no usable secret without the key. When ``SECRET_KEY``
is rotated, set ``DATA_ENCRYPTION_KEY`` to the old value so the stored secrets
stay readable (otherwise people set up their authenticator app again).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "f1:"


class UndecryptableSecret(Exception):
    """The stored value was encrypted with another key (or is damaged)."""


def key_material(config: Mapping[str, Any]) -> str:
    """The configured key: ``DATA_ENCRYPTION_KEY`` if set, else ``SECRET_KEY``."""
    return str(config.get("DATA_ENCRYPTION_KEY") or config["SECRET_KEY"])


def _fernet(material: str, purpose: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"samradsportalen/{purpose}".encode()).derive(
        material.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(plaintext: str, material: str, *, purpose: str = "totp") -> str:
    return PREFIX + _fernet(material, purpose).encrypt(plaintext.encode()).decode()


def decrypt(stored: str, material: str, *, purpose: str = "totp") -> str:
    if not stored.startswith(PREFIX):
        raise UndecryptableSecret("not an encrypted value")
    try:
        return _fernet(material, purpose).decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as error:
        raise UndecryptableSecret("wrong key or damaged value") from error


def is_encrypted(stored: str | None) -> bool:
    return bool(stored) and str(stored).startswith(PREFIX)
