"""Site administration: staff accounts and their roles per board."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.accounts import admin, services, sso
from app.accounts.forms import NewUserForm, user_form_class
from app.accounts.models import AccessRequest, Role, User
from app.boards.services import list_boards
from app.common.urls import external_url
from app.db import commit, get_session
from app.i18n import default_language
from app.i18n import gettext as _
from app.mail.services import queue_email
from app.web.forms import ConfirmForm
from app.web.helpers import actor, flash_errors, form_errors, load_or_404, require, staff_required

bp = Blueprint("accounts_admin", __name__)


@bp.route("/<lang_code>/staff/admin/users")
@staff_required
def users() -> str:
    require(actor().is_site_admin)
    db = get_session()
    count = len(sso.pending_requests(db)) if current_app.extensions.get("sso_oauth") else None
    return render_template("accounts/admin/users.html", users=admin.list_users(db), access_request_count=count)


@bp.route("/<lang_code>/staff/admin/users/new", methods=["GET", "POST"])
@staff_required
def new_user() -> str | Response:
    require(actor().is_site_admin)
    form = NewUserForm()
    if form.validate_on_submit():
        db = get_session()
        with form_errors(form) as attempt:
            user = admin.admin_create_user(
                db,
                actor(),
                email=form.email.data or "",
                name=form.name.data or "",
                is_site_admin=bool(form.is_site_admin.data),
                preferred_language=form.preferred_language.data or default_language(),
            )
        if attempt.ok:
            token = services.make_reset_token(user, current_app.config["SECRET_KEY"])
            queue_email(
                db,
                to=user.email,
                template="accounts/welcome",
                language=user.preferred_language,
                kind="account.welcome",
                user=user,
                link=external_url("accounts.reset_password", token=token, lang_code=user.preferred_language),
            )
            commit()
            flash(_("The account has been created and an e-mail sent to choose a password."), "success")
            return redirect(url_for(".edit_user", user_id=user.id))
    return render_template("accounts/admin/new_user.html", form=form)


@bp.route("/<lang_code>/staff/admin/users/<int:user_id>", methods=["GET", "POST"])
@staff_required
def edit_user(user_id: int) -> str | Response:
    require(actor().is_site_admin)
    user: User = load_or_404(User, user_id)
    boards = list_boards(get_session())
    form_class = user_form_class(boards)
    data: dict[str, object] = {"is_active": user.is_active, "is_site_admin": user.is_site_admin}
    data.update({f"role_{m.board_id}": m.role.value for m in user.memberships})
    form = form_class(data=data) if not form_class().is_submitted() else form_class()
    if form.validate_on_submit():
        roles = {
            b.id: (Role(getattr(form, f"role_{b.id}").data) if getattr(form, f"role_{b.id}").data else None)
            for b in boards
        }
        with form_errors(form) as attempt:
            admin.admin_update_user(
                get_session(),
                actor(),
                user,
                is_active=bool(form.is_active.data),
                is_site_admin=bool(form.is_site_admin.data),
                roles=roles,
            )
        if attempt.ok:
            commit()
            flash(_("The account has been saved."), "success")
            return redirect(url_for(".users"))
    return render_template(
        "accounts/admin/edit_user.html", form=form, user=user, boards=boards, confirm_form=ConfirmForm()
    )


@bp.route("/<lang_code>/staff/admin/users/<int:user_id>/end-sessions", methods=["POST"])
@staff_required
def end_user_sessions(user_id: int) -> Response:
    """End every session of a person at once (also one signed in through the provider)."""
    require(actor().is_site_admin)
    user: User = load_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    admin.admin_end_sessions(get_session(), actor(), user)
    commit()
    flash(_("Every session of %(name)s has ended.", name=user.name), "success")
    return redirect(url_for(".edit_user", user_id=user.id))


@bp.route("/<lang_code>/staff/admin/access-requests")
@staff_required
def access_requests() -> str:
    """People who signed in with the City's account and wait for access."""
    require(actor().is_site_admin)
    db = get_session()
    rows = [(row, sso.matching_account(db, row)) for row in sso.pending_requests(db)]
    return render_template("accounts/admin/access_requests.html", rows=rows, form=ConfirmForm())


@bp.route("/<lang_code>/staff/admin/access-requests/<int:request_id>", methods=["POST"])
@staff_required
def decide_access_request(request_id: int) -> Response:
    require(actor().is_site_admin)
    row: AccessRequest = load_or_404(AccessRequest, request_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    decision = request.form.get("decision")
    with flash_errors() as attempt:
        if decision == "decline":
            sso.decline_request(get_session(), actor(), row)
            user = None
        elif decision in {"link", "create"}:
            user = sso.grant_request(get_session(), actor(), row, link=decision == "link")
        else:
            abort(400)
    if not attempt.ok:
        return redirect(url_for(".access_requests"))
    commit()
    if user is None:
        flash(_("The request has been declined."), "info")
        return redirect(url_for(".access_requests"))
    flash(_("Access granted. Choose the roles of %(name)s.", name=user.name), "success")
    return redirect(url_for(".edit_user", user_id=user.id))
