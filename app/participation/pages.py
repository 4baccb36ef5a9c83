"""Staff pages shared with other domains: adding a translation of participant
text (a view here, a wish in ``wishes``), like the moderation pages of
:mod:`app.moderation.pages`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template
from werkzeug.wrappers import Response

from app.db import commit
from app.i18n import gettext as _
from app.participation.forms import TranslationForm
from app.participation.models import Provenance
from app.web.helpers import form_errors


def translate_page(
    source_language: str, save: Callable[..., object], *, done_url: str, template: str, **context: Any
) -> str | Response:
    """Add (or replace) a translation of a text written in ``source_language``:
    ``save(language=…, body=…, provenance=…, translator=…)`` is the domain's one
    service call; then commit and back to ``done_url``. ``template`` gets ``form``
    and ``context``."""
    form = TranslationForm(source_language=source_language)
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            save(
                language=form.language.data or "",
                body=form.body.data or "",
                provenance=Provenance(form.provenance.data),
                translator=form.translator.data,
            )
        if attempt.ok:
            commit()
            flash(_("The translation has been saved."), "success")
            return redirect(done_url)
    return render_template(template, form=form, **context)
