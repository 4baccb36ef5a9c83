"""Public: propose a wish for future consultations; read the wishes and the boards' answers."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.boards.services import list_boards
from app.common.errors import DomainError
from app.db import commit, get_session
from app.i18n import current_language
from app.web.accesslog import anonymous_route
from app.web.intake import Intake, anonymous_intake, body_limit
from app.wishes import services
from app.wishes.forms import WishForm
from app.wishes.services import MAX_TEXT

bp = Blueprint("wishes", __name__)


@bp.route("/<lang_code>/wishes/")
def index() -> str:
    page_number = max(1, min(request.args.get("page", 1, type=int) or 1, 100000))
    page = services.list_public(get_session(), page_number)
    return render_template("wishes/index.html", page=page, args={})


@bp.route("/<lang_code>/wishes/new", methods=["GET", "POST"])
@anonymous_route
@anonymous_intake(body_limit(MAX_TEXT, 2000))
def new() -> str | Response:
    session = get_session()
    form = WishForm(boards=list_boards(session))
    intake = Intake(form)
    if not form.is_submitted():
        form.language.data = current_language()
    if intake.validate_on_submit():
        try:
            services.submit_wish(session, form.to_data(current_language()), idempotency_key=intake.key)
        except DomainError as error:
            form.add_error(error.field, error.message)
        else:
            commit()
            intake.done()
            return redirect(url_for(".thanks"))
    return render_template("wishes/new.html", form=form)


@bp.route("/<lang_code>/wishes/thanks")
@anonymous_route
def thanks() -> str:
    return render_template("wishes/thanks.html")
