"""HTTP caching: weak ETags and a shared-cache lifetime on public pages for
anonymous visitors only; 304 for conditional requests; immutable static files."""

from __future__ import annotations

import re

import pytest

from app.accounts.models import Role


@pytest.fixture
def consultation(create_consultation):
    return create_consultation()


def _public_urls(c) -> list[str]:
    return [
        "/sv/",
        f"/sv/consultations/{c.id}",
        "/rom/consultations/",
        f"/sv/boards/{c.lead_board.slug}",
        "/sv/consultations.ics",
        "/sv/consultations.atom",
        f"/sv/consultations/{c.id}.ics",
    ]


def test_public_pages_get_a_weak_etag_and_a_short_public_lifetime(client, consultation):
    for url in _public_urls(consultation):
        response = client.get(url)
        assert response.status_code == 200, url
        etag = response.headers.get("ETag", "")
        assert re.fullmatch(r'W/"[0-9a-f]{32}"', etag), (url, etag)
        assert response.cache_control.public and response.cache_control.max_age == 60, url
        assert "Cookie" in response.vary, url
        assert "Set-Cookie" not in response.headers, url


def test_conditional_request_is_answered_304_without_a_body(client, consultation):
    url = f"/sv/consultations/{consultation.id}"
    first = client.get(url)
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    # A different validator (the page changed) gets the full page.
    changed = client.get(url, headers={"If-None-Match": 'W/"0000"'})
    assert changed.status_code == 200 and changed.get_data()


def test_etag_changes_when_the_page_changes(client, consultation, db_session):
    url = f"/sv/consultations/{consultation.id}"
    before = client.get(url).headers["ETag"]
    consultation.title_sv = "Nytt namn på samrådet"
    db_session.commit()
    after = client.get(url)
    assert after.headers["ETag"] != before
    assert client.get(url, headers={"If-None-Match": before}).status_code == 200


def test_nothing_is_cached_for_a_logged_in_user(client, auth, create_user, consultation):
    user = create_user(boards={consultation.lead_board: Role.PUBLISHER})
    auth.login(user)
    for url in [*_public_urls(consultation), "/sv/staff/"]:
        response = client.get(url)
        assert not response.cache_control.public, url
        assert "ETag" not in response.headers, url


def test_a_flash_message_makes_the_page_personal(client, consultation):
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Tack för din synpunkt.")]
    response = client.get(f"/sv/consultations/{consultation.id}")
    assert response.status_code == 200
    assert not response.cache_control.public
    assert "ETag" not in response.headers


def test_registration_and_submission_forms_are_not_cached(client, consultation):
    for url in (
        f"/sv/consultations/{consultation.id}/views/new",
        f"/sv/consultations/{consultation.id}/register",
        "/sv/login",
        "/sv/views/find",
    ):
        response = client.get(url)
        assert not response.cache_control.public, url


class TestWithCsrf:
    @pytest.fixture
    def app_overrides(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_a_page_with_a_csrf_token_is_not_shared(self, client, consultation):
        response = client.get(f"/sv/consultations/{consultation.id}/views/new")
        assert response.status_code == 200
        assert not response.cache_control.public
        assert "ETag" not in response.headers


def test_static_files_have_content_hashed_urls_and_are_immutable(client, app):
    html = client.get("/sv/").get_data(as_text=True)
    match = re.search(r'href="(/static/css/site\.css\?v=([0-9a-f]{12}))"', html)
    assert match, "the stylesheet link carries a content hash"
    response = client.get(match.group(1))
    assert response.status_code == 200
    assert response.cache_control.public
    assert response.cache_control.max_age == 31_536_000
    assert response.cache_control.immutable
    # The hash is the file's: another file, another version.
    import hashlib
    from pathlib import Path

    data = (Path(app.static_folder) / "css" / "site.css").read_bytes()
    assert match.group(2) == hashlib.blake2b(data, digest_size=6).hexdigest()
    response.close()
    # Without a version the file is served as before, without the long lifetime.
    plain = client.get("/static/css/site.css")
    assert plain.cache_control.max_age != 31_536_000
    plain.close()


def test_the_cached_calendar_of_all_consultations_changes_with_the_data(
    client, consultation, db_session, create_consultation
):
    first = client.get("/sv/consultations.ics")
    assert b"Samr" in first.data
    assert client.get("/sv/consultations.ics").data == first.data  # served from the process cache
    consultation.title_sv = "Ett helt nytt namn"
    db_session.commit()
    changed = client.get("/sv/consultations.ics")
    assert b"Ett helt nytt namn" in changed.data
    assert changed.headers["ETag"] != first.headers["ETag"]
    create_consultation(title_sv="Ännu ett samråd")
    assert "Ännu ett samråd".encode() in client.get("/sv/consultations.ics").data
    # Each language has its own entry.
    assert client.get("/rom/consultations.ics").status_code == 200
