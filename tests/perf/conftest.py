"""Fixtures for the performance tests: a small world of any size, and a SQL statement counter."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.accounts.models import Role
from app.boards.models import Board
from app.consultations.models import AgendaItem, Consultation
from app.consultations.models import ConsultationStatus as S
from app.db import utcnow
from app.feedback.models import (
    Decision,
    FeedbackReport,
    FeedbackRevision,
    Outcome,
    Theme,
    ThemeResponse,
)
from app.feedback.snapshots import build_snapshot
from app.participation.models import (
    Contact,
    Provenance,
    Viewpoint,
    ViewpointTranslation,
)
from tests.conftest import in_days

_codes = itertools.count(1)


@dataclass
class World:
    board: Board
    other: Board
    upcoming: Consultation
    with_feedback: Consultation
    consultations: int


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)


@contextlib.contextmanager
def count_statements(session: Session) -> Iterator[StatementCounter]:
    """Count the SQL statements sent on the session's connection (tests inject a
    session bound to one connection: listen on that connection's engine)."""
    engine = session.get_bind().engine
    counter = StatementCounter()

    def _before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            counter.statements.append(statement)

    event.listen(engine, "before_cursor_execute", _before)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", _before)


def measure_pages(client: Any, session: Session, pages: dict[str, str]) -> dict[str, tuple[int, int]]:
    """``{name: (SQL statements, bytes)}`` of each page (a GET answered 200), each request
    starting with an empty identity map, as in production."""
    out = {}
    for name, url in pages.items():
        session.expire_all()
        with count_statements(session) as statements:
            response = client.get(url)
        assert response.status_code == 200, (name, url, response.status_code)
        out[name] = (len(statements), len(response.get_data()))
    return out


def assert_bounded(small: dict[str, tuple[int, int]], large: dict[str, tuple[int, int]], budget: int) -> None:
    """The pages measured in a small and a large world: each at most ``budget`` bytes, and the same
    number of SQL statements in both (no query per row)."""
    print({name: (small[name], large[name]) for name in small})  # (statements, bytes) with -s
    too_big = {name: size for name, (_count, size) in {**small, **large}.items() if size > budget}
    assert not too_big, f"pages over {budget} bytes: {too_big}"
    grown = {name: (small[name][0], large[name][0]) for name in small if large[name][0] != small[name][0]}
    assert not grown, f"statements (small world, large world): {grown}"


@pytest.fixture
def build_world(
    db_session: Session, create_board: Callable[..., Board], create_user: Callable[..., Any]
) -> Callable[[int], World]:
    """``n`` public consultations of one board (some co-hosted, upcoming and past,
    with agenda items and views), one of them with published feedback on ``n`` views."""

    def _build(n: int) -> World:
        board = create_board()
        other = create_board()
        user = create_user(boards={board: Role.PUBLISHER})
        consultations = []
        for i in range(n):
            past = i % 2 == 0
            start = in_days(-10 - i if past else 5 + i)
            c = Consultation(
                lead_board=board,
                status=S.HELD if past else S.PUBLISHED,
                title_sv=f"Samråd {i}",
                title_rom=f"Sfatuipe {i}",
                summary_sv="Om fritidsgårdar.",
                summary_rom="Pa le khera.",
                influence_sv="Programmet.",
                decided_sv="Budgeten.",
                start_dt=start,
                end_dt=start + timedelta(hours=2),
                venue_name="Tensta träff",
                address="Tensta allé 1",
                interpreter_languages=["kalderash"],
                published_dt=utcnow() - timedelta(days=i),
                feedback_due_date=(start + timedelta(days=56)).date(),
            )
            c.co_hosts = [other] if i % 3 == 0 else []
            c.agenda_items = [AgendaItem(position=1, title_sv="Fråga 1"), AgendaItem(position=2, title_sv="Fråga 2")]
            consultations.append(c)
        db_session.add_all(consultations)
        db_session.flush()
        upcoming = next(c for c in consultations if c.status is S.PUBLISHED)
        with_feedback = consultations[0]
        views = []
        for i in range(n):
            # Every kind of author and language, on both the feedback consultation and the others.
            for target in (with_feedback, consultations[i]):
                contact = Contact(name=f"Namn {i}", email=f"p{i}@example.org") if i % 2 else None
                v = Viewpoint(
                    consultation_id=target.id,
                    reference_code=f"PF{next(_codes):07d}",
                    body=f"Synpunkt {i}",
                    language="rom" if i % 3 else "sv",
                    publish_consent=i % 5 != 0,
                    show_name=bool(contact),
                    contact=contact,
                    hidden_dt=utcnow() if i % 17 == 0 else None,
                )
                if i % 4 == 0:
                    v.translations = [
                        ViewpointTranslation(language="sv", body=f"Översättning {i}", provenance=Provenance.HUMAN)
                    ]
                views.append(v)
        db_session.add_all(views)
        db_session.flush()
        report = FeedbackReport(
            consultation=with_feedback,
            consultation_id=with_feedback.id,
            summary_sv="Tack.",
            summary_rom="Nais.",
            published_dt=utcnow(),
        )
        own = [v for v in views if v.consultation_id == with_feedback.id]
        decision = Decision(
            board=board,
            board_id=board.id,
            meeting_date=date.today(),
            case_reference=f"KS {n}/1",
            paragraph="1",
            title_sv="Beslut",
        )
        for position in range(1, 4):
            theme = Theme(position=position, title_sv=f"Tema {position}", viewpoints=own[position - 1 :: 3])
            theme.response = ThemeResponse(
                outcome=Outcome.FORWARDED if position == 2 else Outcome.IMPLEMENTED,
                body_sv="Vi gör det.",
                forwarded_to=other if position == 2 else None,
                forwarded_to_board_id=other.id if position == 2 else None,
                decisions=[decision],
            )
            report.themes.append(theme)
        db_session.add(report)
        db_session.flush()
        report.revisions.append(
            FeedbackRevision(
                number=1, published_dt=utcnow(), published_by_id=user.id, snapshot=build_snapshot(report), changes=[]
            )
        )
        with_feedback.status = S.FEEDBACK_PUBLISHED
        db_session.commit()
        db_session.expire_all()
        return World(board=board, other=other, upcoming=upcoming, with_feedback=with_feedback, consultations=n)

    return _build


def page_count(db_session: Session) -> int:
    return db_session.scalar(sa.select(sa.func.count()).select_from(Consultation)) or 0
