"""The translators' workbench: role, edit with checks, overrides live at once
(page cache included), review state, audit, export that compiles, glossary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.common.errors import DomainError, PermissionDenied
from app.generations import content_generation
from app.i18n import entry_key
from app.translations import services
from app.translations.models import GlossaryTerm, TranslationEntry, TranslatorLanguage
from tests.support import first_group, present

ROOT = Path(__file__).resolve().parents[2]
DIRECTORY = str(ROOT / "translations")
SKIP = "Skip to content"  # in base.html: on every page
SKIP_KEY = entry_key(None, SKIP)


@pytest.fixture
def translator(create_user, db_session):
    user = create_user(name="Tolka Translator")
    db_session.add(TranslatorLanguage(user_id=user.id, language="rom"))
    db_session.commit()
    return user


def _rom_skip_text() -> str:
    entry = next(m for m in services.catalogs.messages(DIRECTORY, "rom") if m.key == SKIP_KEY)
    return entry.forms[0]


# --- services ----------------------------------------------------------------------


def test_only_translators_of_the_language_may_edit(db_session, translator, create_user):
    other = create_user()
    with pytest.raises(PermissionDenied):
        services.save_translation(db_session, other, DIRECTORY, "rom", SKIP_KEY, ["X"])
    with pytest.raises(PermissionDenied):
        services.save_translation(db_session, translator, DIRECTORY, "sv", SKIP_KEY, ["X"])
    admin = create_user(is_site_admin=True)
    assert services.may_translate(db_session, admin, "sv")


def test_placeholders_and_markup_are_checked_on_save(db_session, translator):
    key = entry_key(None, "%(date)s at %(time)s")
    with pytest.raises(DomainError) as missing:
        services.save_translation(db_session, translator, DIRECTORY, "rom", key, ["ora %(time)s"])
    assert missing.value.field == "form_0" and "%(date)s" in str(missing.value.message)
    with pytest.raises(DomainError) as unknown:
        services.save_translation(db_session, translator, DIRECTORY, "rom", key, ["%(date)s %(dat)s %(time)s"])
    assert "%(dat)s" in str(unknown.value.message)
    with pytest.raises(DomainError, match="percent"):
        services.save_translation(db_session, translator, DIRECTORY, "rom", key, ["%(date)s 5% %(time)s"])
    with pytest.raises(DomainError, match="HTML"):
        services.save_translation(db_session, translator, DIRECTORY, "rom", SKIP_KEY, ["<script>x</script>"])
    with pytest.raises(DomainError) as empty:
        services.save_translation(db_session, translator, DIRECTORY, "rom", SKIP_KEY, ["  "])
    assert empty.value.field == "form_0"
    assert db_session.scalar(sa.select(sa.func.count()).select_from(TranslationEntry)) == 0


def test_plural_singular_may_say_one_instead_of_the_number(db_session, translator):
    source = next(
        m for m in services.catalogs.messages(DIRECTORY, "rom") if m.is_plural and "%(num)d" in (m.msgid_plural or "")
    )
    entry = services.save_translation(db_session, translator, DIRECTORY, "rom", source.key, ["jekh", "%(num)d but"])
    assert entry.forms[:2] == ("jekh", "%(num)d but")
    with pytest.raises(DomainError) as error:
        services.save_translation(db_session, translator, DIRECTORY, "rom", source.key, ["jekh", "but"])
    assert error.value.field == "form_1"


def test_states_review_and_audit(db_session, translator):
    entry = present(services.get_entry(db_session, DIRECTORY, "rom", SKIP_KEY))
    assert entry.state == services.DRAFT and entry.swedish == ("Hoppa till innehållet",)
    services.mark_reviewed(db_session, translator, DIRECTORY, "rom", SKIP_KEY)
    assert present(services.get_entry(db_session, DIRECTORY, "rom", SKIP_KEY)).state == services.REVIEWED
    changed = services.save_translation(db_session, translator, DIRECTORY, "rom", SKIP_KEY, ["Dža sig ko o teksto"])
    assert changed.state == services.CHANGED and changed.overridden and not changed.in_catalog
    assert services.list_entries(db_session, DIRECTORY, "rom", state=services.CHANGED)[0].key == SKIP_KEY
    actions = [e.action for e in services.history(db_session, changed)]
    assert actions == ["translation.update", "translation.review"]
    # Back to the catalog's text: the override is dropped, the review stays true.
    back = services.save_translation(db_session, translator, DIRECTORY, "rom", SKIP_KEY, [_rom_skip_text()])
    assert not back.overridden and back.state == services.REVIEWED


def test_search_finds_english_swedish_and_translation(db_session):
    assert any(
        e.key == SKIP_KEY for e in services.list_entries(db_session, DIRECTORY, "rom", query="hoppa till innehållet")
    )
    assert any(e.key == SKIP_KEY for e in services.list_entries(db_session, DIRECTORY, "rom", query="skip to"))
    assert [e.key for e in services.list_entries(db_session, DIRECTORY, "rom", keys={SKIP_KEY[:8]})] == [SKIP_KEY]


def test_locations_come_from_the_template():
    source = next(m for m in services.catalogs.messages(DIRECTORY, "rom") if m.key == SKIP_KEY)
    assert ("templates/base.html", 20) in source.locations or any(
        f == "templates/base.html" for f, _ in source.locations
    )


def test_export_contains_overrides_and_compiles(db_session, translator, tmp_path):
    services.save_translation(db_session, translator, DIRECTORY, "rom", SKIP_KEY, ["Dža sig ko o teksto"])
    data = services.export_po(db_session, DIRECTORY, "rom")
    assert 'msgid "Skip to content"\nmsgstr "Dža sig ko o teksto"' in data.decode()
    assert b"awaiting native review" in data
    target = tmp_path / "rom" / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "messages.po").write_bytes(data)
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "compile",
            "-d",
            str(tmp_path),
            "-D",
            "messages",
            "--statistics",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "fuzzy" not in result.stderr + result.stdout, result.stderr
    assert (target / "messages.mo").exists()


def test_glossary_and_consistency_check(db_session, translator):
    services.save_term(db_session, translator, "rom", term="language", preferred="čhib", avoid="chib\nšib", note="")
    with pytest.raises(DomainError) as clash:
        services.save_term(db_session, translator, "rom", term="Language", preferred="x", avoid="", note="")
    assert clash.value.field == "term"
    services.save_translation(db_session, translator, DIRECTORY, "rom", SKIP_KEY, ["Dža sig ko o teksto pe chib"])
    findings = services.consistency(db_session, DIRECTORY, "rom")
    assert [(f.form, f.entry.key) for f in findings if f.entry.key == SKIP_KEY] == [("chib", SKIP_KEY)]
    assert db_session.scalar(sa.select(sa.func.count()).select_from(GlossaryTerm)) == 1


def test_project_glossary_imports_once(db_session, translator):
    added = services.import_glossary(db_session, translator, "rom", ROOT / "translations" / "glossary-terms.json")
    assert added > 5
    assert services.import_glossary(db_session, translator, "rom", ROOT / "translations" / "glossary-terms.json") == 0


# --- live site -------------------------------------------------------------------------


def test_override_is_live_at_once_and_empties_the_page_cache(app, client, auth, translator, db_session):
    visitor = app.test_client()
    first = visitor.get("/rom/")
    assert _rom_skip_text() in first.get_data(as_text=True)
    assert visitor.get("/rom/").headers["X-Page-Cache"] == "hit"
    before = content_generation(db_session)
    auth.login(translator, lang="rom")
    response = client.post(f"/sv/staff/translations/rom/entry/{SKIP_KEY}", data={"form_0": "Dža sig ko o teksto"})
    assert response.status_code == 302
    assert content_generation(db_session) > before
    page = visitor.get("/rom/")
    assert page.headers["X-Page-Cache"] == "miss"
    assert "Dža sig ko o teksto" in page.get_data(as_text=True)
    assert "Hoppa till innehållet" in visitor.get("/sv/").get_data(as_text=True)  # other languages untouched


def test_overrides_are_loaded_once_per_change_of_the_overrides(client, app, translator, db_session, create_board):
    cache = app.extensions["i18n_overrides"]
    client.get("/rom/consultations/?x=1")
    loads = cache.loads
    for n in range(3):
        client.get(f"/rom/consultations/?x={n + 2}")
    create_board()  # other content changed: pages are rendered afresh, the overrides are not read again
    assert "Konsultacii" in client.get("/rom/consultations/?x=8").get_data(as_text=True)
    assert cache.loads == loads
    services.save_translation(db_session, translator, DIRECTORY, "rom", SKIP_KEY, ["Dža sig ko o teksto"])
    db_session.commit()
    assert "Dža sig ko o teksto" in client.get("/rom/consultations/?x=9").get_data(as_text=True)
    assert cache.loads == loads + 1


def test_missing_placeholder_is_refused_next_to_the_field(client, auth, translator):
    auth.login(translator)
    key = entry_key(None, "%(date)s at %(time)s")
    html = client.post(f"/sv/staff/translations/rom/entry/{key}", data={"form_0": "%(time)s"}).get_data(as_text=True)
    assert 'id="form_0-error"' in html and "%(date)s" in html
    assert "%(time)s</textarea>" in html  # the typed text is kept


def test_workbench_pages_render_for_a_translator(client, auth, translator):
    auth.login(translator)
    for url in (
        "/sv/staff/translations/",
        "/rom/staff/translations/rom/",
        "/sv/staff/translations/rom/?state=draft&q=skip",
        f"/sv/staff/translations/rom/entry/{SKIP_KEY}",
        "/sv/staff/translations/rom/glossary",
        "/sv/staff/translations/rom/consistency",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/sv/staff/translations/sv/").status_code == 403
    assert client.get("/sv/staff/translations/xx/").status_code == 404
    assert client.get("/sv/staff/translations/rom/entry/zzzz").status_code == 404
    assert client.get("/sv/staff/admin/translators").status_code == 403
    html = client.get(f"/sv/staff/translations/rom/entry/{SKIP_KEY}").get_data(as_text=True)
    assert "templates/base.html" in html and "Hoppa till innehållet" in html


def test_review_button_and_download(client, auth, translator):
    auth.login(translator)
    assert client.post(f"/sv/staff/translations/rom/entry/{SKIP_KEY}/review").status_code == 302
    html = client.get(f"/sv/staff/translations/rom/entry/{SKIP_KEY}").get_data(as_text=True)
    assert "Granskad" in html
    response = client.get("/sv/staff/translations/rom/messages.po")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert b'msgid "Skip to content"' in response.data


def test_footer_link_lists_the_strings_of_the_page(client, auth, translator, create_user):
    auth.login(translator, lang="rom")
    html = client.get("/rom/").get_data(as_text=True)
    assert "/staff/translations/rom/?keys=" in html and SKIP_KEY[:8] in html

    href = first_group(r'href="([^"]*/staff/translations/rom/\?keys=[^"]*)"', html).replace("&amp;", "&")
    listing = client.get(href).get_data(as_text=True)
    assert "Skip to content" in listing and "Privacy" in listing
    # Nobody else sees the link, and Swedish pages don't show it to a Romani translator.
    assert "?keys=" not in client.get("/sv/").get_data(as_text=True)
    auth.logout()
    auth.login(create_user())
    assert "?keys=" not in client.get("/rom/").get_data(as_text=True)


def test_site_admin_grants_and_withdraws_the_role(client, auth, create_user, db_session):
    admin = create_user(is_site_admin=True)
    person = create_user(name="Ruža")
    auth.login(admin)
    assert client.post("/sv/staff/admin/translators", data={"user_id": person.id, "language": "rom"}).status_code == 302
    grant = db_session.scalar(sa.select(TranslatorLanguage).where(TranslatorLanguage.user_id == person.id))
    assert grant.language == "rom"
    html = client.post("/sv/staff/admin/translators", data={"user_id": person.id, "language": "rom"}).get_data(
        as_text=True
    )
    assert 'id="user_id-error"' in html
    assert client.post(f"/sv/staff/admin/translators/{grant.id}/revoke").status_code == 302
    assert db_session.scalar(sa.select(TranslatorLanguage).where(TranslatorLanguage.user_id == person.id)) is None
    actions = set(db_session.scalars(sa.select(AuditEvent.action)))
    assert {"translator.grant", "translator.revoke"} <= actions


def test_cli_export(runner, translator, db_session):
    services.save_translation(db_session, translator, DIRECTORY, "rom", SKIP_KEY, ["Dža sig ko o teksto"])
    db_session.commit()
    result = runner.invoke(args=["translations", "export", "rom"])
    assert result.exit_code == 0, result.output
    assert 'msgstr "Dža sig ko o teksto"' in result.output
    assert runner.invoke(args=["translations", "export", "xx"]).exit_code != 0


def test_looking_up_a_string_outside_a_request_leaves_the_callers_session_alone(app, db_session, create_board):
    """Services called with their own session (jobs, tests) render e-mails in an
    app context; reading the overrides must not take over, and so roll back, that session."""
    from app.i18n import gettext

    with app.test_request_context("/rom/"):
        board = create_board()
        db_session.add(GlossaryTerm(language="rom", term="x", preferred="y"))
        db_session.flush()
        assert gettext("Skip to content")
    assert db_session.get(type(board), board.id) is not None
    assert db_session.scalar(sa.select(sa.func.count()).select_from(GlossaryTerm)) == 1
