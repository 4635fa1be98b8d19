"""Exactly-once handling of incoming events, shared by every process through the database.

Slack redelivers an event when it thinks we missed it (`X-Slack-Retry-Num`), and several web
processes may sit behind one load balancer. Before replying, a process *claims* the event id:
the insert succeeds for exactly one claimant; the unique key makes every other attempt fail,
which means "already handled (or being handled) elsewhere".

Never losing one: a claim starts as `pending` and becomes `done` only after the reply was
posted (`finish_event`). If nothing could be posted, the claimant gives the claim back
(`release_event`), so a later redelivery can answer. A claimant that died while holding a
`pending` claim (process killed mid-reply) blocks others only for `LEASE`; after that the next
redelivery may take the claim over. Rows expire after `TTL` (Slack stops retrying within
minutes) and are purged lazily.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import DateTime, delete, insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel

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


def claim_event(engine: Engine, event_id: str, *, now: datetime | None = None) -> bool:
    """True if this caller now owns `event_id` and must handle it; False if it is a duplicate."""
    now = _utc(now) if now else _now()

    table = ProcessedEvent.__table__

    def attempt() -> bool:
        if random.randrange(PURGE_EVERY) == 0:
            purge_expired(engine, now=now)
        # SQLAlchemy Core, not the ORM: this runs on every event, on the reply's critical path.
        try:
            with engine.begin() as conn:
                conn.execute(insert(table).values(event_id=event_id, status="pending",
                                                  claimed_at=now, expires_at=now + TTL))
            return True
        except IntegrityError:
            pass
        # Already there. Take it over only if it expired or its claimant let the lease run out.
        with engine.begin() as conn:
            stmt = (update(table)
                    .where(table.c.event_id == event_id)
                    .where((table.c.expires_at < now)
                           | ((table.c.status == "pending") & (table.c.claimed_at < now - LEASE)))
                    .values(status="pending", claimed_at=now, expires_at=now + TTL))
            return conn.execute(stmt).rowcount == 1

    return with_retry(attempt, what="claim event")


def finish_event(engine: Engine, event_id: str) -> None:
    """Mark a claimed event as answered: redeliveries are duplicates from now on."""
    table = ProcessedEvent.__table__

    def run() -> None:
        with engine.begin() as conn:
            conn.execute(update(table).where(table.c.event_id == event_id).values(status="done"))
    with_retry(run, what="finish event")


def release_event(engine: Engine, event_id: str) -> None:
    """Give a claim back (nothing could be posted), so that a redelivery can try again."""
    def run() -> None:
        with Session(engine) as s:
            s.execute(delete(ProcessedEvent).where(ProcessedEvent.event_id == event_id)
                      .where(ProcessedEvent.status == "pending"))
            s.commit()
    with_retry(run, what="release event")


def purge_expired(engine: Engine, *, now: datetime | None = None) -> int:
    now = _utc(now) if now else _now()
    with Session(engine) as s:
        n = s.execute(delete(ProcessedEvent).where(ProcessedEvent.expires_at < now)).rowcount
        s.commit()
    return n
