"""The page cache: public pages for anonymous visitors are served from the
cache until a commit changes public content (the content generation) or the
entry expires; nobody else ever gets, or fills, a cached page."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.accounts.models import Role
from app.generations import bump_content_generation, content_generation
from app.mail.models import OutboxMessage
from app.web import pagecache


@pytest.fixture
def consultation(create_consultation):
    return create_consultation(title_sv="Samråd om badhuset")


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def test_second_anonymous_request_is_served_from_the_cache(client, consultation):
    url = f"/sv/consultations/{consultation.id}"
    first = _get(client, url)
    second = _get(client, url)
    assert first.headers["X-Page-Cache"] == "miss"
    assert second.headers["X-Page-Cache"] == "hit"
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    # Security headers and HTTP caching are added to cached answers too.
    assert "Content-Security-Policy" in second.headers and second.cache_control.public
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_query_string_language_scheme_and_host_are_part_of_the_key(client, consultation):
    _get(client, "/sv/consultations/")
    assert _get(client, "/sv/consultations/?when=past").headers["X-Page-Cache"] == "miss"
    assert _get(client, "/rom/consultations/").headers["X-Page-Cache"] == "miss"
    assert client.get("/sv/consultations/", base_url="http://other.example").headers["X-Page-Cache"] == "miss"
    assert client.get("/sv/consultations/", base_url="https://localhost").headers["X-Page-Cache"] == "miss"
    assert _get(client, "/sv/consultations/").headers["X-Page-Cache"] == "hit"


def test_a_committed_change_is_visible_on_the_next_request(client, consultation, db_session):
    url = f"/sv/consultations/{consultation.id}"
    _get(client, url)
    assert _get(client, url).headers["X-Page-Cache"] == "hit"
    before = content_generation(db_session)
    consultation.title_sv = "Samråd om simhallen"
    db_session.commit()
    assert content_generation(db_session) == before + 1
    page = _get(client, url)
    assert page.headers["X-Page-Cache"] == "miss"
    assert "Samråd om simhallen" in page.get_data(as_text=True)


def test_a_change_through_a_form_post_invalidates_the_page(client, consultation, db_session):
    from app.participation.models import Viewpoint

    url = f"/sv/consultations/{consultation.id}"
    _get(client, url)
    response = client.post(
        f"{url}/views/new",
        data={
            "body": "Badhuset behöver öppna tidigare på morgonen.",
            "language": "sv",
            "publish_consent": "y",
            "submission_key": "key-1",
            "agenda_item_id": "",
        },
    )
    assert response.status_code in (302, 303)
    assert db_session.scalar(sa.select(sa.func.count()).select_from(Viewpoint)) == 1
    fresh = client.application.test_client()  # a new visitor, no session
    assert fresh.get(url).headers["X-Page-Cache"] == "miss"


def test_uncommitted_or_rolled_back_writes_do_not_bump(db_session, consultation):
    before = content_generation(db_session)
    consultation.title_sv = "Ändrat men ångrat"
    db_session.flush()
    db_session.rollback()
    db_session.add(consultation)
    db_session.commit()  # nothing left to write
    assert content_generation(db_session) == before


def test_writes_no_public_page_shows_do_not_invalidate(client, consultation, db_session):
    url = f"/sv/consultations/{consultation.id}"
    _get(client, url)
    before = content_generation(db_session)
    db_session.add(
        OutboxMessage(to_address="a@example.org", subject="Hej", body_text="Hej", language="sv", kind="test")
    )
    db_session.commit()
    db_session.execute(sa.update(OutboxMessage).values(attempts=1))
    db_session.commit()
    assert content_generation(db_session) == before
    assert _get(client, url).headers["X-Page-Cache"] == "hit"


def test_bulk_statements_through_the_session_bump(db_session, consultation):
    from app.consultations.models import Consultation

    before = content_generation(db_session)
    db_session.execute(
        sa.update(Consultation).where(Consultation.id == consultation.id).values(title_sv="Massuppdatering")
    )
    db_session.commit()
    assert content_generation(db_session) == before + 1


def test_logged_in_users_neither_get_nor_fill_the_cache(client, auth, create_user, consultation):
    url = f"/sv/consultations/{consultation.id}"
    user = create_user(name="Ingrid Handläggare", boards={consultation.lead_board: Role.PUBLISHER})
    auth.login(user)
    for _ in range(2):
        response = _get(client, url)
        assert "X-Page-Cache" not in response.headers
        assert "Logga ut" in response.get_data(as_text=True)  # the staff rendering, which must not be shared
    anonymous = client.application.test_client()
    page = anonymous.get(url)
    assert page.headers["X-Page-Cache"] == "miss"  # the staff rendering was not stored
    assert "Logga ut" not in page.get_data(as_text=True)


def test_a_visitor_with_a_flash_message_gets_a_fresh_page(client, consultation):
    url = f"/sv/consultations/{consultation.id}"
    other = client.application.test_client()
    _get(other, url)
    _get(other, url)  # cached now
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Tack för din synpunkt.")]
    response = _get(client, url)
    assert "X-Page-Cache" not in response.headers
    assert "Tack för din synpunkt." in response.get_data(as_text=True)


class TestCacheOff:
    @pytest.fixture
    def app_overrides(self):
        return {"PAGE_CACHE_URL": "off"}

    def test_no_cache_when_switched_off(self, client, consultation):
        url = f"/sv/consultations/{consultation.id}"
        _get(client, url)
        assert "X-Page-Cache" not in _get(client, url).headers
        assert "page_cache" not in client.application.extensions


def test_bad_setting_refuses_to_start():
    with pytest.raises(RuntimeError, match="PAGE_CACHE_URL"):
        pagecache.make_store("memcached://x", max_mb=1, prefix="p:")


def test_memory_store_expires_entries_and_stays_within_its_size(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: now[0])
    store = pagecache.MemoryPageStore(max_bytes=100)
    store.set("a", b"x" * 40, ttl=60)
    store.set("b", b"y" * 40, ttl=60)
    assert store.get("a") == b"x" * 40  # a is now the most recently used
    store.set("c", b"z" * 40, ttl=60)  # 120 bytes > 100: the least recently used (b) goes
    assert store.get("b") is None and store.get("a") and store.get("c")
    store.set("huge", b"h" * 101, ttl=60)
    assert store.get("huge") is None
    now[0] += 61
    assert store.get("a") is None and len(store) == 1


def test_encoding_round_trip(app):
    response = app.response_class("<p>Hej</p>", headers={"Content-Language": "sv", "Set-Cookie": "x=1"})
    etag, headers, body = pagecache.decode(pagecache.encode(response, "abc"))
    assert etag == "abc" and body == b"<p>Hej</p>"
    assert ("Content-Language", "sv") in headers
    assert not any(name.lower() == "set-cookie" for name, _ in headers)


def test_concurrent_bumps_are_all_counted(engine, tmp_path):
    """Each committing transaction adds exactly one, also when they race."""
    from app import migrate
    from app.db import make_engine
    from tests.databases import empty_database

    with empty_database(engine.dialect.name, tmp_path, "generation") as url:
        migrate.upgrade(url)
        eng = make_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
        try:

            def work() -> None:
                for _ in range(20):
                    with eng.begin() as conn:
                        bump_content_generation(conn)

            threads = [threading.Thread(target=work) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            with eng.connect() as conn:
                assert conn.execute(sa.text("SELECT value FROM content_generation WHERE id = 1")).scalar() == 80
        finally:
            eng.dispose()


class TestRedisStore:
    """With Redis, every app server shares the entries; a dead Redis only means misses."""

    @pytest.fixture
    def app_overrides(self, page_cache_on_redis):
        return page_cache_on_redis

    def test_a_second_app_server_is_served_what_the_first_rendered(
        self, app, client, consultation, db_session, second_server, page_cache_prefix
    ):
        url = f"/sv/consultations/{consultation.id}"
        assert _get(client, url).headers["X-Page-Cache"] == "miss"
        second = second_server
        page = second.test_client().get(url)
        assert page.headers["X-Page-Cache"] == "hit"
        assert "Samråd om badhuset" in page.get_data(as_text=True)
        client_ = app.extensions["page_cache"].client
        ttl = client_.ttl(next(iter(client_.scan_iter(page_cache_prefix + "*"))))
        assert 0 < ttl <= pagecache.PAGE_TTL
        # A change committed through either server is seen by both.
        consultation.title_sv = "Samråd om simhallen"
        db_session.commit()
        assert "Samråd om simhallen" in second.test_client().get(url).get_data(as_text=True)

    def test_an_unreachable_redis_means_misses_not_errors(self, app, client, consultation, caplog):
        app.extensions["page_cache"] = pagecache.RedisPageStore("redis://127.0.0.1:1/0", "x:")
        url = f"/sv/consultations/{consultation.id}"
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200
            assert response.headers["X-Page-Cache"] == "miss"
        assert sum("Redis unavailable" in r.getMessage() for r in caplog.records) == 1
