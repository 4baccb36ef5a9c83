"""Who may do what in the translators' workbench (pure functions)."""

from __future__ import annotations

from typing import Any


def can_translate(user: Any, language: str, granted: set[str]) -> bool:
    """Translators of ``language`` (``granted`` = the user's languages), and site administrators."""
    return bool(getattr(user, "is_authenticated", False)) and (
        bool(getattr(user, "is_site_admin", False)) or language in granted
    )


def can_grant(user: Any) -> bool:
    """Only site administrators grant and withdraw the translator role."""
    return bool(getattr(user, "is_site_admin", False))
