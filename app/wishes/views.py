"""Public: propose a wish for future consultations; read the wishes and the boards' answers."""

from __future__ import annotations

import secrets

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.boards.services import list_boards
from app.common.errors import DomainError
from app.db import commit, get_session
from app.i18n import current_language
from app.i18n import gettext as _
from app.web.accesslog import anonymous_route
from app.web.limits import ANONYMOUS_POST_LIMIT, limiter
from app.wishes import services
from app.wishes.forms import WishForm

bp = Blueprint("wishes", __name__)


@bp.route("/<lang_code>/wishes/")
def index() -> str:
    page_number = max(1, min(request.args.get("page", 1, type=int) or 1, 100000))
    page = services.list_public(get_session(), page_number)
    return render_template("wishes/index.html", page=page, args={})


@bp.route("/<lang_code>/wishes/new", methods=["GET", "POST"])
@anonymous_route
@limiter.limit(ANONYMOUS_POST_LIMIT, methods=["POST"])
def new() -> str | Response:
    session = get_session()
    form = WishForm(boards=list_boards(session))
    if not form.is_submitted():
        form.submission_key.data = secrets.token_urlsafe(24)
        form.language.data = current_language()
    if form.validate_on_submit():
        if form.website.data:
            # Probably a robot. A person whose browser filled the hidden field
            # can simply send again: the field is emptied.
            form.add_error(None, _("The form could not be sent. Please check it and send it again."))
            form.website.data = ""
            form.website.raw_data = []
        elif not (form.submission_key.data or "").strip():
            form.add_error(None, _("The form was incomplete. Please send it again."))
            form.submission_key.data = secrets.token_urlsafe(24)
        else:
            try:
                services.submit_wish(session, form.to_data(current_language()),
                                     idempotency_key=form.submission_key.data[:64])
            except DomainError as error:
                form.add_error(error.field, error.message)
            else:
                commit()
                return redirect(url_for(".thanks"))
    return render_template("wishes/new.html", form=form)


@bp.route("/<lang_code>/wishes/thanks")
@anonymous_route
def thanks() -> str:
    return render_template("wishes/thanks.html")
