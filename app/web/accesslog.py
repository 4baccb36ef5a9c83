"""The access log without private data.

gunicorn writes one line per request (``gunicorn.conf.py``: ``accesslog``,
``access_log_format``, ``logger_class``). Without care that line would hold
what must not be kept: the private link of a registration
(``/sv/registrations/<token>``), a password reset token, the reference code
of an anonymous view (``/sv/views/<code>``, ``?code=``) — each one the key to
a person's data — and, on the routes where people take part anonymously, the
address their request came from, which would tie them to what they wrote.

So the application tells the logger what the line may say, through the WSGI
environ that both share:

* ``samrad.log_path``: the path and query with every private value replaced
  by ``…`` — URL arguments named ``token`` or ``code``, and query arguments of
  those names (a path no route matches is redacted by :func:`redact` alone:
  long random-looking segments go);
* ``samrad.anonymous``: set on the routes marked with :func:`anonymous_route`
  (writing a view, registering, the private link, evaluations, survey
  answers, wishes, finding one's view): no client address, no user agent.

The Referer is never logged (it may be one of our own private links).
Format, as documented in README.md (Operations)::

    [29/Nov/2026:10:15:02 +0000] "GET /sv/registrations/… HTTP/1.1" 200 5120 12ms - "-"
    time                          request with private values removed  status bytes duration client-address user-agent
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import unquote_plus

from flask import Flask, current_app, request

#: URL and query arguments whose values are private keys.
PRIVATE_ARGUMENTS = frozenset({"token", "code"})
REDACTED = "…"
#: What ``access_log_format`` gunicorn.conf.py uses (the atoms are rewritten by :class:`AccessLogger`).
ACCESS_LOG_FORMAT = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms %(h)s "%(a)s"'

F = TypeVar("F", bound=Callable[..., Any])

# A path segment that looks like a token or code: 8+ characters of a URL-safe
# alphabet with at least one digit, or 20+ of them (reference codes "AB12-CD34",
# tokens from secrets.token_urlsafe).
_TOKEN_LIKE = re.compile(r"^(?=[A-Za-z0-9_\-]*\d)[A-Za-z0-9_\-]{8,}$|^[A-Za-z0-9_\-]{20,}$")


def anonymous_route(view: F) -> F:
    """Mark a view as one where people take part anonymously: its access-log
    line records no client address and no user agent."""
    view.anonymous_in_log = True  # type: ignore[attr-defined]  # a marker on the function object
    return view


def redact(raw_uri: str) -> str:
    """A path and query without anything that looks like a private key (for
    requests no route matched, and as a second guard)."""
    path, sep, query = raw_uri.partition("?")
    segments = [REDACTED if _TOKEN_LIKE.match(s) else s for s in path.split("/")]
    return "/".join(segments) + (sep + _redact_query(query) if sep else "")


def _redact_query(query: str) -> str:
    parts = []
    for part in query.split("&"):
        key, sep, _value = part.partition("=")
        parts.append(f"{key}={REDACTED}" if sep and unquote_plus(key) in PRIVATE_ARGUMENTS else part)
    return "&".join(parts)


def _log_path() -> str:
    rule = request.url_rule
    path = request.path
    if rule is not None and PRIVATE_ARGUMENTS & set(rule.arguments):
        view_args = request.view_args or {}
        for name in PRIVATE_ARGUMENTS & set(view_args):
            value = str(view_args[name])
            if value:
                path = path.replace("/" + value, "/" + REDACTED)
    elif rule is None:
        path = redact(path)
    query = request.query_string.decode("latin-1")
    return path + ("?" + _redact_query(query) if query else "")


def init_app(app: Flask) -> None:
    @app.before_request
    def _mark_for_the_access_log() -> None:
        environ = request.environ
        environ["samrad.log_path"] = _log_path()
        view = current_app.view_functions.get(request.endpoint or "")
        if getattr(view, "anonymous_in_log", False):
            environ["samrad.anonymous"] = True

    # Before every other hook: an earlier one may answer the request itself (the page cache).
    funcs = app.before_request_funcs.setdefault(None, [])
    funcs.insert(0, funcs.pop())


def _gunicorn_logger_base() -> type:
    from gunicorn.glogging import Logger

    return Logger


class AccessLogger(_gunicorn_logger_base()):  # type: ignore[misc]  # base chosen at import time
    """gunicorn's logger with the request line, client address and headers
    rewritten as the application asked (see the module docstring)."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        path = environ.get("samrad.log_path") or redact(environ.get("RAW_URI") or environ.get("PATH_INFO", ""))
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {path} {environ.get('SERVER_PROTOCOL')}"
        atoms["U"], _, atoms["q"] = path.partition("?")
        for key in [k for k in atoms if k.startswith("{") and k.endswith("}e")]:
            del atoms[key]  # the environ holds the raw path, cookies, addresses
        atoms["f"] = "-"
        atoms.pop("{referer}i", None)
        atoms.pop("{cookie}i", None)
        if environ.get("samrad.anonymous"):
            atoms["h"] = "-"
            atoms["a"] = "-"
            for key in [k for k in atoms if k.endswith("}i")]:
                del atoms[key]  # X-Forwarded-For, User-Agent, … under any format
        return atoms
