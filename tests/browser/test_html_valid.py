"""The Nu HTML Checker (vnu, pinned in package-lock.json, run with java) over every
HTML page of the URL map the axe test walks, both languages, public and staff
pages, on the demo data (which cites one decision in two themes): 0 errors."""

from __future__ import annotations

import json
import shutil
import subprocess  # nosec B404: runs the pinned checker only
from pathlib import Path
from typing import Any

import pytest

from tests.browser.pages import build_url, page_rules, resolve_or_fail
from tests.browser.support import ROOT, LiveServer
from tests.interop.support import missing

pytestmark = pytest.mark.browser

VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _vnu(files: list[Path]) -> list[dict[str, Any]]:
    java = shutil.which("java")
    if java is None or not VNU_JAR.exists():
        missing("java and node_modules/vnu-jar are needed (.ci/run installs default-jre-headless; make node-modules)")
    result = subprocess.run(  # nosec B603: fixed arguments
        [java, "-Xss8m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=540,
        check=False,
    )
    assert result.stdout.strip(), result.stderr
    return [m for m in json.loads(result.stdout)["messages"] if m.get("type") in ("error", "non-document-error")]


def test_every_page_is_valid_html(site_data: LiveServer, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    live_server = site_data
    pages: dict[str, str] = {}  # file name -> URL
    for rule in page_rules():
        page = request.getfixturevalue("staff_page" if rule.staff else "anon_page")
        for values in resolve_or_fail(rule, live_server):
            url = build_url(live_server.app, rule, values)
            response = page.goto(live_server(url))
            if rule.staff and response is not None and response.status == 403:
                response = request.getfixturevalue("admin_page").goto(live_server(url))
            assert response is not None and response.status < 400, f"{url}: {response and response.status}"
            name = f"page-{len(pages):03d}.html"
            (tmp_path / name).write_bytes(response.body())
            pages[name] = url
    assert len(pages) > 100, "the URL map walked fewer pages than expected"
    errors = _vnu(sorted(tmp_path.glob("page-*.html")))
    report = [
        f"{pages.get(Path(m.get('url', '')).name, m.get('url'))}:{m.get('lastLine')}: {m['message']}"
        f"\n    {m.get('extract', '').strip()[:160]}"
        for m in errors
    ]
    assert not report, f"vnu found {len(report)} errors on {len(pages)} pages:\n" + "\n".join(report)
