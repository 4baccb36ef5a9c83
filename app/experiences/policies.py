"""Who may do what with services, surveys, experiences and measures. Pure functions.

Everything about a service belongs to its board: editors and publishers of
that board edit, publishers publish measures; site admins may do everything.
One person's survey answers are the exception (:func:`can_open_record`).
"""

from __future__ import annotations

from typing import Any

from app.accounts.models import Role, User
from app.boards.models import Board
from app.common.possible import YES, Possible, publisher_needed
from app.experiences.models import ExperienceRecord, RecordKind


def can_manage_in(user: User, board: Board) -> bool:
    return user.is_site_admin or user.role_in(board.id) is not None


def can_edit(user: User, service: Any) -> bool:
    """Editors and publishers of the service's board."""
    return user.is_site_admin or user.role_in(service.board_id) is not None


def can_publish(user: User, service: Any) -> bool:
    """Publishing measures and opening surveys needs the publisher role."""
    return user.is_site_admin or user.role_in(service.board_id) is Role.PUBLISHER


def can_open_record(user: User, record: ExperienceRecord) -> bool:
    """Whether ``user`` may open one experience on its own.

    Notes from dialogue, group interviews and visits are staff's own summaries:
    the board's editors and publishers open them. One person's survey answers
    (web, paper, phone) are opened only by the staff member who entered them
    and by staff who moderated one of their written answers (approved, masked
    or hid it); everyone else, site admins included, sees the survey's results,
    which show aggregates only, held back below the minimum group size.
    """
    if not can_edit(user, record.service):
        return False
    if record.kind is not RecordKind.SURVEY:
        return True
    if record.entered_by_id is not None and record.entered_by_id == user.id:
        return True
    return any(user.id in (answer.reviewed_by_id, answer.hidden_by_id) for answer in record.answers)


def may_publish(user: User, service: Any) -> Possible:
    """Publishing a survey or the measures: the publisher role in the service's board."""
    return YES if can_publish(user, service) else publisher_needed([service.board])


def boards_for_new_service(user: User, boards: list[Board]) -> list[Board]:
    return [b for b in boards if can_manage_in(user, b)]
