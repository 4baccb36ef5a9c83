"""Theming at scale (issue 22): many views put in a theme at once from the filtered views list,
moved, removed, themes merged, and views read one at a time; audited, with optimistic locking."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.consultations.models import ConsultationStatus as S
from app.consultations.models import RomaniVariety
from app.feedback import consultation as consultation_reports
from app.feedback import services as fb
from app.feedback.models import Theme
from app.participation.models import Provenance, Viewpoint, ViewpointTranslation
from tests.support import first_group


@pytest.fixture
def world(db_session, create_board, create_user, create_consultation):
    board = create_board()
    staff = create_user(boards={board: Role.EDITOR})
    c = create_consultation(board=board, status=S.HELD)
    views = []
    for i in range(30):
        v = Viewpoint(
            consultation_id=c.id,
            reference_code=f"TH{i:02d}-AAAA",
            body=f"Bussarna {i}" if i % 2 else f"Skolan {i}",
            language="rom" if i % 3 == 0 else "sv",
            romani_variety=RomaniVariety.ARLI if i % 3 == 0 else None,
        )
        if i == 0:
            v.translations = [
                ViewpointTranslation(
                    language="sv", body="Skolan på svenska", provenance=Provenance.HUMAN, translator="Tolk"
                )
            ]
        views.append(v)
    db_session.add_all(views)
    report = consultation_reports.start_report(db_session, staff, c)
    bus = fb.add_theme(db_session, staff, report, {"title_sv": "Bussar"})
    school = fb.add_theme(db_session, staff, report, {"title_sv": "Skolan"})
    db_session.commit()
    return c, staff, report, bus, school, views


def _post(client, c, data, query=""):
    return client.post(f"/sv/staff/consultations/{c.id}/views{query}", data=data)


def _versions(*themes):
    return ",".join(f"{t.id}:{t.version}" for t in themes)


def test_all_matching_the_filter_in_one_action_audited_per_view(client, auth, db_session, world):
    c, staff, report, bus, school, views = world
    auth.login(staff)
    html = client.get(f"/sv/staff/consultations/{c.id}/views?q=bussarna").get_data(as_text=True)
    total = first_group(r'name="expected_total" type="hidden" value="(\d+)"', html)
    assert total == "15"
    version = bus.version
    response = _post(
        client,
        c,
        {
            "q": "bussarna",
            "action": "assign",
            "to_theme": bus.id,
            "scope": "all",
            "expected_total": total,
            "versions": _versions(bus, school),
        },
        "?q=bussarna",
    )
    assert response.status_code == 302 and "q=bussarna" in response.headers["Location"]
    db_session.expire_all()
    assert sorted(v.id for v in bus.viewpoints) == sorted(v.id for v in views if "Bussarna" in v.body)
    assert bus.version > version  # an open form on the theme sees the change
    events = db_session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "theme.assign")).all()
    assert len(events) == 15 and {e.object_type for e in events} == {"Viewpoint"}
    assert {e.after["theme_id"] for e in events} == {bus.id} and {e.actor_id for e in events} == {staff.id}
    # Sent again: nothing new, nothing audited twice.
    _post(
        client,
        c,
        {
            "q": "bussarna",
            "action": "assign",
            "to_theme": bus.id,
            "scope": "all",
            "expected_total": total,
            "versions": _versions(bus, school),
        },
        "?q=bussarna",
    )
    assert (
        db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "theme.assign"))
        == 15
    )


def test_ticked_and_page_scopes(client, auth, db_session, world):
    c, staff, report, bus, school, views = world
    auth.login(staff)
    ticked = [views[1].id, views[3].id]
    assert (
        _post(
            client,
            c,
            {
                "action": "assign",
                "to_theme": school.id,
                "scope": "ticked",
                "viewpoint_ids": ticked,
                "versions": _versions(bus, school),
            },
        ).status_code
        == 302
    )
    db_session.expire_all()
    assert sorted(v.id for v in school.viewpoints) == ticked
    page_ids = [v.id for v in views[:25]]
    assert (
        _post(
            client,
            c,
            {
                "action": "assign",
                "to_theme": bus.id,
                "scope": "page",
                "page_ids": page_ids,
                "versions": _versions(bus, school),
            },
        ).status_code
        == 302
    )
    db_session.expire_all()
    assert len(bus.viewpoints) == 25


def test_nothing_ticked_is_an_error_and_a_stale_theme_writes_nothing(client, auth, db_session, world):
    c, staff, report, bus, school, views = world
    auth.login(staff)
    response = _post(
        client, c, {"action": "assign", "to_theme": bus.id, "scope": "ticked", "versions": _versions(bus, school)}
    )
    assert response.status_code == 400 and "error-summary" in response.get_data(as_text=True)
    for scope, field in (("ticked", "viewpoint_ids"), ("page", "page_ids")):  # an id too large for SQL: no view
        response = _post(
            client,
            c,
            {
                "action": "assign",
                "to_theme": bus.id,
                "scope": scope,
                field: "99999999999999999999",
                "versions": _versions(bus, school),
            },
        )
        assert response.status_code < 500 and not bus.viewpoints
    seen = _versions(bus, school)
    fb.update_theme(db_session, staff, bus, {"title_sv": "Bussar och tunnelbana"})  # a colleague saves meanwhile
    db_session.commit()
    response = _post(
        client,
        c,
        {"action": "assign", "to_theme": bus.id, "scope": "ticked", "viewpoint_ids": [views[1].id], "versions": seen},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Bussar och tunnelbana" in html and "error-summary" in html
    assert f'value="{views[1].id}" id="tick-{views[1].id}" checked' in html  # the ticks are kept
    db_session.expire_all()
    assert bus.viewpoints == []
    assert (
        db_session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "theme.assign"))
        == 0
    )
    # The page now carries the current version: sending again works.
    versions = first_group(r'name="versions" type="hidden" value="([^"]+)"', html)
    assert (
        _post(
            client,
            c,
            {
                "action": "assign",
                "to_theme": bus.id,
                "scope": "ticked",
                "viewpoint_ids": [views[1].id],
                "versions": versions,
            },
        ).status_code
        == 302
    )


def test_all_matching_refused_when_the_list_changed(client, auth, db_session, world):
    c, staff, report, bus, school, views = world
    auth.login(staff)
    response = client.post(
        f"/sv/staff/consultations/{c.id}/views?theme=none",
        data={
            "action": "assign",
            "to_theme": bus.id,
            "scope": "all",
            "expected_total": "29",
            "versions": _versions(bus, school),
        },
    )
    assert response.status_code == 400
    db_session.expire_all()
    assert bus.viewpoints == []


def test_move_to_a_new_theme_splits_and_unassign(client, auth, db_session, world):
    c, staff, report, bus, school, views = world
    fb.update_theme(db_session, staff, bus, {"title_sv": "Bussar"}, [v.id for v in views[:6]])
    db_session.commit()
    auth.login(staff)
    html = client.get(f"/sv/staff/consultations/{c.id}/views?theme={bus.id}").get_data(as_text=True)
    assert 'value="move"' in html
    response = client.post(
        f"/sv/staff/consultations/{c.id}/views?theme={bus.id}",
        data={
            "action": "move",
            "to_theme": "new",
            "new_title": "Nattbussar",
            "scope": "ticked",
            "viewpoint_ids": [views[0].id, views[1].id],
            "versions": _versions(bus, school),
        },
    )
    assert response.status_code == 302
    db_session.expire_all()
    night = db_session.scalar(sa.select(Theme).where(Theme.title_sv == "Nattbussar"))
    assert sorted(v.id for v in night.viewpoints) == [views[0].id, views[1].id]
    assert sorted(v.id for v in bus.viewpoints) == [v.id for v in views[2:6]]
    assert (
        _post(
            client,
            c,
            {
                "action": "unassign",
                "to_theme": bus.id,
                "scope": "ticked",
                "viewpoint_ids": [views[2].id],
                "versions": _versions(bus, school, night),
            },
        ).status_code
        == 302
    )
    db_session.expire_all()
    assert views[2].id not in {v.id for v in bus.viewpoints}
    assert (
        db_session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "theme.unassign")
        )
        == 3
    )
    # A new theme needs a title: the error is next to the field.
    html = _post(
        client,
        c,
        {
            "action": "assign",
            "to_theme": "new",
            "scope": "ticked",
            "viewpoint_ids": [views[3].id],
            "versions": _versions(bus, school, night),
        },
    ).get_data(as_text=True)
    assert 'id="new_title-error"' in html


def test_overview_counts_languages_unthemed_and_merge(client, auth, db_session, world):
    c, staff, report, bus, school, views = world
    fb.update_theme(db_session, staff, bus, {"title_sv": "Bussar"}, [v.id for v in views[:4]])
    fb.update_theme(db_session, staff, school, {"title_sv": "Skolan"}, [v.id for v in views[3:8]])
    db_session.commit()
    auth.login(staff)
    html = client.get(f"/sv/staff/consultations/{c.id}/feedback").get_data(as_text=True)
    assert "22 synpunkter finns inte i något tema ännu" in html or "22 views are in no theme yet" in html
    assert "(Arli): 2" in html
    seen = _versions(bus, school)
    response = client.post(
        f"/sv/staff/consultations/{c.id}/feedback/themes/merge",
        data={"source": school.id, "target": bus.id, "versions": seen},
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert sorted(v.id for v in bus.viewpoints) == [v.id for v in views[:8]]
    assert [t.title_sv for t in report.themes] == ["Bussar"]
    # A stale merge is refused.
    other = fb.add_theme(db_session, staff, report, {"title_sv": "Annat"}, [views[9].id])
    db_session.commit()
    response = client.post(
        f"/sv/staff/consultations/{c.id}/feedback/themes/merge",
        data={"source": other.id, "target": bus.id, "versions": f"{other.id}:{other.version}"},
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert [t.title_sv for t in report.themes] == ["Bussar", "Annat"]


def test_reading_mode(client, auth, db_session, world):
    c, staff, report, bus, school, views = world
    auth.login(staff)
    base = f"/sv/staff/consultations/{c.id}/views/read"
    html = client.get(f"{base}?theme=none").get_data(as_text=True)
    assert "TH00-AAAA" in html and "Skolan på svenska" in html and 'class="reading-pair"' in html
    assert 'rel="next"' in html and 'rel="prev"' not in html
    assert 'data-key="1"' in html and 'name="put" value="new"' in html
    versions = first_group(r'name="versions" type="hidden" value="([^"]+)"', html)
    # One tap: in the theme, and on to the next view of the filter.
    response = client.post(f"{base}?theme=none&at={views[0].id}", data={"put": school.id, "versions": versions})
    assert response.status_code == 302
    assert f"at={views[1].id}" in response.headers["Location"] and "theme=none" in response.headers["Location"]
    db_session.expire_all()
    assert [v.id for v in school.viewpoints] == [views[0].id]
    # A theme on the fly.
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    versions = first_group(r'name="versions" type="hidden" value="([^"]+)"', html)
    response = client.post(
        f"{base}?theme=none&at={views[1].id}", data={"put": "new", "new_title": "Trafik", "versions": versions}
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert [v.id for v in db_session.scalar(sa.select(Theme).where(Theme.title_sv == "Trafik")).viewpoints] == [
        views[1].id
    ]
    # Remove with one tap.
    html = client.get(f"{base}?at={views[0].id}").get_data(as_text=True)
    versions = first_group(r'name="versions" type="hidden" value="([^"]+)"', html)
    assert client.post(f"{base}?at={views[0].id}", data={"remove": school.id, "versions": versions}).status_code == 302
    db_session.expire_all()
    assert school.viewpoints == []


def test_theme_form_has_no_checkbox_per_view(client, auth, db_session, world):
    c, staff, report, bus, school, views = world
    auth.login(staff)
    for url in (
        f"/sv/staff/consultations/{c.id}/feedback/themes/new",
        f"/sv/staff/consultations/{c.id}/feedback/themes/{bus.id}",
    ):
        html = client.get(url).get_data(as_text=True)
        assert 'type="checkbox"' not in html and "TH01-AAAA" not in html
