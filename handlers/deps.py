"""What the listeners need besides the payload: settings, the answer desk, the database.

One `Deps` is put into every request's Bolt context (`context["deps"]`) by a global middleware,
so listeners take it from there instead of from module globals, and tests can build two apps
with different settings side by side.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from bot.config import Settings


@dataclass(eq=False)
class Deps:
    settings: Settings
    db: Engine
    _desk: object | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def desk(self):
        """The answer engine (`bot.engine.Desk`); loaded on first use when not given."""
        if self._desk is None:
            with self._lock:
                if self._desk is None:
                    from bot.engine import get_desk

                    self._desk = get_desk()
        return self._desk

    # Bolt copies the context for lazy listeners; share this object instead of copying it.
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


def deps_of(context) -> Deps:
    return context["deps"]
