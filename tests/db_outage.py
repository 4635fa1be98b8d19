"""The database going away, for fault tests, on both backends:

- PostgreSQL: a TCP relay (tests/tcp_relay.py) in front of the server: `stall()` (bytes held, as
  in a network partition), `refuse()` (connections cut and refused), `up()`.
- SQLite: another connection holding the write lock (`stall()` and `refuse()` alike): writers wait
  for it, as for a database that does not answer.

`outage.url` / `outage.engine` reach the test database through it.
"""
from __future__ import annotations

import sqlite3
import threading
import time

from sqlalchemy.engine import make_url

from bot.db import make_engine
from tcp_relay import Relay


class Outage:
    def __init__(self, db):
        self.backend = "sqlite" if db.url.startswith("sqlite") else "postgresql"
        self.relay = None
        if self.backend == "postgresql":
            self.relay = Relay(make_url(db.url).port or 5432).start()
            self.url = self.relay.url(db.url)
        else:
            self.url = db.url
        self.engine = make_engine(self.url)
        self._lock: sqlite3.Connection | None = None

    def _hold_lock(self) -> None:
        if self._lock is None:
            self._lock = sqlite3.connect(make_url(self.url).database, isolation_level=None, check_same_thread=False)
            self._lock.execute("BEGIN IMMEDIATE")

    def stall(self) -> None:
        self.relay.stall() if self.relay else self._hold_lock()

    def refuse(self) -> None:
        self.relay.refuse() if self.relay else self._hold_lock()

    def up(self) -> None:
        if self.relay:
            self.relay.flow()
        elif self._lock is not None:
            self._lock.execute("ROLLBACK")
            self._lock.close()
            self._lock = None

    def close(self) -> None:
        self.up()
        if self.relay:
            self.relay.stop()
        self.engine.dispose()


def in_thread(fn, timeout: float = 60.0) -> dict:
    """Run fn in a thread; {'value' | 'error', 'seconds'} once it ended, {} if still running
    after `timeout` (a call hanging on a database that does not answer)."""
    out: dict = {}

    def run():
        t0 = time.monotonic()
        try:
            out["value"] = fn()
        except Exception as e:  # noqa: BLE001
            out["error"] = e
        out["seconds"] = time.monotonic() - t0

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout)
    return out


def eventually(fn, timeout: float = 60.0):
    """fn() until it returns without raising (the database came back); the last error otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return fn()
        except Exception:  # noqa: BLE001
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
