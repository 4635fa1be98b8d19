"""APScheduler 3 wakes the dispatcher every minute; the ledger decides what is sent.

APScheduler's own catch-up (misfire_grace_time, coalescing) is deliberately not relied on: a
missed wake-up only delays `run_due`, which then finds everything that fell due meanwhile (within
the grace period) in the calendar and the ledger. The first run happens at start, so a clock that
was down catches up at once.
"""
from __future__ import annotations

import logging
import signal
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)
JOB_ID = "deskbot-reminders-run-due"


def _tick(settings, sender, engine) -> None:
    from datetime import timedelta

    from bot.fiscal import calendar_for
    from bot.reminders.delivery import run_due

    try:   # the calendar is re-read when its file changes
        report = run_due(engine=engine, calendar=calendar_for(settings), sender=sender, name="clock",
                         grace=timedelta(days=settings.reminder_grace_days),
                         staff_channel=settings.desk_staff_channel, max_seconds=50.0)
    except Exception:  # noqa: BLE001 — keep the clock alive; the next tick tries again
        log.exception("reminders: run_due failed")
        return
    if report.fanned_out or report.sent or report.retried or report.failed or report.expired:
        log.info("reminders: %s", report.summary())


def _add_job(scheduler, settings, sender, engine, interval_seconds: float) -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(settings.timezone)
    scheduler.add_job(_tick, IntervalTrigger(seconds=interval_seconds, timezone=tz),
                      args=(settings, sender, engine), id=JOB_ID, replace_existing=True,
                      max_instances=1, coalesce=True, misfire_grace_time=None,  # late is fine: run once
                      next_run_time=datetime.now(tz))


def _prepare(settings, sender, engine):
    from bot.config import get_settings
    from bot.db import get_engine, init_db, with_retry
    from bot.reminders.delivery import default_sender

    settings = settings or get_settings()
    engine = engine or get_engine(settings.database_url)
    with_retry(lambda: init_db(engine), what="init_db")
    return settings, sender or default_sender(settings), engine


def start_background_scheduler(settings=None, sender=None, *, engine=None,
                               interval_seconds: float = 60.0) -> BackgroundScheduler:
    """Run the reminder clock inside this process (console, Socket Mode). Returns the started
    scheduler; call `.shutdown()` on exit."""
    settings, sender, engine = _prepare(settings, sender, engine)
    scheduler = BackgroundScheduler(timezone=settings.timezone)
    _add_job(scheduler, settings, sender, engine, interval_seconds)
    scheduler.start()
    return scheduler


def run_clock(settings=None, sender=None, *, engine=None, interval_seconds: float = 60.0) -> None:
    """`deskbot clock`: block, waking the dispatcher every minute, until SIGTERM/SIGINT."""
    settings, sender, engine = _prepare(settings, sender, engine)
    scheduler = BlockingScheduler(timezone=settings.timezone)
    _add_job(scheduler, settings, sender, engine, interval_seconds)

    def stop(signum, _frame):
        log.info("clock: signal %s, stopping (rows being sent are retried by the next clock)", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    log.info("clock: reminders every %gs (%s)", interval_seconds, settings.timezone)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
