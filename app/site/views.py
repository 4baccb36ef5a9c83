from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app.consultations import services as consultations
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
