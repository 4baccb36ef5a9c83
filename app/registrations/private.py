"""Pages behind a registrant's private link, shared by the registration and minutes pages.

The link's token is the only key: an unknown one gets a 404 page, one whose
meeting is over a 410 page linking to the consultation, and every
such page is never cached, indexed or leaked in a Referer.
"""

from __future__ import annotations

from flask import abort, make_response, render_template

from app.db import get_session
from app.registrations import services
from app.registrations.models import Registration
from app.web.helpers import private_page

__all__ = ["load_by_token", "private_page"]


def load_by_token(token: str) -> Registration:
    registration = services.get_by_token(get_session(), token[:100])
    if registration is None:
        session = get_session()
        consultation = services.expired_link_consultation(session, token[:100])
        if consultation is not None:  # the meeting is over: say so, and point to the consultation
            abort(
                private_page(
                    make_response(render_template("registrations/closed.html", consultation=consultation), 410)
                )
            )
        abort(private_page(make_response(render_template("registrations/not_found.html", code=404), 404)))
    return registration
