"""Schemathesis, with every check it has, over the OpenAPI document against the
running application: 0 failures (the issue-15 acceptance test for the API)."""

from __future__ import annotations

import shutil
import subprocess  # nosec B404: runs the pinned test tool only
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _only_once(backend):
    if backend != "sqlite":
        pytest.skip("one run against the served SQLite demo is enough")


def test_schemathesis_reports_no_failure(served_demo, tmp_path):
    executable = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert executable, "schemathesis is a pinned dev dependency (pip install -e '.[dev]')"
    result = subprocess.run(  # nosec B603: fixed arguments
        [
            executable,
            "run",
            f"{served_demo.url}/api/v1/openapi.json",
            "--url",
            f"{served_demo.url}/api/v1",
            "--checks",
            "all",
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--max-examples",
            "60",
            "--workers",
            "1",
            "--no-color",
            "--generation-database",
            "none",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=540,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-12000:]
    assert "No issues found" in output or " passed" in output, output[-4000:]
