"""The pages the browser suite visits, generated from the application's URL map.

Every GET rule is a page unless it serves something other than HTML (static
files, feeds, calendars, documents, CSV, APIs, the health check). URL
parameters are filled from the demo data by ``RESOLVERS``, keyed by argument
name. A rule with an argument that has no resolver makes the test fail, so a
new page can't slip past the accessibility checks: add a resolver here.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from werkzeug.routing import Rule

from tests.browser.support import Demo

#: Endpoints that answer with something other than an HTML page.
NON_HTML_ENDPOINTS = {"static", "web.healthz"}
#: Steps of the single sign-on flow: they redirect, or need the identity provider's answer
#: (tests/browser/test_sso.py drives them against a real provider).
FLOW_ENDPOINTS = {"sso.start", "sso.callback", "sso.logged_out"}
#: URL suffixes of non-HTML resources.
NON_HTML_SUFFIXES = (".ics", ".atom", ".rss", ".xml", ".csv", ".json", ".txt", ".pdf", ".mp3", ".ico")
#: View names of non-HTML resources: feeds, calendars, file downloads, exports, APIs.
NON_HTML_VIEW = re.compile(
    r"(^|_)(feed|feeds|atom|rss|ics|calendar|calendar_all|document|download|csv|export|api)($|_)"
)


@dataclass(frozen=True)
class PageRule:
    rule: str
    endpoint: str
    lang: str | None
    arguments: tuple[str, ...]  # without lang_code

    @property
    def staff(self) -> bool:
        return "/staff/" in self.rule

    @property
    def id(self) -> str:
        return f"{self.lang}-{self.endpoint}" if self.lang else self.endpoint


def is_html_page(rule: Rule) -> bool:
    if "GET" not in (rule.methods or ()):
        return False
    if rule.endpoint in NON_HTML_ENDPOINTS or "/api/" in rule.rule or rule.rule.startswith("/api"):
        return False
    if rule.rule.endswith(NON_HTML_SUFFIXES):
        return False
    view = rule.endpoint.rsplit(".", 1)[-1]
    return not NON_HTML_VIEW.search(view)


@cache
def page_rules() -> tuple[PageRule, ...]:
    """All HTML GET rules of the app, once per language when the URL has one."""
    from app import create_app
    from config import TestConfig

    app = create_app(TestConfig, {"UPLOAD_DIR": tempfile.gettempdir()})
    try:
        languages = list(app.config["LANGUAGES"])
        found: list[PageRule] = []
        for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
            if not is_html_page(rule) or rule.endpoint in FLOW_ENDPOINTS:
                continue
            arguments = tuple(sorted(a for a in rule.arguments if a != "lang_code"))
            langs: list[str | None] = languages if "lang_code" in rule.arguments else [None]
            found.extend(PageRule(rule.rule, rule.endpoint, lang, arguments) for lang in langs)
        return tuple(found)
    finally:
        app.extensions["db"].engine.dispose()


# --- resolvers: argument name -> values to try, given the demo data ---------------------------

Resolver = Callable[[Demo, PageRule, dict[str, Any]], list[Any]]


def _consultation_id(demo: Demo, page: PageRule, values: dict[str, Any]) -> list[Any]:
    # Published, upcoming, open for registration and input, with an agenda and
    # full Romani texts; the demo staff user may publish and edit it.
    if page.endpoint.startswith(("feedback", "minutes")):  # feedback and minutes follow a held meeting
        return [demo.held_id]
    ids = [demo.upcoming_id]
    if page.endpoint == "consultations.detail":  # the public page in all its states
        ids += [demo.digital_id, demo.held_id]
    return ids


def _item_id(demo: Demo, page: PageRule, values: dict[str, Any]) -> list[Any]:
    return demo.agenda_item_ids.get(values["consultation_id"], [])[:1]


def _slug(demo: Demo, page: PageRule, values: dict[str, Any]) -> list[Any]:
    preferred = "arbetsmarknadsnamnden"  # leads the demo consultations
    return [preferred] if preferred in demo.board_slugs else demo.board_slugs[:1]


# The rows below are not in app/demo.py; the ``site_data`` fixture creates them
# through the forms. An empty list fails the test with "no demo data".


def _viewpoint_id(demo: Demo, page: PageRule, values: dict[str, Any]) -> list[Any]:
    if page.endpoint.startswith("participation_audio."):  # pages of a recorded view
        return demo.values("viewpoint_recordings", "viewpoint_id")[:1]
    return demo.ids("viewpoints")[:1]


def _code(demo: Demo, page: PageRule, values: dict[str, Any]) -> list[Any]:
    if page.endpoint.startswith(("participation.", "feedback.")):  # a view's receipt code
        return demo.values("viewpoints", "reference_code")[:1]
    if page.endpoint.startswith("experiences."):  # a survey's short link
        return demo.values("experience_surveys", "short_code")[:1]
    raise MissingResolver(
        f"{page.rule} ({page.endpoint}) takes a <code> of a kind the browser tests don't know: "
        "teach _code in tests/browser/pages.py where to get one."
    )


def _token(demo: Demo, page: PageRule, values: dict[str, Any]) -> list[Any]:
    # Several kinds of token share the name: decide by blueprint / endpoint.
    if page.endpoint.startswith("registrations.") or page.endpoint == "minutes.correction":
        return demo.values("registrations", "token")[:1]
    if page.endpoint == "participation.speaker":
        return [demo.speaker_token()]
    if page.endpoint == "accounts.reset_password":
        return [demo.password_reset_token()]
    if page.endpoint == "sso.break_glass":
        return [demo.break_glass_token()]
    raise MissingResolver(
        f"{page.rule} ({page.endpoint}) takes a <token> of a kind the browser tests don't know: "
        "teach _token in tests/browser/pages.py where to get one."
    )


def _suggestion_id(demo: Demo, page: PageRule, values: dict[str, Any]) -> list[Any]:
    # A proposal of the consultation in the URL (other browser tests suggest themes for theirs).
    if "consultation_id" not in values:
        raise MissingResolver(f"{page.rule} ({page.endpoint}): _suggestion_id needs a consultation_id")
    run_ids = demo.ids("theme_suggestion_runs", consultation_id=values["consultation_id"])
    return demo.ids("theme_suggestions", run_id=run_ids[0])[:1] if run_ids else []


def _theme_id(demo: Demo, page: PageRule, values: dict[str, Any]) -> list[Any]:
    # A feedback theme, in the report of the consultation or of the city service in the URL.
    owner = next((key for key in ("consultation_id", "service_id") if key in values), None)
    if owner is None:
        raise MissingResolver(f"{page.rule} ({page.endpoint}): _theme_id needs a consultation_id or service_id")
    report_ids = demo.ids("feedback_reports", **{owner: values[owner]})
    return demo.ids("feedback_themes", report_id=report_ids[0])[:1] if report_ids else []


def _record_id(demo: Demo, page: PageRule, values: dict[str, Any]) -> list[Any]:
    """A record the demo staff may open on its own: a staff note (one person's survey answers
    open only for the staff who entered or moderated them, see experiences.policies)."""
    kinds = demo.values("experience_records", "kind")
    return [i for i, kind in zip(demo.ids("experience_records"), kinds) if str(kind).lower() != "survey"][:1]


def _first(table: str) -> Resolver:
    def resolver(demo: Demo, page: PageRule, values: dict[str, Any]) -> list[Any]:
        return demo.ids(table)[:1]

    resolver.__name__ = f"_first_{table}"
    return resolver


#: In resolution order: later resolvers may read the values chosen by earlier ones.
RESOLVERS: dict[str, Resolver] = {
    "consultation_id": _consultation_id,
    "item_id": _item_id,
    "slug": _slug,
    "viewpoint_id": _viewpoint_id,
    "service_id": _first("city_services"),
    "survey_id": _first("experience_surveys"),
    "question_id": _first("survey_questions"),
    "answer_id": _first("experience_answers"),
    "user_id": lambda demo, page, values: demo.values("users", "id", email=demo.staff_email),
    "record_id": _record_id,
    "wish_id": _first("wishes"),
    "theme_id": _theme_id,
    "suggestion_id": _suggestion_id,
    "code": _code,
    "token": _token,
    "language": lambda demo, page, values: ["rom"],  # the language a translator edits
    "key": lambda demo, page, values: [_entry_key("Skip to content")],
    "term_id": lambda demo, page, values: demo.ids("glossary_terms", language="rom")[:1],
}


def _entry_key(msgid: str) -> str:
    from app.i18n import entry_key

    return entry_key(None, msgid)


class MissingResolver(LookupError):
    pass


def resolve(page: PageRule, demo: Demo) -> list[dict[str, Any]]:
    """Every combination of argument values to visit for ``page``."""
    unknown = [a for a in page.arguments if a not in RESOLVERS]
    if unknown:
        raise MissingResolver(
            f"{page.rule} ({page.endpoint}) has URL parameter(s) {unknown} that the browser tests "
            "can't fill: add a resolver to RESOLVERS in tests/browser/pages.py (or, if the page "
            "is not HTML, exclude it there)."
        )
    combos: list[dict[str, Any]] = [{}]
    for name in (n for n in RESOLVERS if n in page.arguments):
        combos = [{**combo, name: value} for combo in combos for value in RESOLVERS[name](demo, page, combo)]
    return combos


def build_url(app: Any, page: PageRule, values: dict[str, Any]) -> str:
    params = dict(values)
    if page.lang:
        params["lang_code"] = page.lang
    with app.test_request_context():
        from flask import url_for

        return url_for(page.endpoint, **params)


def public_pages() -> list[PageRule]:
    return [p for p in page_rules() if not p.staff]


def staff_pages() -> list[PageRule]:
    return [p for p in page_rules() if p.staff]


def resolve_or_fail(page: PageRule, server: Any) -> list[dict[str, Any]]:
    """``resolve``, turning a missing resolver or missing demo data into a test failure."""
    import pytest

    message = None
    try:
        combos = resolve(page, server.demo)
    except MissingResolver as error:
        message = str(error)
    else:
        if not combos:
            message = (
                f"{page.rule}: the resolvers found no demo data to fill {list(page.arguments)}; "
                "add it to app/demo.py or to the site_data fixture in tests/browser/conftest.py"
                + "".join(f"\n  seeded: {line}" for line in getattr(server, "seed_log", []))
            )
    if message:
        pytest.fail(message, pytrace=False)
    return combos
