"""The translators' workbench (staff pages) and its hooks into every page."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from app.accounts.models import User
from app.db import commit, get_session
from app.i18n import current_language, entry_key, record_used_messages, used_messages
from app.i18n import gettext as _
from app.translations import overrides, pages, policies, services
from app.translations.forms import GlossaryTermForm, GrantForm, entry_form_class
from app.translations.models import GlossaryTerm, TranslatorLanguage
from app.web.forms import ConfirmForm
from app.web.helpers import actor, flash_errors, form_errors, load_or_404, require, staff_required

bp = Blueprint("translations", __name__)

PREFIX = "/<lang_code>/staff/translations"
PER_PAGE = 50
_KEY = re.compile(r"^[0-9a-f]{6,16}$")
#: Key prefixes in the "suggest a better wording" link (enough to tell 10,000 strings apart).
LINK_KEY_LENGTH = 8


def _directory() -> str:
    return current_app.config["TRANSLATIONS_DIR"]


def _language(language: str) -> dict[str, str]:
    """The language being translated (404 unless the site has it; 403 unless the user may)."""
    info = current_app.config["LANGUAGES"].get(language)
    if info is None:
        abort(404)
    require(services.may_translate(get_session(), actor(), language))
    return info


@bp.route(f"{PREFIX}/")
@staff_required
def index() -> str:
    session = get_session()
    user = actor()
    languages = current_app.config["LANGUAGES"]
    mine = services.languages_of(session, user)
    allowed = [code for code in languages if policies.can_translate(user, code, mine)]
    summary = {}
    for code in allowed:
        entries = services.list_entries(session, _directory(), code)
        summary[code] = (services.state_counts(entries), sum(1 for e in entries if e.overridden and not e.in_catalog))
    return render_template(
        "translations/index.html",
        languages=languages,
        allowed=allowed,
        summary=summary,
        states=services.STATES,
        labels=services.STATE_LABELS,
    )


@bp.route(f"{PREFIX}/<language>/")
@staff_required
def entries(language: str) -> str:
    info = _language(language)
    query = request.args.get("q", "").replace("\x00", "")[:200]
    state = request.args.get("state", "")
    state = state if state in services.STATES else ""
    raw_keys = request.args.get("keys", "")
    keys = {k for k in raw_keys.split(",") if _KEY.match(k)} if raw_keys else None
    page_path = request.args.get("page", "")[:300] if keys is not None else ""
    found = services.list_entries(get_session(), _directory(), language, query=query, state=state, keys=keys)
    number = max(1, min(request.args.get("p", 1, type=int) or 1, 10000))
    pages_total = max(1, -(-len(found) // PER_PAGE))
    number = min(number, pages_total)
    shown = found[(number - 1) * PER_PAGE : number * PER_PAGE]
    args = {
        k: v
        for k, v in {
            "q": query,
            "state": state,
            "keys": raw_keys if keys is not None else "",
            "page": page_path,
        }.items()
        if v
    }
    return render_template(
        "translations/entries.html",
        language=language,
        info=info,
        entries=shown,
        total=len(found),
        number=number,
        pages_total=pages_total,
        query=query,
        state=state,
        states=services.STATES,
        labels=services.STATE_LABELS,
        page_path=page_path,
        args=args,
    )


def _entry_or_404(language: str, key: str) -> services.Entry:
    if not _KEY.match(key):
        abort(404)
    entry = services.get_entry(get_session(), _directory(), language, key)
    if entry is None:
        abort(404)
    return entry


def _labels(entry: services.Entry) -> list[str]:
    if not entry.source.is_plural:
        return [_("Translation")]
    labels = [_("Form for one (singular)"), _("Form for more than one (plural)")]
    while len(labels) < len(entry.source.forms):
        labels.append(_("Plural form %(num)d", num=len(labels)))
    return labels[: len(entry.source.forms)]


@bp.route(f"{PREFIX}/<language>/entry/<key>", methods=["GET", "POST"])
@staff_required
def entry(language: str, key: str) -> str | Response:
    info = _language(language)
    item = _entry_or_404(language, key)
    form = entry_form_class(_labels(item))()
    if not form.is_submitted():
        for index, text in enumerate(item.forms):
            getattr(form, f"form_{index}").data = text
    if form.validate_on_submit():
        texts = [getattr(form, f"form_{i}").data or "" for i in range(len(item.source.forms))]
        with form_errors(form) as attempt:
            services.save_translation(get_session(), actor(), _directory(), language, key, texts)
        if attempt.ok:
            commit()
            flash(_("The translation has been saved and is shown on the site now."), "success")
            return redirect(url_for(".entry", language=language, key=key, back=request.args.get("back")))
    session = get_session()
    return render_template(
        "translations/entry.html",
        language=language,
        info=info,
        entry=item,
        form=form,
        confirm_form=ConfirmForm(),
        history=services.history(session, item),
        users={u.id: u for u in session.scalars(sa.select(User))},
        sample=pages.sample_url(current_app._get_current_object(), item.source.locations, language),  # type: ignore[attr-defined]  # the proxy's method
        back=_safe_back(request.args.get("back")),
    )


def _safe_back(value: str | None) -> str | None:
    """A link back to the filtered list, only within the workbench."""
    if value and value.startswith("/") and not value.startswith("//") and "/staff/translations/" in value:
        return value
    return None


@bp.route(f"{PREFIX}/<language>/entry/<key>/review", methods=["POST"])
@staff_required
def review(language: str, key: str) -> Response:
    _language(language)
    _entry_or_404(language, key)
    form = ConfirmForm()
    if form.validate_on_submit():
        with flash_errors() as attempt:
            services.mark_reviewed(get_session(), actor(), _directory(), language, key)
        if attempt.ok:
            commit()
            flash(_("Marked as reviewed."), "success")
    return redirect(url_for(".entry", language=language, key=key, back=request.args.get("back")))


@bp.route(f"{PREFIX}/<language>/messages.po")
@staff_required
def export(language: str) -> Response:
    _language(language)
    with flash_errors() as attempt:
        data = services.export_po(get_session(), _directory(), language)
    if not attempt.ok:
        return redirect(url_for(".entries", language=language))
    response = current_app.response_class(data, mimetype="text/x-gettext-translation")
    response.headers["Content-Disposition"] = f'attachment; filename="messages-{language}.po"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- Glossary ----------------------------------------------------------------------


def _save_term(language: str, form: GlossaryTermForm, existing: GlossaryTerm | None = None) -> Response | None:
    """The POST of both glossary forms: add a term (or save ``existing``), then back to the
    glossary; ``None`` when there is nothing to save or the form is to be shown again."""
    if not form.validate_on_submit():
        return None
    with form_errors(form) as attempt:
        services.save_term(
            get_session(),
            actor(),
            language,
            term=form.term.data or "",
            preferred=form.preferred.data or "",
            avoid=form.avoid.data or "",
            note=form.note.data or "",
            existing=existing,
        )
    if not attempt.ok:
        return None
    commit()
    flash(
        _("The term has been added to the glossary.") if existing is None else _("The term has been saved."), "success"
    )
    return redirect(url_for(".glossary", language=language))


@bp.route(f"{PREFIX}/<language>/glossary", methods=["GET", "POST"])
@staff_required
def glossary(language: str) -> str | Response:
    info = _language(language)
    form = GlossaryTermForm()
    return _save_term(language, form) or render_template(
        "translations/glossary.html",
        language=language,
        info=info,
        form=form,
        terms=services.glossary(get_session(), language),
        confirm_form=ConfirmForm(),
    )


def _term(language: str, term_id: int) -> GlossaryTerm:
    term: GlossaryTerm = load_or_404(GlossaryTerm, term_id)
    if term.language != language:
        abort(404)
    return term


@bp.route(f"{PREFIX}/<language>/glossary/<int:term_id>", methods=["GET", "POST"])
@staff_required
def glossary_term(language: str, term_id: int) -> str | Response:
    info = _language(language)
    term = _term(language, term_id)
    form = GlossaryTermForm(obj=term) if request.method == "GET" else GlossaryTermForm()
    return _save_term(language, form, term) or render_template(
        "translations/glossary_term.html",
        language=language,
        info=info,
        form=form,
        term=term,
        confirm_form=ConfirmForm(),
    )


@bp.route(f"{PREFIX}/<language>/glossary/<int:term_id>/delete", methods=["POST"])
@staff_required
def delete_term(language: str, term_id: int) -> Response:
    _language(language)
    term = _term(language, term_id)
    if ConfirmForm().validate_on_submit():
        services.delete_term(get_session(), actor(), term)
        commit()
        flash(_("The term has been removed from the glossary."), "success")
    return redirect(url_for(".glossary", language=language))


@bp.route(f"{PREFIX}/<language>/glossary/import", methods=["POST"])
@staff_required
def import_glossary(language: str) -> Response:
    _language(language)
    if ConfirmForm().validate_on_submit():
        added = services.import_glossary(get_session(), actor(), language, glossary_file())
        commit()
        flash(_("%(num)d terms added from the project's glossary.", num=added), "success")
    return redirect(url_for(".glossary", language=language))


def glossary_file() -> str:
    return str(current_app.config.get("GLOSSARY_FILE") or f"{_directory()}/glossary-terms.json")


@bp.route(f"{PREFIX}/<language>/consistency")
@staff_required
def consistency(language: str) -> str:
    info = _language(language)
    findings = services.consistency(get_session(), _directory(), language)
    return render_template(
        "translations/consistency.html",
        language=language,
        info=info,
        findings=findings,
        terms=services.glossary(get_session(), language),
    )


# --- Granting the role ----------------------------------------------------------------


@bp.route("/<lang_code>/staff/admin/translators", methods=["GET", "POST"])
@staff_required
def translators() -> str | Response:
    require(policies.can_grant(actor()))
    session = get_session()
    users = list(session.scalars(sa.select(User).where(User.is_active.is_(True)).order_by(User.name)))
    form = GrantForm()
    form.fill(users, current_app.config["LANGUAGES"])
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            user = session.get(User, form.user_id.data)
            assert user is not None  # validated against the list
            services.grant_translator(
                session, actor(), user, form.language.data or "", set(current_app.config["LANGUAGES"])
            )
        if attempt.ok:
            commit()
            flash(_("The translator role has been granted."), "success")
            return redirect(url_for(".translators"))
    return render_template(
        "translations/translators.html",
        form=form,
        grants=services.list_translators(session),
        languages=current_app.config["LANGUAGES"],
        confirm_form=ConfirmForm(),
    )


@bp.route("/<lang_code>/staff/admin/translators/<int:grant_id>/revoke", methods=["POST"])
@staff_required
def revoke(grant_id: int) -> Response:
    require(policies.can_grant(actor()))
    grant: TranslatorLanguage = load_or_404(TranslatorLanguage, grant_id)
    if ConfirmForm().validate_on_submit():
        services.revoke_translator(get_session(), actor(), grant)
        commit()
        flash(_("The translator role has been withdrawn."), "success")
    return redirect(url_for(".translators"))


# --- On every page: "suggest a better wording" -------------------------------------------


def _start_recording() -> None:
    """A translator of the page's language sees which strings a page used."""
    if request.method != "GET" or not current_user.is_authenticated:
        return
    if request.endpoint and request.endpoint.startswith(("translations.", "static")):
        return
    if services.may_translate(get_session(), current_user, current_language()):
        record_used_messages()


def suggest_wording_link() -> Markup:
    """The footer link opening the workbench on the strings this page used (empty for everyone else)."""
    if g.get("used_msgids") is None:
        return Markup("")
    keys = sorted({entry_key(context, msgid)[:LINK_KEY_LENGTH] for context, msgid in used_messages()})
    language = current_language()
    href = url_for("translations.entries", language=language, keys=",".join(keys), page=request.path)
    return Markup('<li><a href="{}">{}</a></li>').format(href, _("Suggest a better wording"))


def init_app(app: Flask) -> None:
    from app.translations.cli import group

    overrides.init_app(app)
    app.cli.add_command(group)
    app.before_request(_start_recording)
    app.jinja_env.globals["suggest_wording_link"] = suggest_wording_link
