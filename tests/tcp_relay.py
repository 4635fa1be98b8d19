"""A TCP relay for fault tests: put it between a process and PostgreSQL, then make the database
stall (bytes held, nothing forwarded, as in a network partition), refuse connections, or come back.

    relay = Relay(5432).start()
    url = relay.url(PG_URL)          # the same URL through the relay
    relay.stall(); relay.flow()      # held bytes are delivered when it flows again
    relay.refuse(); relay.flow()     # refuse: existing connections cut, new ones refused
"""
from __future__ import annotations

import socket
import threading

from sqlalchemy.engine import make_url


class Relay:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self.target = (target_host, target_port)
        self._flowing = threading.Event()
        self._flowing.set()
        self._lock = threading.Lock()
        self._conns: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.port = 0
        self.accepted = 0

    def url(self, url: str) -> str:
        u = make_url(url)
        return u.set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def start(self) -> "Relay":
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", self.port))
        s.listen(64)
        self.port, self._listener = s.getsockname()[1], s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()
        return self

    def stall(self) -> None:
        self._flowing.clear()

    def flow(self) -> None:
        if self._listener is None:
            self.start()
        self._flowing.set()

    def refuse(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            conns, self._conns = self._conns, []
        if listener:
            _close(listener)                # shutdown first: wakes the thread blocked in accept()
        for c in conns:
            _close(c)

    stop = refuse

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with self._lock:
            self._conns.append(client)
        self._flowing.wait()                # stalled: the connection is accepted, nothing answers
        try:
            upstream = socket.create_connection(self.target)
        except OSError:
            return _close(client)
        with self._lock:
            self._conns.append(upstream)
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                self._flowing.wait()
                dst.sendall(data)
        except OSError:
            pass
        _close(src)
        _close(dst)


def _close(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()
