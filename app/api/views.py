"""Read-only JSON API for consultations, feedback reports, themes, responses and decisions.

Only what the public pages show, and never a name, e-mail, phone number or
reference code. Texts come in both languages (``*_sv``/``*_rom``).

Open to browser apps on any origin (``Access-Control-Allow-Origin: *``), with
``ETag``/``Cache-Control`` and ``304 Not Modified`` for polling clients
(:mod:`app.web.caching`); errors are RFC 9457 problem details.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, request
from werkzeug.wrappers import Response

from app.api.openapi import OPENAPI
from app.boards.models import Board
from app.boards.services import get_board_by_slug, list_boards
from app.common.problems import problem_response
from app.common.urls import external_url
from app.consultations import queries as consultations
from app.consultations.models import Consultation
from app.db import get_session
from app.feedback import consultation as consultation_reports
from app.feedback import exports
from app.feedback import public as feedback_public
from app.i18n import default_language

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_PER_PAGE = 100
MAX_PAGE = 100_000


class InvalidParameter(Exception):
    """A query parameter outside what the OpenAPI document allows (answered 400)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@bp.errorhandler(InvalidParameter)
def _invalid_parameter(error: InvalidParameter) -> Response:
    return problem_response(
        400,
        "Bad Request",
        f"Query parameter {error.name} {error.reason}.",
        invalid_params=[{"name": error.name, "reason": error.reason}],
    )


@bp.after_app_request
def _open_to_other_origins(response: Response) -> Response:
    """Read-only open data: any web page may read it, no credentials involved."""
    if request.path.startswith(bp.url_prefix or "/api/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "ETag, Retry-After"
        if request.method == "OPTIONS":  # a preflight, e.g. for If-None-Match
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
            response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _int_arg(name: str, default: int, minimum: int, maximum: int) -> int:
    """An integer query parameter within bounds; anything else is a 400, never silently adjusted."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", raw) or not minimum <= int(raw) <= maximum:
        raise InvalidParameter(name, f"must be an integer from {minimum} to {maximum}")
    return int(raw)


def _dt(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _board(board: Board) -> dict[str, Any]:
    return {
        "id": board.id,
        "slug": board.slug,
        "name_sv": board.name_sv,
        "name_rom": board.name_rom,
        "kind": board.kind.value,
    }


def _consultation(c: Consultation, *, full: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": c.id,
        "status": c.status.value,
        "title_sv": c.title_sv,
        "title_rom": c.title_rom,
        "start": _dt(c.start_dt),
        "end": _dt(c.end_dt),
        "format": c.format.value,
        "is_open": c.is_open,
        "lead_board": _board(c.lead_board),
        "co_hosting_boards": [_board(b) for b in c.co_hosts if b.id != c.lead_board_id],
        "feedback_due_date": c.feedback_due_date.isoformat() if c.feedback_due_date else None,
        "url": external_url("consultations.detail", consultation_id=c.id, lang_code=default_language()),
    }
    if full:
        data.update(
            {
                "summary_sv": c.summary_sv,
                "summary_rom": c.summary_rom,
                "influence_sv": c.influence_sv,
                "influence_rom": c.influence_rom,
                "decided_sv": c.decided_sv,
                "decided_rom": c.decided_rom,
                "case_reference": c.case_reference,
                "venue_name": c.venue_name,
                "address": c.address,
                "interpreter_languages": list(c.interpreter_languages or []),
                "cancel_reason_sv": c.cancel_reason_sv if c.is_cancelled else None,
                "agenda": [
                    {"position": i.position, "title_sv": i.title_sv, "title_rom": i.title_rom} for i in c.agenda_items
                ],
                "feedback_url": external_url("api.consultation_feedback", consultation_id=c.id),
            }
        )
    return data


@bp.route("/openapi.json")
def openapi() -> Response:
    return jsonify(OPENAPI)


@bp.route("/boards")
def boards() -> Response:
    return jsonify({"items": [_board(b) for b in list_boards(get_session())]})


@bp.route("/consultations")
def consultation_list() -> Response:
    session = get_session()
    page = _int_arg("page", 1, 1, MAX_PAGE)
    per_page = _int_arg("per_page", min(current_app.config["PAGE_SIZE"], MAX_PER_PAGE), 1, MAX_PER_PAGE)
    filters = consultations.ListFilters(when="all")
    slug = request.args.get("board", "").replace("\x00", "")[:80]
    if slug:
        board = get_board_by_slug(session, slug)
        if board is None:
            abort(404)
        filters.board_id = board.id
    result = consultations.list_public(session, filters, page, per_page)
    return jsonify(
        {
            "items": [_consultation(c) for c in result.items],
            "page": result.page,
            "per_page": result.per_page,
            "total": result.total,
            "pages": result.pages,
        }
    )


@bp.route("/consultations/<int:consultation_id>")
def consultation_detail(consultation_id: int) -> Response:
    consultation = consultations.get_public_consultation(get_session(), consultation_id) or abort(404)
    return jsonify(_consultation(consultation, full=True))


@bp.route("/consultations/<int:consultation_id>/feedback")
def consultation_feedback(consultation_id: int) -> Response:
    session = get_session()
    consultation = consultations.get_public_consultation(session, consultation_id) or abort(404)
    report = consultation_reports.get_report(session, consultation)
    published = feedback_public.public_feedback(session, report) if report is not None else None
    if published is None:
        abort(404)
    revision = published.revision
    return jsonify(
        {
            "consultation_id": consultation.id,
            "first_published": _dt(published.first_published_dt),
            "updated": _dt(revision.published_dt if revision else None),
            "revision": revision.number if revision else None,
            "summary_sv": published.summary_sv,
            "summary_rom": published.summary_rom,
            "themes": (revision.snapshot if revision else {"themes": []})["themes"],
            "views": [
                {
                    "id": v.id,
                    "language": v.language,
                    "lang_tag": v.lang_tag or None,
                    "channel": v.channel.value,
                    "text": v.public_body,
                    "theme_ids": [t.id for t in published.themes_of.get(v.id, [])],
                }
                for v in published.viewpoints
            ],
            "hidden_views": published.hidden_count,
            "unpublished_views": published.unpublished_count,
        }
    )


@bp.route("/decisions")
def decisions() -> Response:
    """Every decision cited in published feedback."""
    seen: dict[int, dict[str, Any]] = {}
    for consultation_id, snapshot in exports.latest_snapshots(get_session()):
        for theme in snapshot.get("themes", []):
            for decision in (theme.get("response") or {}).get("decisions", []):
                entry = seen.setdefault(decision["id"], {**decision, "consultation_ids": []})
                if consultation_id not in entry["consultation_ids"]:
                    entry["consultation_ids"].append(consultation_id)
    return jsonify({"items": sorted(seen.values(), key=lambda d: (d["meeting_date"], d["id"]))})
