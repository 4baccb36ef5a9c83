"""The one guard of every public form that anyone may send without logging in
(views, survey answers, evaluations, wishes, registrations and the private-link
forms behind a registration).

Two halves:

* :func:`anonymous_intake`, a view decorator: refuses a body larger than the
  biggest legitimate form with 413 *before* anything parses it, and applies the
  rate limits. The limits are built for venue Wi-Fi, where a whole room shares
  one address: each form session (the CSRF-bound session) and each text have a
  tight limit, the address only a generous ceiling. Forty participants from one
  address in two minutes all get through; one client hammering is stopped.
* :class:`Intake`, used inside the view of a form that stores something: the
  honeypot, and a submission key that survives the back button. The key is kept
  in the session per form (not minted anew on every GET), so a person whose
  answer was stored but whose confirmation never arrived can go back and send
  again without storing it twice. Once a submission succeeded the key is kept,
  marked as sent: going back (the browser fetches the form again and restores
  what was typed) still carries the sent key, so sending again stores nothing
  and the view answers "already received". The form then says so and offers a
  new, empty form (a link that names the sent key, so an old link in the
  history cannot start a third). A form that is answered ``once`` per browser
  (the evaluation of a meeting) offers no new form, and takes only the key this
  browser's session was given.

``tests/core/test_intake.py`` runs every caller through both halves.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, abort, current_app, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import generate_csrf

from app.i18n import gettext as _
from app.web.forms import BaseForm
from app.web.limits import limiter

F = TypeVar("F", bound=Callable[..., Any])

#: Shared by all anonymous forms, per client address: a room on one Wi-Fi fits under it.
PER_ADDRESS = "60 per minute;600 per hour"
#: Per form and form session (a browser's session cookie): a person, not a script.
PER_FORM_SESSION = "5 per minute;40 per hour"
#: The same text sent to the same form, from anywhere.
PER_CONTENT = "5 per hour"
#: Texts shorter than this are not counted per content ("Bra!", "Ja").
CONTENT_MIN_CHARS = 40

#: A character of form text takes at most 12 bytes in an urlencoded body (``%F0%9F%98%80``).
BYTES_PER_CHAR = 12
#: Room for the small fields, the CSRF token and the field names.
BODY_OVERHEAD = 16 * 1024

#: Fields that are not typed content.
_NOT_CONTENT = {"csrf_token", "submission_key", "website"}
_SESSION_KEYS = "intake_keys"
#: Per form: the key of the submission that succeeded (still the form's key until a new form is started).
_SENT_KEYS = "intake_sent"
_MAX_KEPT_KEYS = 8


def body_limit(*max_chars: int) -> int:
    """The largest urlencoded body of a form whose text fields hold at most these many characters."""
    return BODY_OVERHEAD + BYTES_PER_CHAR * sum(max_chars)


def guarded_endpoints(app: Flask) -> dict[str, int | Callable[..., int]]:
    """Every endpoint behind :func:`anonymous_intake`, with its body limit."""
    return {
        endpoint: limit
        for endpoint, view in app.view_functions.items()
        if (limit := getattr(view, "_anonymous_intake", None)) is not None
    }


def _form_session() -> str:
    """The CSRF-bound form session; without one (no cookie), the address."""
    token = session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if token:
        return "s:" + hashlib.sha256(str(token).encode()).hexdigest()[:32]
    return "a:" + (get_remote_address() or "unknown")


def _content() -> str:
    """A hash of the typed text of this post ("" if there is no long text)."""
    texts = [
        f"{name}={value.strip()}"
        for name, value in sorted(request.form.items(multi=True))
        if name not in _NOT_CONTENT and len(value.strip()) >= CONTENT_MIN_CHARS
    ]
    return hashlib.sha256("\n".join(texts).encode()).hexdigest() if texts else ""


def _fingerprint() -> str:
    """What was filled in and chosen in this post (files by name and size), as 16 hex digits."""
    parts = [
        f"{name}={value.strip()}" for name, value in sorted(request.form.items(multi=True)) if name not in _NOT_CONTENT
    ]
    for name, upload in sorted(request.files.items(multi=True)):
        stream = upload.stream
        try:
            size = stream.seek(0, 2)
            stream.seek(0)
        except (AttributeError, OSError):
            size = -1
        parts.append(f"{name}:{upload.filename}:{size}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def anonymous_intake(max_body: int | Callable[..., int]) -> Callable[[F], F]:
    """Guard an anonymous form's endpoint: a body size limit (bytes, or a function
    of the URL's values giving them) checked before parsing, and the rate limits."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return view(*args, **kwargs)

        wrapper._anonymous_intake = max_body  # type: ignore[attr-defined]  # a marker on the function object
        limited = limiter.limit(PER_CONTENT, key_func=_content, methods=["POST"], exempt_when=lambda: not _content())(
            wrapper
        )
        limited = limiter.limit(PER_FORM_SESSION, key_func=_form_session, methods=["POST"])(limited)
        limited = limiter.shared_limit(
            PER_ADDRESS, scope="anonymous-intake", key_func=get_remote_address, methods=["POST"]
        )(limited)
        return cast(F, limited)

    return decorate


