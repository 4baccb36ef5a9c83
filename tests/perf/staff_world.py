"""A staff member's world at scale, written with bulk INSERTs (executemany), not one object at a time.

One held consultation with ``views`` views (both languages, Romani varieties,
every channel, some hidden, a quarter translated, a third in themes), and
``consultations`` more consultations of the same board in every state (drafts,
upcoming, awaiting feedback, overdue, archived), so the dashboard and the
archive have more than they may show.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import Role, User
from app.boards.models import Board
from app.consultations.models import AgendaItem, Consultation, RomaniVariety
from app.consultations.models import ConsultationStatus as S
from app.db import utcnow
from app.feedback.models import FeedbackReport, Theme, theme_viewpoints
from app.participation.models import Channel, Contact, Provenance, Viewpoint, ViewpointTranslation
from tests.conftest import in_days

_runs = itertools.count(1)
#: Views of ~150 characters, as in the benchmark data.
SENTENCES = (
    "Informationen måste finnas på romani chib, inte bara på svenska. ",
    "Bjud in till mötena i god tid och skicka sms, inte bara e-post. ",
    "Det är svårt att ta sig hit med rullstol, hissen är ofta trasig. ",
    "Vi vill vara med och planera, inte bara tycka till i efterhand. ",
    "Öppettiderna passar inte den som arbetar skift på kvällarna. ",
)


@dataclass
class StaffWorld:
    board: Board
    user: User
    consultation: Consultation
    report: FeedbackReport
    themes: list[Theme]
    views: int
    #: A view in the middle of the list (for the reading mode).
    middle_id: int


def build_staff_world(
    db_session: Session, create_board: Any, create_user: Any, *, views: int, consultations: int
) -> StaffWorld:
    run = next(_runs)
    board = create_board()
    user = create_user(boards={board: Role.PUBLISHER})
    now = utcnow()
    consultation = Consultation(
        lead_board=board,
        status=S.HELD,
        title_sv=f"Stort samråd {run}",
        start_dt=in_days(-20),
        end_dt=in_days(-20) + timedelta(hours=2),
        feedback_due_date=(now + timedelta(days=30)).date(),
        published_dt=now - timedelta(days=40),
        agenda_items=[AgendaItem(position=i, title_sv=f"Fråga {i}") for i in (1, 2, 3)],
    )
    db_session.add(consultation)
    db_session.flush()
    report = FeedbackReport(consultation=consultation, consultation_id=consultation.id)
    report.themes = [Theme(position=i, title_sv=f"Tema {i}") for i in (1, 2, 3)]
    db_session.add(report)
    db_session.flush()

    items = [a.id for a in consultation.agenda_items]
    varieties = list(RomaniVariety)
    channels = list(Channel)
    contacts = [
        {"name": f"Deltagare {run}-{i}", "email": f"d{run}-{i}@example.org", "language": "sv"} for i in range(20)
    ]
    db_session.execute(sa.insert(Contact.__table__), contacts)
    contact_ids = list(db_session.scalars(sa.select(Contact.id).where(Contact.email.like(f"d{run}-%"))))
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    rows = []
    for i in range(views):
        language = "rom" if i % 3 == 0 else "sv"
        rows.append(
            {
                "consultation_id": consultation.id,
                "reference_code": f"S{run:03d}-{i:06d}",
                "body": "".join(SENTENCES[(i + k) % 5] for k in range(2)).strip() + f" ({i})",
                "language": language,
                "romani_variety": varieties[i % len(varieties)] if language == "rom" else None,
                "channel": channels[i % len(channels)],
                "agenda_item_id": items[i % 4] if i % 4 < 3 else None,
                "publish_consent": i % 5 != 0,
                "show_name": i % 7 == 0,
                "contact_id": contact_ids[i % 20] if i % 7 == 0 else None,
                "hidden_dt": now if i % 50 == 0 else None,
                "created_dt": day - timedelta(days=i % 30),
            }
        )
    db_session.execute(sa.insert(Viewpoint.__table__), rows)
    ids = list(
        db_session.scalars(
            sa.select(Viewpoint.id).where(Viewpoint.consultation_id == consultation.id).order_by(Viewpoint.id)
        )
    )
    db_session.execute(
        sa.insert(ViewpointTranslation.__table__),
        [
            {
                "viewpoint_id": vid,
                "language": "sv" if n % 3 == 0 else "rom",
                "body": f"Översättning {n}",
                "provenance": Provenance.HUMAN,
                "translator": "Tolk",
                "created_dt": now,
            }
            for n, vid in enumerate(ids)
            if n % 4 == 0
        ],
    )
    db_session.execute(
        sa.insert(theme_viewpoints),
        [{"theme_id": report.themes[n % 3].id, "viewpoint_id": vid} for n, vid in enumerate(ids) if n % 3 == 0],
    )

    statuses = [S.DRAFT, S.PUBLISHED, S.HELD, S.FEEDBACK_PUBLISHED, S.CLOSED, S.CANCELLED]
    others = []
    for i in range(consultations):
        status = statuses[i % len(statuses)]
        start = (
            now + timedelta(days=10 + i)
            if status in (S.DRAFT, S.PUBLISHED) and i % 4
            else now - timedelta(days=100 + i)
        )
        others.append(
            {
                "lead_board_id": board.id,
                "status": status,
                "title_sv": f"Samråd {run}-{i}",
                "start_dt": start,
                "end_dt": start + timedelta(hours=2),
                "feedback_due_date": (start + timedelta(days=56)).date(),
                "format": "in_person",
                "interpreter_languages": [],
                "created_dt": now,
                "updated_dt": now,
                "is_open": True,
                "romani_pending": False,
                "ics_sequence": 0,
                "version": 1,
            }
        )
    db_session.execute(sa.insert(Consultation.__table__), others)
    db_session.commit()
    db_session.expire_all()
    return StaffWorld(
        board=board,
        user=user,
        consultation=consultation,
        report=report,
        themes=list(report.themes),
        views=views,
        middle_id=ids[len(ids) // 2 // 3 * 3],
    )
