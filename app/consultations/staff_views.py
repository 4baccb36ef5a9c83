"""Staff pages for planning, publishing and cancelling consultations.

Each view: parse → load (404) → check permission (403) → one service call →
commit → redirect, or re-render the form with the typed text and the errors.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from app.boards.models import Board
from app.boards.services import list_boards
from app.common.errors import DomainError, PermissionDenied
from app.consultations import dashboard as staff_lists
from app.consultations import materials, policies, queries
from app.consultations import services as consultations
from app.consultations.documents import DocumentStore
from app.consultations.forms import (
    AgendaItemForm,
    CancelForm,
    ConsultationForm,
    DocumentForm,
    HeldForm,
    MoveForm,
    PublishForm,
    board_choices,
)
from app.consultations.models import (
    AgendaItem,
    Consultation,
    ConsultationStatus,
    Document,
)
from app.db import commit, get_session, utcnow
from app.i18n import gettext as _
from app.i18n import ngettext
from app.web.forms import ConfirmForm
from app.web.helpers import (
    actor,
    flash_errors,
    form_errors,
    load_or_404,
    load_permitted,
    require,
    staff_required,
)

bp = Blueprint("consultations_staff", __name__)


def _store() -> DocumentStore:
    return DocumentStore(current_app.config["UPLOAD_DIR"])


def _form_data(consultation: Consultation) -> dict[str, Any]:
    data = {name: getattr(consultation, name) for name in consultations.EDITABLE_FIELDS}
    data["is_open"] = "open" if consultation.is_open else "closed"
    data["format"] = consultation.format.value
    data["co_host_ids"] = [b.id for b in consultation.co_hosts]
    data["lead_board_id"] = consultation.lead_board_id
    data["version"] = consultation.version
    return data


@bp.route("/<lang_code>/staff/")
@staff_required
def dashboard() -> str:
    """What needs action now, a few of each kind with "N more"; the rest is in the archive."""
    return render_template("consultations/staff/dashboard.html", buckets=staff_lists.dashboard(get_session(), actor()))


@bp.route("/<lang_code>/staff/consultations/")
@staff_required
def archive() -> str:
    """All the user's consultations, filtered (a GET form: the state is in the URL) and paginated."""
    session = get_session()
    user = actor()
    boards = list_boards(session)
    if not user.is_site_admin:
        boards = [b for b in boards if b.id in user.board_ids]
    archive_filter = staff_lists.ArchiveFilter.from_args(request.args, board_ids={b.id for b in boards})
    page = staff_lists.archive(session, user, archive_filter, max(1, request.args.get("page", 1, type=int) or 1))
    return render_template(
        "consultations/staff/archive.html",
        page=page,
        filters=archive_filter,
        args=archive_filter.args(),
        boards=boards,
        statuses=list(ConsultationStatus),
        kinds=staff_lists.KINDS,
        year_error=bool(request.args.get("year", "").strip()) and not archive_filter.year,
    )


@bp.route("/<lang_code>/staff/translations")
@staff_required
def translation_status() -> str:
    """Everything public that still lacks Romani text, for translators and bridge builders."""
    missing = queries.list_missing_romani(get_session(), actor())
    return render_template("consultations/staff/translation_status.html", missing=missing)


@bp.route("/<lang_code>/staff/consultations/new", methods=["GET", "POST"])
@staff_required
def create() -> str | Response:
    session = get_session()
    user = actor()
    boards = list_boards(session)
    own = policies.boards_for_new_consultation(user, boards)
    require(bool(own))
    form = ConsultationForm()
    form.lead_board_id.choices = board_choices(own)
    form.co_host_ids.choices = board_choices(boards)
    if form.validate_on_submit():
        board = session.get(Board, form.lead_board_id.data) or abort(400)
        with form_errors(form) as attempt:
            consultation = consultations.create_consultation(
                session, user, board, form.to_data(), form.co_host_ids.data or []
            )
        if attempt.ok:
            commit()
            flash(_("The draft has been saved."), "success")
            return redirect(url_for(".manage", consultation_id=consultation.id))
    return render_template(
        "consultations/staff/form.html", form=form, consultation=None, publish_needs=consultations.publish_needs()
    )


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>")
@staff_required
def manage(consultation_id: int) -> str:
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    return _manage_page(consultation, HeldForm())


