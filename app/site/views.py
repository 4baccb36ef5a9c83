from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app.common.urls import external_url
from app.consultations import queries as consultations
from app.db import commit, get_session
from app.feedback import public as feedback_public
from app.i18n import gettext as _
from app.site import services
from app.site.forms import AccessibilityForm
from app.web.helpers import actor, form_errors, require, staff_required

bp = Blueprint("site", __name__)


@bp.route("/<lang_code>/")
def home() -> str:
    session = get_session()
    upcoming = consultations.list_upcoming(session, limit=6)
    recent_feedback = feedback_public.list_recent_feedback(session, limit=4)
    return render_template("site/home.html", upcoming=upcoming, recent_feedback=recent_feedback)


@bp.route("/<lang_code>/privacy")
def privacy() -> str:
    return render_template("site/privacy.html")


@bp.route("/<lang_code>/easy-read")
def easy_read() -> str:
    """Lättläst: what a consultation is, how to take part, what happens afterwards."""
    return render_template("site/easy_read.html")


@bp.route("/<lang_code>/accessibility")
def accessibility() -> str:
    """The accessibility statement (tillgänglighetsredogörelse)."""
    return render_template("site/accessibility.html", texts=services.load_texts(get_session()))


@bp.route("/<lang_code>/staff/admin/accessibility", methods=["GET", "POST"])
@staff_required
def edit_accessibility() -> str | Response:
    require(actor().is_site_admin)
    texts = services.load_texts(get_session())
    form = AccessibilityForm()
    if not form.is_submitted():
        for key in services.ACCESSIBILITY_KEYS:
            row = texts.values.get(key)
            getattr(form, f"{key}_sv").data = row.value_sv if row else services.DEFAULTS[key][0]
            getattr(form, f"{key}_rom").data = row.value_rom if row else services.DEFAULTS[key][1]
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            services.save_texts(get_session(), actor(), form.data)
        if attempt.ok:
            commit()
            flash(_("The accessibility statement has been saved."), "success")
            return redirect(url_for(".accessibility"))
    return render_template("site/edit_accessibility.html", form=form)


#: Paths under each language that crawlers should leave alone: staff pages,
#: private links (registrations, receipts) and the login.
PRIVATE_PATHS = ("staff/", "registrations/", "views/", "password/", "login")


@bp.route("/robots.txt")
def robots() -> Response:
    """Crawlers may read the public pages and the open data, not staff pages or private links."""
    lines = ["User-agent: *"]
    for code in current_app.config["LANGUAGES"]:
        lines += [f"Disallow: /{code}/{path}" for path in PRIVATE_PATHS]
    lines += ["", f"Sitemap: {external_url('site.sitemap')}", ""]
    return Response("\n".join(lines), mimetype="text/plain")


#: Pages without parameters that the sitemap lists, in every language.
SITEMAP_PAGES = (
    "site.home",
    "consultations.index",
    "boards.index",
    "feedback.city_report",
    "experiences.index",
    "site.easy_read",
    "site.privacy",
    "site.accessibility",
)


@bp.route("/sitemap.xml")
def sitemap() -> Response:
    """Every public page in every language, each with its other languages as hreflang alternates."""
    data = services.sitemap_data(get_session())
    pages: list[tuple[str, dict[str, object], datetime | None]] = [(endpoint, {}, None) for endpoint in SITEMAP_PAGES]
    pages += [("consultations.detail", {"consultation_id": cid}, changed) for cid, changed in data.consultations]
    pages += [("feedback.public", {"consultation_id": cid}, changed) for cid, changed in data.feedback]
    pages += [
        (endpoint, {"slug": slug}, None)
        for slug in data.board_slugs
        for endpoint in ("boards.detail", "feedback.ledger")
    ]
    languages = current_app.config["LANGUAGES"]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    for endpoint, values, changed in pages:
        urls = {code: external_url(endpoint, lang_code=code, **values) for code in languages}
        alternates = "".join(
            f'<xhtml:link rel="alternate" hreflang={quoteattr(info["html_lang"])} href={quoteattr(urls[code])}/>'
            for code, info in languages.items()
        )
        lastmod = f"<lastmod>{changed.strftime('%Y-%m-%d')}</lastmod>" if changed else ""
        for code in languages:
            out.append(f"<url><loc>{escape(urls[code])}</loc>{lastmod}{alternates}</url>")
    out.append("</urlset>")
    return Response("\n".join(out), mimetype="application/xml")
