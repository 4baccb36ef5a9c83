"""Staff sign-in with the City's account (issue 19), against a real OpenID provider.

``tests/accounts/oidc_provider.mjs`` runs panva's certified ``oidc-provider`` (pinned in
package.json) on a loopback port, with a confidential client and two people: alice
(password only) and bob (``amr`` with ``mfa``). The browser's part of the flow (following
the provider's redirects) is played by a ``requests`` session; the app talks to the
provider for real (discovery, keys, token endpoint, refresh).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
import sqlalchemy as sa

from app.accounts.models import AccessRequest, AccessRequestStatus, Role, User
from tests.accounts.oidc_support import CLIENT_ID, Provider, free_port, running_provider
from tests.conftest import PASSWORD, AuthActions, totp_code
from tests.support import present

APP_BASE = "http://localhost"


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Provider]:
    with running_provider(APP_BASE) as provider:
        yield provider


@pytest.fixture
def provider(oidc_provider: Provider) -> Provider:
    oidc_provider.reset()
    return oidc_provider


@pytest.fixture
def sso_settings() -> dict:
    return {}


@pytest.fixture
def app_overrides(oidc_provider: Provider, sso_settings: dict) -> dict:
    return oidc_provider.settings(PUBLIC_BASE_URL=APP_BASE, **sso_settings)


def _authorize(client, provider: Provider, account: str = "alice", lang: str = "sv", deny: bool = False) -> str:
    """Start the sign-in and play the browser at the provider; the callback path to call."""
    provider.next(account, deny=deny)
    response = client.get(f"/{lang}/login/city")
    assert response.status_code == 302, response.get_data(as_text=True)
    url = response.headers["Location"]
    assert url.startswith(provider.issuer + "/auth")
    browser = requests.Session()
    for _ in range(10):
        answer = browser.get(url, allow_redirects=False, timeout=5)
        assert answer.status_code in (302, 303), answer.text[:500]
        url = urljoin(url, answer.headers["Location"])
        if url.startswith(APP_BASE + "/"):
            return url[len(APP_BASE) :]
    raise AssertionError("the provider never sent the browser back")


def _sign_in(client, provider: Provider, account: str = "alice", lang: str = "sv"):
    return client.get(_authorize(client, provider, account, lang))


def _logged_in(client) -> bool:
    return client.get("/sv/staff/").status_code == 200


def _linked(db_session, sub: str) -> User:
    return present(db_session.scalar(sa.select(User).where(User.oidc_sub == sub)))


# --- The login page and the flow --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "label"), [("sv", "Logga in med stadens konto"), ("rom", "Dža andre le forosko kontosa")]
)
def test_login_page_offers_the_city_account_first(client, provider, lang, label) -> None:
    html = client.get(f"/{lang}/login").get_data(as_text=True)
    assert label in html
    assert html.index(label) < html.index('name="password"')


def test_authorization_request_uses_pkce_state_and_nonce(client, provider) -> None:
    location = client.get("/sv/login/city").headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == [f"{APP_BASE}/oidc/callback"]
    assert query["client_id"] == [CLIENT_ID] and "openid" in query["scope"][0].split()


# --- Who gets in ----------------------------------------------------------------------------------------


def test_an_unknown_person_gets_an_access_request_until_an_admin_grants_it(
    app, client, provider, db_session, create_user
) -> None:
    response = _sign_in(client, provider, "alice")
    assert response.status_code == 200
    assert "administrat" in response.get_data(as_text=True)
    assert not _logged_in(client)
    (row,) = db_session.scalars(sa.select(AccessRequest)).all()
    assert (row.sub, row.email, row.status) == ("alice", "alice@stockholm.example", AccessRequestStatus.PENDING)
    _sign_in(client, provider, "alice")  # asking twice keeps one request
    assert db_session.scalar(sa.select(sa.func.count()).select_from(AccessRequest)) == 1

    admin_client = app.test_client()
    AuthActions(admin_client).login(create_user(is_site_admin=True))
    page = admin_client.get("/sv/staff/admin/access-requests").get_data(as_text=True)
    assert "Alice Andersson" in page and "alice@stockholm.example" in page
    response = admin_client.post(f"/sv/staff/admin/access-requests/{row.id}", data={"decision": "create"})
    assert response.status_code == 302
    user = _linked(db_session, "alice")
    assert user is not None and user.memberships == [] and not user.is_site_admin

    response = _sign_in(client, provider, "alice")
    assert response.status_code == 302 and _logged_in(client)


def test_an_email_match_is_only_a_hint_for_the_admin(app, client, provider, db_session, create_user) -> None:
    local = create_user(email="alice@stockholm.example")
    _sign_in(client, provider, "alice")
    assert not _logged_in(client) and local.oidc_sub is None
    (row,) = db_session.scalars(sa.select(AccessRequest)).all()
    admin_client = app.test_client()
    AuthActions(admin_client).login(create_user(is_site_admin=True))
    assert local.email in admin_client.get("/sv/staff/admin/access-requests").get_data(as_text=True)
    admin_client.post(f"/sv/staff/admin/access-requests/{row.id}", data={"decision": "link"})
    assert local.oidc_sub == "alice"
    assert _sign_in(client, provider, "alice").status_code == 302 and _logged_in(client)
    # a linked account signs in at the provider: its local password no longer works
    other = app.test_client()
    other.post("/sv/login", data={"email": local.email, "password": PASSWORD})
    assert not _logged_in(other)


def test_a_declined_request_gets_a_clear_answer(app, client, provider, db_session, create_user) -> None:
    _sign_in(client, provider, "alice")
    (row,) = db_session.scalars(sa.select(AccessRequest)).all()
    admin_client = app.test_client()
    AuthActions(admin_client).login(create_user(is_site_admin=True))
    admin_client.post(f"/sv/staff/admin/access-requests/{row.id}", data={"decision": "decline"})
    response = _sign_in(client, provider, "alice")
    assert response.status_code == 403 and "avslag" in response.get_data(as_text=True).lower()


class TestRoleMapping:
    @pytest.fixture
    def sso_settings(self) -> dict:
        return {
            "OIDC_ROLE_CLAIM": "groups",
            "OIDC_ROLE_MAP": "samrad-kultur-editors=kultur:editor; samrad-admins=site-admin",
        }

    def test_a_mapped_group_gives_the_board_role(self, client, provider, db_session, create_board) -> None:
        board = create_board(slug="kultur")
        response = _sign_in(client, provider, "alice")
        assert response.status_code == 302 and _logged_in(client)
        user = _linked(db_session, "alice")
        assert user.role_in(board.id) is Role.EDITOR and user.email == "alice@stockholm.example"
        assert db_session.scalar(sa.select(sa.func.count()).select_from(AccessRequest)) == 0

    def test_a_site_admin_with_mfa_at_the_provider_needs_no_local_code(self, client, provider, db_session) -> None:
        response = _sign_in(client, provider, "bob")
        assert response.status_code == 302 and "two-factor" not in response.headers["Location"]
        assert _linked(db_session, "bob").is_site_admin
        assert client.get("/sv/staff/admin/users").status_code == 200

    def test_the_role_follows_the_provider(self, client, provider, db_session, create_board) -> None:
        board = create_board(slug="kultur")
        other = create_board()
        _sign_in(client, provider, "alice")
        user = _linked(db_session, "alice")
        from app.accounts.services import grant_role

        grant_role(db_session, user, other, Role.PUBLISHER)  # an administrator's own grant stays
        grant_role(db_session, user, board, Role.PUBLISHER)  # a mapped board follows the provider
        db_session.commit()
        _sign_in(client, provider, "alice")
        assert user.role_in(board.id) is Role.EDITOR and user.role_in(other.id) is Role.PUBLISHER


class TestAdminWithoutMfa:
    @pytest.fixture
    def sso_settings(self) -> dict:
        return {"OIDC_ROLE_CLAIM": "groups", "OIDC_ROLE_MAP": "samrad-kultur-editors=site-admin"}

    def test_must_set_up_the_local_code(self, client, provider) -> None:
        response = _sign_in(client, provider, "alice")
        assert response.headers["Location"].endswith("/sv/staff/account/two-factor")
        assert client.get("/sv/staff/admin/users").headers["Location"].endswith("/staff/account/two-factor")

    def test_gives_the_local_code(self, client, provider, db_session) -> None:
        _sign_in(client, provider, "alice")
        user = _linked(db_session, "alice")
        from app.accounts import totp
        from app.accounts.two_factor import store_totp_secret

        with client.application.app_context():
            store_totp_secret(user, totp.new_secret())
        db_session.commit()
        client.post("/sv/logout")
        response = _sign_in(client, provider, "alice")
        assert response.headers["Location"].endswith("/sv/login/code")
        assert not _logged_in(client)
        assert client.post("/sv/login/code", data={"code": totp_code(user)}).status_code == 302
        assert client.get("/sv/staff/admin/users").status_code == 200


# --- Refusals ------------------------------------------------------------------------------------------


def _refused(response, status: int = 400) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    html = response.get_data(as_text=True)
    assert "<h1>" in html
    return html


def test_a_tampered_state_is_refused(client, provider) -> None:
    path = _authorize(client, provider)
    parts = urlsplit(path)
    query = parse_qs(parts.query)
    query["state"] = ["forged" + query["state"][0]]
    from urllib.parse import urlencode

    html = _refused(client.get(parts.path + "?" + urlencode(query, doseq=True)))
    assert "Börja om" in html or "börja om" in html
    assert not _logged_in(client)


def test_a_replayed_code_is_refused(client, provider, db_session, create_user) -> None:
    create_user(email="x@stockholm.example")
    db_session.add(User(email="alice@idp.example", name="Alice", password_hash="!", oidc_sub="alice"))
    db_session.commit()
    path = _authorize(client, provider)
    with client.session_transaction() as session:
        saved = {k: v for k, v in session.items() if k.startswith("_state_")}
    assert client.get(path).status_code == 302
    client.post("/sv/logout")
    with client.session_transaction() as session:
        session.update(saved)  # even with the state back, the code is used up at the provider
    _refused(client.get(path))
    assert not _logged_in(client)


def test_a_wrong_nonce_is_refused(client, provider, db_session) -> None:
    db_session.add(User(email="alice@idp.example", name="Alice", password_hash="!", oidc_sub="alice"))
    db_session.commit()
    path = _authorize(client, provider)
    with client.session_transaction() as session:
        for key, value in session.items():
            if key.startswith("_state_"):
                value["data"]["nonce"] = "not-the-nonce-we-sent"
                session[key] = value
    html = _refused(client.get(path))
    assert "kunde inte kontrolleras" in html
    assert not _logged_in(client)


def test_an_id_token_for_another_audience_is_refused(client, provider, db_session, monkeypatch) -> None:
    """The provider's ID token names its client in ``aud``; one for another client is refused."""
    db_session.add(User(email="alice@idp.example", name="Alice", password_hash="!", oidc_sub="alice"))
    db_session.commit()
    from authlib.integrations.flask_client.apps import FlaskOAuth2App

    exchange = FlaskOAuth2App.fetch_access_token

    def exchange_then_expect_another_client(self, *args, **kwargs):
        token = exchange(self, *args, **kwargs)
        monkeypatch.setattr(self, "client_id", "another-application")  # as if we were registered as that one
        return token

    monkeypatch.setattr(FlaskOAuth2App, "fetch_access_token", exchange_then_expect_another_client)
    html = _refused(client.get(_authorize(client, provider)))
    assert "kunde inte kontrolleras" in html
    assert not _logged_in(client)


