"""Delivering the outbox: messages written with the change that caused them, sent until they go.

The Slack side supplies a `send(message)` callable that renders and posts one message and raises
on failure; `deliver_outbox` claims due messages (a short lease, so two processes never send the
same one at once), calls it, and records success or schedules a retry with backoff
(30 s, 1 min, 2 min … up to an hour). It runs after each submission, at start-up, and from the
scheduler every minute; a message is never dropped.
Delivery is at-least-once: a process killed between posting and recording may post once more.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot.db import session_scope
from bot.proposals.models import OutboxMessage, Proposal, as_utc, utcnow
from bot.proposals.service import ProposalView, _view

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
FIRST_RETRY = 30  # seconds


@dataclass(frozen=True)
class Outgoing:
    """What the sender gets: the message and the proposal(s) it is about, freshly read."""

    id: int
    kind: str
    target: str | None
    payload: dict
    attempts: int
    proposal: ProposalView | None = None
    proposals: tuple[ProposalView, ...] = ()     # staff_nudge: the stale proposals listed


@dataclass(frozen=True)
class Posted:
    """Where a message landed (staff_new: kept on the proposal so its card can be updated)."""

    channel: str
    ts: str


Sender = Callable[[Outgoing], "Posted | None"]


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


def _backoff(attempts: int) -> int:
    from bot.proposals.settings import get_proposal_settings

    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), get_proposal_settings().proposal_outbox_max_backoff)


def pending(engine: Engine, *, proposal_id: int | None = None) -> list[OutboxMessage]:
    with session_scope(engine) as s:
        q = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))  # type: ignore[union-attr]
        if proposal_id is not None:
            q = q.where(OutboxMessage.proposal_id == proposal_id)
        return list(s.exec(q.order_by(OutboxMessage.id)))


def deliver_outbox(engine: Engine, send: Sender, *, now: datetime | None = None, limit: int = 50,
                   proposal_id: int | None = None, kinds: tuple[str, ...] | None = None,
                   force: bool = False) -> DeliveryReport:
    """Send due messages (all pending ones with `force`, e.g. at start-up; only one proposal's
    with `proposal_id`, only some kinds with `kinds`, e.g. the staff post right after a submit)."""
    now = as_utc(now) or utcnow()
    report = DeliveryReport()
    with session_scope(engine) as s:
        q = select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None))  # type: ignore[union-attr]
        if not force:
            q = q.where(OutboxMessage.next_attempt_at <= now)
        if proposal_id is not None:
            q = q.where(OutboxMessage.proposal_id == proposal_id)
        if kinds:
            q = q.where(OutboxMessage.kind.in_(kinds))  # type: ignore[attr-defined]
        ids = list(s.exec(q.order_by(OutboxMessage.id).limit(limit)))
    for mid in ids:
        msg = _claim(engine, mid, now)
        if msg is None:
            continue   # another process has it, or it was sent meanwhile
        try:
            posted = send(msg)
        except Exception as e:  # any failure: keep it and retry later
            err = f"{type(e).__name__}: {e}"[:500]
            _failed(engine, mid, msg.attempts + 1, err, now)
            report.failed[mid] = err
            log.warning("outbox message %s (%s) not delivered, attempt %d: %s", mid, msg.kind, msg.attempts + 1, err)
            continue
        _sent(engine, mid, msg, posted, now)
        report.sent.append(mid)
    return report


def _claim(engine: Engine, mid: int, now: datetime) -> Outgoing | None:
    with session_scope(engine) as s:
        res = s.execute(update(OutboxMessage).where(
            OutboxMessage.id == mid, OutboxMessage.sent_at.is_(None),  # type: ignore[union-attr]
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))  # type: ignore[union-attr]
            .values(claimed_until=now + LEASE))
        if res.rowcount != 1:
            return None
        m = s.get(OutboxMessage, mid)
        payload = json.loads(m.payload or "{}")
        proposal = None
        if m.proposal_id is not None:
            p = s.get(Proposal, m.proposal_id)
            proposal = _view(s, p, full=True) if p else None
        related: tuple[ProposalView, ...] = ()
        if payload.get("refs"):
            rows = s.exec(select(Proposal).where(Proposal.ref.in_(payload["refs"])).order_by(Proposal.id))  # type: ignore[attr-defined]
            related = tuple(_view(s, p) for p in rows)
        return Outgoing(m.id, m.kind, m.target, payload, m.attempts, proposal, related)


def _sent(engine: Engine, mid: int, msg: Outgoing, posted: Posted | None, now: datetime) -> None:
    with session_scope(engine) as s:
        m = s.get(OutboxMessage, mid)
        m.sent_at, m.claimed_until, m.attempts, m.last_error = now, None, msg.attempts + 1, None
        s.add(m)
        if msg.kind == "staff_new" and posted and msg.proposal:
            p = s.get(Proposal, msg.proposal.id)
            p.staff_channel, p.staff_ts = posted.channel, posted.ts
            s.add(p)


def _failed(engine: Engine, mid: int, attempts: int, err: str, now: datetime) -> None:
    with session_scope(engine) as s:
        m = s.get(OutboxMessage, mid)
        m.attempts, m.last_error, m.claimed_until = attempts, err, None
        m.next_attempt_at = now + timedelta(seconds=_backoff(attempts))
        s.add(m)


def run_outbox_job(engine: Engine, send: Sender, *, nudge: bool = False, force: bool = False,
                   now: datetime | None = None) -> DeliveryReport | None:
    """One pass for a scheduler, cron or the Slack app: optionally queue the stale nudge, then
    deliver whatever is due. Never raises (logs); the next pass tries again."""
    from bot.proposals.service import nudge_stale

    try:
        if nudge:
            nudge_stale(engine, now=now)
        report = deliver_outbox(engine, send, now=now, force=force)
    except Exception:  # noqa: BLE001 — a broken database or sender must not stop the caller
        log.exception("proposal outbox delivery failed")
        return None
    if report.failed:
        log.warning("proposal outbox: %d message(s) wait for a retry", len(report.failed))
    return report
