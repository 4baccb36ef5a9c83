"""Domain errors raised by services and turned into pages by the views."""

from __future__ import annotations

from typing import Any

from app.i18n import UIText


class DomainError(Exception):
    """A rule of the domain was broken; ``message`` is shown to the user.

    ``field`` names the form field the message belongs next to, if any.
    """

    def __init__(self, message: UIText, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


class StaleVersion(DomainError):
    """Someone else saved the row after the form was opened (optimistic locking).

    ``current`` is the row as now saved; :func:`app.web.helpers.form_errors`
    puts its version into the form, so that saving again overwrites on purpose.
    """

    def __init__(self, message: UIText, current: Any) -> None:
        super().__init__(message)
        self.current = current


class DeletedMeanwhile(DomainError):
    """What the form edits was deleted by someone else while it was open.
    Answered with 409 and the typed text shown back (app/web/errors.py)."""


class PermissionDenied(DomainError):
    """The acting user may not do this (answered with 403)."""


class NotFound(DomainError):
    """The object does not exist (answered with 404)."""


def require_permission(allowed: bool) -> None:
    """Raise :class:`PermissionDenied` unless ``allowed`` (the services' own permission check)."""
    if not allowed:
        from app.i18n import lazy_gettext

        raise PermissionDenied(lazy_gettext("You do not have permission to do this."))
