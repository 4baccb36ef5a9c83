"""The staff pages that hide and mask (view helpers): one implementation, called by each domain's thin routes.

Each domain loads its item, checks its own policy (``permitted``) and says
where to go afterwards; the form, the service call, the commit and the page
are the same for views, survey answers and wishes.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template
from werkzeug.wrappers import Response

from app.db import commit, get_session
from app.i18n import UIText
from app.moderation import services
from app.moderation.forms import HideForm, mask_form
from app.moderation.models import HiddenReason, Moderated, Reviewed
from app.web.helpers import actor, form_errors


def hide_page(
    item: Moderated,
    *,
    permitted: bool,
    done_url: str,
    done_message: str,
    reason_label: UIText | None = None,
    **context: Any,
) -> str | Response:
    """GET: the hide form; POST: hide ``item``, commit, redirect to ``done_url``."""
    form = HideForm(reason_label=reason_label)
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            services.hide(
                get_session(),
                actor(),
                item,
                permitted=permitted,
                reason=HiddenReason(form.reason.data),
                note=form.note.data,
            )
        if attempt.ok:
            commit()
            flash(done_message, "success")
            return redirect(done_url)
    return render_template("moderation/hide.html", item=item, form=form, **context)


def unhide_action(item: Moderated, *, permitted: bool, done_url: str, done_message: str) -> Response:
    """POST only (the confirm form's CSRF token is checked by ``CSRFProtect``): show ``item`` again."""
    services.unhide(get_session(), actor(), item, permitted=permitted)
    commit()
    flash(done_message, "success")
    return redirect(done_url)


def approve_action(item: Reviewed, *, permitted: bool, done_url: str, done_message: str) -> Response:
    """POST only: staff have read ``item`` and it may be published."""
    services.approve(get_session(), actor(), item, permitted=permitted)
    commit()
    flash(done_message, "success")
    return redirect(done_url)


def mask_page(item: Moderated, *, permitted: bool, done_url: str, **context: Any) -> str | Response:
    """GET: the text and its copies to mask; POST: save them, commit, redirect to ``done_url``."""
    from app.i18n import gettext as _

    form = mask_form(item)
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            services.mask(
                get_session(),
                actor(),
                item,
                permitted=permitted,
                masked_text=form.masked_body.data,
                copies=form.copies_data(),
            )
        if attempt.ok:
            commit()
            flash(_("The published text has been saved. The original is kept in the archive."), "success")
            return redirect(done_url)
    return render_template("moderation/mask.html", item=item, form=form, **context)
