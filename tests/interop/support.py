"""Running the outside tools (node packages, java) from the tests.

Without node, ``node_modules`` or java the tests that need them are skipped
locally (``make node-modules``) but fail in CI (``CI`` set), so they can't vanish.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess  # nosec B404: runs the pinned test tools only
from pathlib import Path
from typing import Any, NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"


def missing(reason: str) -> NoReturn:
    if os.environ.get("CI"):
        pytest.fail(reason + " (CI is set, so this is an error, not a skip)", pytrace=False)
    pytest.skip(reason)


def node_json(script: Path, stdin: bytes) -> Any:
    """Run ``script`` with node, ``stdin`` as input, and parse what it prints as JSON."""
    node = shutil.which("node")
    if node is None or not (NODE_MODULES / "ical.js").is_dir():
        missing("node and node_modules/ical.js are needed (make node-modules)")
    result = subprocess.run(  # nosec B603: fixed arguments
        [node, str(script)], input=stdin, capture_output=True, cwd=ROOT, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr.decode()
    return json.loads(result.stdout)
