"""The OpenAPI 3.1 description of ``/api/v1`` (schemas are JSON Schema 2020-12).

Every answer may be ``503`` (database outage) and carries CORS and caching
headers; errors are ``application/problem+json`` (RFC 9457). A method other
than GET/HEAD/OPTIONS is answered ``405`` with ``Allow``."""

from __future__ import annotations

from typing import Any

from app.participation.models import Channel

NULLABLE_STRING = {"type": ["string", "null"]}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


#: Headers on every answer: open to any origin, cacheable with revalidation.
HEADERS: dict[str, Any] = {
    "Access-Control-Allow-Origin": {
        "description": "Always `*`: any web page may read the open data.",
        "schema": {"const": "*"},
    },
    "ETag": {
        "description": "Weak validator; send it back as `If-None-Match` to get `304` while nothing changed.",
        "schema": {"type": "string"},
    },
    "Cache-Control": {"description": "`public, max-age=60`", "schema": {"type": "string"}},
}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/problem+json": {"schema": _ref("Problem")}}}


def _ok(schema: str, description: str, *, not_found: bool = True) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {
            "description": description,
            "headers": HEADERS,
            "content": {"application/json": {"schema": _ref(schema)}},
        },
        "304": {"description": "Not modified since the `ETag` sent in `If-None-Match`", "headers": HEADERS},
        "503": {"$ref": "#/components/responses/Unavailable"},
    }
    if not_found:
        responses["404"] = {"$ref": "#/components/responses/NotFound"}
    return responses


IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "The `ETag` of an earlier answer",
}


