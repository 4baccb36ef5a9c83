from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from app.common.views import actor, form_errors, require, staff_required
from app.db import commit, get_session
from app.i18n import gettext as _
from app.site import services
from app.site.forms import AccessibilityForm

bp = Blueprint("site", __name__)


@bp.route("/<lang_code>/accessibility")
def accessibility() -> str:
    """The accessibility statement (tillgänglighetsredogörelse)."""
    return render_template("core/accessibility.html", texts=services.load_texts(get_session()))


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