def _check_body_size() -> None:
    """``before_request``, ahead of CSRF and the limiter (both read the form)."""
    if request.method != "POST" or request.endpoint is None:
        return
    view = current_app.view_functions.get(request.endpoint)
    max_body = getattr(view, "_anonymous_intake", None)
    if max_body is None:
        return
    limit = max_body(**(request.view_args or {})) if callable(max_body) else max_body
    if request.content_length is not None and request.content_length > limit:
        abort(413)
    request.max_content_length = limit  # a chunked body is cut off at the same size


def init_app(app: Flask) -> None:
    """Register the body size check first, before CSRF and the limiter parse the body."""
    app.before_request_funcs.setdefault(None, []).insert(0, _check_body_size)


def _scope(endpoint: str | None, view_args: dict[str, Any]) -> str:
    return f"{endpoint}:{sorted(view_args.items())}"


def _key_reference(key: str) -> str:
    """What a "new form" link names of the sent key (not the key itself: links end up in logs)."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def sent_in_this_browser(endpoint: str, **view_args: Any) -> bool:
    """Whether this browser has sent the form of ``endpoint`` (with these URL values, without the
    language) successfully: e.g. a results page that should not invite to answer again."""
    return _scope(endpoint, view_args) in (session.get(_SENT_KEYS) or {})


class Intake:
    """The honeypot and the submission key of one anonymous form.

    ``form`` has the fields ``website`` (left empty by people, hidden from view
    and from screen readers) and ``submission_key`` (see
    :class:`app.web.forms.AnonymousForm`). With ``once``, a browser sends the
    form once: no new form is offered after it, and a posted key must be the
    one this browser's (signed) session was given, so a script cannot invent
    fresh keys to be counted again.
    """

    def __init__(self, form: BaseForm, *, once: bool = False) -> None:
        self.form = form
        self.once = once
        self._scope = _scope(request.endpoint, request.view_args or {})
        if not form.is_submitted():
            generate_csrf()  # the form session exists from the first GET, also where CSRF is off
            sent = self.sent_key
            if sent and not once and request.args.get("after") == _key_reference(sent):
                self._forget()  # a new, empty form, asked for from the form of the sent key
            form.submission_key.data = self._kept_key()
        sent = self.sent_key
        form.already_sent = bool(sent)
        form.new_form_url = (
            url_for(request.endpoint or "", **(request.view_args or {}), after=_key_reference(sent))
            if sent and not once
            else None
        )

    def _kept_key(self) -> str:
        keys: dict[str, str] = dict(session.get(_SESSION_KEYS) or {})
        key = keys.get(self._scope)
        if not key:
            key = secrets.token_urlsafe(24)
            keys[self._scope] = key
            while len(keys) > _MAX_KEPT_KEYS:
                keys.pop(next(iter(keys)))
            session[_SESSION_KEYS] = keys
        return key

    def _forget(self) -> None:
        for name in (_SESSION_KEYS, _SENT_KEYS):
            kept: dict[str, str] = dict(session.get(name) or {})
            if kept.pop(self._scope, None) is not None:
                session[name] = kept

    @property
    def sent_key(self) -> str | None:
        """The key of the submission of this form that succeeded in this browser, if any."""
        return (session.get(_SENT_KEYS) or {}).get(self._scope)

    @property
    def form_key(self) -> str:
        """The key this form was given (kept in this browser's session for the form)."""
        return str(self.form.submission_key.data or "").strip()[:47]

    @property
    def key(self) -> str:
        """The idempotency key of this submission: the same key never stores twice.

        The form's key and, except for a form sent ``once``, a fingerprint of what
        was filled in: the same form sent again (a double click, the back button
        and send) stores nothing new, but a different text written in a form
        whose key was used already (a second view, after the first) is not lost."""
        form_key = self.form_key
        if not form_key or self.once:
            return form_key
        return f"{form_key}.{_fingerprint()}"

    @property
    def is_this_browsers(self) -> bool:
        """The posted key is the one this browser's session holds for this form (a receipt
        of what was stored may be shown to it)."""
        return bool(self.form_key) and self.form_key == (session.get(_SESSION_KEYS) or {}).get(self._scope)

    def validate_on_submit(self) -> bool:
        """The form was sent, is valid, came from a person, and carries its key."""
        form: Any = self.form
        if not form.validate_on_submit():
            return False
        if form.website.data:
            # Probably a robot. A person whose browser filled the hidden field
            # can simply send again: the field is emptied.
            form.add_error(None, _("The form could not be sent. Please check it and send it again."))
            form.website.data = ""
            form.website.raw_data = []
            return False
        if not self.form_key or (self.once and not self.is_this_browsers):
            form.add_error(None, _("The form was incomplete. Please send it again."))
            form.submission_key.data = self._kept_key()
            return False
        return True

    def done(self) -> None:
        """The submission was stored (or had been): its key stays the form's key, marked as sent,
        so that going back and sending again stores nothing."""
        keys: dict[str, str] = dict(session.get(_SESSION_KEYS) or {})
        sent: dict[str, str] = dict(session.get(_SENT_KEYS) or {})
        keys[self._scope] = sent[self._scope] = self.form_key
        while len(keys) > _MAX_KEPT_KEYS:
            keys.pop(next(iter(keys)))
        while len(sent) > _MAX_KEPT_KEYS:
            sent.pop(next(iter(sent)))
        session[_SESSION_KEYS] = keys
        session[_SENT_KEYS] = sent
        self.form.already_sent = True
