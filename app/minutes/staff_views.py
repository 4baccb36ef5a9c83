"""Staff pages: write and publish the minutes, answer correction proposals, read the evaluation.

Each view: parse → load (404) → check permission (403) → one service call →
commit → redirect, or re-render the form with the typed text and the errors.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.consultations import policies
from app.consultations.models import Consultation
from app.db import commit, get_session
from app.i18n import gettext as _
from app.minutes import services
from app.minutes.forms import DecisionForm, MinutesForm
from app.minutes.models import CorrectionProposal, Minutes
from app.web.helpers import actor, form_errors, load_or_404, load_permitted, staff_required

bp = Blueprint("minutes_staff", __name__)


def _accepted_proposal(minutes: Minutes | None, proposal_id: int | None) -> CorrectionProposal | None:
    """The accepted proposal the edit page was opened for (``?proposal=``), if it is one of these minutes'."""
    if minutes is None or proposal_id is None:
        return None
    return next((p for p in minutes.proposals if p.id == proposal_id and p.status.value == "accepted"), None)


def _decision_form(proposal: CorrectionProposal, formdata: object = None) -> DecisionForm:
    return DecisionForm(formdata=formdata, prefix=f"p{proposal.id}")


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/minutes", methods=["GET", "POST"])
@staff_required
def edit(consultation_id: int) -> str | Response:
    session = get_session()
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    minutes = services.get_minutes(session, consultation)
    accepted = _accepted_proposal(minutes, request.args.get("proposal", type=int))
    if request.method == "POST":
        form = MinutesForm()
    else:
        form = MinutesForm(
            data={
                "body_sv": minutes.body_sv if minutes else "",
                "body_rom": minutes.body_rom if minutes else "",
                "version": str(minutes.version if minutes else 0),
                # The accepted proposal's text is offered as the note; staff confirm or edit it.
                "note": accepted.text if accepted else None,
            }
        )
    publish = request.form.get("action") == "publish"
    conflict: Minutes | None = None
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            services.save_minutes(
                session,
                actor(),
                consultation,
                form.data,
                expected_version=form.expected_version(),
                publish=publish,
                note=form.note.data,
            )
        if attempt.ok:
            commit()
            flash(_("The minutes are published.") if publish else _("Your changes have been saved."), "success")
            return redirect(url_for(".edit", consultation_id=consultation.id))
        conflict = attempt.current
    pending = 0
    if minutes is not None:
        pending = sum(1 for p in services.list_proposals(session, minutes) if p.status.value == "pending")
    return render_template(
        "minutes/staff/edit.html",
        consultation=consultation,
        minutes=minutes,
        form=form,
        conflict=conflict,
        can_publish=policies.can_publish(actor(), consultation)
        and consultation.status in services.PUBLISHABLE_STATUSES,
        pending=pending,
        accepted=accepted,
    )


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/minutes/proposals")
@staff_required
def proposals(consultation_id: int) -> str:
    session = get_session()
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    minutes = services.get_minutes(session, consultation)
    items = services.list_proposals(session, minutes) if minutes else []
    return render_template(
        "minutes/staff/proposals.html",
        consultation=consultation,
        minutes=minutes,
        proposals=items,
        forms={p.id: _decision_form(p) for p in items},
    )


@bp.route(
    "/<lang_code>/staff/consultations/<int:consultation_id>/minutes/proposals/<int:proposal_id>", methods=["POST"]
)
@staff_required
def decide(consultation_id: int, proposal_id: int) -> str | Response:
    session = get_session()
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    proposal: CorrectionProposal = load_or_404(CorrectionProposal, proposal_id)
    if proposal.minutes.consultation_id != consultation.id:
        abort(404)
    form = _decision_form(proposal, request.form)
    if form.validate():
        with form_errors(form) as attempt:
            services.decide_proposal(
                session, actor(), proposal, accept=form.decision.data == "accept", reason=form.reason.data
            )
        if attempt.ok:
            commit()
            if form.decision.data == "accept":
                flash(
                    _(
                        "The proposal is accepted. Its text is shown beside the minutes and filled in as the note: "
                        "correct the minutes, check the note and publish a new revision."
                    ),
                    "success",
                )
                return redirect(url_for(".edit", consultation_id=consultation.id, proposal=proposal.id))
            flash(_("The proposal is declined. The proposer is told why."), "success")
            return redirect(url_for(".proposals", consultation_id=consultation.id))
    items = services.list_proposals(session, proposal.minutes)
    forms = {p.id: (form if p.id == proposal.id else _decision_form(p)) for p in items}
    return render_template(
        "minutes/staff/proposals.html",
        consultation=consultation,
        minutes=proposal.minutes,
        proposals=items,
        forms=forms,
        error_form=form,
    )


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/evaluation")
@staff_required
def evaluation(consultation_id: int) -> str:
    session = get_session()
    consultation = load_permitted(Consultation, consultation_id, policies.can_edit)
    return render_template(
        "minutes/staff/evaluation.html",
        consultation=consultation,
        results=services.evaluation_results(session, consultation),
        state=services.evaluation_state(consultation),
        comments=services.evaluation_comments(session, actor(), consultation),
    )
