"""Staff: upload and remove audio readings of a consultation's texts and of survey questions."""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from werkzeug.wrappers import Response

from app.consultations import policies as consultation_policies
from app.consultations.models import Consultation
from app.db import commit, get_session
from app.experiences import policies as experience_policies
from app.experiences.models import Survey, SurveyQuestion
from app.i18n import gettext as _
from app.i18n import lazy_gettext as _l
from app.i18n import localized_text
from app.media.audio import PLAYABLE_TYPE, store_from_config
from app.media.models import AudioReading, ReadingSubject, subject_key
from app.media.readings import readings_of_many
from app.readings import services
from app.readings.forms import ReadingForm
from app.web.forms import ConfirmForm
from app.web.helpers import actor, form_errors, load_or_404, require, staff_required

bp = Blueprint("readings_staff", __name__)

SUBJECT_LABELS = {
    ReadingSubject.INVITATION: _l("The invitation (the consultation's page)"),
    ReadingSubject.FEEDBACK: _l("The summary of the published feedback"),
}


class Target(NamedTuple):
    """One text a page offers to read aloud: the form's value, its label, and what it is."""

    value: str
    label: str
    subject: ReadingSubject
    item: Consultation | SurveyQuestion


def _manage(targets: list[Target], back: str, **page: Any) -> str | Response:
    """The readings page of a consultation or a survey: upload a reading of one of
    ``targets`` (then back to ``back``), or list the readings each has."""
    form = ReadingForm(targets=[(t.value, t.label) for t in targets])
    if form.validate_on_submit():
        target = next((t for t in targets if t.value == form.target.data), None) or abort(400)
        with form_errors(form) as attempt:
            services.add_reading(
                get_session(),
                actor(),
                target.subject,
                target.item,
                language=form.language.data or "",
                upload=form.file.data.stream,
                store=store_from_config(current_app.config),
            )
        if attempt.ok:
            commit()
            flash(_("The reading has been saved. It is played on the public page."), "success")
            return redirect(back)
    found = readings_of_many(get_session(), [subject_key(t.subject, t.item.id) for t in targets])
    rows = [(t.label, found.get(subject_key(t.subject, t.item.id), {})) for t in targets]
    return render_template("readings/staff/manage.html", rows=rows, form=form, confirm_form=ConfirmForm(), **page)


@bp.route("/<lang_code>/staff/consultations/<int:consultation_id>/readings", methods=["GET", "POST"])
@staff_required
def consultation(consultation_id: int) -> str | Response:
    item: Consultation = load_or_404(Consultation, consultation_id)
    require(consultation_policies.can_edit(actor(), item))
    targets = [
        Target(s.value, str(SUBJECT_LABELS[s]), s, item) for s in (ReadingSubject.INVITATION, ReadingSubject.FEEDBACK)
    ]
    return _manage(
        targets,
        url_for(".consultation", consultation_id=item.id),
        consultation=item,
        title=localized_text(item, "title"),
    )


@bp.route("/<lang_code>/staff/experiences/surveys/<int:survey_id>/readings", methods=["GET", "POST"])
@staff_required
def survey(survey_id: int) -> str | Response:
    item: Survey = load_or_404(Survey, survey_id)
    require(experience_policies.can_edit(actor(), item.service))
    targets = [
        Target(str(q.id), f"{n}. {localized_text(q, 'text')}", ReadingSubject.QUESTION, q)
        for n, q in enumerate(item.questions, 1)
    ]
    return _manage(targets, url_for(".survey", survey_id=item.id), survey=item, title=localized_text(item, "title"))


@bp.route("/<lang_code>/staff/readings/<int:reading_id>.mp3")
@staff_required
def listen(reading_id: int) -> Response:
    """A reading for the staff page, also before the text is public."""
    session = get_session()
    reading: AudioReading = load_or_404(AudioReading, reading_id)
    require(services.can_manage(actor(), services.target_of(session, reading) or abort(404)))
    path = store_from_config(current_app.config).path(reading.playable_name)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype=PLAYABLE_TYPE, conditional=True, etag=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/<lang_code>/staff/readings/<int:reading_id>/delete", methods=["POST"])
@staff_required
def delete(reading_id: int) -> Response:
    session = get_session()
    reading: AudioReading = load_or_404(AudioReading, reading_id)
    target = services.target_of(session, reading) or abort(404)
    require(services.can_manage(actor(), target))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.remove_reading(session, actor(), reading, target, store_from_config(current_app.config))
    commit()
    flash(_("The reading has been removed."), "success")
    if isinstance(target, SurveyQuestion):
        return redirect(url_for(".survey", survey_id=target.survey_id))
    return redirect(url_for(".consultation", consultation_id=target.id))
