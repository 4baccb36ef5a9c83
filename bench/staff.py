"""Staff pages in ``make bench`` (issue 22): a publisher of two boards, logged in through the
real login form; the consultation of those boards with the most views.

The account exists only in the bench database (created once, marked by its address).
"""

from __future__ import annotations

import http.cookiejar
import time
import urllib.parse
import urllib.request
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

EMAIL = "bench-staff@samradsportalen.invalid"
#: Only for the bench database, which holds no real data.
PASSWORD = "bench staff password, never a real one"  # nosec B105


def ensure_staff(url: str) -> dict[str, int]:
    """The bench publisher (of the two boards with the most consultations) and the ids its pages need."""
    import app.registry  # noqa: F401  (every model)
    from app.accounts.models import Role
    from app.accounts.services import create_user, get_user_by_email, grant_role
    from app.boards.models import Board
    from app.consultations.models import Consultation
    from app.db import make_engine
    from app.feedback.models import FeedbackReport, Theme
    from app.participation.models import Viewpoint

    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            user = get_user_by_email(session, EMAIL)
            if user is None:
                user = create_user(session, email=EMAIL, name="Bench staff", password=PASSWORD)
                board_ids = session.scalars(
                    sa.select(Consultation.lead_board_id)
                    .group_by(Consultation.lead_board_id)
                    .order_by(sa.func.count().desc(), Consultation.lead_board_id)
                    .limit(2)
                ).all()
                for board in session.scalars(sa.select(Board).where(Board.id.in_(board_ids))):
                    grant_role(session, user, board, Role.PUBLISHER)
                session.commit()
            board_ids = sorted(user.board_ids)
            largest = session.execute(
                sa.select(Viewpoint.consultation_id, sa.func.count())
                .join(Consultation, Consultation.id == Viewpoint.consultation_id)
                .where(Consultation.lead_board_id.in_(board_ids))
                .group_by(Viewpoint.consultation_id)
                .order_by(sa.func.count().desc())
                .limit(1)
            ).one()
            theme_id = session.scalar(
                sa.select(Theme.id)
                .join(FeedbackReport, FeedbackReport.id == Theme.report_id)
                .where(FeedbackReport.consultation_id == largest[0])
                .limit(1)
            )
            return {
                "largest": largest[0],
                "largest_views": largest[1],
                "theme": theme_id or 0,
                "suggestion": _suggested(session, user, largest[0]),
            }
    finally:
        engine.dispose()


def _suggested(session: Session, user: Any, consultation_id: int) -> int:
    """A proposal of the consultation's suggested themes, suggested once (the POST's time is printed)."""
    from app.common.errors import DomainError
    from app.consultations.models import Consultation
    from app.feedback import consultation as consultation_reports
    from app.feedback import suggestions

    run = suggestions.get_run(session, consultation_id)
    if run is None:
        consultation = session.get(Consultation, consultation_id)
        assert consultation is not None, f"consultation {consultation_id} is not in the bench data"
        started = time.perf_counter()
        try:
            report = consultation_reports.start_report(session, user, consultation)
            run = suggestions.suggest(session, user, report, "unthemed")
        except DomainError as error:  # e.g. a draft consultation: no feedback yet
            print(f"suggested themes: not measured ({error.message})")
            session.rollback()
            return 0
        session.commit()
        print(
            f"suggested themes: {time.perf_counter() - started:.2f} s for {run.considered} of "
            f"{run.available} views, {len(run.suggestions)} proposals"
        )
    return run.suggestions[0].id if run.suggestions else 0


def login_cookie(base: str) -> str:
    """Log in through the form (the bench server has CSRF off); the ``Cookie`` header of the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    data = urllib.parse.urlencode({"email": EMAIL, "password": PASSWORD}).encode()
    opener.open(urllib.request.Request(f"{base}/sv/login", data=data), timeout=60).read()  # nosec B310 - our own server
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    if not cookie:
        raise RuntimeError("bench staff login failed")
    return cookie


def pages(staff: dict[str, int]) -> list[tuple[str, str]]:
    c = staff["largest"]
    views = f"/sv/staff/consultations/{c}/views"
    out = [
        ("staff: dashboard", "/sv/staff/"),
        ("staff: archive, page 1", "/sv/staff/consultations/"),
        ("staff: archive, page 20", "/sv/staff/consultations/?page=20"),
        ("staff: overdue feedback", "/sv/staff/feedback/overdue"),
        (f"staff: views list ({staff['largest_views']} views)", views),
        ("staff: views list, page 100", f"{views}?page=100"),
        ("staff: views list, filtered", f"{views}?language=rom&theme=none&translated=no"),
        ("staff: views list, text search", f"{views}?q=buss"),
        ("staff: reading mode", f"{views}/read?theme=none"),
        ("staff: feedback overview", f"/sv/staff/consultations/{c}/feedback"),
        ("staff: new theme", f"/sv/staff/consultations/{c}/feedback/themes/new"),
    ]
    if staff["theme"]:
        out.append(("staff: edit theme", f"/sv/staff/consultations/{c}/feedback/themes/{staff['theme']}"))
    out.append(("staff: suggested themes", f"/sv/staff/consultations/{c}/feedback/suggestions"))
    if staff.get("suggestion"):
        out.append(
            (
                "staff: a suggested theme's views",
                f"/sv/staff/consultations/{c}/feedback/suggestions/{staff['suggestion']}",
            )
        )
    return out
