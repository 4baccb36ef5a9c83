"""Acceptance: a translator corrects a Romani string in the browser, sees it live,
marks it reviewed and downloads a .po with the change that pybabel compiles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.browser.support import LiveServer, format_violations, run_axe

pytestmark = pytest.mark.browser

EMAIL = "tolka.translator@stockholm.example"
PASSWORD = "a long translator passphrase 2026"
CORRECTED = "Lokho teksto te ginavel pes"


def _create_translator_account(server: LiveServer) -> None:
    from app.accounts.services import create_user, get_user_by_email

    with Session(server.app.extensions["db"].engine) as session:
        if get_user_by_email(session, EMAIL) is None:
            create_user(session, email=EMAIL, name="Tolka Translator", password=PASSWORD)
            session.commit()


def _axe(page: Any) -> None:
    violations = run_axe(page)
    assert not violations, format_violations(page.url, violations)


def test_translator_corrects_a_romani_string_end_to_end(
    live_server: LiveServer, admin_page: Any, new_context: Any, tmp_path: Path
) -> None:
    server = live_server
    _create_translator_account(server)

    # A site administrator grants the role.
    admin_page.goto(server("/sv/staff/admin/translators"))
    option = admin_page.locator("#user_id option", has_text=EMAIL)
    admin_page.select_option("#user_id", value=option.get_attribute("value"))
    admin_page.select_option("#language", value="rom")
    with admin_page.expect_navigation():
        admin_page.locator("main form:not(.inline-form) button[type=submit]").click()
    assert "Tolka Translator" in admin_page.locator("main table").inner_text()

    # A visitor has the Romani home page in the page cache.
    visitor = new_context().new_page()
    visitor.goto(server("/rom/"))
    original = visitor.locator("footer a[href$='/rom/easy-read']").inner_text()
    assert original and original != CORRECTED
    cached = new_context().new_page().goto(server("/rom/"))
    assert cached is not None and cached.headers.get("x-page-cache") == "hit"

    page = new_context().new_page()
    page.goto(server("/rom/login"))
    page.locator("input[name=email]").fill(EMAIL)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    # On /rom/, the footer link opens the strings that page used.
    page.goto(server("/rom/"))
    with page.expect_navigation():
        page.locator("footer a[href*='/staff/translations/rom/?keys=']").click()
    assert "/staff/translations/rom/" in page.url
    _axe(page)
    page.locator("#q").fill("Easy to read")
    with page.expect_navigation():
        page.locator("form.filters button[type=submit]").click()
    with page.expect_navigation():
        page.locator(".entry-list a", has_text="Easy to read").first.click()
    _axe(page)
    assert original in page.locator("#form_0").input_value()

    # A missing placeholder elsewhere would be refused; here: a plain correction.
    page.locator("#form_0").fill(CORRECTED)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert page.locator(".notice-success").count() == 1
    entry_url = page.url

    # Live at once: for the translator, and for a visitor although the page
    # was in the server's page cache (a new context: no browser cache either).
    page.goto(server("/rom/"))
    assert page.locator("footer a[href$='/rom/easy-read']").inner_text() == CORRECTED
    visitor = new_context().new_page()
    response = visitor.goto(server("/rom/"))
    assert response is not None and response.headers.get("x-page-cache") == "miss"
    assert visitor.locator("footer a[href$='/rom/easy-read']").inner_text() == CORRECTED
    page.goto(entry_url)
    entry_url = page.url

    # Mark it reviewed.
    with page.expect_navigation():
        page.locator("form[action*='/review'] button").click()
    assert page.locator(".tag-reviewed").count() == 1

    # Download the catalog: it contains the change and compiles.
    with page.expect_download() as download_info:
        page.locator("a[href$='/rom/messages.po']").click()
    target = tmp_path / "rom" / "LC_MESSAGES" / "messages.po"
    target.parent.mkdir(parents=True)
    download_info.value.save_as(str(target))
    text = target.read_text(encoding="utf-8")
    assert f'msgid "Easy to read"\nmsgstr "{CORRECTED}"' in text
    result = subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "compile", "-d", str(tmp_path), "-D", "messages"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "fuzzy" not in result.stderr, result.stderr
    assert (target.parent / "messages.mo").exists()

    # Put the catalog's text back, so other browser tests see the shipped catalog.
    page.goto(entry_url)
    page.locator("#form_0").fill(original)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    visitor = new_context().new_page()
    visitor.goto(server("/rom/"))
    assert visitor.locator("footer a[href$='/rom/easy-read']").inner_text() == original
