"""Every absolute link comes from PUBLIC_BASE_URL, never from the request (issue 13, item 1).

Each caller of :func:`app.common.urls.external_url` is driven with a forged
``Host`` and a forged ``X-Forwarded-Host`` (behind ``PROXY_FIX``): the links
in mails, feeds, calendars, the API, QR posters, private registration pages
and ``hreflang`` alternates must still point at the configured base URL.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.common.urls import external_url
from app.mail.models import OutboxMessage
from tests.conftest import in_days

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://samrad.example"
FORGED = {"X-Forwarded-Host": "forwarded.evil.example", "X-Forwarded-Proto": "http"}
FORGED_BASE_URL = "http://evil.example"


@pytest.fixture
def app_overrides():
    return {"PUBLIC_BASE_URL": BASE, "PROXY_FIX": True}


def _links(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


def _assert_on_base(text: str, *, at_least: int = 1) -> None:
    links = [link for link in _links(text) if "w3.org" not in link and "xmlns" not in link]
    assert "evil" not in text
    ours = [link for link in links if link.startswith(BASE + "/")]
    assert len(ours) >= at_least, links


def _get(client, url: str):
    return client.get(url, base_url=FORGED_BASE_URL, headers=FORGED)


def _post(client, url: str, data: dict):
    return client.post(url, base_url=FORGED_BASE_URL, headers=FORGED, data=data)


def _login(client, db_session, user) -> None:
    """Log in on the forged host (the test client keeps cookies per host)."""
    from tests.conftest import PASSWORD, totp_code

    response = _post(client, "/sv/login", {"email": user.email, "password": PASSWORD})
    if response.headers.get("Location", "").endswith("/login/code"):
        response = _post(client, "/sv/login/code", {"code": totp_code(user)})
    assert response.status_code == 302 and "/login" not in response.headers["Location"]


def _outbox(db_session, kind: str) -> OutboxMessage:
    return db_session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id.desc())
    ).first()


def test_no_url_built_from_the_request_in_app_or_templates() -> None:
    pattern = re.compile(r"_external\s*=\s*True|request\.host_url|url_root|force_external")
    offenders = []
    for folder in ("app", "templates"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".html", ".txt", ".ics", ".xml"} and path.is_file():
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                    if pattern.search(line) and path != ROOT / "app/common/urls.py":
                        offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_external_url_ignores_the_request_and_keeps_a_base_path(app) -> None:
    app.config["PUBLIC_BASE_URL"] = "https://city.example/samrad/"
    with app.test_request_context("/rom/", base_url=FORGED_BASE_URL, headers=FORGED):
        app.preprocess_request()
        assert external_url("site.home") == "https://city.example/samrad/rom/"
        assert (
            external_url("wishes.index", lang_code="sv", _anchor="wish-3")
            == "https://city.example/samrad/sv/wishes/#wish-3"
        )
    with app.app_context():  # no request at all (CLI, mail sender)
        assert external_url("site.home", lang_code="sv") == "https://city.example/samrad/sv/"


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_password_reset_mail_ignores_forged_host(client, db_session, create_user, lang) -> None:
    user = create_user()
    assert _get(client, f"/{lang}/password/forgot").status_code == 200
    _post(client, f"/{lang}/password/forgot", {"email": user.email})
    message = _outbox(db_session, "account.password_reset")
    assert message is not None
    _assert_on_base(message.body_text)
    assert f"{BASE}/sv/password/reset/" in message.body_text


def test_welcome_mail_ignores_forged_host(client, auth, db_session, create_user) -> None:
    admin = create_user(is_site_admin=True)
    _login(client, db_session, admin)
    response = _post(
        client,
        "/sv/staff/admin/users/new",
        {"name": "Ny Person", "email": "ny.person@stockholm.example", "preferred_language": "rom"},
    )
    assert response.status_code == 302
    message = _outbox(db_session, "account.welcome")
    _assert_on_base(message.body_text)
    assert f"{BASE}/rom/password/reset/" in message.body_text


def test_feeds_and_calendars_ignore_forged_host(client, create_consultation) -> None:
    consultation = create_consultation()
    for url in ("/sv/consultations.atom", f"/sv/consultations/{consultation.id}.ics", "/sv/consultations.ics"):
        response = _get(client, url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True).replace("\r\n ", "")  # unfold iCalendar lines
        _assert_on_base(text)
        assert f"{BASE}/sv/consultations/{consultation.id}" in text


def test_api_links_ignore_forged_host(client, create_consultation) -> None:
    consultation = create_consultation()
    data = _get(client, f"/api/v1/consultations/{consultation.id}").json
    assert data["url"] == f"{BASE}/sv/consultations/{consultation.id}"
    assert data["feedback_url"].startswith(BASE + "/api/")


def test_private_registration_link_and_mail_ignore_forged_host(client, db_session, create_consultation) -> None:
    consultation = create_consultation(capacity=10)
    response = _post(
        client,
        f"/rom/consultations/{consultation.id}/register",
        {
            "name": "Sara Lindberg",
            "email": "sara@example.com",
            "language": "rom",
            "consent": "y",
            "submission_key": "k-forged-host",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = _get(client, response.headers["Location"]).get_data(as_text=True)
    assert f"{BASE}/rom/registrations/" in page and "evil" not in page
    (mail,) = db_session.scalars(sa.select(OutboxMessage)).all()
    _assert_on_base(mail.body_text)


def test_qr_poster_ignores_forged_host(client, auth, db_session, create_board, create_user) -> None:
    from app.experiences.models import Service, Survey

    board = create_board()
    editor = create_user(boards={board: Role.EDITOR})
    service = Service(board=board, name_sv="Biblioteket", name_rom="I biblioteka")
    survey = Survey(
        service=service,
        short_code="QRX234",
        title_sv="Hur var det?",
        title_rom="Sar sas?",
        opens_dt=in_days(-1),
        closes_dt=in_days(10),
        published_dt=in_days(-1),
    )
    db_session.add_all([service, survey])
    db_session.commit()
    _login(client, db_session, editor)
    html = _get(client, f"/sv/staff/experiences/surveys/{survey.id}/poster").get_data(as_text=True)
    assert f"{BASE}/rom/" in html and f"{BASE}/sv/" in html and "evil" not in html


def test_hreflang_alternates_ignore_forged_host(client, create_consultation) -> None:
    consultation = create_consultation()
    html = _get(client, f"/sv/consultations/{consultation.id}").get_data(as_text=True)
    assert f'hreflang="rom" href="{BASE}/rom/consultations/{consultation.id}"' in html
    assert "evil" not in html


def test_development_base_url_follows_port(monkeypatch) -> None:
    import importlib

    import config

    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "8000")
    try:
        assert importlib.reload(config).Config.PUBLIC_BASE_URL == "http://127.0.0.1:8000"
    finally:
        monkeypatch.undo()
        importlib.reload(config)