class TestExpiredToken:
    def test_an_expired_id_token_is_refused(self, client, provider, db_session) -> None:
        db_session.add(User(email="alice@idp.example", name="Alice", password_hash="!", oidc_sub="alice"))
        db_session.commit()
        path = _authorize(client, provider)
        provider.id_token_ttl(60)
        provider.clock(-3600)  # the ID token is issued an hour "ago": it expired 59 minutes ago
        try:
            html = _refused(client.get(path))
        finally:
            provider.clock(0)
        assert "kunde inte kontrolleras" in html
        assert not _logged_in(client)


class TestWrongIssuer:
    @pytest.fixture
    def sso_settings(self, oidc_provider) -> dict:
        # The provider answers at this address, but its documents name http://127.0.0.1:<port>.
        return {"OIDC_ISSUER": f"http://localhost:{oidc_provider.port}"}

    def test_a_provider_naming_another_issuer_is_refused(self, client, provider) -> None:
        html = _refused(client.get("/rom/login/city"))
        assert 'lang="rom"' in html


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_denied_consent_gives_a_clear_page(client, provider, lang) -> None:
    html = _refused(client.get(_authorize(client, provider, lang=lang, deny=True)), 403)
    assert f'lang="{lang}"' in html and "Samrådsportalen" in html
    assert not _logged_in(client)