def _manage_page(consultation: Consultation, held_form: HeldForm) -> str:
    user = actor()
    return render_template(
        "consultations/staff/manage.html",
        consultation=consultation,
        check=consultations.check_publishable(consultation),
        confirm_form=ConfirmForm(),
        held_form=held_form,
        publish_now=policies.may_publish(user, consultation),
        held_now=policies.may_mark_held(user, consultation, now=utcnow()),
    )


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/preview")
@staff_required
def preview(consultation_id: int) -> str:
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    return render_template("consultations/detail.html", consultation=consultation, preview=True)


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/edit", methods=["GET", "POST"])
@staff_required
def edit(consultation_id: int) -> str | Response:
    session = get_session()
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    boards = list_boards(session)
    form = ConsultationForm() if request.method == "POST" else ConsultationForm(data=_form_data(consultation))
    del form.lead_board_id  # the lead board is fixed once created
    form.co_host_ids.choices = board_choices([b for b in boards if b.id != consultation.lead_board_id])
    conflict = None
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            changes = consultations.update_consultation(
                session,
                actor(),
                consultation,
                form.to_data(),
                form.co_host_ids.data or [],
                expected_version=form.expected_version(),
            )
        if attempt.ok:
            commit()
            flash(_("Your changes have been saved."), "success")
            if changes.told:
                flash(
                    ngettext(
                        "%(num)d person has been told about the change by e-mail.",
                        "%(num)d people have been told about the change by e-mail.",
                        changes.told,
                    ),
                    "success",
                )
            return redirect(url_for(".manage", consultation_id=consultation.id))
        conflict = attempt.current
    return render_template(
        "consultations/staff/form.html",
        form=form,
        consultation=consultation,
        conflict=conflict,
        audience=_audience(consultation),
        publish_needs=consultations.publish_needs(),
    )


def _audience(consultation: Consultation) -> consultations.Audience | None:
    """Who is told about a change or a cancellation (published consultations only)."""
    if consultation.status is not ConsultationStatus.PUBLISHED:
        return None
    return consultations.announcement_audience(get_session(), consultation)


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/publish", methods=["GET", "POST"])
@staff_required
def publish(consultation_id: int) -> str | Response:
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    require(policies.can_publish(actor(), consultation))
    form = PublishForm()
    check = consultations.check_publishable(consultation)
    warnings = consultations.past_date_warnings(consultation)
    if form.validate_on_submit():
        if warnings and not form.past_confirmed.data:
            form.add_error("past_confirmed", _("Check the dates above, or confirm that you publish anyway."))
        else:
            try:
                consultations.publish_consultation(
                    get_session(), actor(), consultation, romani_pending_confirmed=bool(form.romani_pending.data)
                )
            except PermissionDenied:
                raise
            except DomainError as error:
                form.add_error(error.field if error.field == "romani_pending" else None, error.message)
            else:
                commit()
                flash(_("The consultation is published."), "success")
                return redirect(url_for(".manage", consultation_id=consultation.id))
    return render_template(
        "consultations/staff/publish.html", form=form, consultation=consultation, check=check, warnings=warnings
    )


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/cancel", methods=["GET", "POST"])
@staff_required
def cancel(consultation_id: int) -> str | Response:
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    require(policies.can_publish(actor(), consultation))
    form = CancelForm()
    audience = _audience(consultation)
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            consultations.cancel_consultation(get_session(), actor(), consultation, form.data)
        if attempt.ok:
            commit()
            flash(_("The consultation is cancelled."), "success")
            if audience and audience.registrants + audience.waitlisted:
                told = audience.registrants + audience.waitlisted
                flash(
                    ngettext(
                        "%(num)d person has been told by e-mail.", "%(num)d people have been told by e-mail.", told
                    ),
                    "success",
                )
            return redirect(url_for(".manage", consultation_id=consultation.id))
    return render_template("consultations/staff/cancel.html", form=form, consultation=consultation, audience=audience)


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/held", methods=["POST"])
@staff_required
def mark_held(consultation_id: int) -> str | Response:
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    form = HeldForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            consultations.mark_held(get_session(), actor(), consultation, held_on=form.held_on.data)
        if attempt.ok:
            commit()
            flash(_("The consultation is marked as held."), "success")
            return redirect(url_for(".manage", consultation_id=consultation.id))
    elif not form.errors:
        abort(400)
    return _manage_page(consultation, form)


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/close", methods=["POST"])
@staff_required
def close(consultation_id: int) -> Response:
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    require(policies.can_publish(actor(), consultation))
    return _simple_transition(consultation_id, consultations.close_consultation, _("The consultation is closed."))


