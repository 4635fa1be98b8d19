"""What the listeners need besides the payload: settings, the answer desk, the database.

One `Deps` is put into every request's Bolt context (`context["deps"]`) by a global middleware,
so listeners take it from there instead of from module globals, and tests can build two apps
with different settings side by side.
"""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Executor
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from bot.config import Settings

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Deps:
    settings: Settings
    db: Engine
    _desk: object | None = None
    pool: Executor | None = None           # the app's bounded worker pool (see handlers/app.py)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def defer(self, fn, /, *args, **kwargs) -> None:
        """Run `fn(*args, **kwargs)` on the worker pool, after the ack (like a Bolt lazy listener,
        without Bolt's deep copy of the whole request per call). Failures are logged."""
        def run():
            try:
                fn(*args, **kwargs)
            except Exception:  # noqa: BLE001 — an executor would swallow it silently
                log.exception("background work %s failed", getattr(fn, "__name__", fn))
        if self.pool is None:
            run()
        else:
            self.pool.submit(run)

    @property
    def desk(self):
        """The answer engine (`bot.engine.Desk`): the one the entry point built, else loaded from
        these settings on first use (an app built without one, e.g. in a test)."""
        if self._desk is None:
            with self._lock:
                if self._desk is None:
                    from bot.engine import Desk

                    self._desk = Desk.load(self.settings, engine=self.db)
        return self._desk

    # Bolt copies the context for lazy listeners; share this object instead of copying it.
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


def deps_of(context) -> Deps:
    return context["deps"]
