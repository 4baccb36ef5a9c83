"""The translators' workbench: roles, entries, review, export, glossary.

Services take the session, the acting user and the catalog directory
(``TRANSLATIONS_DIR``); they flush but never commit.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.audit.services import record
from app.common.errors import DomainError, require_permission
from app.i18n import lazy_gettext as _l
from app.translations import catalogs
from app.translations.catalogs import PLACEHOLDER, TAG, SourceMessage
from app.translations.glossary import avoided_in, read_terms
from app.translations.models import GlossaryTerm, TranslationEntry, TranslatorLanguage
from app.translations.policies import can_grant, can_translate

UNTRANSLATED, DRAFT, REVIEWED, CHANGED = "untranslated", "draft", "reviewed", "changed"
STATES = (UNTRANSLATED, DRAFT, REVIEWED, CHANGED)
STATE_LABELS = {
    UNTRANSLATED: _l("Untranslated"),
    DRAFT: _l("Draft"),
    REVIEWED: _l("Reviewed"),
    CHANGED: _l("Changed since review"),
}
MAX_TEXT = 10000


# --- Roles ---------------------------------------------------------------------


def languages_of(session: Session, user: User) -> set[str]:
    """The languages ``user`` was made translator of."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(session.scalars(sa.select(TranslatorLanguage.language).where(TranslatorLanguage.user_id == user.id)))


def may_translate(session: Session, user: User, language: str) -> bool:
    return can_translate(user, language, languages_of(session, user) if not user.is_site_admin else set())


def require_translator(session: Session, user: User, language: str) -> None:
    require_permission(may_translate(session, user, language))


def list_translators(session: Session) -> list[TranslatorLanguage]:
    return list(
        session.scalars(sa.select(TranslatorLanguage).order_by(TranslatorLanguage.language, TranslatorLanguage.id))
    )


def grant_translator(
    session: Session, actor: User, user: User, language: str, available: set[str]
) -> TranslatorLanguage:
    """Make ``user`` a translator of ``language`` (site administrators only)."""
    require_permission(can_grant(actor))
    if language not in available:
        raise DomainError(_l("Choose one of the site's languages."), field="language")
    existing = session.scalar(
        sa.select(TranslatorLanguage).where(
            TranslatorLanguage.user_id == user.id, TranslatorLanguage.language == language
        )
    )
    if existing is not None:
        raise DomainError(_l("%(name)s is already a translator of this language.", name=user.name), field="user_id")
    grant = TranslatorLanguage(user_id=user.id, language=language, granted_by_id=actor.id)
    session.add(grant)
    session.flush()
    record(session, actor, "translator.grant", grant, after={"user_id": user.id, "language": language})
    return grant


def revoke_translator(session: Session, actor: User, grant: TranslatorLanguage) -> None:
    require_permission(can_grant(actor))
    record(session, actor, "translator.revoke", grant, before={"user_id": grant.user_id, "language": grant.language})
    session.delete(grant)
    session.flush()


# --- Entries -------------------------------------------------------------------


@dataclass
class Entry:
    """One string of one language as the workbench shows it."""

    source: SourceMessage
    row: TranslationEntry | None
    #: The text in use on the site: the override if there is one, else the catalog's.
    forms: tuple[str, ...]
    swedish: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.source.key

    @property
    def overridden(self) -> bool:
        return self.row is not None and self.row.text is not None

    @property
    def in_catalog(self) -> bool:
        """The text in use is what the shipped ``.po`` says (nothing left to export)."""
        return self.forms == self.source.forms

    @property
    def state(self) -> str:
        if not all(self.forms):
            return UNTRANSLATED
        if self.row is not None and self.row.reviewed_text is not None:
            return REVIEWED if tuple(self.row.reviewed_text) == self.forms else CHANGED
        return DRAFT

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


def _rows(session: Session, language: str) -> dict[str, TranslationEntry]:
    return {
        row.key: row
        for row in session.scalars(sa.select(TranslationEntry).where(TranslationEntry.language == language))
    }


def _entry(source: SourceMessage, row: TranslationEntry | None, swedish: dict[str, tuple[str, ...]]) -> Entry:
    forms = source.forms
    if row is not None and row.text is not None:
        forms = tuple(row.text) + source.forms[len(row.text) :]
    return Entry(source, row, forms, swedish.get(source.key, ()))


def _swedish(directory: str, language: str) -> dict[str, tuple[str, ...]]:
    if language == "sv":
        return {}
    return {m.key: m.forms for m in catalogs.messages(directory, "sv")}


def list_entries(
    session: Session, directory: str, language: str, *, query: str = "", state: str = "", keys: set[str] | None = None
) -> list[Entry]:
    """Every UI string of ``language``, filtered by text (English, Swedish or
    the translation), state, or a set of keys (or key prefixes: the strings of one page)."""
    rows = _rows(session, language)
    swedish = _swedish(directory, language)
    nplurals = catalogs.plural_count(directory, language)
    needle = query.strip().lower()
    found = []
    for source in catalogs.messages(directory, language, nplurals):
        if keys is not None and not any(source.key.startswith(k) for k in keys):
            continue
        entry = _entry(source, rows.get(source.key), swedish)
        if state and entry.state != state:
            continue
        if needle:
            haystack = " ".join((source.msgid, source.msgid_plural or "", *entry.forms, *entry.swedish)).lower()
            if needle not in haystack:
                continue
        found.append(entry)
    return found


