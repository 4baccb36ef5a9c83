"""The staff list of a consultation's views: filtered, paginated, counted in SQL.

A :class:`ViewFilter` is read from the query string (a GET form, so the state
is in the URL); values that do not exist are ignored, never an error. The same
filter selects the views of a bulk action ("all N matching the filter", see
:mod:`app.feedback.theming`), so the list and the action always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from app.common.pagination import Page, paginate_ids
from app.consultations.models import Consultation, RomaniVariety
from app.i18n import language_name
from app.participation.groupings import grouping
from app.participation.models import Channel, Viewpoint, ViewpointTranslation

#: Views per page of the staff list (each with its text and translations).
PER_PAGE = 25
#: Longest search text taken from the query string.
MAX_SEARCH = 200


@dataclass(frozen=True)
class ViewFilter:
    """What the staff views list shows; every field ``""`` means "all"."""

    #: An agenda item id, or ``"none"`` (no question).
    question: str = ""
    #: ``"sv"``, ``"rom"`` (any variety), ``"rom:<variety>"`` or ``"other"``.
    language: str = ""
    #: ``"none"`` (in no theme), ``"any"`` (in some theme) or a theme id.
    theme: str = ""
    #: ``"yes"`` or ``"no"``.
    hidden: str = ""
    #: ``"yes"`` or ``"no"``.
    translated: str = ""
    #: A :class:`Channel` value.
    channel: str = ""
    #: Words in the text, a translation or the reference code.
    q: str = ""

    @classmethod
    def from_args(cls, args: Mapping[str, Any], *, question_ids: set[int], theme_ids: set[int]) -> ViewFilter:
        """Read the filter from a query string; unknown values become "all"."""

        def get(name: str) -> str:
            return str(args.get(name) or "").replace("\x00", "").strip()[:MAX_SEARCH]

        question = get("question")
        if question != "none" and not (question.isdigit() and int(question) in question_ids):
            question = ""
        language = get("language")
        if language not in language_values():
            language = ""
        theme = get("theme")
        if theme not in ("none", "any") and not (theme.isdigit() and int(theme) in theme_ids):
            theme = ""
        return cls(
            question=question,
            language=language,
            theme=theme,
            hidden=get("hidden") if get("hidden") in ("yes", "no") else "",
            translated=get("translated") if get("translated") in ("yes", "no") else "",
            channel=get("channel") if get("channel") in Channel._value2member_map_ else "",
            q=" ".join(get("q").split()),
        )

    def args(self) -> dict[str, str]:
        """The non-empty fields, for links that keep the filter (pagination, "N more")."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}

    @property
    def active(self) -> bool:
        return bool(self.args())


def language_values() -> list[str]:
    return ["sv", "rom", *(f"rom:{v.value}" for v in RomaniVariety), "other"]


def language_choices() -> list[tuple[str, str]]:
    """The language filter's options: Swedish, Romani chib (any variety), each variety, other."""
    rom = language_name("rom")
    return [
        ("sv", language_name("sv")),
        ("rom", rom),
        *((f"rom:{v.value}", f"{rom}: {v.label}") for v in RomaniVariety),
        ("other", language_name("other")),
    ]


def _conditions(consultation_id: int, f: ViewFilter) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = [Viewpoint.consultation_id == consultation_id]
    if f.question == "none":
        where.append(Viewpoint.agenda_item_id.is_(None))
    elif f.question:
        where.append(Viewpoint.agenda_item_id == int(f.question))
    if f.language.startswith("rom:"):
        where += [Viewpoint.language == "rom", Viewpoint.romani_variety == RomaniVariety(f.language[4:])]
    elif f.language:
        where.append(Viewpoint.language == f.language)
    found = grouping()
    if f.theme and found is not None:
        pairs = found.pairs(consultation_id).subquery()
        members = sa.select(pairs.c.viewpoint_id)
        if f.theme == "none":
            where.append(Viewpoint.id.not_in(members))
        elif f.theme == "any":
            where.append(Viewpoint.id.in_(members))
        else:
            where.append(Viewpoint.id.in_(members.where(pairs.c.group_id == int(f.theme))))
    if f.hidden:
        where.append(Viewpoint.hidden_dt.is_not(None) if f.hidden == "yes" else Viewpoint.hidden_dt.is_(None))
    translated = sa.exists().where(ViewpointTranslation.viewpoint_id == Viewpoint.id)
    if f.translated:
        where.append(translated if f.translated == "yes" else ~translated)
    if f.channel:
        where.append(Viewpoint.channel == Channel(f.channel))
    if f.q:
        where.append(
            sa.or_(
                Viewpoint.body.icontains(f.q, autoescape=True),
                Viewpoint.reference_code.icontains(f.q, autoescape=True),
                sa.exists().where(
                    ViewpointTranslation.viewpoint_id == Viewpoint.id,
                    ViewpointTranslation.body.icontains(f.q, autoescape=True),
                ),
            )
        )
    return where


