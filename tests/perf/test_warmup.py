"""A new worker warms itself before its first request (app/warmup.py, called by
gunicorn.conf.py): the calendar of all consultations is built and the most-read
pages are in the page cache, under the keys visitors' requests use."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.warmup import warm, warm_paths
from tests.support import present

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app_overrides():
    return {"WARM_UP_SECONDS": 30, "PUBLIC_BASE_URL": "https://samrad.example"}


@pytest.fixture
def published(create_consultation):
    return [create_consultation(title_sv=f"Samråd {n}") for n in range(3)]


def test_warm_renders_the_most_read_pages_in_every_language_into_the_page_cache(app, published):
    paths = warm_paths(app)
    for lang in ("sv", "rom"):
        assert f"/{lang}/consultations.ics" in paths and f"/{lang}/" in paths
        assert all(f"/{lang}/consultations/{c.id}" in paths for c in published)
    assert warm(app) == len(paths)
    assert app.extensions["calendar_of_all"].built == 2 * len(published)
    # A visitor's request under the public address is answered from the cache.
    client = app.test_client()
    for path in ("/sv/", f"/rom/consultations/{published[0].id}"):
        response = client.get(path, base_url="https://samrad.example")
        assert response.headers.get("X-Page-Cache") == "hit", path
    before = app.extensions["calendar_of_all"].built
    client.get("/rom/consultations.ics", base_url="https://samrad.example")
    assert app.extensions["calendar_of_all"].built == before


class TestOff:
    @pytest.fixture
    def app_overrides(self):
        return {"WARM_UP_SECONDS": 0}

    def test_no_warm_up_when_switched_off(self, app, published):
        assert warm(app) == 0
        assert "calendar_of_all" not in app.extensions


def test_gunicorn_warms_each_worker_before_its_first_request(app, published, monkeypatch, tmp_path):
    monkeypatch.setenv("DRAIN_FILE", str(tmp_path / "drain"))  # the module sets it if unset
    spec = present(importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py"))
    conf = importlib.util.module_from_spec(spec)
    present(spec.loader).exec_module(conf)
    beats = []
    conf.post_worker_init(SimpleNamespace(wsgi=app, notify=lambda: beats.append(1)))
    assert app.extensions["calendar_of_all"].built == 2 * len(published)
    assert len(beats) == len(warm_paths(app))  # the heartbeat after every page