def get_entry(session: Session, directory: str, language: str, key: str) -> Entry | None:
    nplurals = catalogs.plural_count(directory, language)
    for source in catalogs.messages(directory, language, nplurals):
        if source.key == key:
            row = session.scalar(
                sa.select(TranslationEntry).where(TranslationEntry.language == language, TranslationEntry.key == key)
            )
            return _entry(source, row, _swedish(directory, language))
    return None


def state_counts(entries: list[Entry]) -> dict[str, int]:
    counts = dict.fromkeys(STATES, 0)
    for entry in entries:
        counts[entry.state] += 1
    return counts


def _codes(text: str) -> list[str]:
    return sorted(m.group(0) for m in PLACEHOLDER.finditer(text))


def check_forms(source: SourceMessage, forms: list[str]) -> None:
    """Refuse a translation that would break the page: every placeholder and
    HTML tag of the English text kept exactly (the singular of a plural may say
    "one" instead of ``%(num)d``), no unknown placeholder, no other markup."""
    for index, form in enumerate(forms):
        name = f"form_{index}"
        if not form.strip():
            raise DomainError(_l("Write the translation."), field=name)
        if len(form) > MAX_TEXT:
            raise DomainError(_l("The translation is too long."), field=name)
        english = source.msgid
        expected = set(_codes(source.msgid)) | set(_codes(source.msgid_plural or ""))
        found = _codes(form)
        for code in sorted(set(expected) - set(found)):
            if code == "%%":
                continue
            if source.msgid_plural and index == 0 and code == "%(num)d":
                continue
            raise DomainError(
                _l("Keep the placeholder %(placeholder)s exactly as in the English text.", placeholder=code), field=name
            )
        for code in sorted(set(found) - set(expected)):
            if code == "%%":
                continue
            raise DomainError(
                _l(
                    "%(placeholder)s is not a placeholder of the English text. Remove it or correct it.",
                    placeholder=code,
                ),
                field=name,
            )
        if "%" in PLACEHOLDER.sub("", form) and "%" not in PLACEHOLDER.sub("", english):
            raise DomainError(_l("Write a percent sign as %% (two signs)."), field=name)
        if sorted(TAG.findall(form)) != sorted(TAG.findall(english)):
            raise DomainError(_l("Keep the HTML tags exactly as in the English text, and add no others."), field=name)
        if re.search(r"<[a-zA-Z/!]", TAG.sub("", form)):
            raise DomainError(_l("Keep the HTML tags exactly as in the English text, and add no others."), field=name)


def _get_or_create_row(session: Session, language: str, source: SourceMessage) -> TranslationEntry:
    row = session.scalar(
        sa.select(TranslationEntry).where(TranslationEntry.language == language, TranslationEntry.key == source.key)
    )
    if row is None:
        row = TranslationEntry(
            language=language,
            key=source.key,
            context=source.context,
            msgid=source.msgid,
            msgid_plural=source.msgid_plural,
        )
        session.add(row)
    return row


def save_translation(session: Session, actor: User, directory: str, language: str, key: str, forms: list[str]) -> Entry:
    """Store a corrected translation; it is shown on the site from the next request on."""
    require_translator(session, actor, language)
    entry = get_entry(session, directory, language, key)
    if entry is None:
        raise DomainError(_l("This string is no longer in the catalog."))
    forms = [(form or "").replace("\r\n", "\n").replace("\x00", "") for form in forms]
    forms = forms[: len(entry.source.forms)]
    check_forms(entry.source, forms)
    before = list(entry.forms)
    if forms == before:
        return entry
    row = _get_or_create_row(session, language, entry.source)
    # Equal to the shipped catalog: no override is needed any more.
    row.text = None if tuple(forms) == entry.source.forms else forms
    row.updated_by_id = actor.id
    row.updated_dt = datetime.now(timezone.utc)
    session.flush()
    record(
        session,
        actor,
        "translation.update",
        row,
        before={"language": language, "text": before},
        after={"language": language, "text": forms},
    )
    return _entry(entry.source, row, _swedish(directory, language))


def mark_reviewed(session: Session, actor: User, directory: str, language: str, key: str) -> Entry:
    """The text in use has been read and approved by a translator."""
    require_translator(session, actor, language)
    entry = get_entry(session, directory, language, key)
    if entry is None:
        raise DomainError(_l("This string is no longer in the catalog."))
    if entry.state == UNTRANSLATED:
        raise DomainError(_l("Translate the string before marking it reviewed."))
    row = _get_or_create_row(session, language, entry.source)
    row.reviewed_text = list(entry.forms)
    row.reviewed_by_id = actor.id
    row.reviewed_dt = datetime.now(timezone.utc)
    session.flush()
    record(session, actor, "translation.review", row, after={"language": language, "text": list(entry.forms)})
    return _entry(entry.source, row, _swedish(directory, language))


