"""A real OpenID provider for tests: panva's certified ``oidc-provider`` (npm, pinned in
package.json), run by ``node tests/accounts/oidc_provider.mjs`` on a loopback port."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
CLIENT_ID = "samradsportalen"
CLIENT_SECRET = "test-client-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Provider:
    """The running provider and its test controls."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"

    def _post(self, path: str, data: dict) -> None:
        requests.post(self.issuer + path, data=json.dumps(data), timeout=5).raise_for_status()

    def next(self, account: str = "alice", deny: bool = False) -> None:
        """Who signs in at the next authorization request (or that consent is denied)."""
        self._post("/__test/next", {"account": account, "deny": deny})

    def disable(self, account: str) -> None:
        self._post("/__test/disable", {"account": account})

    def id_token_ttl(self, seconds: int) -> None:
        self._post("/__test/id-token-ttl", {"seconds": seconds})

    def clock(self, offset: int) -> None:
        self._post("/__test/clock", {"offset": offset})

    def reset(self) -> None:
        self._post("/__test/reset", {})

    def settings(self, **overrides: object) -> dict:
        """The application's OIDC_* settings for this provider."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_SCOPES": "openid email profile groups offline_access",
            **overrides,
        }


def require_node() -> None:
    missing = [
        what
        for what, ok in (
            ("node", shutil.which("node")),
            ("node_modules/oidc-provider (make node-modules)", (ROOT / "node_modules/oidc-provider").is_dir()),
        )
        if not ok
    ]
    if missing:
        reason = "the OpenID provider tests need " + ", ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set, so this is an error, not a skip)", pytrace=False)
        pytest.skip(reason)


@contextlib.contextmanager
def running_provider(app_base: str) -> Iterator[Provider]:
    """Start the provider for a client whose site is at ``app_base``; stop it afterwards."""
    require_node()
    port = free_port()
    process = subprocess.Popen(
        ["node", str(SCRIPT), str(port), f"{app_base}/oidc/callback", f"{app_base}/oidc/logged-out"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("READY"), f"oidc-provider did not start: {line!r}"
        yield Provider(port)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()
