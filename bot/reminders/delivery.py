"""Delivering due reminders: the sender interface, the console sender, and `run_due`.

The Slack sender lives with the Slack app (handlers/senders.py); the entry point passes it in.

`run_due(now)` is the whole job, and safe to call from any number of processes at once:
1. every reminder due within the last year that has not been fanned out yet is written to the
   ledger, one row per subscriber (`pending`, or `missed` if it is older than the grace period);
2. open rows older than the grace period are closed as missed/failed (and reported);
3. worker threads claim pending rows in batches and send them (see `bot/reminders/ledger.py`
   for the states and the delivery guarantee).
"""
from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TextIO

from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.fiscal import BudgetCalendar
from bot.reminders import ledger
from bot.reminders.models import ReminderOccurrence, utc
from bot.reminders.rules import Occurrence, expired, occurrences_between, occurrences_for, render

log = logging.getLogger(__name__)

METADATA_EVENT = "deskbot_reminder"   # Slack message metadata type carrying the ledger key
LOOKBACK = timedelta(days=370)        # how far back run_due looks for reminders never fanned out
GRACE = timedelta(days=3)             # missed reminders younger than this are still sent (REMINDER_GRACE_DAYS)
LEASE = timedelta(seconds=20)         # how long claimed rows are ours; renewed every LEASE/4 while we work,
                                      # so a killed sender's rows are taken over within LEASE


# ---------------------------------------------------------------- the sender interface

class DeliveryError(Exception):
    """A send failed. Subclasses say whether and when to try again."""


class RetryLater(DeliveryError):
    """Not delivered, try again after `retry_after` seconds (Slack said 429)."""
    def __init__(self, message: str, retry_after: float = 1.0):
        super().__init__(message)
        self.retry_after = retry_after


class MaybeDelivered(DeliveryError):
    """The outcome is unknown (5xx, timeout, connection dropped): Slack may have posted it."""


class PermanentFailure(DeliveryError):
    """Will never succeed as is (channel not found, bot not in channel, account inactive …)."""


class Sender(Protocol):
    def send(self, target_id: str, text: str, *, key: str | None = None) -> str | None:
        """Post `text` to a channel or user; raise (preferably a DeliveryError) on failure.
        `key` identifies the ledger row; a sender that can, attaches it to the message so that
        `was_sent` can find it. May return the message's timestamp."""

    def was_sent(self, target_id: str, key: str, since: datetime) -> bool | None:
        """Whether a message with `key` was posted to the target since `since`; None if unknown."""


