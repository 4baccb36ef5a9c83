"""RFC 9457 problem details: how the JSON API answers an error."""

from __future__ import annotations

from typing import Any

from flask import Response, json

PROBLEM_JSON = "application/problem+json"


def problem_response(
    status: int, title: str, detail: str | None = None, *, headers: dict[str, str] | None = None, **extensions: Any
) -> Response:
    """``{"type": "about:blank", "title": …, "status": …, "detail": …}`` with the
    ``application/problem+json`` media type; ``extensions`` become extra members."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extensions)
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
