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

While the database is away: the claim waits at most a couple of seconds (`bot.db.quick`; after a
timeout, later claims fail at once for a few seconds) and raises; the caller answers anyway (a
question unanswered is worse than a rare duplicate) and calls `finish_event`, which, the database
being away, keeps the id in this process (`_unrecorded`, bounded; from the failed claim on, so a
redelivery arriving while it is being answered is a duplicate too) and writes it as done with the
next claim that reaches the database. So a redelivery to this process is a duplicate at once,
and one to any process is a duplicate once the database is back. The one gap: a redelivery that
reaches *another* process while the database is still away is answered again (rare: Slack
redelivers when an ack is late, and acknowledging never touches the database).
"""
from __future__ import annotations

import functools
import logging
import random
import threading
from collections import OrderedDict
from datetime import datetime, timedelta, timezone

from sqlalchemy import DateTime, bindparam, delete
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

from bot.db import quick, with_retry

log = logging.getLogger(__name__)

TTL = timedelta(hours=24)      # how long an event id is remembered
LEASE = timedelta(minutes=2)   # how long a pending claim blocks others
PURGE_EVERY = 200              # on average, one claim in this many purges expired rows
UNRECORDED_MAX = 10_000        # ids answered while the database was away, kept until written

_unrecorded: "OrderedDict[str, datetime]" = OrderedDict()
_unrecorded_lock = threading.Lock()


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


def _upsert(dialect: str):
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    return insert(ProcessedEvent.__table__)


@functools.cache
def _claim_stmt(dialect: str):
    """One statement that inserts the claim, or takes over an expired row / a pending claim whose
    lease ran out, and otherwise changes nothing; it returns a row only when the caller claimed.
    Both supported databases have INSERT … ON CONFLICT DO UPDATE … WHERE … RETURNING (SQLite since
    3.35); RETURNING because drivers do not all report a rowcount for an INSERT. Built once per
    dialect with bound parameters (`_claim_params`): this runs on every event."""
    t = ProcessedEvent.__table__
    when = DateTime(timezone=True)
    now, expires, stale = bindparam("now", type_=when), bindparam("expires", type_=when), bindparam("stale", type_=when)
    fresh = {"status": "pending", "claimed_at": now, "expires_at": expires}
    takeover = (t.c.expires_at < now) | ((t.c.status == "pending") & (t.c.claimed_at < stale))
    return (_upsert(dialect).values(event_id=bindparam("event_id"), **fresh)
            .on_conflict_do_update(index_elements=[t.c.event_id], set_=fresh, where=takeover)
            .returning(t.c.event_id))


@functools.cache
def _done_stmt(dialect: str):
    """Mark an event done, whether or not it was claimed (answered while the database was away)."""
    t = ProcessedEvent.__table__
    when = DateTime(timezone=True)
    return (_upsert(dialect).values(event_id=bindparam("event_id"), status="done",
                                    claimed_at=bindparam("now", type_=when), expires_at=bindparam("expires", type_=when))
            .on_conflict_do_update(index_elements=[t.c.event_id], set_={"status": "done"}))


def _attempts(engine: Engine) -> int:
    """One retry on PostgreSQL (a connection dropped in between); none on SQLite, whose busy
    handler already waits for the lock (`quick()` limits that wait)."""
    return 1 if engine.dialect.name == "sqlite" else 2


def claim_event(engine: Engine, event_id: str, *, now: datetime | None = None) -> bool:
    """True if this caller now owns `event_id` and must handle it; False if it is a duplicate.
    Raises (within a few seconds) when the database is away: see the module docstring."""
    if event_id in _unrecorded:
        return False                              # answered here while the database was away
    now = _utc(now) if now else _now()
    stmt = _claim_stmt(engine.dialect.name)
    params = {"event_id": event_id, "now": now, "expires": now + TTL, "stale": now - LEASE}

    def attempt() -> bool:
        if random.randrange(PURGE_EVERY) == 0:
            purge_expired(engine, now=now)
        with engine.begin() as conn:             # one round trip; no exception on a duplicate
            return conn.execute(stmt, params).first() is not None

    try:
        with quick():
            claimed = with_retry(attempt, attempts=_attempts(engine), first_delay=0.1, what="claim event")
    except Exception:
        _remember(event_id, now)          # the caller answers without a claim: this process knows
        raise
    if _unrecorded:
        _record_unrecorded(engine)
    return claimed


def finish_event(engine: Engine, event_id: str) -> None:
    """Mark an event as answered (claimed, or answered without a claim while the database was
    away): redeliveries are duplicates from now on. Never raises: with the database away, the id
    is kept in this process and written later."""
    now = _now()

    def run() -> None:
        with engine.begin() as conn:
            conn.execute(_done_stmt(engine.dialect.name), {"event_id": event_id, "now": now, "expires": now + TTL})
    try:
        with quick():
            with_retry(run, attempts=_attempts(engine), first_delay=0.1, what="finish event")
    except Exception as e:  # noqa: BLE001
        _remember(event_id, now)
        log.warning("event %s answered but not recorded (%s); kept to record later", event_id, type(e).__name__)
    else:
        _unrecorded.pop(event_id, None)


def _remember(event_id: str, at: datetime) -> None:
    with _unrecorded_lock:
        _unrecorded[event_id] = at
        while len(_unrecorded) > UNRECORDED_MAX:
            _unrecorded.popitem(last=False)


def _record_unrecorded(engine: Engine) -> None:
    """Write the ids answered while the database was away (best effort; kept on failure)."""
    with _unrecorded_lock:
        batch = list(_unrecorded.items())
    try:
        with quick(), engine.begin() as conn:
            conn.execute(_done_stmt(engine.dialect.name),
                         [{"event_id": i, "now": at, "expires": at + TTL} for i, at in batch])
    except Exception as e:  # noqa: BLE001
        log.warning("%d answered event id(s) still not recorded (%s)", len(batch), type(e).__name__)
        return
    with _unrecorded_lock:
        for i, _ in batch:
            _unrecorded.pop(i, None)
    log.info("recorded %d event id(s) answered while the database was away", len(batch))


def release_event(engine: Engine, event_id: str) -> None:
    """Give a claim back (nothing could be posted), so that a redelivery can try again. With the
    database away the claim stays, and its lease frees it."""
    table = ProcessedEvent.__table__
    _unrecorded.pop(event_id, None)       # not answered: a redelivery may try again

    def run() -> None:
        with engine.begin() as conn:
            conn.execute(delete(table).where(table.c.event_id == event_id).where(table.c.status == "pending"))
    try:
        with quick():
            with_retry(run, attempts=_attempts(engine), first_delay=0.1, what="release event")
    except Exception as e:  # noqa: BLE001
        log.warning("event %s: claim not given back (%s); it expires with its lease", event_id, type(e).__name__)


def purge_expired(engine: Engine, *, now: datetime | None = None) -> int:
    now = _utc(now) if now else _now()
    table = ProcessedEvent.__table__
    with engine.begin() as conn:
        return conn.execute(delete(table).where(table.c.expires_at < now)).rowcount
