"""Helpers for thin views: staff guard, loading objects, turning domain errors into form errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import abort, flash, make_response
from flask_login import current_user, login_required

from app.common.errors import (
    DeletedMeanwhile,
    DomainError,
    PermissionDenied,
    StaleVersion,
)
from app.db import get_session

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


def private_page(response: Any) -> Any:
    """Pages behind a private link (a registration, a speaker's transcription): never
    cached, indexed or leaked in a Referer."""
    response = make_response(response)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def staff_required(view: F) -> F:
    """Require a logged-in staff user; object permissions are checked in the view.

    The marker lets the URL-map test prove every staff route is guarded.
    """
    guarded = login_required(view)
    guarded._staff_guard = True
    return guarded


def load_or_404(model: type[Any], object_id: int) -> Any:
    obj = get_session().get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def load_permitted(model: type[T], object_id: int, may: Callable[[Any, T], bool]) -> T:
    """The row of ``model`` with ``object_id`` that the logged-in user ``may`` act on.

    404 when there is no such row, 403 when ``may(actor, row)`` is false: the
    one way a staff view loads the object it edits (e.g. ``load_permitted(
    Consultation, consultation_id, policies.can_edit)``).
    """
    obj: T = load_or_404(model, object_id)
    require(may(actor(), obj))
    return obj


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)


def actor() -> Any:
    """The logged-in staff user (the ``actor`` argument of every service)."""
    return current_user._get_current_object()


@dataclass
class Attempt:
    ok: bool = True
    #: The optimistic-locking conflict the service raised, if any.
    conflict: StaleVersion | None = None

    @property
    def current(self) -> Any:
        """The row as now saved when the save met a conflict (``conflict.current``), else ``None``."""
        return self.conflict.current if self.conflict is not None else None


@contextmanager
def form_errors(form: Any) -> Iterator[Attempt]:
    """Run a service call; a broken domain rule becomes an error next to its field.

    ``PermissionDenied`` and ``DeletedMeanwhile`` are not caught (answered with
    403 and 409). A :class:`StaleVersion` is kept as ``attempt.conflict`` and
    the form's ``version`` set to the row's current one, so the page can show
    both versions and a second save overwrites deliberately::

        with form_errors(form) as attempt:
            item = services.do_something(session, actor(), ..., expected_version=form.expected_version())
        if attempt.ok:
            commit()
            return redirect(...)
        conflict = attempt.conflict
    """

    def report(error: DomainError) -> None:
        form.add_error(error.field, error.message)
        if isinstance(error, StaleVersion):
            form.version.data = str(error.current.version)

    with _domain_errors(report) as attempt:
        yield attempt


@contextmanager
def flash_errors() -> Iterator[Attempt]:
    """As :func:`form_errors`, for one-button actions: the message is flashed."""
    with _domain_errors(lambda error: flash(str(error.message), "error")) as attempt:
        yield attempt


@contextmanager
def _domain_errors(report: Callable[[DomainError], None]) -> Iterator[Attempt]:
    attempt = Attempt()
    try:
        yield attempt
    except (PermissionDenied, DeletedMeanwhile):
        raise
    except DomainError as error:
        report(error)
        attempt.ok = False
        if isinstance(error, StaleVersion):
            attempt.conflict = error
