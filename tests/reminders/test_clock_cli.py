"""The in-process scheduler (catch-up at start) and the `deskbot reminders` / `deskbot clock` CLI."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time

import pytest
import time_machine

from bot.config import Settings
from bot.reminders.delivery import ConsoleSender
from bot.reminders.scheduler import start_background_scheduler
from reminders.conftest import ROOT, jst, subscribe_at


def test_background_scheduler_catches_up_at_start(db):
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["C1"])
    out = io.StringIO()
    # the process was down over close-7 (8/24 09:00) and starts two days later
    with time_machine.travel(jst(2026, 8, 26, 10), tick=True):
        sched = start_background_scheduler(Settings(_env_file=None), ConsoleSender(out), engine=db.engine,
                                           interval_seconds=3600)
        try:
            for _ in range(200):
                if "reminder → C1" in out.getvalue():
                    break
                time.sleep(0.05)
        finally:
            sched.shutdown(wait=True)
    assert out.getvalue().count("reminder → C1") == 1
    assert "締め切りまであと5日" in out.getvalue()          # counted from the day it actually went out
    job = sched.get_jobs()
    assert str(sched.timezone) == "Asia/Tokyo" and job == []


@pytest.fixture
def run_cli(db, cli):
    """`deskbot ARGS` on the test's database (in this process); its stdout, once it succeeded."""
    def run(*args):
        r = cli(*args, DATABASE_URL=db.url, LOG_LEVEL="WARNING")
        assert r.returncode == 0, r.stderr
        return r.stdout
    return run


def test_preview_json_lists_final_dates_and_texts(run_cli):
    data = json.loads(run_cli("reminders", "preview", "--fiscal-year", "2025", "--json"))
    by_id = {d["reminder_id"]: d for d in data}
    assert len(data) == 9
    assert by_id["proposal-window.close-1"]["fire_at"] == "2025-08-28T09:00:00+09:00"
    assert by_id["proposal-window.close-1"]["deadline"] == "2025-08-29"
    assert by_id["budget-passage.start"]["fire_at"] == "2026-02-27T09:00:00+09:00"
    assert by_id["budget-passage.start"]["moved_because"] == "日曜日"
    assert "明日が締め切り" in by_id["proposal-window.close-1"]["text"]["ja"]
    assert "tomorrow" in by_id["proposal-window.close-1"]["text"]["en"]
    human = run_cli("reminders", "preview", "--fiscal-year", "2025")
    assert "2025/8/28(木) 09:00  proposal-window.close-1" in human


def test_run_due_and_history_from_the_cli(db, run_cli):
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["C1"])
    out = run_cli("reminders", "run-due", "--console", "--now", "2026-08-24T09:30")
    assert "reminder → C1" in out and "sent 1," in out
    again = run_cli("reminders", "run-due", "--console", "--now", "2026-08-24T09:31")
    assert "sent 0," in again and "reminder →" not in again
    hist = run_cli("reminders", "history")
    assert "2026-08-24 09:00  proposal-window.close-7" in hist and "sent 1" in hist
    assert "C1" in run_cli("reminders", "subscribers")
    assert "unsubscribed" in run_cli("reminders", "unsubscribe", "C1")


def test_clock_process_starts_catches_up_and_stops_on_sigterm(db, tmp_path):
    """`deskbot clock` (the Procfile's clock): its first wake-up is at start; SIGTERM stops it."""
    import signal

    from sqlalchemy import func, select

    from bot.reminders.models import ReminderOccurrence

    env = {**os.environ, "DATABASE_URL": db.url, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "INFO"}
    for k in ("SLACK_BOT_TOKEN", "CALENDAR_FILE"):
        env.pop(k, None)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "clock", "--interval", "3600"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    recorded, deadline = 0, time.monotonic() + 90     # generous: the machine may be busy
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            with db.engine.connect() as c:   # every reminder of the past year is looked at on the first wake-up
                recorded = c.execute(select(func.count()).select_from(ReminderOccurrence)).scalar()
            if recorded >= 9:
                break
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert recorded >= 9, err
    assert proc.returncode == 0, err
    assert "clock: reminders every 3600s (Asia/Tokyo)" in err


def test_a_clock_stops_when_sigterm_lands_on_a_worker_thread(db):
    """The kernel may hand a process's SIGTERM to any thread; Python then runs the handler only when
    the main thread next runs Python code. Here the signal is aimed at another thread on purpose,
    once the first wake-up is recorded: the clock, asleep until its next wake-up an hour later,
    must still stop at once."""
    code = ("import signal, sys, threading, time\n"
            "from sqlalchemy import create_engine, func, select\n"
            "from bot.reminders.models import ReminderOccurrence\n"
            "def hit():\n"
            "    engine = create_engine(sys.argv[1])\n"
            "    for _ in range(900):\n"
            "        time.sleep(0.1)\n"
            "        try:\n"
            "            with engine.connect() as c:\n"
            "                if c.execute(select(func.count()).select_from(ReminderOccurrence)).scalar() >= 9:\n"
            "                    break\n"
            "        except Exception:\n"
            "            pass   # the tables are not there yet\n"
            "    time.sleep(1)\n"
            "    signal.pthread_kill(threading.get_ident(), signal.SIGTERM)   # this thread, not the main one\n"
            "threading.Thread(target=hit, daemon=True).start()\n"
            "from bot.cli import main\n"
            "sys.exit(main(['clock', '--interval', '3600']))\n")
    env = {**os.environ, "DATABASE_URL": db.url, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "INFO"}
    for k in ("SLACK_BOT_TOKEN", "CALENDAR_FILE"):
        env.pop(k, None)
    proc = subprocess.Popen([sys.executable, "-c", code, db.url], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "clock: signal 15, stopping" in err
    assert "still running" not in err          # stopped by the watcher, not by the grace timer


def test_a_stopping_clock_whose_job_never_returns_still_exits():
    """After the stop signal, a job stuck in a worker thread does not keep the clock alive: after
    the grace period it prints the threads' stacks and exits (its rows are leased, sent again)."""
    code = ("import threading, time\n"
            "from bot.reminders.scheduler import _exit_after_grace\n"
            "threading.Thread(target=time.sleep, args=(120,)).start()   # a job that does not return\n"
            "_exit_after_grace(0.5)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert time.monotonic() - t < 30
    assert done.returncode == 0, done.stderr
    assert "still running" in done.stderr and "Thread" in done.stderr
