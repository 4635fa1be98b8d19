"""The delivery ledger: which reminder went to whom, decided by the database, not the scheduler.

One row per (reminder, occurrence, subscriber), unique in the database, so a reminder can be
queued for a subscriber only once however many clock processes run and however often they
restart. A row moves

    pending ──claim──▶ sending ──Slack said ok──▶ sent
       ▲                  │
       └── retry later ───┘   429 (after Retry-After), 5xx / timeout / dropped connection
                              (marked `uncertain`: Slack may have posted it)
    also: missed (past the grace period, or a countdown whose window already closed),
          failed (permanent Slack error, or still failing when the grace period ended),
          cancelled (unsubscribed before it went out)

Claiming: in one transaction, pick up to a batch of claimable ids (PostgreSQL: FOR UPDATE SKIP
LOCKED) and UPDATE them to `sending` only WHERE they are still claimable; two processes never
own the same row. The owner holds a lease (default 20 s), which a heartbeat renews every quarter
lease while it sends (`delivery.Heartbeat`). A `sending` row whose lease ran out (its process was
killed) is claimed again, within a lease, and marked `uncertain`.

The guarantee (at-least-once, with the duplicate window closed wherever Slack lets us look):
every message carries its ledger key in Slack message metadata. Before an `uncertain` row is
sent again, `Sender.was_sent` looks for that key in the conversation's history; found → the row
is marked sent without posting. So a crash between Slack's "ok" and our commit, or a 5xx after
Slack stored the message, does not duplicate. Only when the check is impossible (the sender
cannot tell: console, or a token without the *:history scopes) is it re-sent blindly: we prefer
a rare duplicate to a lost deadline reminder. A reminder is never lost while its row is open
and inside the grace period; outside it, it is recorded (missed/failed) and reported.
"""
from __future__ import annotations

import logging
import threading
import uuid
from contextlib import contextmanager
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from bot.db import with_retry
from bot.reminders.models import (CANCELLED, FAILED, MISSED, PENDING, SENDING, SENT, ReminderDelivery,
                                  ReminderOccurrence, ReminderSubscription, utc)
from bot.reminders.rules import Occurrence

log = logging.getLogger(__name__)
D = ReminderDelivery.__table__
O = ReminderOccurrence.__table__
S = ReminderSubscription.__table__


_sqlite_locks: dict[int, threading.Lock] = {}


def _begin(engine: Engine):
    """A write transaction. On SQLite, threads of this process take turns first: SQLite allows
    one writer, and its busy handler would otherwise make waiting threads sleep in long steps."""
    if engine.dialect.name != "sqlite":
        return engine.begin()
    lock = _sqlite_locks.setdefault(id(engine), threading.Lock())

    @contextmanager
    def locked():
        with lock, engine.begin() as conn:
            yield conn
    return locked()


def _insert(engine: Engine, table):
    """INSERT … ON CONFLICT DO NOTHING for the engine's dialect."""
    dialect = engine.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing()
    raise NotImplementedError(f"reminder ledger supports SQLite and PostgreSQL, not {dialect}")


@dataclass
class FanOut:
    reminder_id: str
    occurrence: str
    status: str          # due | missed (past grace: recorded, not sent) | none (no subscribers)
    subscribers: int


