"""The staff pages every feedback subject shares (view helpers): the summary, the theme form, publishing.

The theme → response → publication machinery is one (this package), and so are
its staff pages. A subject's ``staff_views`` describes itself once as a
:class:`StaffPages` (how its owner is loaded with permission, its report, its
endpoints and templates, what its theme form adds) and registers thin routes
that call :func:`summary_page`, :func:`theme_page` and :func:`publish_page`.
The templates are shared the same way: each subject's page extends the skeleton
in ``templates/feedback/staff/`` (``_theme.html``, ``_publish.html``) or
includes its partials (``_summary.html``, ``_publish_status.html``) and fills
in only what differs. What one subject alone has stays with it: merging themes,
responses with cited decisions and the preview (consultations), the measure
form (experiences).

:class:`StaffPages` is the web side of :class:`app.feedback.subjects.Subject`:
a ``Subject`` sits below the web layer (services know no requests, endpoints or
templates), so what a subject's pages need is described here, by the subject's
``staff_views``.

Each page: parse → load (404) → check permission (403) → the service call →
commit → redirect, or re-render the form with the typed text and the errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from app.accounts.models import User
from app.common.possible import Possible
from app.db import commit, get_session
from app.feedback import policies, publication, snapshots
from app.feedback import services as feedback
from app.feedback.forms import SummaryForm, UpdateForm
from app.feedback.models import FeedbackReport, Theme
from app.i18n import UIText
from app.i18n import gettext as _
from app.web.forms import ConfirmForm
from app.web.helpers import actor, form_errors, load_or_404, require

#: What a subject's hook adds to a page's template context.
Context = dict[str, Any]


@dataclass(frozen=True)
class StaffPages:
    """How one subject's staff pages differ; the pages themselves are the functions below."""

    #: The owner's name in URLs and templates: ``consultation`` (``consultation_id``), ``service`` (``service_id``).
    owner_name: str
    #: The owner by id: 404 when there is none, 403 when the logged-in user may not edit it.
    load: Callable[[int], Any]
    get_report: Callable[[Session, Any], FeedbackReport | None]
    #: The owner's report, created empty on first use (a service call: checks permission).
    start_report: Callable[[Session, User, Any], FeedbackReport]
    #: Endpoints (in the subject's blueprint) of the summary page and the publish page.
    summary_endpoint: str
    publish_endpoint: str
    summary_template: str
    theme_template: str
    publish_template: str
    #: Whether the user may publish (or, ``first``, publish for the first time) now, and why not.
    may_publish: Callable[[User, Any, FeedbackReport | None], Possible]
    #: The publish page's service call: the first publication, or an update with its notes (sv, rom).
    publish: Callable[[Session, User, Any, FeedbackReport, str | None, str | None], Any]
    published_message: UIText
    #: The summary page's own part: ``(session, owner, report) -> context``.
    summary_context: Callable[[Session, Any, FeedbackReport | None], Context]
    #: The theme form's class, and what a subject's theme form carries besides the text (e.g. its records):
    #: ``(session, owner, theme or None, form, opened)``, ``opened`` on the GET that opens the form.
    theme_form: Callable[..., Any]
    prepare_theme_form: Callable[[Session, Any, Theme | None, Any, bool], None]
    #: The theme form's service calls: a new theme from the form, and a change with the version opened.
    add_theme: Callable[[Session, User, Any, Any], Theme]
    update_theme: Callable[[Session, User, Theme, Any, int | None], Theme]
    #: After a new theme: the message and where to go next (``(owner, theme) -> (message, url)``).
    theme_added: Callable[[Any, Theme], tuple[UIText, str]]
    #: The theme page's own part: ``(session, owner, theme or None, conflict or None) -> context``.
    theme_context: Callable[[Session, Any, Theme | None, Theme | None], Context]

    def owner_kwargs(self, owner: Any) -> dict[str, Any]:
        """The URL argument naming ``owner`` (``{"consultation_id": 7}``)."""
        return {f"{self.owner_name}_id": owner.id}

    def summary_url(self, owner: Any) -> str:
        return url_for(self.summary_endpoint, **self.owner_kwargs(owner))

    def render(self, template: str, owner: Any, **context: Any) -> str:
        """A page of the subject: the owner under its own name (``consultation``, ``service``) and as ``owner``."""
        return render_template(template, staff=self, owner=owner, **{self.owner_name: owner}, **context)


