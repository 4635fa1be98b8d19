"""Exactly-once handling of incoming events, shared by every process through the database.

Slack redelivers an event when it thinks we missed it (`X-Slack-Retry-Num`), and several web
processes may sit behind one load balancer. Before replying, a process *claims* the event id
with one statement (insert, or take over a stale row): it succeeds for exactly one claimant; the
unique key makes every other attempt a no-op, which means "already handled (or being handled)
elsewhere".

Never losing one: a claim starts as `pending` and becomes `done` only after the reply was
posted (`finish_event`). If nothing could be posted, the claimant gives the claim back
(`release_event`), so a later redelivery can answer. A claimant that died while holding a
`pending` claim (process killed mid-reply) blocks others only for `LEASE`; after that the next
redelivery may take the claim over. Rows expire after `TTL` (Slack stops retrying within
minutes) and are purged lazily.
"""
from __future__ import annotations

import functools
import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import DateTime, bindparam, delete, update
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

from bot.db import with_retry

TTL = timedelta(hours=24)      # how long an event id is remembered
LEASE = timedelta(minutes=2)   # how long a pending claim blocks others
PURGE_EVERY = 200              # on average, one claim in this many purges expired rows


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _utc(t: datetime) -> datetime:
    return t.astimezone(timezone.utc) if t.tzinfo else t.replace(tzinfo=timezone.utc)


class ProcessedEvent(SQLModel, table=True):
    __tablename__ = "processed_event"
    event_id: str = Field(primary_key=True, max_length=200)  # the unique key
    status: str = Field(default="pending", max_length=16)    # pending | done
    claimed_at: datetime = Field(default_factory=_now, sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(default_factory=lambda: _now() + TTL, index=True,
                                 sa_type=DateTime(timezone=True))


@functools.cache
def _claim_stmt(dialect: str):
    """One statement that inserts the claim, or takes over an expired row / a pending claim whose
    lease ran out, and otherwise changes nothing; it returns a row only when the caller claimed.
    Both supported databases have INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING (SQLite since
    3.35); RETURNING because drivers do not all report a rowcount for an INSERT. Built once per
    dialect with bound parameters (`_claim_params`): this runs on every event."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as upsert
    else:
        from sqlalchemy.dialects.postgresql import insert as upsert
    t = ProcessedEvent.__table__
    when = DateTime(timezone=True)
    now, expires, stale = bindparam("now", type_=when), bindparam("expires", type_=when), bindparam("stale", type_=when)
    fresh = {"status": "pending", "claimed_at": now, "expires_at": expires}
    takeover = (t.c.expires_at < now) | ((t.c.status == "pending") & (t.c.claimed_at < stale))
    return (upsert(t).values(event_id=bindparam("event_id"), **fresh)
            .on_conflict_do_update(index_elements=[t.c.event_id], set_=fresh, where=takeover)
            .returning(t.c.event_id))


def claim_event(engine: Engine, event_id: str, *, now: datetime | None = None) -> bool:
    """True if this caller now owns `event_id` and must handle it; False if it is a duplicate."""
    now = _utc(now) if now else _now()
    stmt = _claim_stmt(engine.dialect.name)
    params = {"event_id": event_id, "now": now, "expires": now + TTL, "stale": now - LEASE}

    def attempt() -> bool:
        if random.randrange(PURGE_EVERY) == 0:
            purge_expired(engine, now=now)
        with engine.begin() as conn:             # one round trip; no exception on a duplicate
            return conn.execute(stmt, params).first() is not None

    return with_retry(attempt, what="claim event")


_table = ProcessedEvent.__table__
_FINISH = update(_table).where(_table.c.event_id == bindparam("id")).values(status="done")


def finish_event(engine: Engine, event_id: str) -> None:
    """Mark a claimed event as answered: redeliveries are duplicates from now on."""
    def run() -> None:
        with engine.begin() as conn:
            conn.execute(_FINISH, {"id": event_id})
    with_retry(run, what="finish event")


def release_event(engine: Engine, event_id: str) -> None:
    """Give a claim back (nothing could be posted), so that a redelivery can try again."""
    table = ProcessedEvent.__table__

    def run() -> None:
        with engine.begin() as conn:
            conn.execute(delete(table).where(table.c.event_id == event_id).where(table.c.status == "pending"))
    with_retry(run, what="release event")


def purge_expired(engine: Engine, *, now: datetime | None = None) -> int:
    now = _utc(now) if now else _now()
    table = ProcessedEvent.__table__
    with engine.begin() as conn:
        return conn.execute(delete(table).where(table.c.expires_at < now)).rowcount