def history(session: Session, entry: Entry) -> list[AuditEvent]:
    """Who changed or reviewed this string, and when (newest first)."""
    if entry.row is None or entry.row.id is None:
        return []
    return list(
        session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == "TranslationEntry", AuditEvent.object_id == entry.row.id)
            .order_by(AuditEvent.created_dt.desc(), AuditEvent.id.desc())
        )
    )


def export_po(session: Session, directory: str, language: str) -> bytes:
    """The shipped catalog of ``language`` with every override applied, as a ``.po`` file."""
    catalog = catalogs.read_catalog(directory, language)
    if catalog is None:
        raise DomainError(_l("There is no catalog for this language yet."))
    catalog = catalogs.parse_po(_po_bytes(catalog))  # a private copy to change
    for row in _rows(session, language).values():
        if row.text is None:
            continue
        message_id: str | tuple[str, str] = (row.msgid, row.msgid_plural) if row.msgid_plural else row.msgid
        message = catalog.get(message_id, context=row.context)
        if message is None:  # not in the .po yet (a string added since): add it
            message = catalog.add(message_id, context=row.context)
        message.string = tuple(row.text) if row.msgid_plural else row.text[0]
        message.flags.discard("fuzzy")
    catalog.revision_date = datetime.now(timezone.utc)
    catalog.fuzzy = False
    return _po_bytes(catalog)


def _po_bytes(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=76, omit_header=False)
    return buffer.getvalue()


def pending_overrides(session: Session, directory: str, language: str) -> int:
    """How many overrides differ from the shipped ``.po`` (still to be exported)."""
    return sum(1 for entry in list_entries(session, directory, language) if entry.overridden and not entry.in_catalog)


# --- Glossary ------------------------------------------------------------------


def glossary(session: Session, language: str) -> list[GlossaryTerm]:
    return list(
        session.scalars(
            sa.select(GlossaryTerm).where(GlossaryTerm.language == language).order_by(sa.func.lower(GlossaryTerm.term))
        )
    )


def _clean_avoid(value: str) -> str:
    lines = [line.strip() for line in re.split(r"[\n,]", value or "") if line.strip()]
    return "\n".join(dict.fromkeys(lines))


def save_term(
    session: Session,
    actor: User,
    language: str,
    *,
    term: str,
    preferred: str,
    avoid: str,
    note: str,
    existing: GlossaryTerm | None = None,
) -> GlossaryTerm:
    require_translator(session, actor, language)
    term, preferred = (term or "").strip(), (preferred or "").strip()
    if not term:
        raise DomainError(_l("Write the term."), field="term")
    if not preferred:
        raise DomainError(_l("Write the preferred form."), field="preferred")
    clash = session.scalar(
        sa.select(GlossaryTerm).where(
            GlossaryTerm.language == language, sa.func.lower(GlossaryTerm.term) == term.lower()
        )
    )
    if clash is not None and clash is not existing:
        raise DomainError(_l("The glossary already has this term."), field="term")
    row = existing or GlossaryTerm(language=language)
    before = (
        None
        if existing is None
        else {"term": row.term, "preferred": row.preferred, "avoid": row.avoid, "note": row.note}
    )
    row.term, row.preferred, row.avoid, row.note = term, preferred, _clean_avoid(avoid), (note or "").strip()
    session.add(row)
    session.flush()
    record(
        session,
        actor,
        "glossary.save",
        row,
        before=before,
        after={"term": row.term, "preferred": row.preferred, "avoid": row.avoid, "note": row.note},
    )
    return row


def delete_term(session: Session, actor: User, term: GlossaryTerm) -> None:
    require_translator(session, actor, term.language)
    record(session, actor, "glossary.delete", term, before={"term": term.term, "preferred": term.preferred})
    session.delete(term)
    session.flush()


def import_glossary(session: Session, actor: User | None, language: str, path: str | Path) -> int:
    """Add the terms of the project's glossary file that the app does not have yet."""
    if actor is not None:
        require_translator(session, actor, language)
    known = {t.term.lower() for t in glossary(session, language)}
    added = 0
    for term in read_terms(path, language):
        if term.term.lower() in known:
            continue
        session.add(
            GlossaryTerm(
                language=language, term=term.term, preferred=term.preferred, avoid="\n".join(term.avoid), note=term.note
            )
        )
        added += 1
    session.flush()
    return added


@dataclass
class Finding:
    term: GlossaryTerm
    form: str
    entry: Entry


def consistency(session: Session, directory: str, language: str) -> list[Finding]:
    """Every string (as shown on the site) that uses a form the glossary says to avoid."""
    terms = [t for t in glossary(session, language) if t.avoided_forms]
    findings = []
    for entry in list_entries(session, directory, language):
        text = "\n".join(entry.forms)
        for term in terms:
            for form in avoided_in(text, term.avoided_forms):
                findings.append(Finding(term, form, entry))
    return findings