def record_occurrence(engine: Engine, occ: Occurrence, *, now: datetime, grace: timedelta) -> FanOut | None:
    """Fan a due occurrence out to the ledger once: one row per subscriber that was subscribed
    when it fell due. Returns None when another run already did it.

    Past the grace period the rows are written as `missed` instead of `pending`.
    """
    due = utc(occ.fire_at)
    status = "missed" if occ.fire_at < now - grace else "due"

    def work() -> FanOut | None:
        with _begin(engine) as conn:
            won = conn.execute(_insert(engine, O).values(
                reminder_id=occ.reminder_id, occurrence=occ.occurrence, due_at=due, status=status,
                subscribers=0, recorded_at=utc()).returning(O.c.id)).first()
            if won is None:
                return None      # already fanned out (by us earlier or by another clock)
            subs = conn.execute(select(S.c.target_id, S.c.lang).where(
                S.c.active.is_(True), S.c.subscribed_at <= due)).all()
            wall = utc()
            rows = [dict(reminder_id=occ.reminder_id, occurrence=occ.occurrence, target_id=t, lang=lang,
                         due_at=due, state=MISSED if status == "missed" else PENDING, attempts=0,
                         uncertain=False, next_attempt_at=wall, created_at=wall, updated_at=wall)
                    for t, lang in subs]
            for i in range(0, len(rows), 1000):
                conn.execute(_insert(engine, D), rows[i:i + 1000])
            final = status if rows else "none"
            conn.execute(update(O).where(O.c.reminder_id == occ.reminder_id, O.c.occurrence == occ.occurrence)
                         .values(subscribers=len(rows), status=final))
            return FanOut(occ.reminder_id, occ.occurrence, final, len(rows))

    return with_retry(work, what="reminder fan-out")


def expire_overdue(engine: Engine, *, now: datetime, grace: timedelta) -> int:
    """Open rows due longer ago than the grace period: never tried → missed, tried → failed.
    A `sending` row still under a live lease is left to its owner."""
    cutoff, wall = utc(now - grace), utc()
    stale = and_(D.c.due_at < cutoff,
                 or_(D.c.state == PENDING, and_(D.c.state == SENDING, D.c.lease_until < wall)))

    def work() -> int:
        with _begin(engine) as conn:
            n = conn.execute(update(D).where(stale, D.c.attempts == 0).values(
                state=MISSED, updated_at=wall, claimed_by=None)).rowcount
            n += conn.execute(update(D).where(stale, D.c.attempts > 0).values(
                state=FAILED, updated_at=wall, claimed_by=None,
                last_error=func.coalesce(D.c.last_error, "") + " [gave up: past grace period]")).rowcount
            return n

    return with_retry(work, what="reminder expiry")


def claim(engine: Engine, *, worker: str, limit: int, lease: timedelta, now: datetime,
          grace: timedelta) -> list[dict]:
    """Atomically take up to `limit` rows to send: pending and due for an attempt, or `sending`
    with an expired lease (their sender died: marked uncertain). Returns the claimed rows."""
    wall = utc()
    token = f"{worker}:{uuid.uuid4().hex[:12]}"
    claimable = and_(
        D.c.due_at >= utc(now - grace), D.c.due_at <= utc(now),
        or_(and_(D.c.state == PENDING, D.c.next_attempt_at <= wall),
            and_(D.c.state == SENDING, D.c.lease_until < wall)))
    pick = select(D.c.id).where(claimable).order_by(D.c.due_at, D.c.id).limit(limit)
    if engine.dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)

    def work() -> list[dict]:
        # Two statements, one transaction: pick ids (on PostgreSQL locking them, skipping rows
        # another clock is claiming), then take them only if still claimable. A single
        # UPDATE … WHERE id IN (SELECT … LIMIT … SKIP LOCKED) is not safe on PostgreSQL: the
        # planner may re-run the subquery and claim far more than `limit` rows.
        with _begin(engine) as conn:
            ids = list(conn.execute(pick).scalars())
            if not ids:
                return []
            stmt = (update(D).where(D.c.id.in_(ids), claimable)
                    .values(state=SENDING, claimed_by=token, lease_until=wall + lease, updated_at=wall,
                            uncertain=or_(D.c.uncertain, D.c.state == SENDING),
                            first_attempt_at=func.coalesce(D.c.first_attempt_at, wall))
                    .returning(*D.c))
            return sorted((dict(r._mapping) for r in conn.execute(stmt)), key=lambda r: (r["due_at"], r["id"]))

    return with_retry(work, what="reminder claim")


