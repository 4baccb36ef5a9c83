"""A loopback TCP proxy that can cut, hang or restore the connection to a
dependency (PostgreSQL, Redis): what an operations team sees when a primary
dies, a pooler in front of it stops answering, or a network link flaps."""

from __future__ import annotations

import socket
import threading
import time


class TcpProxy:
    """Forwards ``127.0.0.1:port`` to ``target``.

    * :meth:`cut`: existing connections are reset, new ones refused (a dead host).
    * :meth:`hang`: connections are accepted, nothing is forwarded either way
      and nothing is closed (a hung server, or a pooler in front of a dead primary).
    * :meth:`restore`: new connections are forwarded again; hung ones are closed.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.listener.listen(64)
        self.listener.settimeout(0.05)
        self.mode = "up"
        self.stopping = False
        self.lock = threading.Lock()
        self.connections: list[socket.socket] = []
        self.held: list[socket.socket] = []
        self.accepted = 0
        #: Seconds each chunk is held before it is passed on (a slow network or server).
        self.delay = 0.0
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                while self.mode == "hang" and not self.stopping:
                    time.sleep(0.02)  # hold what was read: a hung peer answers nothing
                if self.mode != "up":
                    break
                if self.delay:
                    time.sleep(self.delay)
                b.sendall(data)
        except OSError:
            pass
        finally:
            # shutdown() before close(): the other direction's thread is blocked in
            # recv() on one of these, and a mere close() would leave that socket
            # open (and the server's transaction with it) until that recv() returns.
            self._close_all([a, b])

    def _accept(self) -> None:
        while not self.stopping:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            self.accepted += 1
            if self.mode == "cut":
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                client.close()
                continue
            if self.mode == "hang":
                with self.lock:
                    self.held.append(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=2)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    def _close_all(self, sockets: list[socket.socket]) -> None:
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass
        sockets.clear()

    def cut(self) -> None:
        self.mode = "cut"
        with self.lock:
            self._close_all(self.connections)
            self._close_all(self.held)

    def hang(self) -> None:
        self.mode = "hang"

    def restore(self) -> None:
        with self.lock:
            self._close_all(self.held)
            if self.mode == "hang":  # a hung connection is useless after the hang
                self._close_all(self.connections)
        self.mode = "up"

    def close(self) -> None:
        self.stopping = True
        self.cut()
        self.listener.close()
        self.thread.join(2)
