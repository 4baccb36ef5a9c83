"""Rate limits in memory:// are counted per worker: production refuses to start
with several gunicorn workers on it, and says so in the log with one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from config import ProductionConfig

APP = "app:create_app()"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production_env(monkeypatch, engine):
    monkeypatch.setenv("SECRET_KEY", "z" * 40)
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://samrad.stockholm.example")
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)


def _start(monkeypatch, argv, **overrides):
    monkeypatch.setattr(sys, "argv", argv)
    app = create_app(ProductionConfig, {"RATELIMIT_STORAGE_URI": "memory://", **overrides})
    app.extensions["db"].engine.dispose()
    return app


@pytest.mark.parametrize(
    "argv",
    [
        ["/srv/samrad/.venv/bin/gunicorn", "--workers", "4", "--bind", "127.0.0.1:8000", APP],
        ["/srv/samrad/.venv/bin/gunicorn", "-w4", APP],
        ["/srv/samrad/.venv/bin/gunicorn", "--workers=2", APP],
    ],
)
def test_production_refuses_several_workers_on_memory_storage(production_env, monkeypatch, argv):
    with pytest.raises(RuntimeError, match="memory://.*redis://"):
        _start(monkeypatch, argv)


def test_worker_count_from_the_environment_counts_too(production_env, engine):
    """``WEB_CONCURRENCY`` is read when gunicorn starts, so a fresh process shows it."""
    script = (
        "import sys; sys.argv = ['/srv/samrad/.venv/bin/gunicorn', '-c', '/dev/null', 'app:create_app()']\n"
        "from app import create_app\n"
        "create_app()\n"
    )
    env = {**os.environ, "APP_ENV": "production", "WEB_CONCURRENCY": "3", "RATELIMIT_STORAGE_URI": "memory://"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "3 workers" in result.stderr and "RATELIMIT_STORAGE_URI" in result.stderr


def test_several_workers_on_redis_start(production_env, monkeypatch):
    _start(
        monkeypatch,
        ["/srv/samrad/.venv/bin/gunicorn", "--workers", "4", APP],
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15",
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["/srv/samrad/.venv/bin/gunicorn", "--workers", "1", APP],
        ["/srv/samrad/.venv/bin/flask", "--app", "app", "purge"],  # a cron command: one process
    ],
)
def test_one_process_on_memory_storage_starts_and_says_so_in_the_log(production_env, monkeypatch, capsys, argv):
    import logging

    monkeypatch.setattr(logging.getLogger("app"), "disabled", False)  # an outage test may have silenced it
    _start(monkeypatch, argv)
    assert "rate limits are counted in this process only" in capsys.readouterr().out
