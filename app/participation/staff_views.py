"""Staff: the views of a consultation; record spoken views; translate; moderate."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.common.csvexport import csv_download
from app.common.errors import DeletedMeanwhile, DomainError, PermissionDenied, StaleVersion
from app.common.pagination import Page
from app.consultations import policies
from app.consultations.models import Consultation
from app.db import commit, get_session
from app.i18n import gettext as _
from app.moderation import pages as moderation
from app.participation import groupings, listing, services
from app.participation.audio import recordings_by_viewpoint
from app.participation.forms import BulkThemeForm, ReadingForm, SpokenViewpointForm
from app.participation.models import Channel, Viewpoint
from app.participation.pages import translate_page
from app.web.forms import ConfirmForm
from app.web.helpers import actor, form_errors, load_or_404, load_permitted, require, staff_required

bp = Blueprint("participation_staff", __name__)


def _load_viewpoint(viewpoint_id: int) -> Viewpoint:
    viewpoint: Viewpoint = load_or_404(Viewpoint, viewpoint_id)
    require(policies.can_edit(actor(), viewpoint.consultation))
    return viewpoint


def _page_number() -> int:
    return max(1, request.values.get("page", 1, type=int) or 1)


def _list_context(consultation: Consultation) -> dict[str, Any]:
    """The filter (from the query string, or the hidden fields of a POST) and the themes it may name."""
    session = get_session()
    grouping = groupings.grouping()
    themes = grouping.choices(session, consultation.id) if grouping else []
    view_filter = listing.ViewFilter.from_args(
        request.values, question_ids={i.id for i in consultation.agenda_items}, theme_ids={t for t, _label in themes}
    )
    return {
        "themes": themes,
        "theme_titles": dict(themes),
        "filters": view_filter,
        "args": view_filter.args(),
        "versions": grouping.versions(session, consultation.id) if grouping else {},
    }


def _bulk_form(context: dict[str, Any], page: Page[Viewpoint]) -> BulkThemeForm:
    view_filter = context["filters"]
    source = context["theme_titles"].get(int(view_filter.theme)) if view_filter.theme.isdigit() else None
    form = BulkThemeForm(themes=context["themes"], total=page.total, page_count=len(page.items), source=source)
    if not form.is_submitted():
        form.versions.data = _versions_text(context["versions"])
        form.expected_total.data = str(page.total)
    return form


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/views", methods=["GET", "POST"])
@staff_required
def index(consultation_id: int) -> tuple[str, int] | Response:
    """The consultation's views, filtered (a GET form: the state is in the URL) and paginated, with a
    form that puts many of them in a theme at once (or takes them out, or moves them)."""
    session = get_session()
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    context = _list_context(consultation)
    view_filter = context["filters"]
    page = listing.list_for_staff(session, consultation, view_filter, _page_number())
    form = _bulk_form(context, page)
    ticked = {int(i) for i in request.form.getlist("viewpoint_ids") if i.isdigit()}
    status = 200
    grouping = groupings.grouping()
    if grouping is not None and form.validate_on_submit():
        try:
            message = _apply_bulk(consultation, form, view_filter, page, ticked, grouping)
        except (PermissionDenied, DeletedMeanwhile):
            raise
        except DomainError as error:
            form.add_error(error.field, error.message)
            status = 409 if isinstance(error, StaleVersion) else 400
        else:
            commit()
            flash(message, "success")
            back: dict[str, Any] = {**view_filter.args(), **({"page": str(page.page)} if page.page > 1 else {})}
            return redirect(url_for(".index", consultation_id=consultation.id, **back))
        if status == 409:  # show the themes as they are now; the ticks and the choices stay
            context = _list_context(consultation)
            form.versions.data = _versions_text(context["versions"])
            form.expected_total.data = str(page.total)
    elif form.is_submitted():
        status = 400
    ids = [v.id for v in page.items]
    return render_template(
        "participation/staff/index.html",
        consultation=consultation,
        page=page,
        form=form,
        ticked=ticked,
        groups=groupings.groups_of(session, consultation.id, ids),
        languages=listing.language_choices(),
        channels=list(Channel),
        counts=services.count_viewpoints(session, consultation.id),
        confirm_form=ConfirmForm(),
        recordings=recordings_by_viewpoint(session, consultation, ids),
        **context,
    ), status


def _apply_bulk(
    consultation: Consultation,
    form: BulkThemeForm,
    view_filter: listing.ViewFilter,
    page: Page[Viewpoint],
    ticked: set[int],
    grouping: groupings.Grouping,
) -> str:
    """Carry out the bulk form; returns the message to flash. Raises ``DomainError`` next to the field."""
    session = get_session()
    scope = form.scope.data
    ids: Any
    if scope == "all":
        if str(page.total) != (form.expected_total.data or ""):
            raise DomainError(
                _(
                    "The list has changed since you opened it (views that match now: %(num)d). "
                    "Check them and send again.",
                    num=page.total,
                ),
                field="scope",
            )
        ids = listing.matching_ids(consultation.id, view_filter)
    elif scope == "page":  # the views the page showed (the form lists them), not the page as it is now
        ids = sorted({int(i) for i in request.form.getlist("page_ids") if i.isdigit()})
    else:
        ids = sorted(ticked)
    action = form.action.data or ""
    change = groupings.GroupChange(
        action=action,
        group_id=None if form.to_theme.data == "new" else int(form.to_theme.data or 0),
        viewpoint_ids=ids,
        versions=form.seen_versions(),
        new_title=form.new_title.data,
        source_id=int(view_filter.theme) if action == "move" and view_filter.theme.isdigit() else None,
    )
    title, count = grouping.change(session, actor(), consultation, change)
    if action == "unassign":
        return _("Views removed from “%(theme)s”: %(num)d.", num=count, theme=title)
    if action == "move":
        return _("Views moved to “%(theme)s”: %(num)d.", num=count, theme=title)
    return _("Views added to “%(theme)s”: %(num)d.", num=count, theme=title)


def _versions_text(versions: dict[int, int]) -> str:
    return ",".join(f"{i}:{v}" for i, v in sorted(versions.items()))


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/views/read", methods=["GET", "POST"])
@staff_required
def read(consultation_id: int) -> tuple[str, int] | Response:
    """Reading mode: one view of the filtered list at a time, the original beside its translations,
    previous/next, a theme with one tap (or key), a new theme on the fly."""
    session = get_session()
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    context = _list_context(consultation)
    view_filter = context["filters"]
    at = request.values.get("at", type=int)
    place = listing.reading(session, consultation, view_filter, at)
    form = ReadingForm()
    grouping = groupings.grouping()
    status = 200
    if place.viewpoint is not None and grouping is not None and form.validate_on_submit():
        remove = request.form.get("remove", "")
        chosen = remove or request.form.get("put", "")
        change = groupings.GroupChange(
            action="unassign" if remove else "assign",
            group_id=None if chosen == "new" else int(chosen) if chosen.isdigit() else 0,
            viewpoint_ids=[place.viewpoint.id],
            versions=form.seen_versions(),
            new_title=form.new_title.data,
        )
        try:
            if chosen == "new" and not form.new_title.data:
                raise DomainError(_("Give the new theme a title in Swedish."), field="new_title")
            title, _count = grouping.change(session, actor(), consultation, change)
        except (PermissionDenied, DeletedMeanwhile):
            raise
        except DomainError as error:
            form.add_error(error.field if error.field == "new_title" else None, error.message)
            status = 409 if isinstance(error, StaleVersion) else 400
            context = _list_context(consultation)
        else:
            commit()
            code = place.viewpoint.reference_code
            if remove:
                flash(_("%(code)s removed from “%(theme)s”.", code=code, theme=title), "success")
                return redirect(
                    url_for(".read", consultation_id=consultation.id, at=place.viewpoint.id, **view_filter.args())
                )
            flash(_("%(code)s added to “%(theme)s”.", code=code, theme=title), "success")
            return redirect(
                url_for(
                    ".read",
                    consultation_id=consultation.id,
                    at=place.next_id or place.viewpoint.id,
                    **view_filter.args(),
                )
            )
    form.versions.data = _versions_text(context["versions"])
    if form.is_submitted() and status == 200:
        status = 400
    v = place.viewpoint
    return render_template(
        "participation/staff/read.html",
        consultation=consultation,
        place=place,
        form=form,
        v=v,
        in_themes=groupings.groups_of(session, consultation.id, [v.id]).get(v.id, []) if v else [],
        recording=recordings_by_viewpoint(session, consultation, [v.id]).get(v.id) if v else None,
        **context,
    ), status


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/views/new", methods=["GET", "POST"])
@staff_required
def record(consultation_id: int) -> str | Response:
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    form = SpokenViewpointForm(consultation=consultation)
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            viewpoint = services.record_spoken_viewpoint(
                get_session(),
                actor(),
                consultation,
                form.to_data(form.language.data if form.language.data in ("sv", "rom") else "sv"),
                channel=Channel(form.channel.data),
            )
        if attempt.ok:
            commit()
            flash(_("The view has been recorded. Reference code: %(code)s", code=viewpoint.reference_code), "success")
            return redirect(url_for(".record", consultation_id=consultation.id))
    return render_template("participation/staff/record.html", consultation=consultation, form=form)


@bp.route("/<lang_code>/staff/views/<int:viewpoint_id>/translate", methods=["GET", "POST"])
@staff_required
def translate(viewpoint_id: int) -> str | Response:
    viewpoint = _load_viewpoint(viewpoint_id)
    return translate_page(
        viewpoint.language,
        partial(services.add_translation, get_session(), actor(), viewpoint),
        done_url=url_for(".index", consultation_id=viewpoint.consultation_id),
        template="participation/staff/translate.html",
        viewpoint=viewpoint,
        consultation=viewpoint.consultation,
    )


@bp.route("/<lang_code>/staff/views/<int:viewpoint_id>/hide", methods=["GET", "POST"])
@staff_required
def hide(viewpoint_id: int) -> str | Response:
    viewpoint = _load_viewpoint(viewpoint_id)
    return moderation.hide_page(
        viewpoint,
        permitted=policies.can_edit(actor(), viewpoint.consultation),
        done_url=url_for(".index", consultation_id=viewpoint.consultation_id),
        done_message=_("The view is hidden from public pages."),
        reason_label=_("Why hide the view?"),
        heading=_("Hide a view"),
        submit_label=_("Hide the view"),
        consultation=viewpoint.consultation,
        nav="consultations/staff/_nav.html",
        explanation=_(
            "A hidden view is not deleted: it stays in the archive, staff still see it, and the public page counts it as hidden."
        ),
    )


@bp.route("/<lang_code>/staff/views/<int:viewpoint_id>/mask", methods=["GET", "POST"])
@staff_required
def mask(viewpoint_id: int) -> str | Response:
    viewpoint = _load_viewpoint(viewpoint_id)
    return moderation.mask_page(
        viewpoint,
        permitted=policies.can_edit(actor(), viewpoint.consultation),
        done_url=url_for(".index", consultation_id=viewpoint.consultation_id),
        consultation=viewpoint.consultation,
        nav="consultations/staff/_nav.html",
    )


@bp.route("/<lang_code>/staff/views/<int:viewpoint_id>/unhide", methods=["POST"])
@staff_required
def unhide(viewpoint_id: int) -> Response:
    viewpoint = _load_viewpoint(viewpoint_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return moderation.unhide_action(
        viewpoint,
        permitted=policies.can_edit(actor(), viewpoint.consultation),
        done_url=url_for(".index", consultation_id=viewpoint.consultation_id),
        done_message=_("The view is shown again."),
    )


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/views.csv")
@staff_required
def export(consultation_id: int) -> Response:
    """Every view of the consultation as CSV, streamed (see ``participation.export``)."""
    from app.participation.export import iter_csv

    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    return csv_download(iter_csv(get_session(), consultation.id), f"synpunkter-{consultation.id}.csv", private=True)