def _simple_transition(consultation_id: int, operation: Any, success: str) -> Response:
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    with flash_errors() as attempt:
        operation(get_session(), actor(), consultation)
    if attempt.ok:
        commit()
        flash(success, "success")
    return redirect(url_for(".manage", consultation_id=consultation.id))


# --- Agenda -------------------------------------------------------------------


def _load_item(consultation: Consultation, item_id: int) -> AgendaItem:
    item: AgendaItem = load_or_404(AgendaItem, item_id)
    if item.consultation_id != consultation.id:
        abort(404)
    return item


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/agenda", methods=["GET", "POST"])
@staff_required
def agenda(consultation_id: int) -> str | Response:
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    form = AgendaItemForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            materials.add_agenda_item(get_session(), actor(), consultation, form.data)
        if attempt.ok:
            commit()
            flash(_("The item has been added to the agenda."), "success")
            return redirect(url_for(".agenda", consultation_id=consultation.id))
    return render_template(
        "consultations/staff/agenda.html",
        consultation=consultation,
        form=form,
        move_form=MoveForm(),
        confirm_form=ConfirmForm(),
    )


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/agenda/<int:item_id>", methods=["GET", "POST"])
@staff_required
def agenda_item(consultation_id: int, item_id: int) -> str | Response:
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    item = _load_item(consultation, item_id)
    form = AgendaItemForm(obj=item)
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            materials.update_agenda_item(get_session(), actor(), item, form.data)
        if attempt.ok:
            commit()
            flash(_("The item has been saved."), "success")
            return redirect(url_for(".agenda", consultation_id=consultation.id))
    return render_template("consultations/staff/agenda_item.html", consultation=consultation, item=item, form=form)


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/agenda/<int:item_id>/move", methods=["POST"])
@staff_required
def agenda_move(consultation_id: int, item_id: int) -> Response:
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    item = _load_item(consultation, item_id)
    form = MoveForm()
    if form.validate_on_submit():
        materials.move_agenda_item(get_session(), actor(), item, -1 if form.direction.data == "up" else 1)
        commit()
    return redirect(url_for(".agenda", consultation_id=consultation.id))


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/agenda/<int:item_id>/delete", methods=["POST"])
@staff_required
def agenda_delete(consultation_id: int, item_id: int) -> Response:
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    item = _load_item(consultation, item_id)
    if ConfirmForm().validate_on_submit():
        with flash_errors() as attempt:
            materials.delete_agenda_item(get_session(), actor(), item)
        if attempt.ok:
            commit()
            flash(_("The item has been removed."), "success")
    return redirect(url_for(".agenda", consultation_id=consultation.id))


# --- Documents ----------------------------------------------------------------------


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/documents", methods=["GET", "POST"])
@staff_required
def documents(consultation_id: int) -> str | Response:
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    form = DocumentForm()
    if form.validate_on_submit():
        upload = form.file.data
        store = _store()
        with form_errors(form) as attempt:
            document = materials.add_document(
                get_session(),
                actor(),
                consultation,
                store,
                title=form.title.data or "",
                filename=upload.filename or "",
                data=upload.read(),
                language=form.language.data or "sv",
            )
        if attempt.ok:
            try:
                commit()
            except BaseException:
                store.delete(document.stored_name)  # no file without its row (the database may be down)
                raise
            flash(_("The document has been uploaded."), "success")
            return redirect(url_for(".documents", consultation_id=consultation.id))
    return render_template(
        "consultations/staff/documents.html", consultation=consultation, form=form, confirm_form=ConfirmForm()
    )


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/documents/<int:document_id>/delete", methods=["POST"])
@staff_required
def document_delete(consultation_id: int, document_id: int) -> Response:
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    document: Document = load_or_404(Document, document_id)
    if document.consultation_id != consultation.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        with flash_errors() as attempt:
            materials.delete_document(get_session(), actor(), document, _store())
        if attempt.ok:
            commit()
            flash(_("The document has been removed."), "success")
    return redirect(url_for(".documents", consultation_id=consultation.id))
