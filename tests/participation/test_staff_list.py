"""The staff views list (issue 22): filters in a GET form whose state is in the URL, pagination, counts in SQL."""

from __future__ import annotations

import re

import pytest

from app.accounts.models import Role
from app.consultations.models import AgendaItem, RomaniVariety
from app.db import utcnow
from app.feedback.models import FeedbackReport, Theme
from app.participation.listing import PER_PAGE, ViewFilter, count_matching
from app.participation.models import Channel, Contact, Provenance, Viewpoint, ViewpointTranslation


@pytest.fixture
def world(db_session, create_board, create_user, create_consultation):
    board = create_board()
    staff = create_user(boards={board: Role.EDITOR})
    c = create_consultation(board=board)
    c.agenda_items = [AgendaItem(title_sv="Fråga ett", position=1), AgendaItem(title_sv="Fråga två", position=2)]
    db_session.flush()
    q1, q2 = c.agenda_items

    def view(code, body, **kw):
        v = Viewpoint(consultation_id=c.id, reference_code=code, body=body, language=kw.pop("language", "sv"), **kw)
        db_session.add(v)
        return v

    a = view(
        "AAAA-0001",
        "Bussen går för sällan",
        agenda_item_id=q1.id,
        publish_consent=True,
        contact=Contact(name="Vesna Nikolić"),
        show_name=True,
    )
    b = view(
        "AAAA-0002",
        "Le busi naj avel",
        language="rom",
        romani_variety=RomaniVariety.KALDERASH,
        agenda_item_id=q2.id,
        publish_consent=True,
        contact=Contact(name="Dold Person"),
        show_name=False,
    )
    b.translations = [
        ViewpointTranslation(language="sv", body="Bussarna kommer inte", provenance=Provenance.HUMAN, translator="Tolk")
    ]
    h = view(
        "AAAA-0003",
        "Stängt på kvällarna",
        channel=Channel.PHONE,
        hidden_dt=utcnow(),
        publish_consent=True,
        on_behalf_of="Romska föreningen",
    )
    o = view("AAAA-0004", "Annat språk 100%", language="other", other_language="finska")
    report = FeedbackReport(consultation_id=c.id)
    report.themes = [
        Theme(title_sv="Kollektivtrafik", position=1, viewpoints=[a, b]),
        Theme(title_sv="Tomt", position=2),
    ]
    db_session.add(report)
    db_session.commit()
    return c, staff, report, {"a": a, "b": b, "h": h, "o": o}


def _codes(html):
    return set(re.findall(r"AAAA-000\d(?=\s·)", html))


@pytest.mark.parametrize(
    "query,expected",
    [
        ("", {"a", "b", "h", "o"}),
        ("question=QUESTION1", {"a"}),
        ("question=none", {"h", "o"}),
        ("language=rom", {"b"}),
        ("language=rom:kalderash", {"b"}),
        ("language=rom:arli", set()),
        ("language=other", {"o"}),
        ("theme=none", {"h", "o"}),
        ("theme=any", {"a", "b"}),
        ("theme=THEME1", {"a", "b"}),
        ("theme=THEME2", set()),
        ("hidden=yes", {"h"}),
        ("hidden=no", {"a", "b", "o"}),
        ("translated=yes", {"b"}),
        ("translated=no", {"a", "h", "o"}),
        ("channel=phone", {"h"}),
        ("q=BUSS", {"a", "b"}),  # the text, and a translation, case-insensitively
        ("q=aaaa-0004", {"o"}),  # the reference code
        ("q=100%25", {"o"}),  # a LIKE wildcard is searched for, not used
        ("q=_", set()),
        ("theme=none&language=sv&hidden=no", set()),
        ("language=klingon&theme=999999&question=abc&channel=fax", {"a", "b", "h", "o"}),  # unknown: all
    ],
)
def test_filters(client, auth, world, query, expected):
    c, staff, report, views = world
    query = query.replace("QUESTION1", str(c.agenda_items[0].id))
    query = query.replace("THEME1", str(report.themes[0].id)).replace("THEME2", str(report.themes[1].id))
    auth.login(staff)
    html = client.get(f"/sv/staff/consultations/{c.id}/views?{query}").get_data(as_text=True)
    assert _codes(html) == {views[k].reference_code for k in expected}, query


def test_filter_form_keeps_its_state_and_is_labelled(client, auth, world):
    c, staff, report, _views = world
    auth.login(staff)
    html = client.get(f"/sv/staff/consultations/{c.id}/views?theme=none&q=Buss&language=rom:kalderash").get_data(
        as_text=True
    )
    assert '<form method="get" class="filters"' in html
    for name in ("q", "question", "language", "theme", "translated", "channel", "hidden"):
        assert f'<label for="filter-{name}">' in html and f'id="filter-{name}" name="{name}"' in html
    assert 'value="Buss"' in html
    assert '<option value="none" selected>' in html
    assert '<option value="rom:kalderash" selected>' in html


def test_shows_whether_a_name_will_be_published(client, auth, world):
    c, staff, _report, _views = world
    auth.login(staff)
    html = client.get(f"/sv/staff/consultations/{c.id}/views").get_data(as_text=True)
    assert "Published with the name: Vesna Nikolić" in html or "Publiceras med namnet: Vesna Nikolić" in html
    assert "med namnet: Dold Person" not in html and "name: Dold Person" not in html
    assert "Romska föreningen" in html


def test_pages_keep_the_filter(client, auth, world, db_session):
    c, staff, _report, _views = world
    for i in range(PER_PAGE + 3):
        db_session.add(
            Viewpoint(consultation_id=c.id, reference_code=f"PAGE-{i:04d}", body=f"Fler bussar {i}", language="sv")
        )
    db_session.commit()
    assert count_matching(db_session, c.id, ViewFilter(q="fler bussar")) == PER_PAGE + 3
    auth.login(staff)
    html = client.get(f"/sv/staff/consultations/{c.id}/views?q=fler+bussar").get_data(as_text=True)
    assert html.count('class="view-card') == PER_PAGE
    assert 'rel="next"' in html and "q=fler+bussar" in html.split('rel="next"')[1].split(">")[0]
    html = client.get(f"/sv/staff/consultations/{c.id}/views?q=fler+bussar&page=2").get_data(as_text=True)
    assert html.count('class="view-card') == 3


def test_views_of_another_board_are_refused(client, auth, world, create_user, create_board):
    c, _staff, _report, _views = world
    auth.login(create_user(boards={create_board(): Role.PUBLISHER}))
    assert client.get(f"/sv/staff/consultations/{c.id}/views?theme=any").status_code == 403
