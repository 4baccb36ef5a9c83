"""Staff: the views of a consultation; record spoken views; translate; moderate."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.common.csvexport import csv_download
from app.consultations import policies
from app.consultations.models import Consultation
from app.db import commit, get_session
from app.i18n import gettext as _
from app.moderation import pages as moderation
from app.participation import groupings, listing, services
from app.participation.audio import recordings_by_viewpoint
from app.participation.forms import SpokenViewpointForm, TranslationForm
from app.participation.models import Channel, Provenance, Viewpoint
from app.web.forms import ConfirmForm
from app.web.helpers import actor, form_errors, load_or_404, load_permitted, require, staff_required

bp = Blueprint("participation_staff", __name__)



def _load_viewpoint(viewpoint_id: int) -> Viewpoint:
    viewpoint: Viewpoint = load_or_404(Viewpoint, viewpoint_id)
    require(policies.can_edit(actor(), viewpoint.consultation))
    return viewpoint


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/views")
@staff_required
def index(consultation_id: int) -> str:
    """The consultation's views, filtered and paginated (the filter is a GET form: its state is in the URL)."""
    session = get_session()
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    grouping = groupings.grouping()
    themes = grouping.choices(session, consultation.id) if grouping else []
    view_filter = listing.ViewFilter.from_args(
        request.args, question_ids={i.id for i in consultation.agenda_items}, theme_ids={t for t, _label in themes}
    )
    page = listing.list_for_staff(session, consultation, view_filter, max(1, request.args.get("page", 1, type=int) or 1))
    ids = [v.id for v in page.items]
    return render_template(
        "participation/staff/index.html", consultation=consultation, page=page, filters=view_filter,
        args=view_filter.args(), themes=themes, theme_titles=dict(themes),
        groups=groupings.groups_of(session, consultation.id, ids), languages=listing.language_choices(),
        channels=list(Channel), counts=services.count_viewpoints(session, consultation.id), confirm_form=ConfirmForm(),
        recordings=recordings_by_viewpoint(session, consultation, ids),
    )


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/views/new", methods=["GET", "POST"])
@staff_required
def record(consultation_id: int) -> str | Response:
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    form = SpokenViewpointForm(consultation=consultation)
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            viewpoint = services.record_spoken_viewpoint(
                get_session(), actor(), consultation, form.to_data(form.language.data if form.language.data in ("sv", "rom") else "sv"),
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
    form = TranslationForm()
    if not form.is_submitted():
        form.language.data = "sv" if viewpoint.language != "sv" else "rom"
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            services.add_translation(
                get_session(), actor(), viewpoint, language=form.language.data or "", body=form.body.data or "",
                provenance=Provenance(form.provenance.data), translator=form.translator.data,
            )
        if attempt.ok:
            commit()
            flash(_("The translation has been saved."), "success")
            return redirect(url_for(".index", consultation_id=viewpoint.consultation_id))
    return render_template("participation/staff/translate.html", viewpoint=viewpoint, consultation=viewpoint.consultation, form=form)


@bp.route("/<lang_code>/staff/views/<int:viewpoint_id>/hide", methods=["GET", "POST"])
@staff_required
def hide(viewpoint_id: int) -> str | Response:
    viewpoint = _load_viewpoint(viewpoint_id)
    return moderation.hide_page(
        viewpoint, permitted=policies.can_edit(actor(), viewpoint.consultation),
        done_url=url_for(".index", consultation_id=viewpoint.consultation_id),
        done_message=_("The view is hidden from public pages."), reason_label=_("Why hide the view?"),
        heading=_("Hide a view"), submit_label=_("Hide the view"), consultation=viewpoint.consultation,
        nav="consultations/staff/_nav.html",
        explanation=_("A hidden view is not deleted: it stays in the archive, staff still see it, and the public page counts it as hidden."),
    )


@bp.route("/<lang_code>/staff/views/<int:viewpoint_id>/mask", methods=["GET", "POST"])
@staff_required
def mask(viewpoint_id: int) -> str | Response:
    viewpoint = _load_viewpoint(viewpoint_id)
    return moderation.mask_page(
        viewpoint, permitted=policies.can_edit(actor(), viewpoint.consultation),
        done_url=url_for(".index", consultation_id=viewpoint.consultation_id),
        consultation=viewpoint.consultation, nav="consultations/staff/_nav.html",
    )


@bp.route("/<lang_code>/staff/views/<int:viewpoint_id>/unhide", methods=["POST"])
@staff_required
def unhide(viewpoint_id: int) -> Response:
    viewpoint = _load_viewpoint(viewpoint_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return moderation.unhide_action(
        viewpoint, permitted=policies.can_edit(actor(), viewpoint.consultation),
        done_url=url_for(".index", consultation_id=viewpoint.consultation_id), done_message=_("The view is shown again."),
    )


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/views.csv")
@staff_required
def export(consultation_id: int) -> Response:
    """Every view of the consultation as CSV, streamed (see ``participation.export``)."""
    from app.participation.export import iter_csv

    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    return csv_download(iter_csv(get_session(), consultation.id), f"synpunkter-{consultation.id}.csv", private=True)
