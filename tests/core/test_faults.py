"""The database goes away during a form post: 503, the text kept, recovery when it returns."""

from __future__ import annotations

import os
import socket
import threading

import pytest
import sqlalchemy as sa

from app import create_app
from config import TestConfig


class TcpProxy:
    """A loopback TCP forwarder that can be cut and restored, standing in for a database outage."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self.up = True
        self.stopping = False
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.close()
                except OSError:
                    pass

    def _accept(self) -> None:
        while not self.stopping:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.connections += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    def cut(self) -> None:
        self.up = False
        for s in self.connections:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass
        self.connections.clear()

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.stopping = True
        self.cut()
        self.listener.close()
        self.thread.join(2)


@pytest.fixture
def outage_app(backend):
    if backend != "postgresql":
        pytest.skip("the outage is simulated between the app and PostgreSQL")
    url = sa.make_url(os.environ["TEST_DATABASE_URL"])
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    app = create_app(TestConfig, {"DATABASE_URL": url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)})
    app.logger.disabled = True
    yield app, proxy
    app.extensions["db"].engine.dispose()
    proxy.close()


def _eventually(client, status: int, seconds: float = 10.0) -> bool:
    """The health check reaches ``status`` within ``seconds`` (a loaded CI machine is slow)."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        if client.get("/healthz").status_code == status:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


def test_post_during_outage_keeps_text_and_recovers(outage_app) -> None:
    app, proxy = outage_app
    client = app.test_client()
    assert _eventually(client, 200)
    proxy.cut()
    text = "Det här får inte försvinna – åäö 😀"
    response = client.post("/sv/consultations/1/views/new", data={"body": text, "language": "sv", "submission_key": "k1"})
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Det här får inte försvinna – åäö 😀" in html
    assert 'name="submission_key" value="k1"' in html
    assert client.get("/healthz").status_code == 503
    proxy.restore()
    assert _eventually(client, 200)  # pool_pre_ping replaced the dead connections by itself
