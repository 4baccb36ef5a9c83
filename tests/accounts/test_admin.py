"""Site administrators manage staff accounts and roles."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.accounts.models import Role, User
from app.mail.models import OutboxMessage


def test_only_site_admins(client, auth, create_user, create_board):
    auth.login(create_user(boards={create_board(): Role.PUBLISHER}))
    assert client.get("/sv/staff/admin/users").status_code == 403
    assert (
        client.post("/sv/staff/admin/users/new", data={"name": "X", "email": "x@stockholm.example"}).status_code == 403
    )


def test_create_account_and_grant_roles(client, auth, create_user, create_board, db_session):
    board, district = create_board(), create_board()
    admin = create_user(is_site_admin=True)
    auth.login(admin)
    html = client.post("/sv/staff/admin/users/new", data={"name": "Nina", "email": "not-an-email"}).get_data(
        as_text=True
    )
    assert 'id="email-error"' in html and 'value="Nina"' in html
    response = client.post(
        "/sv/staff/admin/users/new",
        data={"name": "Nina", "email": "nina@stockholm.example", "preferred_language": "rom"},
    )
    assert response.status_code == 302
    nina = db_session.scalar(sa.select(User).where(User.email == "nina@stockholm.example"))
    (welcome,) = db_session.scalars(sa.select(OutboxMessage).where(OutboxMessage.kind == "account.welcome")).all()
    assert welcome.language == "rom" and re.search(r"/rom/password/reset/", welcome.body_text)
    client.post(
        f"/sv/staff/admin/users/{nina.id}",
        data={"is_active": "y", f"role_{board.id}": "publisher", f"role_{district.id}": "editor"},
    )
    assert {m.board_id: m.role for m in nina.memberships} == {board.id: Role.PUBLISHER, district.id: Role.EDITOR}
    client.post(f"/sv/staff/admin/users/{nina.id}", data={"is_active": "", f"role_{board.id}": "editor"})
    assert not nina.is_active
    assert {m.board_id: m.role for m in nina.memberships} == {board.id: Role.EDITOR}


def test_admin_cannot_lock_themself_out(client, auth, create_user):
    admin = create_user(is_site_admin=True)
    auth.login(admin)
    html = client.post(f"/sv/staff/admin/users/{admin.id}", data={"is_active": "y"}).get_data(as_text=True)
    assert 'class="error-summary"' in html
    assert admin.is_site_admin
