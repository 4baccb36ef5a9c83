from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from werkzeug.wrappers import Response

from app.boards.services import get_board_by_slug, list_boards
from app.consultations import feeds
from app.consultations import queries as consultations
from app.db import get_session
from app.i18n import localized_text

bp = Blueprint("boards", __name__)


@bp.route("/<lang_code>/boards/")
def index() -> str:
    return render_template("boards/index.html", boards=list_boards(get_session()))


@bp.route("/<lang_code>/boards/<slug>")
def detail(slug: str) -> str:
    session = get_session()
    board = get_board_by_slug(session, slug) or abort(404)
    page_number = request.args.get("page", 1, type=int) or 1
    upcoming = consultations.list_public(session, consultations.ListFilters(board_id=board.id, when="upcoming"), 1, 50)
    past = consultations.list_public(
        session, consultations.ListFilters(board_id=board.id, when="past"), page_number, current_app.config["PAGE_SIZE"]
    )
    return render_template("boards/detail.html", board=board, upcoming=upcoming, past=past)


@bp.route("/<lang_code>/boards/<slug>.ics")
def calendar(slug: str) -> Response:
    session = get_session()
    board = get_board_by_slug(session, slug) or abort(404)
    items = consultations.list_for_feed(session, board_id=board.id, ended_since=feeds.calendar_window_start())
    return feeds.ics_response(items, filename=f"{board.slug}.ics", calendar_name=localized_text(board, "name"))
