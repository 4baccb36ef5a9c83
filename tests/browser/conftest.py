"""Browser test fixtures: one live server and one Chromium per test session.

* ``live_server``: the real application (CSRF on, error pages on) served by
  werkzeug in a thread on 127.0.0.1, backed by a temporary SQLite file that
  was migrated with Alembic and filled with the demo data. The function-scoped
  fixtures of ``tests/conftest.py`` (rolled-back transactions) cannot be used
  from another thread, hence this separate stack.
* ``browser``: Debian's ``/usr/bin/chromium`` driven by Playwright. Without
  Chromium or ``node_modules/axe-core`` the browser tests are skipped locally
  (run ``make install``) but fail in CI (``CI`` set), so they can't vanish.
* ``staff_state``: the storage state of a context logged in as the demo staff
  user through the real login form; ``new_context(staff=True)`` reuses it.
* ``anon_page``/``staff_page``/``admin_page``: one page each for the whole
  session, with axe-core preloaded (contexts are slow to create). The site
  admin is created for these tests and logs in with a TOTP code.
* ``site_data``: rows the demo data may lack, created through the forms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.browser.support import (
    LiveServer,
    axe_source,
    chromium_path,
    load_demo,
    login,
    require_prerequisites,
    submit_with_required_fields,
)
from tests.support import serve


def _create_unmigrated_tables(url: str) -> None:
    """Create tables of models whose migration is still being written.

    Drift between models and migrations is tests/core/test_migrations.py's job;
    here it should not stop every page from rendering.
    """
    from app.db import Base, make_engine

    engine = make_engine(url)
    try:
        Base.metadata.create_all(engine, checkfirst=True)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_prerequisites()
    import app.registry  # noqa: F401  (all models, for the demo data queries)
    from app import create_app
    from app.migrate import upgrade
    from config import TestConfig

    tmp = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{tmp / 'browser.sqlite'}"
    upgrade(url)
    _create_unmigrated_tables(url)
    application = create_app(
        TestConfig,
        {
            "DATABASE_URL": url,
            "UPLOAD_DIR": str(tmp / "uploads"),
            "WTF_CSRF_ENABLED": True,  # the real forms, tokens and all
            "TESTING": False,  # error pages as in production
            "RATELIMIT_ENABLED": False,  # every browser request comes from 127.0.0.1
        },
    )
    demo = load_demo(url, application.config)
    with serve(application) as base:
        yield LiveServer(url=base, app=application, demo=demo)


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Any]:
    require_prerequisites()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance: Any) -> Iterator[Any]:
    browser = playwright_instance.chromium.launch(executable_path=chromium_path())
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def staff_state(browser: Any, live_server: LiveServer) -> dict[str, Any]:
    """Log in once through the real login form; later contexts reuse the cookies."""
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        login(page, live_server, "sv")
        assert "/sv/staff/" in page.url, f"login did not reach the dashboard: {page.url}"
        return context.storage_state()
    finally:
        context.close()


@pytest.fixture(scope="session")
def admin_page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """One page logged in as a site admin (two-factor code included), for admin-only pages."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    context.add_init_script(script=axe_source())
    page = context.new_page()
    login(page, live_server, "sv", admin=True)
    assert "/sv/staff/" in page.url, f"the site admin login did not reach the dashboard: {page.url}"
    yield page
    context.close()


@pytest.fixture(scope="session")
def site_data(browser: Any, live_server: LiveServer, staff_state: dict[str, Any]) -> LiveServer:
    """Rows the demo data lacks, created through the public and staff forms.

    A registration (for ``<token>``), a written view (``<code>``, ``<viewpoint_id>``),
    feedback themes (``<theme_id>``) on the held consultation and on a city service, suggested
    themes of views written into the held consultation (``<suggestion_id>``), and a
    staff note on that service (``<record_id>``). A form that
    fails leaves its rows missing; the resolvers then report which data is absent.
    """
    demo = live_server.demo
    anon = browser.new_context(base_url=live_server.url)
    staff = browser.new_context(base_url=live_server.url, storage_state=staff_state)
    try:
        page = anon.new_page()
        for path in (
            f"/sv/consultations/{demo.upcoming_id}/register",
            f"/sv/consultations/{demo.upcoming_id}/views/new",
        ):
            seeded = submit_with_required_fields(page, live_server(path))
            live_server.seed_log.append(f"{path} -> {seeded}")
        live_server.seed_log.append(
            f"recorded view -> {_send_recorded_view(page, live_server(f'/sv/consultations/{demo.upcoming_id}/views/new'))}"
        )
        page = staff.new_page()
        _three_topics(live_server, demo.held_id)  # views to group, for the suggested themes (<suggestion_id>)
        paths = [
            f"/sv/staff/consultations/{demo.held_id}/feedback/themes/new",
            f"/sv/staff/consultations/{demo.held_id}/feedback/suggestions",
        ]
        paths += [f"/sv/staff/experiences/services/{sid}/measures/themes/new" for sid in demo.ids("city_services")[:1]]
        paths += [f"/sv/staff/experiences/services/{sid}/notes/new" for sid in demo.ids("city_services")[:1]]
        for path in paths:
            seeded = submit_with_required_fields(page, live_server(path))
            live_server.seed_log.append(f"{path} -> {seeded}")
    finally:
        anon.close()
        staff.close()
    return live_server


def _three_topics(server: LiveServer, consultation_id: int) -> None:
    """The views of tests/feedback/three_topics.py in the consultation (not to be published)."""
    from app.db import make_engine
    from tests.feedback import three_topics

    engine = make_engine(server.demo.db_url)
    try:
        with engine.begin() as conn:
            three_topics.insert_views(conn, consultation_id, "TRI")
    finally:
        engine.dispose()


def _send_recorded_view(page: Any, url: str) -> str:
    """A spoken view sent through the form's file input (the path without JavaScript)."""
    from tests.media import sounds

    sounds.require_ffmpeg()
    page.goto(url)
    page.locator("#recording").set_input_files(
        files=[{"name": "inspelning.webm", "mimeType": "audio/webm", "buffer": sounds.tone_webm(2.0)}]
    )
    page.locator("#recording_consent").check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    errors = page.locator(".error-summary").all_inner_texts()
    return page.url + (f" (form errors: {' / '.join(errors)})" if errors else "")


@pytest.fixture(scope="session")
def anon_page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """One anonymous page for the whole session (contexts are slow to create)."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    context.add_init_script(script=axe_source())  # once, not per page: see run_axe
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def staff_page(browser: Any, live_server: LiveServer, staff_state: dict[str, Any]) -> Iterator[Any]:
    """One page logged in as the demo staff user for the whole session."""
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, storage_state=staff_state)
    context.add_init_script(script=axe_source())
    yield context.new_page()
    context.close()


@pytest.fixture
def new_context(browser: Any, live_server: LiveServer, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """Factory for browser contexts, all closed at the end of the test.

    ``staff=True`` gives a logged-in context; other keywords go to
    ``browser.new_context``. CSP is bypassed so axe can be injected inline.
    """
    contexts: list[Any] = []

    def _new(staff: bool = False, **kwargs: Any) -> Any:
        kwargs.setdefault("base_url", live_server.url)
        kwargs.setdefault("bypass_csp", True)
        if staff:
            kwargs["storage_state"] = request.getfixturevalue("staff_state")
        context = browser.new_context(**kwargs)
        contexts.append(context)
        return context

    yield _new
    for context in contexts:
        context.close()