# --- Sessions -----------------------------------------------------------------------------------------


def test_logout_ends_the_session_and_the_providers(app, client, provider, db_session) -> None:
    db_session.add(User(email="alice@idp.example", name="Alice", password_hash="!", oidc_sub="alice"))
    db_session.commit()
    _sign_in(client, provider)
    cookie = client.get_cookie("session").value
    response = client.post("/sv/logout")
    location = response.headers["Location"]
    assert location.startswith(provider.issuer + "/session/end")
    query = parse_qs(urlsplit(location).query)
    assert query["post_logout_redirect_uri"] == [f"{APP_BASE}/oidc/logged-out"] and query["id_token_hint"]
    assert requests.get(location, timeout=5).status_code == 200  # the provider accepts the hint
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    assert not _logged_in(client) and not _logged_in(thief)


def test_a_person_disabled_at_the_provider_is_logged_out_at_the_next_check(client, provider, db_session) -> None:
    user = User(email="bob@idp.example", name="Bob", password_hash="!", oidc_sub="bob")
    db_session.add(user)
    db_session.commit()
    _sign_in(client, provider, "bob")
    assert _logged_in(client) and user.oidc_refresh_token and "bob" not in user.oidc_refresh_token
    from datetime import timedelta

    user.oidc_checked_dt = present(user.oidc_checked_dt) - timedelta(hours=1)
    db_session.commit()
    assert _logged_in(client)  # still allowed at the provider: the refresh works
    user.oidc_checked_dt = present(user.oidc_checked_dt) - timedelta(hours=1)
    db_session.commit()
    provider.disable("bob")
    assert not _logged_in(client)


