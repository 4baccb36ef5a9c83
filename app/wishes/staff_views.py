"""Staff: the wishes addressed to one's boards; answer them, hide them."""

from __future__ import annotations

from functools import partial

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.boards.services import list_boards
from app.common.text import enum_value
from app.db import commit, get_session
from app.i18n import gettext as _
from app.moderation import pages as moderation
from app.participation.pages import translate_page
from app.web.forms import ConfirmForm
from app.web.helpers import actor, form_errors, load_or_404, require, staff_required
from app.wishes import policies, services
from app.wishes.forms import AnswerForm
from app.wishes.models import Wish, WishStatus

bp = Blueprint("wishes_staff", __name__)

PREFIX = "/<lang_code>/staff/wishes"


def _load_wish(wish_id: int) -> Wish:
    wish: Wish = load_or_404(Wish, wish_id)
    require(policies.can_answer(actor(), wish))
    return wish


@bp.route(f"{PREFIX}/")
@staff_required
def index() -> str:
    session = get_session()
    user = actor()
    status = enum_value(request.args, "status", WishStatus)
    boards = [b for b in list_boards(session) if user.is_site_admin or b.id in user.board_ids]
    board = next((b for b in boards if str(b.id) == request.args.get("board", "")), None)
    wishes = services.list_for_staff(session, user, status, board.id if board else None)
    return render_template(
        "wishes/staff/index.html", wishes=wishes, status=status, statuses=list(WishStatus), boards=boards, board=board
    )


@bp.route(f"{PREFIX}/<int:wish_id>", methods=["GET", "POST"])
@staff_required
def answer(wish_id: int) -> str | Response:
    wish = _load_wish(wish_id)
    form = AnswerForm()
    if not form.is_submitted():
        form.status.data = wish.status.value
        form.answer_sv.data = wish.answer_sv
        form.answer_rom.data = wish.answer_rom
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            queued = services.answer_wish(get_session(), actor(), wish, form.data)
        if attempt.ok:
            commit()
            flash(_("The answer has been saved and is public."), "success")
            if queued:
                flash(_("The person who sent the wish will be told by e-mail."), "info")
            return redirect(url_for(".answer", wish_id=wish.id))
    return render_template("wishes/staff/answer.html", wish=wish, form=form, confirm_form=ConfirmForm())


@bp.route(f"{PREFIX}/<int:wish_id>/translate", methods=["GET", "POST"])
@staff_required
def translate(wish_id: int) -> str | Response:
    wish = _load_wish(wish_id)
    return translate_page(
        wish.language,
        partial(services.translate_wish, get_session(), actor(), wish),
        done_url=url_for(".answer", wish_id=wish.id),
        template="wishes/staff/translate.html",
        wish=wish,
    )


@bp.route(f"{PREFIX}/<int:wish_id>/hide", methods=["GET", "POST"])
@staff_required
def hide(wish_id: int) -> str | Response:
    wish = _load_wish(wish_id)
    return moderation.hide_page(
        wish,
        permitted=policies.can_moderate(actor(), wish),
        done_url=url_for(".answer", wish_id=wish.id),
        done_message=_("The wish is hidden from public pages."),
        reason_label=_("Why hide the wish?"),
        heading=_("Hide a wish"),
        submit_label=_("Hide the wish"),
        back_url=url_for(".answer", wish_id=wish.id),
        back_label=_("Answer a wish"),
        explanation=_("A hidden wish is not deleted: it stays in the archive and staff still see it."),
    )


@bp.route(f"{PREFIX}/<int:wish_id>/mask", methods=["GET", "POST"])
@staff_required
def mask(wish_id: int) -> str | Response:
    wish = _load_wish(wish_id)
    return moderation.mask_page(
        wish,
        permitted=policies.can_moderate(actor(), wish),
        done_url=url_for(".answer", wish_id=wish.id),
        back_url=url_for(".answer", wish_id=wish.id),
        back_label=_("Answer a wish"),
    )


@bp.route(f"{PREFIX}/<int:wish_id>/approve", methods=["POST"])
@staff_required
def approve(wish_id: int) -> Response:
    wish = _load_wish(wish_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return moderation.approve_action(
        wish,
        permitted=policies.can_moderate(actor(), wish),
        done_url=url_for(".answer", wish_id=wish.id),
        done_message=_("The wish is published."),
    )


@bp.route(f"{PREFIX}/<int:wish_id>/unhide", methods=["POST"])
@staff_required
def unhide(wish_id: int) -> Response:
    wish = _load_wish(wish_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return moderation.unhide_action(
        wish,
        permitted=policies.can_moderate(actor(), wish),
        done_url=url_for(".answer", wish_id=wish.id),
        done_message=_("The wish is shown again."),
    )
