"""Pages behind a registrant's private link, shared by the registration and minutes pages.

The link's token is the only key: an unknown one gets a 404 page, and every
such page is never cached, indexed or leaked in a Referer.
"""

from __future__ import annotations

from typing import Any

from flask import abort, make_response, render_template
from werkzeug.wrappers import Response

from app.db import get_session
from app.registrations import services
from app.registrations.models import Registration


def private_page(response: Any) -> Response:
    """Pages behind a private link: never cached, indexed or leaked in a Referer."""
    response = make_response(response)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def load_by_token(token: str) -> Registration:
    registration = services.get_by_token(get_session(), token[:100])
    if registration is None:
        abort(private_page(make_response(render_template("registrations/not_found.html", code=404), 404)))
    return registration
