"""Public consultation pages and feeds."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_file
from werkzeug.wrappers import Response

from app.boards.services import get_board_by_slug, list_boards
from app.common.text import enum_value, one_line
from app.consultations import describe, feeds
from app.consultations import queries as consultations
from app.consultations.documents import DocumentStore
from app.consultations.models import Document, MeetingFormat
from app.db import get_session
from app.generations import request_content_generation
from app.i18n import gettext as _
from app.i18n import localized_text

bp = Blueprint("consultations", __name__)
# What, when, where and which boards, for descriptions and link previews (app/consultations/describe.py).
bp.add_app_template_global(describe.facts, "consultation_facts")
bp.add_app_template_global(describe.title, "consultation_title")


def _filters_from_args() -> tuple[consultations.ListFilters, dict[str, str]]:
    """Read list filters from the query string; unknown values are ignored, never an error."""
    session = get_session()
    args = {k: request.args.get(k, "").replace("\x00", "")[:80] for k in ("board", "when", "format")}
    filters = consultations.ListFilters()
    if args["board"]:
        board = get_board_by_slug(session, args["board"])
        filters.board_id = board.id if board else None
    filters.when = args["when"] if args["when"] in ("upcoming", "past", "all") else "upcoming"
    filters.format = enum_value(args, "format", MeetingFormat)
    return filters, args


@bp.route("/<lang_code>/consultations/")
def index() -> str:
    filters, args = _filters_from_args()
    page_number = request.args.get("page", 1, type=int) or 1
    page = consultations.list_public(get_session(), filters, min(page_number, 100000), current_app.config["PAGE_SIZE"])
    return render_template(
        "consultations/index.html",
        page=page,
        filters=filters,
        args=args,
        boards=list_boards(get_session()),
        formats=list(MeetingFormat),
    )


@bp.route("/<lang_code>/consultations/<int:consultation_id>")
def detail(consultation_id: int) -> str:
    consultation = consultations.get_public_consultation(get_session(), consultation_id) or abort(404)
    return render_template("consultations/detail.html", consultation=consultation, preview=False)


@bp.route("/<lang_code>/consultations/<int:consultation_id>.ics")
def calendar(consultation_id: int) -> Response:
    consultation = consultations.get_public_consultation(get_session(), consultation_id) or abort(404)
    return feeds.ics_response(
        [consultation], filename=f"samrad-{consultation.id}.ics", calendar_name=localized_text(consultation, "title")
    )


@bp.route("/<lang_code>/consultations.ics")
def calendar_all() -> Response:
    """Every public consultation that is coming or ended within ``CALENDAR_PAST_DAYS``,
    assembled from the kept events (:class:`app.consultations.feeds.CalendarOfAll`)."""
    session = get_session()
    # Row 1 of the content generations (a submitted view does not bump it): the
    # events are checked for changes when it moved.
    return feeds.calendar_of_all(
        session, request_content_generation(session), _("Consultations with Roma in Stockholm")
    )


@bp.route("/<lang_code>/consultations.atom")
def atom() -> Response:
    return feeds.atom_response(consultations.list_for_feed(get_session(), limit=50, with_co_hosts=True))


@bp.route("/<lang_code>/consultations/<int:consultation_id>/documents/<int:document_id>")
def document(consultation_id: int, document_id: int) -> Response:
    """Serve a background document as an attachment, never rendered in the page's origin."""
    session = get_session()
    consultation = consultations.get_public_consultation(session, consultation_id) or abort(404)
    doc = session.get(Document, document_id)
    if doc is None or doc.consultation_id != consultation.id:
        abort(404)
    path = DocumentStore(current_app.config["UPLOAD_DIR"]).path(doc.stored_name)
    if not path.exists():
        abort(404)
    return send_file(
        path,
        mimetype=doc.content_type,
        as_attachment=True,
        download_name=f"{one_line(doc.title)[:80] or 'document'}.{doc.extension}",
        max_age=3600,
    )
