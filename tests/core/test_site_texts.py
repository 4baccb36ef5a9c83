"""The accessibility statement: Digg's required parts, editable by site administrators."""

from __future__ import annotations

from app.accounts.models import Role


def test_statement_has_required_parts(client):
    for lang in ("sv", "rom"):
        html = client.get(f"/{lang}/accessibility").get_data(as_text=True)
        assert "https://www.digg.se/tdosanmalan" in html
        assert "tillganglighet@stockholm.example" in html  # how to report, default text
        assert html.count("<h2>") >= 5
    rom = client.get("/rom/accessibility").get_data(as_text=True)
    # The default texts are bilingual: the Romani statement is whole, not a frame.
    assert '<div lang="sv" class="fallback">' not in rom and "Ramosar ka tillganglighet@stockholm.example" in rom
    assert "29 novembro 2026" in rom  # "last updated" (the defaults' date)
    sv = client.get("/sv/accessibility").get_data(as_text=True)
    assert "Redogörelsen uppdaterades senast 29 november 2026." in sv


def test_site_admin_edits_statement(client, auth, create_user, create_board, db_session):
    auth.login(create_user(boards={create_board(): Role.PUBLISHER}))
    assert client.get("/sv/staff/admin/accessibility").status_code == 403
    auth.logout()
    auth.login(create_user(is_site_admin=True))
    form = {f"{k}_sv": f"Svensk {k}" for k in ("a11y_compliance", "a11y_gaps", "a11y_assessment", "a11y_contact")}
    form["a11y_gaps_rom"] = "Rromanes gaps"
    html = client.post("/sv/staff/admin/accessibility", data={**form, "a11y_contact_sv": ""}).get_data(as_text=True)
    assert 'id="a11y_contact_sv-error"' in html and "Svensk a11y_gaps" in html
    assert client.post("/sv/staff/admin/accessibility", data=form).status_code == 302
    rom = client.get("/rom/accessibility").get_data(as_text=True)
    assert "Rromanes gaps" in rom and "Svensk a11y_compliance" in rom
    # Sections the city wrote only in Swedish are marked, as other content is.
    assert '<div lang="sv" class="fallback">' in rom and "notice-info" in rom
    from app.i18n import format_date
    from app.site.models import SiteText

    with client.application.test_request_context("/sv/"):
        today = format_date(db_session.get(SiteText, "a11y_gaps").updated_dt, weekday=False)
    assert f"Redogörelsen uppdaterades senast {today}." in client.get("/sv/accessibility").get_data(as_text=True)
