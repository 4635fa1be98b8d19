"""Who is desk staff: the members of DESK_STAFF_CHANNEL, plus DESK_STAFF_USER_IDS.

The Slack side supplies `fetch_members` (conversations.members); the answer is cached for a few
minutes. If fetching fails, the last good list is kept; with none, only the configured ids count
(fail closed: an unknown user is never staff).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

log = logging.getLogger(__name__)


class NotStaff(PermissionError):
    """A staff-only action attempted by someone else."""


@dataclass(frozen=True)
class Actor:
    """Who is acting, as established by the surface (Slack user id, or `cli:<name>`)."""

    user_id: str
    is_staff: bool = False

    def require_staff(self) -> None:
        if not self.is_staff:
            raise NotStaff(self.user_id)


class StaffDirectory:
    def __init__(self, static_ids: Iterable[str] = (),
                 fetch_members: Callable[[], Iterable[str]] | None = None,
                 ttl_seconds: float = 300, clock: Callable[[], float] = time.monotonic):
        self.static_ids = frozenset(static_ids)
        self.fetch_members = fetch_members
        self.ttl = ttl_seconds
        self._clock = clock
        self._members: frozenset[str] | None = None
        self._fetched_at = 0.0
        self._lock = threading.Lock()

    def members(self) -> frozenset[str]:
        if self.fetch_members is None:
            return frozenset()
        with self._lock:
            now = self._clock()
            if self._members is None or now - self._fetched_at >= self.ttl:
                try:
                    self._members = frozenset(self.fetch_members())
                except Exception as e:  # Slack unreachable: keep what we had
                    log.warning("could not read the staff channel's members (%s)", type(e).__name__)
                    if self._members is None:
                        return frozenset()
                self._fetched_at = now
            return self._members

    def is_staff(self, user_id: str | None) -> bool:
        if not user_id:
            return False
        return user_id in self.static_ids or user_id in self.members()

    def actor(self, user_id: str) -> Actor:
        return Actor(user_id, self.is_staff(user_id))
