"""Helpers shared by the browser tests (see conftest.py for the fixtures)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOT_DIR = ROOT / "docs" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def chromium_path() -> str | None:
    explicit = os.environ.get("CHROMIUM_PATH")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(candidate)
        if found:
            return found
    return None


def _missing_prerequisites() -> list[str]:
    missing = []
    if chromium_path() is None:
        missing.append("Chromium (apt-get install chromium, or set CHROMIUM_PATH)")
    if not AXE_PATH.exists():
        missing.append("node_modules/axe-core (run `make install` or `npm ci`)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package (pip install -e '.[dev]')")
    return missing


def require_prerequisites() -> None:
    missing = _missing_prerequisites()
    if not missing:
        return
    reason = "browser tests need " + "; ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(reason + " (CI is set, so this is an error, not a skip)", pytrace=False)
    pytest.skip(reason)


@dataclass
class Demo:
    """Ids and slugs from the demo data, for filling URL parameters."""

    upcoming_id: int  # published, upcoming, hybrid, full Romani texts, agenda
    digital_id: int  # published, digital, Romani texts pending
    held_id: int  # the meeting was held (perhaps with feedback published)
    draft_id: int  # never published
    agenda_item_ids: dict[int, list[int]]
    board_slugs: list[str]
    staff_email: str
    staff_password: str
    db_url: str
    secret_key: str
    admin_email: str = "browser.admin@stockholm.example"
    admin_password: str = "browser-admin-password-2026"
    admin_totp_secret: str = ""

    def ids(self, table: str, **where: Any) -> list[Any]:
        """Ids of the rows of ``table`` matching ``where``, oldest first (for resolvers)."""
        return self.values(table, "id", **where)

    def password_reset_token(self) -> str:
        """A valid password reset token for the demo staff user."""
        from app.accounts.models import User
        from app.accounts.services import get_user_by_email, make_reset_token
        from app.db import make_engine

        engine = make_engine(self.db_url)
        try:
            with Session(engine) as session:
                user: User | None = get_user_by_email(session, self.staff_email)
                assert user is not None
                return make_reset_token(user, self.secret_key)
        finally:
            engine.dispose()

    def break_glass_token(self) -> str:
        """A valid break-glass login token for the browser tests' site admin (opening the
        page shows a button; only pressing it uses the token up)."""
        from app.accounts.services import get_user_by_email, make_break_glass_token
        from app.db import make_engine

        engine = make_engine(self.db_url)
        try:
            with Session(engine) as session:
                user = get_user_by_email(session, self.admin_email)
                assert user is not None
                return make_break_glass_token(session, user, self.secret_key)
        finally:
            engine.dispose()

    def speaker_token(self) -> str:
        """The private link's secret of a view that awaits its speaker (the database keeps only
        its hash, so the view is made here: a phone call on the upcoming consultation, not to
        be published, so no other page changes)."""
        import secrets
        from datetime import timedelta

        from app.db import make_engine, utcnow
        from app.participation.models import Channel, Contact, SpeakerCheck, Viewpoint
        from app.participation.services import new_reference_code
        from app.participation.speaker import hash_token

        token = secrets.token_urlsafe(32)
        engine = make_engine(self.db_url)
        try:
            with Session(engine) as session:
                session.add(
                    Viewpoint(
                        consultation_id=self.upcoming_id,
                        reference_code=new_reference_code(),
                        language="rom",
                        body="Kamas te avel jekh tolmači ande sa le kidimata.",
                        channel=Channel.PHONE,
                        contact=Contact(name="Ana", email="ana.speaker@example.org", language="rom"),
                        speaker_check=SpeakerCheck.AWAITING,
                        speaker_token_hash=hash_token(token),
                        speaker_asked_dt=utcnow(),
                        speaker_due_dt=utcnow() + timedelta(days=14),
                    )
                )
                session.commit()
        finally:
            engine.dispose()
        return token

    def values(self, table: str, column: str, **where: Any) -> list[Any]:
        """``column`` of the rows of ``table`` matching ``where``, oldest first."""
        from app.db import make_engine

        clauses = " AND ".join(f"{name} = :{name}" for name in where) or "1 = 1"
        engine = make_engine(self.db_url)
        try:
            with engine.connect() as connection:
                sql = text(f"SELECT {column} FROM {table} WHERE {clauses} ORDER BY id")
                return [row[0] for row in connection.execute(sql, where)]
        finally:
            engine.dispose()


@dataclass
class LiveServer:
    url: str
    app: Any
    demo: Demo
    seed_log: list[str] = field(default_factory=list)

    def __call__(self, path: str) -> str:
        return self.url + path


def insert_held_consultation(conn: Any, server: LiveServer, title: str) -> int:
    """A consultation of the demo staff member's board whose meeting was held ten days ago, written
    with a bulk INSERT on ``conn`` (an open transaction on the live server's database); its id."""
    from datetime import datetime, timedelta, timezone

    import sqlalchemy as sa

    from app.accounts.models import Membership, User
    from app.consultations.models import Consultation, ConsultationStatus

    now = datetime.now(timezone.utc).replace(microsecond=0)
    user_id = conn.scalar(sa.select(User.id).where(User.email == server.demo.staff_email))
    board_id = conn.scalar(sa.select(Membership.board_id).where(Membership.user_id == user_id).limit(1))
    return conn.execute(
        sa.insert(Consultation.__table__)
        .values(
            lead_board_id=board_id,
            status=ConsultationStatus.HELD,
            title_sv=title,
            start_dt=now - timedelta(days=10),
            end_dt=now - timedelta(days=10, hours=-2),
            format="in_person",
            interpreter_languages=[],
            is_open=True,
            romani_pending=False,
            ics_sequence=0,
            version=1,
            created_dt=now,
            updated_dt=now,
        )
        .returning(Consultation.__table__.c.id)
    ).scalar_one()


def _create_site_admin(session: Session, email: str, password: str, config: Any) -> str:
    """A site admin with two-factor login on (site admins must have it); returns the TOTP secret."""
    from app.accounts import totp
    from app.accounts.services import create_user
    from app.common import secretbox

    admin = create_user(session, email=email, name="Browser Admin", password=password, is_site_admin=True)
    secret = totp.new_secret()
    admin.totp_secret = secretbox.encrypt(secret, secretbox.key_material(config))
    session.flush()
    return secret


def load_demo(url: str, config: Any) -> Demo:
    from app.boards.models import Board
    from app.consultations.models import AgendaItem, Consultation, ConsultationStatus
    from app.db import make_engine
    from app.demo import load_demo_data

    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            load_demo_data(session, config)
            admin_secret = _create_site_admin(session, Demo.admin_email, Demo.admin_password, config)
            session.commit()
            consultations = session.scalars(select(Consultation).order_by(Consultation.id)).all()

            def find(what: str, predicate: Callable[[Consultation], bool]) -> int:
                found = [c.id for c in consultations if predicate(c)]
                if not found:
                    raise LookupError(
                        f"the demo data (app/demo.py) has no {what} consultation any more; "
                        "adjust load_demo in tests/browser/support.py"
                    )
                return found[0]

            published = [c for c in consultations if c.status is not ConsultationStatus.DRAFT]
            past = {ConsultationStatus.HELD, ConsultationStatus.FEEDBACK_PUBLISHED, ConsultationStatus.CLOSED}
            upcoming_id = find(
                "published upcoming hybrid",
                lambda c: (
                    c in published
                    and bool(c.title_rom)
                    and c.start_dt is not None
                    and c.status is ConsultationStatus.PUBLISHED
                    and c.format.value == "hybrid"
                ),
            )
            items: dict[int, list[int]] = {}
            for item in session.scalars(select(AgendaItem).order_by(AgendaItem.id)):
                items.setdefault(item.consultation_id, []).append(item.id)
            return Demo(
                upcoming_id=upcoming_id,
                digital_id=find("published digital", lambda c: c in published and c.format.value == "digital"),
                held_id=find("held", lambda c: c.status in past),
                draft_id=find("draft", lambda c: c.status is ConsultationStatus.DRAFT),
                agenda_item_ids=items,
                board_slugs=list(session.scalars(select(Board.slug).order_by(Board.id))),
                staff_email=config["DEMO_STAFF_EMAIL"],
                staff_password=config["DEMO_STAFF_PASSWORD"],
                db_url=url,
                secret_key=config["SECRET_KEY"],
                admin_totp_secret=admin_secret,
            )
    finally:
        engine.dispose()


def login(page: Any, server: LiveServer, lang: str, admin: bool = False) -> None:
    """Log in through the real form; ``admin`` logs in the site admin, with a TOTP code."""
    demo = server.demo
    page.goto(server(f"/{lang}/login"))
    page.locator("input[name=email]").fill(demo.admin_email if admin else demo.staff_email)
    page.locator("input[name=password]").fill(demo.admin_password if admin else demo.staff_password)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if admin:
        from app.accounts import totp

        page.locator("main form input[name=code]").fill(totp.code_at(demo.admin_totp_secret, totp.current_step()))
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()


@cache
def axe_source() -> str:
    return AXE_PATH.read_text(encoding="utf-8")


def run_axe(page: Any) -> list[dict[str, Any]]:
    """Return axe-core's WCAG 2.1 A/AA violations on the page.

    axe is injected unless an init script of the context already loaded it
    (cheaper: the 500 KB source crosses the driver pipe once per context).
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return result["violations"]


def format_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{url}: [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:10]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    target: {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(v["nodes"]) > 10:
            lines.append(f"    … and {len(v['nodes']) - 10} more")
    return "\n".join(lines)


_FILL_REQUIRED = """form => {
  const values = {email: 'test.person@example.org', tel: '0701234567', url: 'https://example.org/',
                  number: '1', date: '2030-01-01', 'datetime-local': '2030-01-01T18:00'};
  // Text areas too, required or not: some forms need text or another input (the view form: text or a recording).
  for (const el of form.querySelectorAll('input[required], textarea')) {
    if (el.type === 'checkbox') { el.checked = true; continue; }
    if (el.type === 'radio') {
      if (!form.querySelector(`input[type=radio][name="${el.name}"]:checked`)) el.checked = true;
      continue;
    }
    if (el.type === 'hidden' || el.value) continue;
    el.value = values[el.type] || (el.tagName === 'TEXTAREA' ? 'Ett test från webbläsartesterna.' : 'Testperson');
  }
}"""


def submit_with_required_fields(page: Any, url: str, form_selector: str = "main form[method=post]") -> str:
    """Open ``url``, fill the required fields of its form with plausible text, submit; describe the outcome.

    Generic on purpose, so seeding data through the public forms survives their
    field lists changing. Used to create rows that some pages need (a
    registration, a view, a feedback theme).
    """
    response = page.goto(url)
    status = response.status if response else "no response"
    forms = page.locator(form_selector)
    if forms.count() == 0:
        return f"no form on the page (HTTP {status})"
    form = forms.last
    form.evaluate(_FILL_REQUIRED)
    with page.expect_navigation():
        form.locator("button[type=submit], input[type=submit]").last.click()
    errors = page.locator(".error-summary").all_inner_texts()
    return page.url + (f" (form errors: {' / '.join(errors)})" if errors else "")
