from __future__ import annotations

import pytest

from app import create_app
from config import ProductionConfig, TestConfig


def test_production_refuses_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_starts_with_real_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(ProductionConfig)
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://samrad.example")
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app(ProductionConfig)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://samrad.example")
    app = create_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["WTF_CSRF_ENABLED"] is True
    app.extensions["db"].engine.dispose()


def test_root_redirects_by_accept_language(client) -> None:
    assert client.get("/").headers["Location"].endswith("/sv/")
    assert client.get("/", headers={"Accept-Language": "rom, sv;q=0.5"}).headers["Location"].endswith("/rom/")
    assert client.get("/", headers={"Accept-Language": "en-GB"}).headers["Location"].endswith("/sv/")


@pytest.mark.parametrize("lang,html_lang", [("sv", "sv"), ("rom", "rom")])
def test_pages_declare_language_and_alternates(client, lang: str, html_lang: str) -> None:
    html = client.get(f"/{lang}/").get_data(as_text=True)
    assert f'<html lang="{html_lang}" dir="ltr">' in html
    assert 'hreflang="sv" href="http://localhost/sv/"' in html
    assert 'hreflang="rom" href="http://localhost/rom/"' in html


def test_unknown_language_is_404(client) -> None:
    assert client.get("/en/").status_code == 404


def test_language_switcher_keeps_page_and_query(client) -> None:
    html = client.get("/sv/consultations/?when=past").get_data(as_text=True)
    assert 'href="/rom/consultations/?when=past"' in html


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_error_page_in_language_of_path(client, lang: str) -> None:
    response = client.get(f"/{lang}/no-such-page")
    assert response.status_code == 404
    assert f'<html lang="{lang}"' in response.get_data(as_text=True)


def test_security_headers_on_every_response(client) -> None:
    for url in ("/sv/", "/healthz", "/sv/no-such-page", "/sv/consultations.ics"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]


def test_healthz_ok(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_unavailable_database(tmp_path) -> None:
    app = create_app(TestConfig, {"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    app.logger.disabled = True
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json is not None and response.json["status"] == "unavailable"
    app.extensions["db"].engine.dispose()


def test_production_cookie_flags_and_hsts(monkeypatch: pytest.MonkeyPatch, engine, db_session, create_user) -> None:
    monkeypatch.setenv("SECRET_KEY", "y" * 40)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://samrad.example")
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    app = create_app(ProductionConfig, {"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    app.extensions["db"].external_session = db_session
    user = create_user()
    client = app.test_client()
    response = client.post(
        "/sv/login",
        data={"email": user.email, "password": "correct horse battery staple"},
        base_url="https://localhost",
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    for url in ("/sv/", "/sv/staff/"):
        headers = client.get(url, base_url="https://localhost").headers
        assert headers["Strict-Transport-Security"].startswith("max-age=")
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    app.extensions["db"].engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "/sv/consultations/99999999999999999999",
        "/api/v1/consultations/4294967296",
        "/rom/consultations/2147483648/feedback",
    ],
)
def test_ids_too_large_for_the_database_are_404(client, url) -> None:
    assert client.get(url).status_code == 404
