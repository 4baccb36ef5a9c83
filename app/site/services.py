"""Reading and editing the accessibility statement's authority-specific parts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.services import record
from app.boards.models import Board
from app.common.errors import require_permission
from app.common.text import set_texts, texts_of
from app.consultations.models import PUBLIC_STATUSES, Consultation
from app.feedback.models import FeedbackReport
from app.i18n import lazy_gettext as _l
from app.site.models import SiteText

#: The parts of the accessibility statement (tillgänglighetsredogörelse) the city fills in.
ACCESSIBILITY_KEYS = ("a11y_compliance", "a11y_gaps", "a11y_assessment", "a11y_contact")
DEFAULTS = {
    "a11y_compliance": (
        "Samrådsportalen är delvis förenlig med lagen om tillgänglighet till digital offentlig service, "
        "på grund av de brister som beskrivs nedan.",
        "Samrådsportalen si jekh kotor pala o zakono pa o aresimos le digitalne publikane serviciengo "
        "(lagen om tillgänglighet till digital offentlig service), anda le bilačhimata kaj si "
        "ramosarde tele.",
    ),
    "a11y_gaps": (
        "Dokument (underlag) som laddas upp av nämnderna kan vara otillgängliga PDF-filer. "
        "Be nämnden om underlaget i annat format.",
        "Le dokumentura kaj le komisii čhiven opre šaj te aven PDF-ura kaj na šaj ginaven pes lokhes. "
        "Mang la komisiatar o dokumento ande aver formato.",
    ),
    "a11y_assessment": (
        "Stockholms stad har granskat tjänsten själv med automatiska tester (axe-core) på varje sida, "
        "tangentbordstest och test med skärmläsare.",
        "O foro Stockholm dikhlja e servicia korkoro: automatikane testura (axe-core) pe sako patrin, "
        "testura le klavijaturasa thaj le programosa kaj ginavel o ekrano (skärmläsare).",
    ),
    "a11y_contact": (
        "Skriv till tillganglighet@stockholm.example eller ring 08-508 00 000.",
        "Ramosar ka tillganglighet@stockholm.example vaj akhar 08-508 00 000.",
    ),
}
#: When the default texts above were last reviewed (shown until the city edits the statement).
DEFAULTS_UPDATED = date(2026, 11, 29)


@dataclass
class Texts:
    values: dict[str, SiteText | None]

    @property
    def last_updated(self) -> date | datetime:
        """When the statement was last changed (required by the DOS law / Digg)."""
        edited = [row.updated_dt for row in self.values.values() if row is not None and row.updated_dt]
        return max(edited) if edited else DEFAULTS_UPDATED

    def pending(self, lang: str) -> bool:
        """Some section has no text in ``lang`` yet (shown in Swedish, marked as such)."""
        return lang != "sv" and any(self.get(key, lang)[1] != lang for key in self.values)

    def get(self, key: str, lang: str) -> tuple[str, str]:
        """``(text, language of the text)``: Romani if there is one, else Swedish (or the default)."""
        row = self.values.get(key)
        if row is not None and lang == "rom" and row.value_rom:
            return row.value_rom, "rom"
        if row is not None and row.value_sv:
            return row.value_sv, "sv"
        default_sv, default_rom = DEFAULTS[key]
        if lang == "rom" and default_rom:
            return default_rom, "rom"
        return default_sv, "sv"


def load_texts(session: Session, keys: tuple[str, ...] = ACCESSIBILITY_KEYS) -> Texts:
    rows = {row.key: row for row in session.scalars(sa.select(SiteText).where(SiteText.key.in_(keys)))}
    return Texts({key: rows.get(key) for key in keys})


def save_texts(session: Session, actor: User, data: dict[str, Any]) -> None:
    """Site administrators edit the statement; every change is audited."""
    require_permission(actor.is_site_admin)
    for key in ACCESSIBILITY_KEYS:
        row = session.get(SiteText, key) or SiteText(key=key)
        before = texts_of(row, "value")
        set_texts(row, data, "value", field=key, required=_l("Fill in the Swedish text."))
        row.updated_by_id = actor.id
        session.add(row)
        session.flush()
        if before != texts_of(row, "value"):
            record(session, actor, "site_text.update", row, before=before, after=texts_of(row, "value"))


# --- Sitemap ---------------------------------------------------------------------------------------


@dataclass
class SitemapData:
    """What the sitemap lists besides the fixed pages: ``(id, last change)`` of every
    public consultation, every board's slug, and ``(consultation id, last
    publication)`` of every published feedback report."""

    consultations: list[tuple[int, Any]]
    board_slugs: list[str]
    feedback: list[tuple[int, Any]]


def sitemap_data(session: Session) -> SitemapData:
    consultations = session.execute(
        sa.select(Consultation.id, Consultation.updated_dt)
        .where(Consultation.status.in_(PUBLIC_STATUSES))
        .order_by(Consultation.id)
    ).all()
    feedback = session.execute(
        sa.select(FeedbackReport.consultation_id, FeedbackReport.last_published_dt)
        .where(FeedbackReport.published_dt.is_not(None), FeedbackReport.consultation_id.is_not(None))
        .order_by(FeedbackReport.consultation_id)
    ).all()
    slugs = session.scalars(sa.select(Board.slug).order_by(Board.slug)).all()
    return SitemapData(
        [(cid, changed) for cid, changed in consultations],
        list(slugs),
        [(cid, published) for cid, published in feedback if cid is not None],
    )
