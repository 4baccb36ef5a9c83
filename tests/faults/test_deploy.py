"""gunicorn with the shipped gunicorn.conf.py on a loopback port: a stop
under load resets no request that was accepted before SIGTERM (the server
drains first, /healthz saying 503), and the access log holds no private
tokens, no reference codes and no client addresses on anonymous routes."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.mail.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


class Server:
    def __init__(self, process: subprocess.Popen, port: int, log: Path) -> None:
        self.process, self.port, self.log = process, port, log

    def request(self, method: str, path: str, body: bytes = b"", headers: str = "") -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=20) as sock:
            sock.sendall(_request(method, path, body, headers))
            return _read_all(sock)


def _request(method: str, path: str, body: bytes = b"", headers: str = "") -> bytes:
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{headers}"
    if body:
        head += f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + body


def _read_all(sock: socket.socket) -> bytes:
    chunks: list[bytes] = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)


@pytest.fixture
def server(pg_url: str, db_proxy: Any, consultation_id: int, tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": sa.make_url(pg_url)
        .set(host="127.0.0.1", port=db_proxy.port)
        .render_as_string(hide_password=False),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "PAGE_CACHE_URL": "off",
        "RATELIMIT_ENABLED": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "DRAIN_SECONDS": "4",
        "DRAIN_FILE": str(tmp_path / "drain"),
    }
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(GUNICORN), "-c", "gunicorn.conf.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(process, port, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if server.request("GET", "/healthz").startswith(b"HTTP/1.1 200"):
                    break
            except OSError:
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGQUIT)
        process.wait(30)


def test_sigterm_under_load_resets_no_accepted_request(server: Server, db_proxy: Any, consultation_id: int) -> None:
    db_proxy.delay = 0.002  # each request takes a while: most of them wait in the listen queue
    answers: dict[int, bytes] = {}

    def client(n: int, sock: socket.socket) -> None:
        try:
            answers[n] = _read_all(sock)
        except OSError as error:
            answers[n] = f"{type(error).__name__}".encode()
        finally:
            sock.close()

    threads = []
    for n in range(24):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
        sock.sendall(_request("GET", f"/sv/consultations/{consultation_id}"))
        threads.append(threading.Thread(target=client, args=(n, sock)))
    for thread in threads:
        thread.start()
    server.process.send_signal(signal.SIGTERM)  # all 24 were accepted by the kernel before this
    time.sleep(0.5)
    # Draining: the load balancer hears 503 and stops sending; whatever still comes is served.
    assert server.request("GET", "/healthz").startswith(b"HTTP/1.1 503")
    for thread in threads:
        thread.join(30)
    assert [answers[n].split(b"\r\n", 1)[0] for n in range(24)] == [b"HTTP/1.1 200 OK"] * 24
    assert all(b"</html>" in answers[n] for n in range(24))
    assert server.process.wait(30) == 0


def test_access_log_holds_no_private_keys_and_no_addresses_on_anonymous_routes(
    server: Server, consultation_id: int
) -> None:
    token = "Zq3x9PrivateLinkToken_abcdefghijkl"
    reset = "ResetToken0123456789abcdef"
    server.request("GET", f"/sv/registrations/{token}")
    server.request("GET", f"/sv/registrations/{token}/my-data.json")
    server.request("GET", "/sv/views/find?code=AB12-CD34")
    server.request("GET", "/sv/views/AB12-CD34")
    server.request("GET", f"/sv/password/reset/{reset}")
    server.request("GET", f"/sv/no-such-page/{token}")
    server.request(
        "POST",
        f"/sv/consultations/{consultation_id}/views/new",
        b"body=Hej&language=sv&submission_key=log-1",
        "User-Agent: Secret-Browser/1.0\r\n",
    )
    server.request("GET", f"/sv/consultations/{consultation_id}", headers="User-Agent: Staff-Browser/2.0\r\n")
    server.process.send_signal(signal.SIGQUIT)
    server.process.wait(30)
    log = server.log.read_text()
    access = [line for line in log.splitlines() if '"GET ' in line or '"POST ' in line]
    for secret in (token, reset, "AB12-CD34", "Secret-Browser"):
        assert secret not in log
    line_format = re.compile(r'^\[[^]]+\] "(GET|POST) \S+ HTTP/1\.1" \d{3} (\d+|-) \d+ms (\S+) "([^"]*)"$')
    by_path = {}
    for line in access:
        match = line_format.match(line)
        assert match, line
        by_path[line.split('"')[1].split(" ")[1]] = (match.group(3), match.group(4))
    assert by_path["/sv/registrations/…"] == ("-", "-")
    assert by_path["/sv/registrations/…/my-data.json"] == ("-", "-")
    assert by_path["/sv/views/find?code=…"] == ("-", "-")
    assert by_path["/sv/views/…"] == ("-", "-")
    assert by_path[f"/sv/consultations/{consultation_id}/views/new"] == ("-", "-")
    assert "/sv/password/reset/…" in by_path  # staff: the address stays (security), the token goes
    assert "/sv/no-such-page/…" in by_path
    assert by_path[f"/sv/consultations/{consultation_id}"] == ("127.0.0.1", "Staff-Browser/2.0")