def load_report(pages: StaffPages, owner_id: int) -> tuple[Any, FeedbackReport]:
    """The owner (with permission) and its report; 404 while it has none."""
    owner = pages.load(owner_id)
    report = pages.get_report(get_session(), owner)
    if report is None:
        abort(404)
    return owner, report


def load_theme(pages: StaffPages, owner_id: int, theme_id: int) -> tuple[Any, FeedbackReport, Theme]:
    """The owner (with permission), its report and one of its themes; 404 for a theme of another report."""
    owner = pages.load(owner_id)
    report = pages.get_report(get_session(), owner)
    theme: Theme = load_or_404(Theme, theme_id)
    if report is None or theme.report_id != report.id:
        abort(404)
    return owner, report, theme


def summary_page(pages: StaffPages, owner_id: int) -> tuple[str, int] | Response:
    """The subject's feedback page: its themes (the subject's part), the summary form, what publishing needs."""
    session = get_session()
    owner = pages.load(owner_id)
    report = pages.get_report(session, owner)
    if request.method == "POST":
        form = SummaryForm()
    else:
        form = SummaryForm(obj=report)
        form.version.data = str(report.version if report else 0)
    conflict: FeedbackReport | None = None
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            report = pages.start_report(session, actor(), owner)
            feedback.update_summary(session, actor(), report, form.data, expected_version=form.expected_version())
        if attempt.ok:
            commit()
            flash(_("The summary has been saved."), "success")
            return redirect(pages.summary_url(owner))
        conflict = attempt.current
    return pages.render(
        pages.summary_template,
        owner,
        report=report,
        form=form,
        conflict=conflict,
        problems=publication.check_publishable(report) if report else {},
        unpublished=bool(report and snapshots.has_unpublished_changes(report)),
        may_publish=pages.may_publish(actor(), owner, report),
        **pages.summary_context(session, owner, report),
    ), 409 if conflict else 200


def theme_page(pages: StaffPages, owner_id: int, theme_id: int | None = None) -> tuple[str, int] | Response:
    """A new theme (``theme_id`` ``None``) or one to edit: its text and what the subject adds to it."""
    session = get_session()
    if theme_id is None:
        owner, theme = pages.load(owner_id), None
    else:
        owner, _report, theme = load_theme(pages, owner_id, theme_id)
    opened = request.method != "POST"
    form = pages.theme_form(obj=theme) if opened and theme is not None else pages.theme_form()
    if opened and theme is not None:
        form.version.data = str(theme.version)
    pages.prepare_theme_form(session, owner, theme, form, opened)
    conflict: Theme | None = None
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            if theme is None:
                added = pages.add_theme(session, actor(), owner, form)
            else:
                pages.update_theme(session, actor(), theme, form, form.expected_version())
        if attempt.ok:
            commit()
            if theme is None:
                message, url = pages.theme_added(owner, added)
                flash(str(message), "success")
                return redirect(url)
            flash(_("The theme has been saved."), "success")
            return redirect(pages.summary_url(owner))
        conflict = attempt.current
    return pages.render(
        pages.theme_template,
        owner,
        form=form,
        theme=theme,
        conflict=conflict,
        **pages.theme_context(session, owner, theme, conflict),
    ), 409 if conflict else 200


def publish_page(pages: StaffPages, owner_id: int) -> str | Response:
    """Publish the report for the first time, or an update with a note on what changed."""
    session = get_session()
    owner, report = load_report(pages, owner_id)
    require(policies.can_publish(actor(), report))
    form: Any = UpdateForm() if report.is_published else ConfirmForm()
    if form.validate_on_submit():
        with form_errors(form) as attempt:
            if report.is_published:
                pages.publish(session, actor(), owner, report, form.change_note_sv.data, form.change_note_rom.data)
            else:
                pages.publish(session, actor(), owner, report, None, None)
        if attempt.ok:
            commit()
            flash(str(pages.published_message), "success")
            return redirect(pages.summary_url(owner))
    return pages.render(
        pages.publish_template,
        owner,
        report=report,
        form=form,
        problems=publication.check_publishable(report),
        unpublished=snapshots.has_unpublished_changes(report),
    )
