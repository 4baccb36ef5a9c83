"""Who may do what with consultations, and what is possible now. Pure functions, no database access.

The ``may_*`` functions answer with a :class:`~app.common.possible.Possible`: the
staff pages offer an action only when it is possible and otherwise show its
reason; the services raise the same reason. The rule lives here, once.
"""

from __future__ import annotations

from datetime import date, datetime

from app.accounts.models import Role, User
from app.boards.models import Board
from app.common.possible import YES, Possible, no, publisher_needed
from app.consultations.models import Consultation, ConsultationStatus
from app.i18n import STOCKHOLM, format_datetime
from app.i18n import lazy_gettext as _l

S = ConsultationStatus


def can_create_in(user: User, board: Board) -> bool:
    return user.is_site_admin or user.role_in(board.id) is not None


def can_edit(user: User, consultation: Consultation) -> bool:
    """Editors and publishers of the lead board or of any co-hosting board."""
    if user.is_site_admin:
        return True
    return bool(user.board_ids & consultation.board_ids)


def can_publish(user: User, consultation: Consultation) -> bool:
    """Publishing, cancelling and closing need the publisher role in a hosting board."""
    if user.is_site_admin:
        return True
    return any(user.role_in(board_id) is Role.PUBLISHER for board_id in consultation.board_ids)


def may_publish(user: User, consultation: Consultation) -> Possible:
    """Publishing, cancelling and closing: the publisher role in a hosting board."""
    return YES if can_publish(user, consultation) else publisher_needed(consultation.boards)


def may_mark_held(user: User, consultation: Consultation, *, now: datetime, held_on: date | None = None) -> Possible:
    """A published meeting can be marked as held from its start time, or, when it was
    moved, on the day it took place (``held_on``, not in the future)."""
    if not can_edit(user, consultation):
        return no(_l("You do not have permission to do this."), for_role=True)
    if consultation.status is not S.PUBLISHED:
        return no(_l("Only a published consultation can be marked as held."))
    today = now.astimezone(STOCKHOLM).date()
    if held_on is not None:
        if held_on > today:
            return no(_l("The day the meeting took place cannot be in the future."), field="held_on")
        return YES
    if consultation.start_dt is not None and consultation.start_dt > now:
        return no(
            _l(
                "The meeting can be marked as held from its start, %(start)s. If it was moved to an earlier "
                "day, give the day it took place.",
                start=format_datetime(consultation.start_dt),
            )
        )
    return YES


def feedback_can_first_appear(consultation: Consultation) -> Possible:
    """The first publication of feedback waits for the meeting to be held."""
    if consultation.status is S.HELD:
        return YES
    if consultation.status is S.PUBLISHED:
        return no(_l("The feedback can be published once the meeting has been marked as held."))
    return no(
        _l(
            "Feedback can be published when the consultation has been held (status now: “%(status)s”).",
            status=consultation.status.label,
        )
    )


def may_publish_feedback(user: User, consultation: Consultation, *, first: bool) -> Possible:
    """Feedback is published by a publisher; the first time only once the meeting is held."""
    if not can_publish(user, consultation):
        return publisher_needed(consultation.boards)
    return feedback_can_first_appear(consultation) if first else YES


def boards_for_new_consultation(user: User, boards: list[Board]) -> list[Board]:
    return [b for b in boards if can_create_in(user, b)]
