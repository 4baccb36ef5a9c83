"""Accounts: passwords, reset by e-mail token, logout everywhere, two-factor login."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts import login, services
from app.common.errors import DomainError
from app.mail.models import OutboxMessage
from tests.conftest import PASSWORD, plain_totp_secret
from tests.support import first_group


@pytest.mark.parametrize(
    "password", ["short", "password1234", "Stockholm2026", "aaaaaaaaaaaaaaa", "anna.svensson-rocks!"]
)
def test_weak_passwords_refused(db_session, password):
    with pytest.raises(DomainError) as error:
        services.create_user(db_session, email="anna.svensson@stockholm.example", name="Anna", password=password)
    assert error.value.field == "password"


def test_login_rotates_session(client, create_user):
    user = create_user()
    with client.session_transaction() as session:
        session["planted"] = "fixation"
    client.post("/sv/login", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == user.get_id()


def test_password_reset_is_single_use(client, create_user, db_session):
    user = create_user()
    client.post("/rom/password/forgot", data={"email": user.email})
    client.post("/rom/password/forgot", data={"email": "nobody@stockholm.example"})
    (message,) = db_session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "account.password_reset")
    ).all()
    assert message.to_address == user.email and message.language == user.preferred_language
    link = first_group(r"http://localhost(/\S+)", message.body_text)
    assert client.get(link).status_code == 200
    response = client.post(
        link, data={"password": "a long new phrase of words", "confirm": "a long new phrase of words"}
    )
    assert response.status_code == 302
    assert client.get(link).status_code == 404  # used
    assert login.authenticate(db_session, user.email, "a long new phrase of words") is user


def test_reset_token_expires(app, create_user, db_session):
    user = create_user()
    token = services.make_reset_token(user, app.config["SECRET_KEY"])
    assert services.user_for_reset_token(db_session, token, app.config["SECRET_KEY"]) is user
    assert services.user_for_reset_token(db_session, token, app.config["SECRET_KEY"], max_age=-1) is None
    assert services.user_for_reset_token(db_session, token + "x", app.config["SECRET_KEY"]) is None


def test_reset_form_keeps_errors_next_to_fields(client, app, create_user):
    user = create_user()
    token = services.make_reset_token(user, app.config["SECRET_KEY"])
    html = client.post(f"/sv/password/reset/{token}", data={"password": "short", "confirm": "short"}).get_data(
        as_text=True
    )
    assert 'id="password-error"' in html
    html = client.post(
        f"/sv/password/reset/{token}", data={"password": "long enough phrase one", "confirm": "other"}
    ).get_data(as_text=True)
    assert 'id="confirm-error"' in html


def test_logout_everywhere(app, create_user, auth, client):
    user = create_user()
    other_device = app.test_client()
    other_device.post("/sv/login", data={"email": user.email, "password": PASSWORD})
    assert other_device.get("/sv/staff/").status_code == 200
    auth.login(user)
    client.post("/sv/staff/account/logout-everywhere")
    assert other_device.get("/sv/staff/").status_code == 302
    assert client.get("/sv/staff/").status_code == 302


def test_change_password_keeps_this_session(client, auth, create_user):
    user = create_user()
    auth.login(user)
    response = client.post(
        "/sv/staff/account",
        data={
            "current_password": PASSWORD,
            "password": "another long phrase here",
            "confirm": "another long phrase here",
        },
    )
    assert response.status_code == 302
    assert client.get("/sv/staff/").status_code == 200


def _code(secret: str) -> str:
    from app.accounts import totp

    return totp.code_at(secret, totp.current_step())


def test_totp_verification_window_and_replay():
    from app.accounts import totp

    secret = totp.new_secret()
    now = 1_800_000_000.0
    step = totp.current_step(now)
    assert totp.verify(secret, totp.code_at(secret, step - 1), now=now) == step - 1
    assert totp.verify(secret, totp.code_at(secret, step - 3), now=now) is None
    assert totp.verify(secret, totp.code_at(secret, step), now=now, last_step=step) is None
    assert totp.verify(secret, "12345", now=now) is None
    assert totp.code_at("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 1) == "287082"  # RFC 6238 test vector (T=59 s)


def test_two_factor_setup_and_login(client, auth, create_user, db_session):
    user = create_user()
    auth.login(user)
    secret = auth.offered_totp_secret()
    html = client.post("/sv/staff/account/two-factor", data={"current_password": PASSWORD, "code": "000000"}).get_data(
        as_text=True
    )
    assert 'id="code-error"' in html
    assert (
        client.post(
            "/sv/staff/account/two-factor", data={"current_password": PASSWORD, "code": _code(secret)}
        ).status_code
        == 302
    )
    assert plain_totp_secret(user) == secret and secret not in user.totp_secret
    auth.logout()
    response = client.post("/sv/login", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/sv/login/code")
    assert client.get("/sv/staff/").status_code == 302  # not logged in yet
    # the code that enabled it cannot be replayed
    assert 'id="code-error"' in client.post("/sv/login/code", data={"code": _code(secret)}).get_data(as_text=True)
    user.totp_last_step = user.totp_last_step - 5
    db_session.commit()
    assert client.post("/sv/login/code", data={"code": _code(secret)}).status_code == 302
    assert client.get("/sv/staff/").status_code == 200


def test_site_admin_must_set_up_two_factor(client, auth, create_user):
    admin = create_user(is_site_admin=True, two_factor=False)
    response = auth.login(admin)
    assert response.headers["Location"].endswith("/sv/staff/account/two-factor")
    assert client.get("/sv/staff/").headers["Location"].endswith("/sv/staff/account/two-factor")
    assert client.get("/rom/staff/translations").headers["Location"].endswith("/rom/staff/account/two-factor")


def test_language_choice_is_remembered(client, auth, create_user, db_session):
    user = create_user()
    auth.login(user)
    response = client.post("/sv/staff/account/language", data={"language": "rom"})
    assert response.headers["Location"].endswith("/rom/staff/account")
    assert user.preferred_language == "rom"
    assert 'id="language-error"' in client.post("/sv/staff/account/language", data={"language": "xx"}).get_data(
        as_text=True
    )
    auth.logout()
    assert auth.login(user).headers["Location"].endswith("/rom/staff/")


def test_easy_read_page_linked_everywhere(client, create_consultation):
    c = create_consultation()
    for lang in ("sv", "rom"):
        assert client.get(f"/{lang}/easy-read").status_code == 200
        assert f'href="/{lang}/easy-read"' in client.get(f"/{lang}/consultations/{c.id}").get_data(as_text=True)