def matching_ids(consultation_id: int, f: ViewFilter) -> sa.Select[Any]:
    """The ids of the views the filter selects, in list order (oldest first)."""
    return sa.select(Viewpoint.id).where(*_conditions(consultation_id, f)).order_by(Viewpoint.created_dt, Viewpoint.id)


def count_matching(session: Session, consultation_id: int, f: ViewFilter) -> int:
    return (
        session.scalar(
            sa.select(sa.func.count()).select_from(matching_ids(consultation_id, f).order_by(None).subquery())
        )
        or 0
    )


def _load(session: Session, ids: list[int]) -> list[Viewpoint]:
    return list(
        session.scalars(
            sa.select(Viewpoint)
            .where(Viewpoint.id.in_(ids))
            .options(
                joinedload(Viewpoint.contact), joinedload(Viewpoint.agenda_item), selectinload(Viewpoint.translations)
            )
        ).unique()
    )


def list_for_staff(
    session: Session, consultation: Consultation, f: ViewFilter | None = None, page: int = 1, per_page: int = PER_PAGE
) -> Page[Viewpoint]:
    """One page of the consultation's views that match the filter, oldest first."""
    return paginate_ids(session, matching_ids(consultation.id, f or ViewFilter()), _load, page, per_page)


@dataclass
class Reading:
    """One view of the filtered list, and where it stands in it (the reading mode)."""

    viewpoint: Viewpoint | None
    #: 1-based place in the filtered list (``None``: the view no longer matches the filter).
    position: int | None
    total: int
    previous_id: int | None
    next_id: int | None


def _after(v: Viewpoint) -> sa.ColumnElement[bool]:
    return sa.or_(
        Viewpoint.created_dt > v.created_dt, sa.and_(Viewpoint.created_dt == v.created_dt, Viewpoint.id > v.id)
    )


def _before(v: Viewpoint) -> sa.ColumnElement[bool]:
    return sa.or_(
        Viewpoint.created_dt < v.created_dt, sa.and_(Viewpoint.created_dt == v.created_dt, Viewpoint.id < v.id)
    )


def reading(session: Session, consultation: Consultation, f: ViewFilter, at: int | None) -> Reading:
    """The view ``at`` (or the first that matches), the previous and next ones in list order, and its place.

    A view that has just left the filter (put in a theme while reading "in no
    theme yet") is still shown; its neighbours are found from its place in the order.
    """
    where = _conditions(consultation.id, f)
    current = None
    if at is not None:
        current = session.scalar(
            sa.select(Viewpoint)
            .where(Viewpoint.id == at, Viewpoint.consultation_id == consultation.id)
            .options(
                joinedload(Viewpoint.contact), joinedload(Viewpoint.agenda_item), selectinload(Viewpoint.translations)
            )
        )
    if current is None:
        first = session.scalar(matching_ids(consultation.id, f).limit(1))
        current = _load(session, [first])[0] if first is not None else None
    total = count_matching(session, consultation.id, f)
    if current is None:
        return Reading(None, None, total, None, None)
    previous_id = session.scalar(
        sa.select(Viewpoint.id)
        .where(*where, _before(current))
        .order_by(Viewpoint.created_dt.desc(), Viewpoint.id.desc())
        .limit(1)
    )
    next_id = session.scalar(
        sa.select(Viewpoint.id).where(*where, _after(current)).order_by(Viewpoint.created_dt, Viewpoint.id).limit(1)
    )
    matches = session.scalar(sa.select(sa.func.count()).where(*where, Viewpoint.id == current.id))
    before = session.scalar(sa.select(sa.func.count()).select_from(Viewpoint).where(*where, _before(current))) or 0
    return Reading(current, before + 1 if matches else None, total, previous_id, next_id)