class ConsoleSender:
    """Prints what it would post (local console, `deskbot reminders run-due` without Slack)."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream
        self._lock = threading.Lock()

    def send(self, target_id: str, text: str, *, key: str | None = None) -> str | None:
        with self._lock:
            out = self.stream or sys.stdout
            print(f"── reminder → {target_id} ({key or '-'})\n{text}\n", file=out, flush=True)
        return None

    def was_sent(self, target_id: str, key: str, since: datetime) -> bool | None:
        return None


# ---------------------------------------------------------------- run_due

@dataclass
class RunReport:
    now: datetime
    fanned_out: list[ledger.FanOut] = field(default_factory=list)
    sent: int = 0
    reconciled: int = 0      # found already in Slack after an uncertain attempt: not re-sent
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    expired: int = 0
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, what: str, n: int = 1) -> None:
        with self._lock:
            setattr(self, what, getattr(self, what) + n)

    @property
    def missed(self) -> list[ledger.FanOut]:
        return [f for f in self.fanned_out if f.status == "missed"]

    def summary(self) -> str:
        due = sum(f.subscribers for f in self.fanned_out if f.status == "due")
        missed = sum(f.subscribers for f in self.missed)
        return (f"fanned out {len(self.fanned_out)} reminder(s) ({due} deliveries queued, {missed} missed); "
                f"sent {self.sent}, reconciled {self.reconciled}, retried {self.retried}, "
                f"failed {self.failed}, cancelled {self.cancelled}, expired {self.expired}")


def _backoff(attempts: int, base: float) -> timedelta:
    return timedelta(seconds=min(base * 2 ** attempts, 900.0))


class Dispatcher:
    """Sends claimed ledger rows with a few worker threads."""

    def __init__(self, engine: Engine, calendar: BudgetCalendar, sender: Sender, *, now: datetime,
                 grace: timedelta, workers: int = 4, batch: int = 25, lease: timedelta = LEASE,
                 retry_base: float = 2.0, name: str = "clock", report: RunReport | None = None):
        self.engine, self.calendar, self.sender = engine, calendar, sender
        self.now, self.grace, self.workers, self.batch = now, grace, workers, batch
        self.lease, self.retry_base, self.name = lease, retry_base, name
        self.report = report or RunReport(now=now)
        self._occ: dict[tuple[str, str], Occurrence] = {}
        self._occ_lock = threading.Lock()

    def occurrence(self, reminder_id: str, occurrence: str) -> Occurrence | None:
        with self._occ_lock:
            if (reminder_id, occurrence) not in self._occ:
                fy = int(occurrence.removeprefix("FY"))
                for o in occurrences_for(self.calendar, fy):
                    self._occ[(o.reminder_id, o.occurrence)] = o
                self._occ.setdefault((reminder_id, occurrence), None)
            return self._occ[(reminder_id, occurrence)]

    def deliver(self, row: dict) -> None:
        eng, target = self.engine, row["target_id"]
        key = f"{row['reminder_id']}@{row['occurrence']}#{target}"
        occ = self.occurrence(row["reminder_id"], row["occurrence"])
        if occ is None:
            ledger.mark_failed(eng, row, error="reminder no longer in the budget calendar")
            self.report.add("failed")
            return
        today = self.now.astimezone(self.calendar.tz).date()
        if row["uncertain"]:
            # An earlier attempt may have reached Slack: look before sending again.
            try:
                found = self.sender.was_sent(target, key, utc(row["first_attempt_at"]))
            except Exception as e:  # noqa: BLE001
                log.warning("was_sent(%s) failed: %r", key, e)
                found = None
            if found:
                if ledger.mark_sent(eng, row, note="reconciled: already in Slack"):
                    self.report.add("reconciled")
                return
            if found is None:
                log.info("%s: an earlier attempt may have been delivered and the sender cannot tell; "
                         "sending again (at-least-once)", key)
        if expired(occ, today):
            # Caught up too late (the rule says so: a countdown after the window closed would mislead).
            if ledger.mark_missed(eng, row, note="the window closed before it could be sent"):
                self.report.add("expired")
            return
        try:
            ts = self.sender.send(target, render(occ, row["lang"], today=max(today, occ.fire_date)), key=key)
        except RetryLater as e:
            ledger.mark_retry(eng, row, after=timedelta(seconds=e.retry_after), error=str(e),
                              uncertain=False, count_attempt=False)
            self.report.add("retried")
            time.sleep(min(e.retry_after, 1.0))   # this worker backs off; the others go on
        except PermanentFailure as e:
            log.error("reminder %s: %s (giving up)", key, e)
            ledger.mark_failed(eng, row, error=str(e))
            self.report.add("failed")
        except Exception as e:  # noqa: BLE001 — MaybeDelivered or anything unexpected
            log.warning("reminder %s: %s (will retry)", key, e if isinstance(e, DeliveryError) else repr(e))
            ledger.mark_retry(eng, row, after=_backoff(row["attempts"], self.retry_base),
                              error=str(e) or repr(e), uncertain=True)
            self.report.add("retried")
        else:
            if ledger.mark_sent(eng, row, message_ts=ts):
                self.report.add("sent")

    def _work(self, stop_at: float) -> None:
        while time.monotonic() < stop_at:
            rows = ledger.claim(self.engine, worker=self.name, limit=self.batch, lease=self.lease,
                                now=self.now, grace=self.grace)
            if not rows:
                return
            with Heartbeat(self.engine, rows[0]["claimed_by"], self.lease, {r["id"] for r in rows}) as hb:
                self._send_batch(rows, hb, stop_at)

    def _send_batch(self, rows: list[dict], hb: "Heartbeat", stop_at: float) -> None:
        active = ledger.active_targets(self.engine, [r["target_id"] for r in rows])
        for i, row in enumerate(rows):
            if time.monotonic() >= stop_at:   # out of time: hand the rest back unsent
                for r in rows[i:]:
                    ledger.mark_retry(self.engine, r, after=timedelta(0), error="run ended",
                                      uncertain=False, count_attempt=False)
                return
            if row["id"] not in hb.owned:
                log.warning("ledger row %s was taken over by another clock; not sending it", row["id"])
                continue
            try:
                if row["target_id"] not in active:
                    if ledger.mark_cancelled(self.engine, row):
                        self.report.add("cancelled")
                else:
                    self.deliver(row)
            except Exception as e:  # noqa: BLE001 — a DB hiccup: the lease will free the row
                log.exception("delivering ledger row %s failed", row["id"])
                self.report.errors.append(repr(e))

    def run(self, *, max_seconds: float = 240.0, wait_for_retries: float = 0.0) -> RunReport:
        """Send until nothing is claimable. With `wait_for_retries` > 0, also wait for rows
        rescheduled (e.g. after a 429) within that many seconds of now."""
        stop_at = time.monotonic() + max_seconds
        while True:
            threads = [threading.Thread(target=self._work, args=(stop_at,), name=f"{self.name}-{i}", daemon=True)
                       for i in range(max(1, self.workers))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            nxt = _next_attempt(self.engine, now=self.now, grace=self.grace)
            if nxt is None or wait_for_retries <= 0 or time.monotonic() >= stop_at:
                return self.report
            wait = (nxt - utc()).total_seconds()
            if wait > wait_for_retries:
                return self.report
            time.sleep(max(0.01, min(wait, stop_at - time.monotonic())))


class Heartbeat:
    """Renews a claim's lease every quarter lease while its rows are being sent, however long one
    send takes (Slack slow to answer); `owned` is what the last renewal kept (a row missing was
    taken over after a renewal failed for a whole lease: not ours to send any more)."""

    def __init__(self, engine: Engine, token: str, lease: timedelta, ids: set[int]):
        self.engine, self.token, self.lease, self.owned = engine, token, lease, ids
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{token}", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.lease.total_seconds() / 4):
            try:
                self.owned = ledger.renew(self.engine, self.token, self.lease)
            except Exception as e:  # noqa: BLE001 — the next beat tries again; the lease has room for three
                log.warning("reminder lease renewal failed (%s)", type(e).__name__)


def _next_attempt(engine: Engine, *, now: datetime, grace: timedelta) -> datetime | None:
    """The earliest moment an open row becomes claimable (a retry or an expiring lease)."""
    from sqlalchemy import func

    D = ledger.D
    with engine.connect() as conn:
        base = [D.c.due_at >= utc(now - grace), D.c.due_at <= utc(now)]
        a = conn.execute(select(func.min(D.c.next_attempt_at)).where(D.c.state == "pending", *base)).scalar()
        b = conn.execute(select(func.min(D.c.lease_until)).where(D.c.state == "sending", *base)).scalar()
    times = [t for t in (a, b) if t is not None]
    return min(times) if times else None


def fan_out_due(engine: Engine, calendar: BudgetCalendar, now: datetime, grace: timedelta) -> list[ledger.FanOut]:
    """Write every due, not yet recorded reminder to the ledger; report the ones past grace."""
    occs = occurrences_between(calendar, now - LOOKBACK, now)
    if not occs:
        return []
    O = ReminderOccurrence.__table__
    with engine.connect() as conn:
        done = {(r.reminder_id, r.occurrence) for r in conn.execute(select(O.c.reminder_id, O.c.occurrence)
                                                                     .where(O.c.occurrence.in_({o.occurrence for o in occs})))}
    out = []
    for o in occs:
        if (o.reminder_id, o.occurrence) in done:
            continue
        f = ledger.record_occurrence(engine, o, now=now, grace=grace)
        if f is None:
            continue
        out.append(f)
        if f.status == "none":
            log.debug("reminder %s %s due %s: no subscribers", o.reminder_id, o.occurrence, o.fire_at.isoformat())
        elif f.status == "missed":
            log.warning("reminder %s %s was due %s, more than the %s grace period ago: recorded as "
                        "missed for %d subscriber(s), not sent", o.reminder_id, o.occurrence,
                        o.fire_at.isoformat(), grace, f.subscribers)
        else:
            log.info("reminder %s %s due %s: queued for %d subscriber(s)", o.reminder_id, o.occurrence,
                     o.fire_at.isoformat(), f.subscribers)
    return out


def run_due(now: datetime | None = None, *, engine: Engine, calendar: BudgetCalendar, sender: Sender | None = None,
            grace: timedelta | None = None, workers: int = 4, lease: timedelta = LEASE,
            retry_base: float = 2.0, max_seconds: float = 240.0, wait_for_retries: float = 0.0,
            name: str = "clock", staff_channel: str | None = None) -> RunReport:
    """Fan out and deliver everything due at `now` (default: the current time). Idempotent and
    safe to run from several processes at once; see the module docstring. `engine` and
    `calendar` are the caller's (the entry point builds them from the settings); `grace`
    defaults to GRACE (REMINDER_GRACE_DAYS's default: the CLI and the clock pass the setting)."""
    sender = sender or ConsoleSender()
    grace = grace if grace is not None else GRACE
    now = now or datetime.now(calendar.tz)
    if now.tzinfo is None:
        now = now.replace(tzinfo=calendar.tz)

    report = RunReport(now=now)
    report.fanned_out = fan_out_due(engine, calendar, now, grace)
    report.expired = ledger.expire_overdue(engine, now=now, grace=grace)
    Dispatcher(engine, calendar, sender, now=now, grace=grace, workers=workers, lease=lease,
               retry_base=retry_base, name=name, report=report).run(
        max_seconds=max_seconds, wait_for_retries=wait_for_retries)
    if report.missed and staff_channel:
        _report_missed(staff_channel, sender, report.missed, grace)
    return report


def _report_missed(channel: str, sender: Sender, missed: list[ledger.FanOut], grace: timedelta) -> None:
    """Tell the desk's staff channel which reminders were missed. Only the process that recorded
    an occurrence reports it, so this goes out once (best effort: the log and history have it too)."""
    days = grace.total_seconds() / 86400
    lines = [f"⚠️ 予算カレンダーのリマインダーが猶予期間({days:g}日)を過ぎたため送信されませんでした:"]
    lines += [f"• {f.reminder_id} {f.occurrence}({f.subscribers}件)" for f in missed]
    lines.append("`deskbot reminders history` で確認できます。")
    try:
        sender.send(channel, "\n".join(lines), key=None)
    except Exception as e:  # noqa: BLE001 — the log has it too
        log.error("could not report missed reminders to the staff channel: %r", e)
