"""APScheduler 3 wakes the clock's jobs every minute; the database decides what is sent.

Two jobs, each at most one instance at a time, side by side (a long reminder fan-out does not hold
up the proposal desk's messages):
- reminders: `run_due`; the ledger makes every reminder go once, whatever number of clocks run.
- the desk (`DeskJobs.tick`): deliver the proposals outbox (leases: two clocks never send the same
  message at once); once a day queue the stale-proposal nudge for `DESK_STAFF_CHANNEL`, and purge
  expired event-dedupe rows.

APScheduler's own catch-up (misfire_grace_time, coalescing) is deliberately not relied on: a
missed wake-up only delays `run_due`, which then finds everything that fell due meanwhile (within
the grace period) in the calendar and the ledger; the daily work is decided from the date, not
from a cron firing. The first run happens at start, so a clock that was down catches up at once.
"""
from __future__ import annotations

import faulthandler
import logging
import os
import signal
import sys
import threading
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_SCHEDULER_SHUTDOWN
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)
JOB_ID = "deskbot-reminders-run-due"
DESK_JOB_ID = "deskbot-desk-jobs"
NUDGE_HOUR = 9          # the daily stale-proposal nudge is taken as of 09:00 desk time
_DEFAULT = object()     # "build the outbox sender from the settings"
# After SIGTERM a clock that has not exited within this many seconds (a job that does not return)
# prints every thread's stack and exits anyway: what it was sending is leased, and the next clock
# sends it again.
STOP_GRACE_SECONDS = 10.0


def _tick(settings, sender, engine) -> None:
    from bot.fiscal import calendar_for
    from bot.reminders.delivery import LEASE, run_due

    try:   # the calendar is re-read when its file changes
        # waiting for retries includes leases running out: a killed clock's rows are sent within a lease
        report = run_due(engine=engine, calendar=calendar_for(settings), sender=sender, name="clock",
                         grace=timedelta(days=settings.reminder_grace_days),
                         staff_channel=settings.desk_staff_channel, max_seconds=50.0,
                         wait_for_retries=LEASE.total_seconds() + 5)
    except Exception:  # noqa: BLE001 — keep the clock alive; the next tick tries again
        log.exception("reminders: run_due failed")
        return
    if report.fanned_out or report.sent or report.retried or report.failed or report.expired:
        log.info("reminders: %s", report.summary())


class DeskJobs:
    """The proposal desk's periodic work, for one clock process (any number may run).

    Every tick: deliver the proposals outbox through `outbox_sender` (None: nothing is posted,
    messages wait). Once a day, first thing after NUDGE_HOUR (or at start):
    - `nudge_stale` as of today's NUDGE_HOUR. Taking the staleness at a fixed instant makes the
      day's nudge one list, the same for every clock and every re-run; `nudge_stale` claims each
      proposal with a conditional update of its `nudged_at`, so two clocks never list the same
      proposal, and it comes again only after another `proposal_stale_days`.
    - `purge_expired` on the event-dedupe table (harmless when two clocks both do it).
    What this process already did today is remembered only to save queries; the database decides.
    """

    def __init__(self, engine, outbox_sender, *, timezone_name: str = "Asia/Tokyo"):
        self.engine, self.outbox_sender = engine, outbox_sender
        self.tz = ZoneInfo(timezone_name)
        self._nudged_as_of: datetime | None = None
        self._purged_on: date | None = None

    def nudge_instant(self, now: datetime) -> datetime:
        """The latest NUDGE_HOUR (desk time) at or before `now`, in UTC."""
        local = now.astimezone(self.tz)
        at = local.replace(hour=NUDGE_HOUR, minute=0, second=0, microsecond=0)
        if at > local:
            at -= timedelta(days=1)
        return at.astimezone(timezone.utc)

    def tick(self, now: datetime | None = None) -> None:
        from bot.dedupe import purge_expired
        from bot.proposals.outbox import run_outbox_job
        from bot.proposals.service import nudge_stale

        now = now or datetime.now(timezone.utc)
        as_of = self.nudge_instant(now)
        if as_of != self._nudged_as_of:
            try:
                refs = nudge_stale(self.engine, now=as_of)
                self._nudged_as_of = as_of
                if refs:
                    log.info("proposals: stale nudge queued for %s", ", ".join(refs))
            except Exception:  # noqa: BLE001 — the next tick tries again
                log.exception("proposals: stale nudge failed")
        if self.outbox_sender is not None:
            run_outbox_job(self.engine, self.outbox_sender)   # logs its own failures
        today = now.astimezone(self.tz).date()
        if today != self._purged_on:
            try:
                n = purge_expired(self.engine, now=now)
                self._purged_on = today
                if n:
                    log.info("dedupe: purged %d expired event id(s)", n)
            except Exception:  # noqa: BLE001
                log.exception("dedupe: purge failed")


