"""The public feedback page stays small however many views the consultation got (issue #8).

With every view on the page (twice: in its theme and in the full list), 1000
views made a 594 KB page that took ~250 ms to render. The list now shows
:data:`~app.feedback.services.VIEWS_PER_PAGE` views at a time and the themes
link to their views, so the page's size depends on the page size, not on the
number of views.

**The budget, 100 KB**: one view in the list costs its text plus ~0.5 KB of
markup (figure, caption with author, channel and permalink, "Fed into:" links),
and a translation repeats the text. Views here are long for a meeting (~280
characters; the benchmark data averages ~150) and every fourth is translated:
50 of them are ~35 KB, and the rest of the page (header, summary, five themes
with responses and decisions, the pagination, "find your view", footer) ~10 KB.
Such a page measures 46 KB in Swedish, 48 KB in Romani. 100 KB leaves room for
longer views and texts, and is a sixth of the old page: a list that stopped
paginating (or views shown twice again) fails at once.
"""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from app.accounts.models import Role
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
from app.feedback.public import VIEWS_PER_PAGE
from app.feedback.snapshots import build_snapshot
from app.participation.models import (
    Contact,
    Provenance,
    Viewpoint,
    ViewpointTranslation,
)
from tests.conftest import in_days
from tests.perf.staff_world import SENTENCES

BUDGET = 100_000  # bytes
VIEWS = 1000
_codes = itertools.count(1)


@pytest.fixture
def thousand(db_session, create_board, create_user, create_consultation):
    """A consultation with 1000 published views (and some that may not be shown), five themes, published feedback."""
    board, other = create_board(), create_board()
    user = create_user(boards={board: Role.PUBLISHER})
    consultation = create_consultation(board=board, status=S.FEEDBACK_PUBLISHED, start_dt=in_days(-30))
    views = []
    for i in range(VIEWS + 60):
        contact = Contact(name=f"Deltagare {i}", email=f"d{i}@example.org") if i % 10 == 0 else None
        v = Viewpoint(
            consultation_id=consultation.id,
            reference_code=f"SZ{next(_codes):05d}-{i:04d}",
            body="".join(SENTENCES[(i + k) % 5] for k in range(4)).strip(),
            language="rom" if i % 3 == 0 else "sv",
            publish_consent=i < VIEWS or i % 2 == 0,
            show_name=contact is not None,
            contact=contact,
            hidden_dt=utcnow() if i >= VIEWS and i % 2 == 0 else None,
        )
        if i % 4 == 0:
            v.translations = [
                ViewpointTranslation(
                    language="sv" if v.language == "rom" else "rom", body=v.body, provenance=Provenance.HUMAN
                )
            ]
        views.append(v)
    db_session.add_all(views)
    db_session.flush()
    report = FeedbackReport(
        consultation=consultation,
        consultation_id=consultation.id,
        summary_sv="Tack för alla synpunkter.",
        summary_rom="Nais tumenge.",
        published_dt=utcnow(),
    )
    decision = Decision(
        board=board,
        board_id=board.id,
        meeting_date=date.today(),
        case_reference="KS 2026/8",
        paragraph="3",
        title_sv="Beslut om information",
        minutes_url="https://example.org/protokoll",
    )
    for position in range(1, 6):
        theme = Theme(
            position=position,
            title_sv=f"Tema {position}",
            title_rom=f"Tema {position}",
            summary_sv="Många tog upp detta.",
            viewpoints=views[position - 1 :: 7],
        )
        theme.response = ThemeResponse(
            outcome=Outcome.FORWARDED if position == 2 else Outcome.IMPLEMENTED,
            body_sv="Nämnden gör detta nästa år.",
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
    db_session.commit()
    db_session.expire_all()
    return consultation, report


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_feedback_page_with_1000_views_stays_small(client, thousand, lang):
    consultation, report = thousand
    base = f"/{lang}/consultations/{consultation.id}/feedback"
    theme_id = report.themes[0].id
    last = -(-VIEWS // VIEWS_PER_PAGE)
    for url in (base, f"{base}?page={last}", f"{base}?theme={theme_id}", f"{base}?theme={theme_id}&page=2"):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        assert html.count('<figure class="viewpoint">') == VIEWS_PER_PAGE, url
        size = len(response.get_data())
        assert size < BUDGET, f"{url}: {size} bytes with {VIEWS} views, budget {BUDGET}"
