"""Account takeover defences (issue 13, items 2-6 and 14): sessions the server can end,
re-authentication, throttling instead of lockout, two-factor guessing, no-store,
encrypted two-factor secrets and a private export."""

from __future__ import annotations

import json
import os
import re
import stat
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts import login, services, throttle, totp
from app.accounts.models import LoginThrottle, Role
from app.db import utcnow
from app.mail.models import OutboxMessage
from tests.conftest import PASSWORD, plain_totp_secret, totp_code

NEW_PASSWORD = "a completely new phrase of words"


def _mails(db_session, kind: str) -> list[OutboxMessage]:
    return list(
        db_session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id))
    )


def _copy_session(app, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def _logged_in(client) -> bool:
    return client.get("/sv/staff/").status_code == 200


# --- 2. Sessions the server can end -----------------------------------------------------------


def test_logout_ends_a_copied_session(app, client, auth, create_user) -> None:
    user = create_user()
    auth.login(user)
    thief = _copy_session(app, client)
    assert _logged_in(thief)
    auth.logout()
    assert not _logged_in(client)
    assert not _logged_in(thief)


@pytest.mark.parametrize(
    "how", ["password_change", "password_reset", "role_removed", "disabled", "site_admin_removed", "logout_everywhere"]
)
def test_every_session_ends(app, client, auth, create_user, create_board, db_session, how) -> None:
    board = create_board()
    user = create_user(boards={board: Role.PUBLISHER}, is_site_admin=how == "site_admin_removed")
    auth.login(user)
    thief = _copy_session(app, client)
    assert _logged_in(thief)
    if how == "password_change":
        client.post(
            "/sv/staff/account",
            data={
                "current_password": PASSWORD,
                "password": NEW_PASSWORD,
                "confirm": NEW_PASSWORD,
                "current_code": totp_code(user) if user.has_two_factor else "",
            },
        )
    elif how == "password_reset":
        token = services.make_reset_token(user, app.config["SECRET_KEY"])
        assert (
            app.test_client()
            .post(f"/sv/password/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
            .status_code
            == 302
        )
    elif how == "logout_everywhere":
        client.post("/sv/staff/account/logout-everywhere")
    else:
        admin = create_user(is_site_admin=True)
        admin_client = app.test_client()
        from tests.conftest import AuthActions

        AuthActions(admin_client).login(admin)
        data = {"is_active": "y", f"role_{board.id}": "publisher"}
        if how == "role_removed":
            data[f"role_{board.id}"] = ""
        elif how == "disabled":
            del data["is_active"]
        if how != "site_admin_removed" and user.is_site_admin:
            data["is_site_admin"] = "y"
        assert admin_client.post(f"/sv/staff/admin/users/{user.id}", data=data).status_code == 302
    assert not _logged_in(thief)


def test_saving_an_account_without_taking_rights_keeps_its_sessions(
    app, client, auth, create_user, create_board
) -> None:
    board = create_board()
    user = create_user(boards={board: Role.EDITOR})
    auth.login(user)
    admin_client = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(admin_client).login(create_user(is_site_admin=True))
    admin_client.post(f"/sv/staff/admin/users/{user.id}", data={"is_active": "y", f"role_{board.id}": "editor"})
    assert _logged_in(client)


# --- 3. Re-authentication and notices ----------------------------------------------------------


def test_password_change_needs_the_current_password_and_tells_the_holder(client, auth, create_user, db_session) -> None:
    user = create_user()
    user.preferred_language = "rom"
    db_session.commit()
    auth.login(user)
    old_hash = user.password_hash
    html = client.post("/sv/staff/account", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).get_data(
        as_text=True
    )
    assert 'id="current_password-error"' in html and user.password_hash == old_hash
    html = client.post(
        "/sv/staff/account",
        data={"current_password": "not my password at all", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ).get_data(as_text=True)
    assert 'id="current_password-error"' in html and user.password_hash == old_hash
    response = client.post(
        "/sv/staff/account", data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302 and user.password_hash != old_hash
    (mail,) = _mails(db_session, "account.password_changed")
    assert mail.to_address == user.email and mail.language == "rom"


def test_a_two_factor_account_also_needs_a_current_code(client, auth, create_user, db_session) -> None:
    user = create_user(two_factor=True)
    auth.login(user)
    old_hash = user.password_hash
    html = client.post(
        "/sv/staff/account", data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    ).get_data(as_text=True)
    assert 'id="current_code-error"' in html and user.password_hash == old_hash
    response = client.post(
        "/sv/staff/account",
        data={
            "current_password": PASSWORD,
            "current_code": totp_code(user),
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302 and user.password_hash != old_hash


def test_replacing_two_factor_needs_password_and_the_old_code(client, auth, create_user, db_session) -> None:
    user = create_user(two_factor=True)
    auth.login(user)
    old_secret = plain_totp_secret(user)
    new_secret = auth.offered_totp_secret()
    new_code = totp.code_at(new_secret, totp.current_step())
    for data, field in [
        ({"code": new_code}, "current_password"),
        ({"code": new_code, "current_password": PASSWORD}, "current_code"),
        ({"code": new_code, "current_password": PASSWORD, "current_code": "000000"}, "current_code"),
    ]:
        html = client.post("/sv/staff/account/two-factor", data=data).get_data(as_text=True)
        assert f'id="{field}-error"' in html, data
        assert plain_totp_secret(user) == old_secret
    response = client.post(
        "/sv/staff/account/two-factor",
        data={"code": new_code, "current_password": PASSWORD, "current_code": totp_code(user)},
    )
    assert response.status_code == 302
    assert plain_totp_secret(user) == new_secret
    assert [m.to_address for m in _mails(db_session, "account.two_factor_replaced")] == [user.email]


def test_turning_on_two_factor_needs_the_password_and_tells_the_holder(client, auth, create_user, db_session) -> None:
    user = create_user()
    auth.login(user)
    secret = auth.offered_totp_secret()
    code = totp.code_at(secret, totp.current_step())
    html = client.post("/sv/staff/account/two-factor", data={"code": code}).get_data(as_text=True)
    assert 'id="current_password-error"' in html and user.totp_secret is None
    assert (
        client.post("/sv/staff/account/two-factor", data={"code": code, "current_password": PASSWORD}).status_code
        == 302
    )
    assert len(_mails(db_session, "account.two_factor_on")) == 1


def test_email_change_needs_the_password_and_tells_both_addresses(client, auth, create_user, db_session) -> None:
    user = create_user()
    old = user.email
    auth.login(user)
    html = client.post(
        "/sv/staff/account/email",
        data={"email": "new.address@stockholm.example", "current_password": "wrong wrong wrong"},
    ).get_data(as_text=True)
    # next to the e-mail form's own password field (ids do not repeat on the account page)
    assert 'id="email-current_password-error"' in html and "new.address@stockholm.example" in html and user.email == old
    response = client.post(
        "/sv/staff/account/email", data={"email": "New.Address@stockholm.example", "current_password": PASSWORD}
    )
    assert response.status_code == 302 and user.email == "new.address@stockholm.example"
    assert sorted(m.to_address for m in _mails(db_session, "account.email_changed")) == sorted(
        [old, "new.address@stockholm.example"]
    )


def test_guessing_the_current_password_is_throttled(client, auth, create_user, db_session) -> None:
    user = create_user()
    auth.login(user)
    for _ in range(throttle.FREE_FAILURES["reauth"]):
        client.post(
            "/sv/staff/account",
            data={"current_password": "a wrong guess here", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        )
    old_hash = user.password_hash
    html = client.post(
        "/sv/staff/account", data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    ).get_data(as_text=True)
    assert 'id="current_password-error"' in html and user.password_hash == old_hash


# --- 4. Throttling instead of lockout -----------------------------------------------------------


def test_waits_grow_and_end_instead_of_a_lock(app, db_session, create_user) -> None:
    user = create_user()
    now = utcnow()
    with app.app_context():  # the holder's notice is rendered from templates
        for _ in range(throttle.FREE_FAILURES["email"]):
            assert login.authenticate(db_session, user.email, "wrong password!!", now=now) is None
        with pytest.raises(throttle.LoginThrottled) as first:
            login.authenticate(db_session, user.email, PASSWORD, now=now)
        later = now + first.value.wait + timedelta(seconds=1)
        assert login.authenticate(db_session, user.email, "wrong password!!", now=later) is None
        with pytest.raises(throttle.LoginThrottled) as second:
            login.authenticate(db_session, user.email, PASSWORD, now=later)
        assert second.value.wait > first.value.wait  # each failure beyond the free ones doubles the wait
        assert login.authenticate(db_session, user.email, PASSWORD, now=later + second.value.wait) is user


def _answer(client, email: str, password: str = "wrong password!!") -> str:
    html = client.post("/sv/login", data={"email": email, "password": password}).get_data(as_text=True)
    html = html.replace(email, "EMAIL")
    return re.sub(r'name="csrf_token"[^>]*', "", html)


def test_a_throttled_and_an_unknown_address_are_answered_alike(client, create_user, db_session, monkeypatch) -> None:
    user = create_user()
    unknown = "nobody.here@stockholm.example"
    for _ in range(throttle.FREE_FAILURES["email"]):
        _answer(client, user.email)
        _answer(client, unknown)
    checks = []
    real = login.verify_password

    def counting_verify(hashed, password):
        checks.append(hashed)
        return real(hashed, password)

    monkeypatch.setattr(login, "verify_password", counting_verify)
    known_answer = _answer(client, user.email, PASSWORD)
    unknown_answer = _answer(client, unknown, PASSWORD)
    assert known_answer == unknown_answer
    assert "Try again in" in known_answer or "Försök igen" in known_answer or "minut" in known_answer
    assert len(checks) == 2  # the same work (one hash check) for each


def test_the_holder_is_told_once_when_waits_begin(client, create_user, db_session) -> None:
    user = create_user()
    for _ in range(throttle.FREE_FAILURES["email"] + 3):
        _answer(client, user.email)
    (mail,) = _mails(db_session, "account.failed_logins")
    assert mail.to_address == user.email


def test_a_known_device_is_not_shut_out_by_a_stranger(app, client, auth, create_user) -> None:
    user = create_user()
    auth.login(user)  # this browser now carries the known-device cookie
    auth.logout()
    stranger = app.test_client()
    for _ in range(throttle.FREE_FAILURES["email"] + 2):
        _answer(stranger, user.email)
    assert "/login" in stranger.post("/sv/login", data={"email": user.email, "password": PASSWORD}).headers.get(
        "Location", "/login"
    )
    response = client.post("/sv/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and _logged_in(client)


def test_one_address_guessing_many_accounts_is_throttled(client, create_user, db_session) -> None:
    user = create_user()
    for n in range(throttle.FREE_FAILURES["address"]):
        _answer(client, f"guess{n}@stockholm.example")
    html = _answer(client, user.email, PASSWORD)
    assert 'id="password-error"' in html
    assert not _logged_in(client)


def test_throttle_rows_hold_no_address_in_clear(client, create_user, db_session) -> None:
    user = create_user()
    _answer(client, user.email)
    keys = " ".join(db_session.scalars(sa.select(LoginThrottle.key)))
    assert keys and user.email not in keys and "127.0.0.1" not in keys


# --- 5. Two-factor guessing and the pending login ------------------------------------------------


def test_code_guessing_is_limited_per_account(app, client, create_user, db_session) -> None:
    user = create_user(two_factor=True)
    for _ in range(throttle.FREE_FAILURES["code"]):
        # a fresh login (new session) each time: the limit must hold per account
        fresh = app.test_client()
        fresh.post("/sv/login", data={"email": user.email, "password": PASSWORD})
        fresh.post("/sv/login/code", data={"code": "000000"})
    fresh = app.test_client()
    fresh.post("/sv/login", data={"email": user.email, "password": PASSWORD})
    response = fresh.post("/sv/login/code", data={"code": totp_code(user)})
    assert response.headers["Location"].endswith("/sv/login")
    assert not _logged_in(fresh)
    assert [m.to_address for m in _mails(db_session, "account.failed_codes")] == [user.email]


def test_a_pending_login_expires(client, create_user) -> None:
    user = create_user(two_factor=True)
    response = client.post("/sv/login", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/login/code")
    with client.session_transaction() as session:
        session["pending_since"] = time.time() - login.PENDING_LOGIN_SECONDS - 1
    response = client.post("/sv/login/code", data={"code": totp_code(user)})
    assert response.headers["Location"].endswith("/sv/login")
    assert not _logged_in(client)


# --- 6. no-store -------------------------------------------------------------------------------------


def test_staff_and_account_pages_are_not_stored(client, auth, create_user) -> None:
    admin = create_user(is_site_admin=True)
    for url in ("/sv/login", "/sv/password/forgot"):
        assert client.get(url).headers.get("Cache-Control") == "no-store", url
    auth.login(admin)
    for url in (
        "/sv/staff/",
        "/sv/staff/account",
        "/sv/staff/account/two-factor",
        "/sv/staff/admin/users",
        "/rom/staff/account",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers.get("Cache-Control") == "no-store", url


def test_public_pages_stay_cacheable_for_visitors(client) -> None:
    response = client.get("/sv/")
    assert "no-store" not in response.headers.get("Cache-Control", "")


# --- 14. Encrypted two-factor secrets, private export ---------------------------------------------


def test_two_factor_secret_is_stored_encrypted(client, auth, create_user, db_session) -> None:
    user = create_user()
    auth.login(user)
    secret = auth.offered_totp_secret()
    client.post(
        "/sv/staff/account/two-factor",
        data={"current_password": PASSWORD, "code": totp.code_at(secret, totp.current_step())},
    )
    stored = db_session.scalar(sa.text("SELECT totp_secret FROM users WHERE id = :id"), {"id": user.id})
    assert stored.startswith("f1:") and secret not in stored
    assert plain_totp_secret(user) == secret


def test_export_is_private_and_says_what_it_holds(backend, tmp_path) -> None:
    from sqlalchemy.orm import Session

    from app import create_app, migrate
    from app.accounts.services import create_user
    from app.accounts.two_factor import store_totp_secret
    from config import TestConfig
    from tests.databases import empty_database

    with empty_database(backend, tmp_path, "export") as url:
        migrate.upgrade(url)
        app = create_app(TestConfig, {"DATABASE_URL": url})
        try:
            secret = totp.new_secret()
            with app.app_context(), Session(app.extensions["db"].engine) as session:
                user = create_user(session, email="x@stockholm.example", name="X", password=PASSWORD)
                store_totp_secret(user, secret)
                session.commit()
            path = tmp_path / "export.json"
            path.write_text("old")
            os.chmod(path, 0o644)
            runner = app.test_cli_runner()
            result = runner.invoke(args=["export", str(path)])
            assert result.exit_code == 0, result.output
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
            text = path.read_text()
            (row,) = json.loads(text)["tables"]["users"]
            assert row["totp_secret"].startswith("f1:") and secret not in text
            help_text = runner.invoke(args=["export", "--help"]).output
            assert "0600" in help_text and "password hashes" in help_text and "two-factor" in help_text
        finally:
            app.extensions["db"].engine.dispose()


def test_migration_encrypts_existing_secrets(backend, tmp_path) -> None:
    from app import create_app, migrate
    from app.common import secretbox
    from app.db import make_engine
    from config import TestConfig
    from tests.databases import empty_database

    with empty_database(backend, tmp_path, "totp") as url:
        migrate.upgrade(url, "3f9a1c7d2b10")
        engine = make_engine(url)
        secret = totp.new_secret()
        try:
            with engine.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO users (email, name, password_hash, is_active, is_site_admin, preferred_language, "
                        "session_nonce, created_dt, totp_secret) VALUES ('a@b.example', 'A', 'x', true, true, 'sv', 'n', "
                        ":now, :secret)"
                    ),
                    {"now": utcnow().replace(tzinfo=None), "secret": secret},
                )
            app = create_app(TestConfig, {"DATABASE_URL": url})
            with app.app_context():
                migrate.upgrade(url)
            app.extensions["db"].engine.dispose()
            with engine.connect() as conn:
                stored = conn.scalar(sa.text("SELECT totp_secret FROM users"))
            assert stored != secret and secretbox.decrypt(stored, secretbox.key_material(app.config)) == secret
        finally:
            engine.dispose()