SCHEMAS: dict[str, Any] = {
    "Problem": {
        "description": "RFC 9457 problem details",
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string", "format": "uri-reference"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "invalid_params": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "reason"],
                    "properties": {"name": {"type": "string"}, "reason": {"type": "string"}},
                },
            },
        },
    },
    "Board": {
        "type": "object",
        "required": ["id", "slug", "name_sv", "name_rom", "kind"],
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "name_sv": {"type": "string"},
            "name_rom": NULLABLE_STRING,
            "kind": {"enum": ["executive", "specialist", "district", "company"]},
        },
    },
    "BoardRef": {
        "type": ["object", "null"],
        "required": ["id", "slug", "name_sv", "name_rom"],
        "properties": {
            "id": {"type": "integer"},
            "slug": {"type": "string"},
            "name_sv": {"type": "string"},
            "name_rom": NULLABLE_STRING,
        },
    },
    "BoardList": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": _ref("Board")}},
    },
    "ConsultationSummary": {
        "type": "object",
        "required": [
            "id",
            "status",
            "title_sv",
            "title_rom",
            "start",
            "end",
            "format",
            "is_open",
            "lead_board",
            "co_hosting_boards",
            "feedback_due_date",
            "url",
        ],
        "properties": {
            "id": {"type": "integer"},
            "status": {"enum": ["published", "held", "feedback_published", "closed", "cancelled"]},
            "title_sv": {"type": "string"},
            "title_rom": NULLABLE_STRING,
            "start": {"type": ["string", "null"], "format": "date-time"},
            "end": {"type": ["string", "null"], "format": "date-time"},
            "format": {"enum": ["in_person", "digital", "hybrid"]},
            "is_open": {"type": "boolean"},
            "lead_board": _ref("Board"),
            "co_hosting_boards": {"type": "array", "items": _ref("Board")},
            "feedback_due_date": {"type": ["string", "null"], "format": "date"},
            "url": {"type": "string", "format": "uri"},
        },
    },
    "Consultation": {
        "allOf": [
            _ref("ConsultationSummary"),
            {
                "type": "object",
                "required": [
                    "summary_sv",
                    "influence_sv",
                    "decided_sv",
                    "agenda",
                    "feedback_url",
                    "interpreter_languages",
                ],
                "properties": {
                    "summary_sv": NULLABLE_STRING,
                    "summary_rom": NULLABLE_STRING,
                    "influence_sv": NULLABLE_STRING,
                    "influence_rom": NULLABLE_STRING,
                    "decided_sv": NULLABLE_STRING,
                    "decided_rom": NULLABLE_STRING,
                    "case_reference": NULLABLE_STRING,
                    "venue_name": NULLABLE_STRING,
                    "address": NULLABLE_STRING,
                    "cancel_reason_sv": NULLABLE_STRING,
                    "interpreter_languages": {"type": "array", "items": {"type": "string"}},
                    "agenda": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["position", "title_sv", "title_rom"],
                            "properties": {
                                "position": {"type": "integer"},
                                "title_sv": {"type": "string"},
                                "title_rom": NULLABLE_STRING,
                            },
                        },
                    },
                    "feedback_url": {"type": "string", "format": "uri"},
                },
            },
        ],
    },
    "ConsultationPage": {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages"],
        "properties": {
            "items": {"type": "array", "items": _ref("ConsultationSummary")},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
            "pages": {"type": "integer", "minimum": 1},
        },
    },
    "Decision": {
        "type": "object",
        "required": [
            "id",
            "board",
            "meeting_date",
            "case_reference",
            "paragraph",
            "title_sv",
            "title_rom",
            "minutes_url",
        ],
        "properties": {
            "id": {"type": "integer"},
            "board": _ref("BoardRef"),
            "meeting_date": DATE,
            "case_reference": {"type": "string"},
            "paragraph": {"type": "string"},
            "title_sv": {"type": "string"},
            "title_rom": NULLABLE_STRING,
            "minutes_url": NULLABLE_STRING,
            "consultation_ids": {"type": "array", "items": {"type": "integer"}},
        },
    },
    "DecisionList": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": _ref("Decision")}},
    },
    "Response": {
        "type": ["object", "null"],
        "required": ["outcome", "body_sv", "body_rom", "decisions"],
        "properties": {
            "outcome": {
                "enum": [
                    "implemented",
                    "partly",
                    "not_implemented",
                    "forwarded",
                    "already_in_place",
                    "under_consideration",
                ]
            },
            "body_sv": {"type": "string"},
            "body_rom": NULLABLE_STRING,
            "reason_sv": NULLABLE_STRING,
            "reason_rom": NULLABLE_STRING,
            "forwarded_to": _ref("BoardRef"),
            "next_update_date": {"type": ["string", "null"], "format": "date"},
            "decisions": {"type": "array", "items": _ref("Decision")},
        },
    },
    "Theme": {
        "type": "object",
        "required": ["id", "title_sv", "title_rom", "viewpoint_ids", "response"],
        "properties": {
            "id": {"type": "integer"},
            "title_sv": {"type": "string"},
            "title_rom": NULLABLE_STRING,
            "summary_sv": NULLABLE_STRING,
            "summary_rom": NULLABLE_STRING,
            "viewpoint_ids": {"type": "array", "items": {"type": "integer"}},
            "response": _ref("Response"),
        },
    },
    "PublishedView": {
        "type": "object",
        "required": ["id", "language", "lang_tag", "channel", "text", "theme_ids"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "language": {"enum": ["sv", "rom", "other"]},
            "lang_tag": NULLABLE_STRING,
            "channel": {"enum": [c.value for c in Channel]},
            "text": {"type": "string"},
            "theme_ids": {"type": "array", "items": {"type": "integer"}},
        },
    },
    "Feedback": {
        "type": "object",
        "required": [
            "consultation_id",
            "first_published",
            "updated",
            "revision",
            "summary_sv",
            "summary_rom",
            "themes",
            "views",
            "hidden_views",
            "unpublished_views",
        ],
        "properties": {
            "consultation_id": {"type": "integer"},
            "first_published": DATETIME,
            "updated": DATETIME,
            "revision": {"type": "integer", "minimum": 1},
            "summary_sv": NULLABLE_STRING,
            "summary_rom": NULLABLE_STRING,
            "themes": {"type": "array", "items": _ref("Theme")},
            "views": {"type": "array", "items": _ref("PublishedView")},
            "hidden_views": {"type": "integer", "minimum": 0},
            "unpublished_views": {"type": "integer", "minimum": 0},
        },
    },
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Samrådsportalen open data",
        "version": "1.0.0",
        "description": "Consultations of the City of Stockholm's boards with the Roma national minority, the "
        "feedback published afterwards, and the decisions it cites. No personal data.",
    },
    "servers": [{"url": "/api/v1"}],
    "paths": {
        "/boards": {
            "get": {
                "summary": "All boards",
                "parameters": [IF_NONE_MATCH],
                "responses": _ok("BoardList", "Boards", not_found=False),
            }
        },
        "/consultations": {
            "get": {
                "summary": "Public consultations, latest first",
                "parameters": [
                    {
                        "name": "page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100000},
                        "description": "Page number, from 1 (default 1)",
                    },
                    {
                        "name": "per_page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                        "description": "Consultations per page, 1 to 100 (default 20)",
                    },
                    {
                        "name": "board",
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": "A board's slug (404 if there is no such board)",
                    },
                    IF_NONE_MATCH,
                ],
                "responses": {
                    **_ok("ConsultationPage", "A page of consultations"),
                    "400": _problem("`page` or `per_page` is not an integer within its bounds"),
                },
            }
        },
        "/consultations/{id}": {
            "get": {
                "summary": "One consultation",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                    IF_NONE_MATCH,
                ],
                "responses": _ok("Consultation", "The consultation"),
            }
        },
        "/consultations/{id}/feedback": {
            "get": {
                "summary": "The published feedback report: themes, responses, decisions, and published views",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                    IF_NONE_MATCH,
                ],
                "responses": _ok("Feedback", "The latest published revision"),
            }
        },
        "/decisions": {
            "get": {
                "summary": "Decisions cited in published feedback",
                "parameters": [IF_NONE_MATCH],
                "responses": _ok("DecisionList", "Decisions", not_found=False),
            }
        },
    },
    "components": {
        "schemas": SCHEMAS,
        "responses": {
            "NotFound": _problem("No such (public) object"),
            "Unavailable": {
                **_problem("The database is unavailable (an outage); try again after `Retry-After`"),
                "headers": {"Retry-After": {"description": "Seconds", "schema": {"type": "string"}}},
            },
        },
    },
}
