"""Signing in with the City's account in real Chromium at 390 px, against a real OpenID
provider (panva's oidc-provider), on a live server of its own configured for it:
the login page offers the City's account first, the provider's answer logs the person
in, logout goes through the provider and back, and a refusal is a clear page without
axe-core violations, in Swedish and Romani."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.accounts.oidc_support import Provider, free_port, running_provider
from tests.browser.support import axe_source, format_violations, require_prerequisites, run_axe
from tests.support import serve

pytestmark = pytest.mark.browser

BOARD = "kultur-sso"


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Provider]]:
    require_prerequisites()
    from app import create_app
    from app.boards.models import Board, BoardKind
    from app.db import make_engine
    from app.migrate import upgrade
    from config import TestConfig

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    url = f"sqlite:///{tmp_path_factory.mktemp('sso') / 'sso.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            Board.__table__.insert().values(
                slug=BOARD,
                kind=BoardKind.SPECIALIST.value,
                name_sv="Kulturnämnden",
                name_rom="I Komisia vash i Kultura",
                contact_email="kultur@stockholm.example",
            )
        )
    engine.dispose()
    with running_provider(base) as provider:
        application = create_app(
            TestConfig,
            {
                "DATABASE_URL": url,
                "WTF_CSRF_ENABLED": True,
                "TESTING": False,
                "RATELIMIT_ENABLED": False,
                "PUBLIC_BASE_URL": base,
                **provider.settings(OIDC_ROLE_CLAIM="groups", OIDC_ROLE_MAP=f"samrad-kultur-editors={BOARD}:editor"),
            },
        )
        with serve(application, port):
            yield base, provider


@pytest.fixture
def phone(browser: Any, sso_server: tuple[str, Provider]) -> Iterator[Any]:
    base, provider = sso_server
    provider.reset()
    context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844}, bypass_csp=True)
    context.add_init_script(script=axe_source())
    yield context.new_page()
    context.close()


def _no_axe_violations(page: Any) -> None:
    violations = run_axe(page)
    assert not violations, format_violations(page.url, violations)


def _no_horizontal_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


@pytest.mark.parametrize(
    ("lang", "button"), [("sv", "Logga in med stadens konto"), ("rom", "Dža andre le forosko kontosa")]
)
def test_sign_in_and_out_with_the_city_account(
    phone: Any, sso_server: tuple[str, Provider], lang: str, button: str
) -> None:
    base, provider = sso_server
    provider.next("alice")
    phone.goto(f"/{lang}/login")
    _no_axe_violations(phone)
    _no_horizontal_scroll(phone)
    first = phone.locator("main a.button, main button").first
    assert first.inner_text().strip() == button  # the City's account comes first
    with phone.expect_navigation(url=lambda u: urlsplit(u).path.startswith(f"/{lang}/staff")):
        first.click()
    assert phone.url.startswith(base + f"/{lang}/staff")
    _no_horizontal_scroll(phone)
    # logout goes through the provider (RP-initiated) and comes back to the site
    with phone.expect_navigation(
        url=lambda u: u.startswith(base) and "/staff" not in u and "/oidc/" not in u, timeout=15000
    ):
        phone.locator("form[action$='/logout'] button").first.click()
    assert phone.goto(f"/{lang}/staff/").url.split("?")[0].endswith(f"/{lang}/login")


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_a_refused_sign_in_is_a_clear_page(phone: Any, sso_server: tuple[str, Provider], lang: str) -> None:
    base, provider = sso_server
    provider.next("alice", deny=True)
    phone.goto(f"/{lang}/login")
    with phone.expect_navigation(url=lambda u: u.startswith(base + "/oidc/callback")):
        phone.locator("main a.button").first.click()
    assert phone.locator("html").get_attribute("lang") == lang
    assert phone.locator("h1").count() == 1
    assert phone.locator(f"main a[href='/{lang}/login']").count() == 1  # the password login is still there
    _no_axe_violations(phone)
    _no_horizontal_scroll(phone)