def renew(engine: Engine, token: str, lease: timedelta) -> set[int]:
    """Extend the lease on the rows a claim still owns; returns their ids (a row missing from
    the answer was taken over after our lease ran out: do not send it)."""
    def work() -> set[int]:
        with _begin(engine) as conn:
            return set(conn.execute(update(D).where(D.c.claimed_by == token, D.c.state == SENDING)
                                    .values(lease_until=utc() + lease).returning(D.c.id)).scalars())
    return with_retry(work, what="reminder lease renewal")


def _finish(engine: Engine, row: dict, **values) -> bool:
    """Update a row we own; False if our claim was lost (lease expired and someone took it)."""
    values.setdefault("updated_at", utc())
    values.setdefault("claimed_by", None)
    values.setdefault("lease_until", None)

    def work() -> bool:
        with _begin(engine) as conn:
            return conn.execute(update(D).where(D.c.id == row["id"], D.c.state == SENDING,
                                                D.c.claimed_by == row["claimed_by"]).values(**values)).rowcount == 1

    ok = with_retry(work, what="reminder ledger update")
    if not ok:
        log.warning("reminder %s@%s → %s: lease lost before recording %s", row["reminder_id"],
                    row["occurrence"], row["target_id"], values.get("state"))
    return ok


def mark_sent(engine: Engine, row: dict, *, message_ts: str | None = None, note: str | None = None) -> bool:
    return _finish(engine, row, state=SENT, sent_at=utc(), message_ts=message_ts,
                   attempts=row["attempts"] + 1, last_error=note)


def mark_retry(engine: Engine, row: dict, *, after: timedelta, error: str, uncertain: bool,
               count_attempt: bool = True) -> bool:
    return _finish(engine, row, state=PENDING, next_attempt_at=utc() + after,
                   attempts=row["attempts"] + (1 if count_attempt else 0),
                   uncertain=row["uncertain"] or uncertain, last_error=error[:500])


def mark_failed(engine: Engine, row: dict, *, error: str) -> bool:
    return _finish(engine, row, state=FAILED, attempts=row["attempts"] + 1, last_error=error[:500])


def mark_missed(engine: Engine, row: dict, *, note: str) -> bool:
    return _finish(engine, row, state=MISSED, last_error=note)


def mark_cancelled(engine: Engine, row: dict) -> bool:
    return _finish(engine, row, state=CANCELLED, last_error="unsubscribed before delivery")


def active_targets(engine: Engine, target_ids: Sequence[str]) -> set[str]:
    def work() -> set[str]:
        with engine.connect() as conn:
            return set(conn.execute(select(S.c.target_id).where(
                S.c.target_id.in_(list(target_ids)), S.c.active.is_(True))).scalars())
    return with_retry(work, what="subscription lookup")


# ---------------------------------------------------------------- reports

def history(engine: Engine, *, limit: int = 50) -> list[dict]:
    """Per occurrence (newest first): when it fell due, how it was fanned out, and delivery counts."""
    with engine.connect() as conn:
        occs = conn.execute(select(O).order_by(O.c.due_at.desc(), O.c.id.desc()).limit(limit)).all()
        counts: dict[tuple[str, str], dict[str, int]] = {}
        if occs:
            q = (select(D.c.reminder_id, D.c.occurrence, D.c.state, func.count())
                 .where(D.c.reminder_id.in_({o.reminder_id for o in occs}),
                        D.c.occurrence.in_({o.occurrence for o in occs}))
                 .group_by(D.c.reminder_id, D.c.occurrence, D.c.state))
            for rid, occ, state, n in conn.execute(q).all():
                counts.setdefault((rid, occ), {})[state] = n
    return [dict(reminder_id=o.reminder_id, occurrence=o.occurrence, due_at=o.due_at, status=o.status,
                 subscribers=o.subscribers, recorded_at=o.recorded_at,
                 states=counts.get((o.reminder_id, o.occurrence), {})) for o in occs]


def failures(engine: Engine, *, limit: int = 50) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(D).where(D.c.state.in_([FAILED, MISSED]))
                            .order_by(D.c.updated_at.desc()).limit(limit)).all()
    return [dict(r._mapping) for r in rows]
