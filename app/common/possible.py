"""What can be done now, and why not: the answer of a policy that explains itself.

A policy that can say *why* an action is not possible (a role missing, a meeting
not held yet) returns a :class:`Possible`. It is truthy when the action can be
taken now; otherwise its ``reason`` is the sentence a page shows where the action
would be, and the sentence the service raises when asked anyway
(:func:`require_possible`). So a page offers only what the service will accept,
and the rule is written once, in the domain's ``policies.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from app.common.errors import DomainError, PermissionDenied
from app.i18n import lazy_gettext as _l
from app.i18n import localized_text


@dataclass(frozen=True)
class Possible:
    ok: bool
    #: Why not (a lazy message), when ``ok`` is false.
    reason: Any = None
    #: The reason is a missing role, not the state of things (the service answers 403).
    for_role: bool = False
    #: The form field the reason belongs next to, if any.
    field: str | None = None

    def __bool__(self) -> bool:
        return self.ok


YES = Possible(True)


def no(reason: Any, *, for_role: bool = False, field: str | None = None) -> Possible:
    return Possible(False, reason, for_role, field)


def publisher_needed(boards: Iterable[Any]) -> Possible:
    """The refusal an editor sees where a publisher's button would be ("a publisher of <board>")."""
    names = ", ".join(localized_text(b, "name") for b in boards)
    return no(_l("A publisher of %(board)s must publish this.", board=names), for_role=True)


def require_possible(possible: Possible, error: type[DomainError] = DomainError) -> None:
    """Raise (:class:`PermissionDenied` for a missing role, else ``error``) unless possible."""
    if not possible:
        if possible.for_role:
            raise PermissionDenied(possible.reason)
        raise error(possible.reason, field=possible.field)