def test_an_admin_ends_a_persons_sessions_at_once(app, client, provider, db_session, create_user) -> None:
    user = User(email="alice@idp.example", name="Alice", password_hash="!", oidc_sub="alice")
    db_session.add(user)
    db_session.commit()
    _sign_in(client, provider)
    assert _logged_in(client)
    admin_client = app.test_client()
    AuthActions(admin_client).login(create_user(is_site_admin=True))
    assert admin_client.post(f"/sv/staff/admin/users/{user.id}/end-sessions").status_code == 302
    assert not _logged_in(client)


# --- Provider down, LOCAL_LOGIN=off, break-glass -----------------------------------------------------------


class TestProviderDown:
    @pytest.fixture
    def sso_settings(self) -> dict:
        return {"OIDC_ISSUER": f"http://127.0.0.1:{free_port()}", "OIDC_TIMEOUT": 2}

    @pytest.mark.parametrize("lang", ["sv", "rom"])
    def test_a_clear_page_and_the_password_login_still_works(self, client, create_user, lang) -> None:
        html = _refused(client.get(f"/{lang}/login/city"), 503)
        assert f'href="/{lang}/login#' in html or f'href="/{lang}/login"' in html
        user = create_user()
        assert client.post(f"/{lang}/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
        assert _logged_in(client)


class TestLocalLoginOff:
    @pytest.fixture
    def sso_settings(self) -> dict:
        return {"LOCAL_LOGIN": False}

    def test_no_password_form_and_break_glass_works_once(self, app, client, provider, create_user, db_session) -> None:
        admin = create_user(is_site_admin=True)
        html = client.get("/sv/login").get_data(as_text=True)
        assert 'name="password"' not in html and "Logga in med stadens konto" in html
        assert client.post("/sv/login", data={"email": admin.email, "password": PASSWORD}).status_code == 404
        assert client.get("/sv/password/forgot").status_code == 404
        assert not _logged_in(client)

        result = app.test_cli_runner().invoke(args=["break-glass-login", admin.email])
        assert result.exit_code == 0, result.output
        link = result.output.strip().splitlines()[-1]
        assert link.startswith(APP_BASE + "/sv/login/break-glass/")
        path = link[len(APP_BASE) :]
        assert client.get(path).status_code == 200  # only a button: a link scanner uses nothing up
        response = client.post(path)
        assert response.headers["Location"].endswith("/sv/login/code")
        assert client.post("/sv/login/code", data={"code": totp_code(admin)}).status_code == 302
        assert _logged_in(client)
        assert app.test_client().get(path).status_code == 404  # used up
        kinds = [
            row.kind
            for row in db_session.scalars(sa.select(__import__("app.mail.models", fromlist=["x"]).OutboxMessage))
        ]
        assert "account.break_glass" in kinds


def test_a_malformed_role_map_stops_the_start(engine) -> None:
    from app import create_app
    from config import TestConfig

    with pytest.raises(ValueError, match="OIDC_ROLE_MAP"):
        create_app(
            TestConfig,
            {"DATABASE_URL": "sqlite://", "OIDC_ROLE_CLAIM": "groups", "OIDC_ROLE_MAP": "samrad-x=kultur:owner"},
        )