def _add_jobs(scheduler, settings, sender, engine, outbox_sender, interval_seconds: float) -> None:
    tz = ZoneInfo(settings.timezone)
    desk = DeskJobs(engine, outbox_sender, timezone_name=settings.timezone)
    for job_id, fn, args in ((JOB_ID, _tick, (settings, sender, engine)), (DESK_JOB_ID, desk.tick, ())):
        scheduler.add_job(fn, IntervalTrigger(seconds=interval_seconds, timezone=tz), args=args, id=job_id,
                          replace_existing=True, max_instances=1, coalesce=True,
                          misfire_grace_time=None,  # late is fine: run once
                          next_run_time=datetime.now(tz))


def _prepare(settings, sender, engine, outbox_sender, senders):
    """Settings, senders and the engine; the database is waited for by the callers (it may be away).
    `senders` (bot/senders.py) builds whichever sender was not given; the entry point passes Slack's."""
    from bot.config import get_settings
    from bot.db import get_engine
    from bot.senders import ConsoleSenders

    settings = settings or get_settings()
    engine = engine or get_engine(settings.database_url)
    senders = senders or ConsoleSenders()
    if outbox_sender is _DEFAULT:
        outbox_sender = senders.outbox(settings)
        if outbox_sender is None:
            log.info("clock: no SLACK_BOT_TOKEN; proposal messages wait in the outbox")
    return settings, sender or senders.reminders(settings), engine, outbox_sender


def start_background_scheduler(settings=None, sender=None, *, engine=None, outbox_sender=_DEFAULT,
                               interval_seconds: float = 60.0, senders=None) -> BackgroundScheduler:
    """Run the clock inside this process (console, Socket Mode). Returns the started scheduler;
    call `.shutdown()` on exit. `outbox_sender`: how proposal messages are posted (default: what
    `senders` builds from the settings — the entry point passes Slack's —, or none)."""
    from bot.db import wait_for_database

    settings, sender, engine, outbox_sender = _prepare(settings, sender, engine, outbox_sender, senders)
    scheduler = BackgroundScheduler(timezone=settings.timezone)
    scheduler.start()

    def when_ready():             # the database may be away: the jobs start once it answers
        if wait_for_database(engine, what="clock", stop=stopped) and scheduler.running:
            _add_jobs(scheduler, settings, sender, engine, outbox_sender, interval_seconds)

    stopped = threading.Event()
    scheduler.add_listener(lambda _event: stopped.set(), EVENT_SCHEDULER_SHUTDOWN)
    threading.Thread(target=when_ready, name="clock-wait-for-database", daemon=True).start()
    return scheduler


def _exit_after_grace(grace: float = STOP_GRACE_SECONDS) -> None:
    """Make sure a stopping clock exits: a daemon timer that, if the process is still alive after
    the grace period, logs why, dumps the threads' stacks to stderr and exits with status 0."""
    def force():
        log.warning("clock: still running %gs after the stop signal; exiting (threads below)", grace)
        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        logging.shutdown()
        os._exit(0)

    timer = threading.Timer(grace, force)
    timer.daemon = True
    timer.start()


def _watch_stop_signals(started: threading.Event) -> threading.Event:
    """SIGTERM/SIGINT set the returned event, whichever thread the kernel hands the signal to.

    Python runs a signal's handler in the main thread only, and only once that thread runs Python
    code again. A signal taken by another thread (a job's worker, busy in SQLite) therefore left a
    main thread asleep in a lock wait until its next wake-up, an hour later: the clock ignored
    SIGTERM. The C-level handler always writes the signal number to the wakeup fd, so a watcher
    thread reading it does the stopping. The Python handler only leaves at once while the clock
    is still setting up (`started` not set: waiting for the database, say); it takes no lock."""
    stopped = threading.Event()
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)          # set_wakeup_fd needs it; the watcher's end blocks
    signal.set_wakeup_fd(wake_w)

    def on_signal(_signum, _frame):
        if not started.is_set():
            raise SystemExit(0)

    def watch():
        signum = os.read(wake_r, 1)[0]
        log.info("clock: signal %s, stopping (rows being sent are retried by the next clock)", signum)
        _exit_after_grace()
        stopped.set()

    threading.Thread(target=watch, name="clock-stop", daemon=True).start()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    return stopped


def run_clock(settings=None, sender=None, *, engine=None, outbox_sender=_DEFAULT,
              interval_seconds: float = 60.0, senders=None) -> None:
    """`deskbot clock`: wake the jobs every minute until SIGTERM/SIGINT (main thread only)."""
    from bot.db import wait_for_database

    settings, sender, engine, outbox_sender = _prepare(settings, sender, engine, outbox_sender, senders)
    scheduler = BackgroundScheduler(timezone=settings.timezone)
    started = threading.Event()
    stopped = _watch_stop_signals(started)
    if not wait_for_database(engine, what="clock", stop=stopped):    # started while the database is away
        return
    _add_jobs(scheduler, settings, sender, engine, outbox_sender, interval_seconds)
    log.info("clock: reminders every %gs (%s)", interval_seconds, settings.timezone)   # and the desk's jobs
    scheduler.start()
    started.set()
    stopped.wait()
    # A job still running finishes before the process exits; one that does not return is cut
    # short by the grace timer the watcher started.
    scheduler.shutdown(wait=False)
