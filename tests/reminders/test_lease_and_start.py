"""Real processes: a sender stuck on Slack keeps its rows (a heartbeat renews the lease), and
once it is killed another run takes them over within one lease (3 s here, renewed every
quarter lease; the default is 20 s); `deskbot clock`
started while PostgreSQL refuses connections waits, then connects and works when it is back."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from bot.reminders.models import ReminderDelivery
from reminders.conftest import ROOT, jst
from reminders.test_processes import KEY, NOW, bulk_subscribe, ledger_states

D = ReminderDelivery.__table__
LEASE_SECONDS = 3.0


def run_due(db, stub, tmp_path, *extra):
    env = {**os.environ, "DATABASE_URL": db.url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": stub.api_url,
           "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    env.pop("CALENDAR_FILE", None)
    cmd = [sys.executable, "-m", "bot", "reminders", "run-due", "--now", NOW, "--retry-base", "0.05",
           "--lease-seconds", str(LEASE_SECONDS), *extra]
    return subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def latest_lease(db):
    with db.engine.connect() as c:
        return c.execute(select(func.max(D.c.lease_until)).where(D.c.state == "sending")).scalar()


def test_stuck_sender_keeps_its_lease_and_a_killed_one_is_taken_over_within_a_lease(db, stub, tmp_path):
    targets = [f"C{i:04d}" for i in range(60)]
    bulk_subscribe(db, targets, jst(2026, 8, 18, 12))
    stub.hang_after_post = 5                  # Slack stores the 5th post and never answers it
    first = run_due(db, stub, tmp_path, "--workers", "1")
    try:
        assert stub.hung.wait(30)
        before = latest_lease(db)
        deadline = time.monotonic() + 30      # the lease moves on while the sender waits for Slack
        while latest_lease(db) == before and time.monotonic() < deadline:
            time.sleep(LEASE_SECONDS / 8)     # another process's row: nothing to await but the database
        assert (latest_lease(db) or before) > before, "lease not renewed while the send was under way"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    killed_at = time.monotonic()
    assert ledger_states(db)["sending"] > 0
    stub.hang_after_post = None
    second = run_due(db, stub, tmp_path, "--workers", "2", "--wait", "60")
    out, err = second.communicate(timeout=120)
    took = time.monotonic() - killed_at
    assert second.returncode == 0, err
    print(f"killed sender's rows delivered {took:.1f}s after the kill")
    assert stub.delivered_keys() == Counter({KEY.format(t): 1 for t in targets})
    assert ledger_states(db) == Counter({"sent": len(targets)})
    assert "reconciled 1" in out              # the post Slack stored before the kill: found, not re-sent


def test_clock_started_while_the_database_refuses_waits_then_works(db, stub, tmp_path):
    if db.url.startswith("sqlite"):
        pytest.skip("an embedded SQLite file is never unreachable")
    from bot.proposals.service import submit
    from db_outage import Outage
    from proposals.helpers import proposal_form

    submit(db.engine, proposal_form(), submitter="U_CO", idempotency_key="clock-start")   # a staff post waiting
    outage = Outage(db)
    outage.refuse()
    env = {**os.environ, "DATABASE_URL": outage.url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": stub.api_url,
           "DESK_STAFF_CHANNEL": "CSTAFF0001", "LOG_LEVEL": "INFO", "PYTHONPATH": str(ROOT)}
    clock = subprocess.Popen([sys.executable, "-m", "bot", "clock", "--interval", "2"], cwd=tmp_path, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines, waiting, connected = [], threading.Event(), threading.Event()

    def read():
        for line in clock.stderr:
            lines.append(line)
            if "not reachable" in line:
                waiting.set()
            if "reachable after" in line:
                connected.set()
    threading.Thread(target=read, daemon=True).start()
    try:
        assert waiting.wait(30), "".join(lines)
        assert clock.poll() is None                          # still running, not exited
        outage.up()
        assert connected.wait(60), "".join(lines)
        posts = stub.wait_for("chat.postMessage", 1, timeout=60)
        assert posts and posts[0].args.get("channel") == "CSTAFF0001", "".join(lines)
    finally:
        clock.send_signal(signal.SIGTERM)
        try:
            clock.wait(20)
        except subprocess.TimeoutExpired:
            clock.kill()
        outage.close()
