"""The list of views on the public feedback page: one page at a time, by theme, each view once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from sqlalchemy import event

from app.consultations.models import Consultation
from app.consultations.models import ConsultationStatus as S
from app.db import utcnow
from app.feedback import consultation as consultation_reports
from app.feedback import public as feedback_public
from app.feedback import publication
from app.feedback import services as fb
from app.feedback.models import FeedbackReport
from app.participation.models import Viewpoint
from tests.conftest import in_days
from tests.support import first_group

PER_PAGE = feedback_public.VIEWS_PER_PAGE
VIEW_ID = re.compile(r'id="view-([A-Z0-9-]+)"')


@dataclass
class Feedback:
    consultation: Consultation
    report: FeedbackReport
    public: list[Viewpoint]  # in the order of the list (by id)
    private: Viewpoint  # no consent to publication
    hidden: Viewpoint
    theme_ids: tuple[int, int]
    in_first_theme: list[Viewpoint]  # the published views of the first theme

    def url(self, lang: str = "sv", **query: object) -> str:
        args = "&".join(f"{k}={v}" for k, v in query.items())
        return f"/{lang}/consultations/{self.consultation.id}/feedback" + (f"?{args}" if args else "")


def _views(db_session, consultation, n, **kwargs) -> list[Viewpoint]:
    views = [
        Viewpoint(
            consultation_id=consultation.id,
            reference_code=f"L{consultation.id % 1000:03d}-{i:06d}",
            body=f"Synpunkt nummer {i} om fritidsgården.",
            language="sv",
            publish_consent=True,
            **kwargs,
        )
        for i in range(n)
    ]
    db_session.add_all(views)
    db_session.flush()
    return views


def _publish(db_session, publisher, consultation, *themes: tuple[dict[str, str], list[int]]) -> FeedbackReport:
    """Publish feedback with these themes (title, view ids), each answered."""
    report = consultation_reports.start_report(db_session, publisher, consultation)
    fb.update_summary(db_session, publisher, report, {"summary_sv": "Tack för era synpunkter."})
    for data, ids in themes:
        theme = fb.add_theme(db_session, publisher, report, data, ids)
        fb.save_response(db_session, publisher, theme, {"outcome": "implemented", "body_sv": "Vi gör det."})
    publication.publish_feedback(db_session, publisher, report)
    db_session.commit()
    return report


@pytest.fixture
def many(db_session, publisher, held) -> Feedback:
    """2½ pages of published views, one without consent and one hidden; two themes."""
    public = _views(db_session, held, 2 * PER_PAGE + 20)
    private = Viewpoint(consultation_id=held.id, reference_code="PRIV-0001", body="Privat text.", language="sv")
    hidden = Viewpoint(
        consultation_id=held.id,
        reference_code="HIDE-0001",
        body="Dold text.",
        language="sv",
        publish_consent=True,
        hidden_dt=utcnow(),
    )
    db_session.add_all([private, hidden])
    db_session.commit()
    # The first theme: every second view (more than a page) and the two that may not be shown; the
    # second theme: every fifth view (some views are in both).
    first = public[::2]
    report = _publish(
        db_session,
        publisher,
        held,
        ({"title_sv": "Läxhjälp", "title_rom": "Žutimos"}, [v.id for v in first] + [private.id, hidden.id]),
        ({"title_sv": "Idrott"}, [v.id for v in public[::5]]),
    )
    one, two = (t.id for t in report.themes)
    return Feedback(held, report, public, private, hidden, (one, two), first)


def _listed(html: str) -> list[str]:
    return VIEW_ID.findall(html)


# The assertions below read numbers, links and structure, not UI text: the page
# is the same in both languages whatever the catalogs say.


def _views_section(html: str) -> str:
    return html.split('class="views"', 1)[1].split("</section>", 1)[0]


def _heading(html: str) -> str:
    return html.split('<h2 id="views-title">', 1)[1].split("</h2>", 1)[0]


def _published_count(html: str) -> int:
    """The number of published views the list says there are (the first number after the heading)."""
    return int(first_group(r"</h2>\s*<p>(\d+)", _views_section(html)))


def _page_of(html: str) -> tuple[int, int]:
    """ "Page n of m" in the pagination."""
    found = re.search(r'<nav class="pagination"[^>]*>\s*<p>\D*(\d+)\D+(\d+)\D*</p>', html)
    assert found is not None, "no pagination"
    return int(found.group(1)), int(found.group(2))


def _theme_link(html: str, consultation_id: int, theme_id: int) -> re.Match[str] | None:
    """The link from a theme to its views, with the number of views in its text."""
    href = f"/sv/consultations/{consultation_id}/feedback?theme={theme_id}#views-title"
    return re.search(rf'<a href="{re.escape(href)}">\D*(\d+)', html)


@contextmanager
def _loaded_views() -> Iterator[list[Viewpoint]]:
    """The views the ORM builds from database rows while the block runs."""
    loaded: list[Viewpoint] = []

    def _load(target: Viewpoint, context: object) -> None:
        loaded.append(target)

    event.listen(Viewpoint, "load", _load)
    try:
        yield loaded
    finally:
        event.remove(Viewpoint, "load", _load)


def test_the_list_is_paginated(client, many):
    codes = [v.reference_code for v in many.public]
    first = client.get(many.url()).get_data(as_text=True)
    assert _listed(first) == codes[:PER_PAGE]
    second = client.get(many.url(page=2)).get_data(as_text=True)
    assert _listed(second) == codes[PER_PAGE : 2 * PER_PAGE]
    assert codes[PER_PAGE] in second and codes[0] not in second  # the 51st view, not the first
    last = client.get(many.url(page=3)).get_data(as_text=True)
    assert _listed(last) == codes[2 * PER_PAGE :]
    # every page says how many views there are in all, and where it is
    for html, number in ((first, 1), (second, 2), (last, 3)):
        assert _published_count(html) == len(codes)
        assert _page_of(html) == (number, 3)
        assert re.search(rf'href="[^"]*feedback(\?page={number})?#views-title" aria-current="page"', html), number
        assert html.count('aria-current="page"') == 1
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert 'rel="prev"' in last and 'rel="next"' not in last
    assert f'href="/sv/consultations/{many.consultation.id}/feedback?page=3#views-title"' in second
    assert many.private.reference_code not in first + second + last
    assert many.hidden.reference_code not in first + second + last


def test_only_the_views_of_the_page_are_loaded(client, db_session, many):
    db_session.expunge_all()  # as in production: nothing loaded before the request
    with _loaded_views() as loaded:
        html = client.get(many.url(page=2)).get_data(as_text=True)
    assert len(_listed(html)) == PER_PAGE
    assert sorted(v.reference_code for v in loaded) == sorted(_listed(html))


def test_each_view_is_shown_once(client, many):
    html = client.get(many.url()).get_data(as_text=True)
    listed = _listed(html)
    assert len(listed) == len(set(listed)) == PER_PAGE
    assert html.count('<figure class="viewpoint">') == PER_PAGE
    for v in many.public[:PER_PAGE]:
        assert html.count(f">{v.body}</blockquote>") == 1, v.reference_code
        assert html.count(f'href="/sv/views/{v.reference_code}"') == 1, v.reference_code
    # the themes link to their views instead of repeating them
    one, two = many.theme_ids
    for theme_id, count in ((one, len(many.in_first_theme)), (two, len(many.public[::5]))):
        section = html.split(f'<section id="theme-{theme_id}"', 1)[1].split("</section>", 1)[0]
        assert "<blockquote" not in section
        link = _theme_link(section, many.consultation.id, theme_id)
        assert link and int(link.group(1)) == count, theme_id
    # each view keeps its anchor and the links to its themes
    first = many.public[0]
    item = html.split(f'<li id="view-{first.reference_code}">', 1)[1].split("</li>", 1)[0]
    assert f'<a href="#theme-{one}">Läxhjälp</a>' in item and f'<a href="#theme-{two}">Idrott</a>' in item


def test_the_theme_filter_shows_that_themes_published_views(client, many):
    one, two = many.theme_ids
    wanted = [v.reference_code for v in many.in_first_theme]
    assert len(wanted) > PER_PAGE  # the filtered list has pages too
    first = client.get(many.url(theme=one)).get_data(as_text=True)
    second = client.get(many.url(theme=one, page=2)).get_data(as_text=True)
    assert _listed(first) + _listed(second) == wanted
    assert many.private.reference_code not in first + second and many.hidden.reference_code not in first + second
    assert "Läxhjälp" in _heading(first) and "Läxhjälp" not in _heading(client.get(many.url()).get_data(as_text=True))
    notice = _views_section(first).split('<p class="notice notice-info">', 1)[1].split("</p>", 1)[0]
    assert re.match(rf"\D*{len(wanted)}\D", notice)
    assert f'href="/sv/consultations/{many.consultation.id}/feedback#views-title"' in notice  # back to all views
    assert f'href="#theme-{one}"' in notice  # back to the theme
    # the pages of the filtered list stay in the theme
    assert f'href="/sv/consultations/{many.consultation.id}/feedback?theme={one}&amp;page=2#views-title"' in first
    # the counts of the whole feedback stay as they are
    assert _published_count(first) == len(many.public)
    assert 'data-hidden-count="1" data-unpublished-count="1"' in first
    # the other theme
    other = client.get(many.url(theme=two)).get_data(as_text=True)
    assert _listed(other) == [v.reference_code for v in many.public[::5]][:PER_PAGE]
    assert "<title>" in other and "Idrott" in other.split("</title>")[0]


@pytest.mark.parametrize("lang", ["sv", "rom"])
def test_the_list_in_both_languages(client, many, lang):
    one, _two = many.theme_ids
    html = client.get(many.url(lang, theme=one, page=2)).get_data(as_text=True)
    assert f'<html lang="{lang}"' in html
    assert _listed(html) == [v.reference_code for v in many.in_first_theme][PER_PAGE : 2 * PER_PAGE]
    assert ("Žutimos" if lang == "rom" else "Läxhjälp") in _heading(html)
    assert _page_of(html) == (2, 2)
    assert f'href="/{lang}/views/{many.in_first_theme[PER_PAGE].reference_code}"' in html


def test_bad_parameters_fall_back(client, create_consultation, board, many, db_session, publisher):
    codes = [v.reference_code for v in many.public]
    # a theme of another consultation's feedback
    other = create_consultation(board=board, status=S.HELD, start_dt=in_days(-7))
    stranger = _views(db_session, other, 1)[0]
    db_session.commit()
    foreign = _publish(db_session, publisher, other, ({"title_sv": "Främmande"}, [stranger.id])).themes[0]

    first_page = [
        "page=abc",
        "page=-3",
        "page=0",
        "page=1.5",
        "page=",
        "page=%00",
        "theme=abc",
        "theme=-1",
        "theme=99999999999999999999",
        f"theme={foreign.id}",
        "theme=%00",
        "theme=1e3&page=x",
    ]
    for query in first_page:
        response = client.get(f"{many.url()}?{query}")
        assert response.status_code == 200, query
        html = response.get_data(as_text=True)
        assert _listed(html) == codes[:PER_PAGE], query
        assert "Främmande" not in html and stranger.reference_code not in html, query
    # a page past the end (or absurdly far) shows the last page
    for query in ("page=4", "page=99999999999", "page=999999999999999999999999"):
        response = client.get(f"{many.url()}?{query}")
        assert response.status_code == 200, query
        assert _listed(response.get_data(as_text=True)) == codes[2 * PER_PAGE :], query
    one, _two = many.theme_ids
    wanted = [v.reference_code for v in many.in_first_theme]
    assert _listed(client.get(many.url(theme=one, page=-1)).get_data(as_text=True)) == wanted[:PER_PAGE]
    assert _listed(client.get(many.url(theme=one, page=50)).get_data(as_text=True)) == wanted[PER_PAGE:]


def test_a_theme_without_published_views_has_no_link(client, db_session, publisher, held, create_viewpoint):
    shown = create_viewpoint(held, "Syns.")
    private = create_viewpoint(held, "Syns inte.", publish_consent=False)
    theme = _publish(db_session, publisher, held, ({"title_sv": "Bara privat"}, [private.id])).themes[0]
    base = f"/sv/consultations/{held.id}/feedback"
    html = client.get(base).get_data(as_text=True)
    assert f'id="theme-{theme.id}"' in html and f"?theme={theme.id}" not in html
    assert 'class="pagination"' not in html  # one page: no page links
    assert _listed(html) == [shown.reference_code]
    filtered = client.get(f"{base}?theme={theme.id}")
    assert filtered.status_code == 200
    assert _listed(filtered.get_data(as_text=True)) == []


def test_staff_preview_shows_the_draft(client, auth, db_session, publisher, held, create_viewpoint):
    views = [create_viewpoint(held, f"Utkastsynpunkt {i}.") for i in range(3)]
    report = consultation_reports.start_report(db_session, publisher, held)
    theme = fb.add_theme(db_session, publisher, report, {"title_sv": "Utkasttema"}, [views[0].id, views[1].id])
    db_session.commit()
    auth.login(publisher)
    response = client.get(f"/sv/staff/consultations/{held.id}/feedback/preview")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Utkasttema" in html
    link = re.search(rf'href="[^"]*\?theme={theme.id}#views-title">\D*(\d+)', html)
    assert link and link.group(1) == "2"
    assert _listed(html) == [v.reference_code for v in views]
    for v in views:
        assert html.count(f">{v.body}</blockquote>") == 1
    # The theme's link works in the preview too: only that theme's views.
    filtered = client.get(f"/sv/staff/consultations/{held.id}/feedback/preview?theme={theme.id}")
    assert _listed(filtered.get_data(as_text=True)) == [views[0].reference_code, views[1].reference_code]
    # still not public
    assert "Utkasttema" not in client.get(f"/sv/consultations/{held.id}/feedback").get_data(as_text=True)


def test_view_permalink_loads_no_other_view(client, db_session, many):
    v = many.in_first_theme[-1]
    db_session.expunge_all()
    with _loaded_views() as loaded:
        html = client.get(f"/sv/views/{v.reference_code}").get_data(as_text=True)
    assert [x.reference_code for x in loaded] == [v.reference_code]
    assert v.body in html
    assert f"/sv/consultations/{many.consultation.id}/feedback#theme-{many.theme_ids[0]}" in html
