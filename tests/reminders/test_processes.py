"""Real processes: a clock killed in the middle of a fan-out and restarted, and two clocks at
once, against the same database and the local Slack stub. Each reminder arrives exactly once."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections import Counter

import pytest
from sqlalchemy import select

from bot.reminders.models import ReminderDelivery
from reminders.conftest import ROOT, jst

NOW = "2026-08-24T09:01:00+09:00"
KEY = "proposal-window.close-7@FY2026#{}"


def bulk_subscribe(db, targets, when):
    """Subscribers as of `when` (inserted directly: this is setup, not what is tested)."""
    from bot.reminders.models import ReminderSubscription

    rows = [dict(target_id=t, kind="channel", lang="ja", active=True, subscribed_at=when, updated_at=when)
            for t in targets]
    with db.engine.begin() as c:
        c.execute(ReminderSubscription.__table__.insert(), rows)


def start_run_due(db, stub, tmp_path, *extra):
    env = {**os.environ, "DATABASE_URL": db.url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": stub.api_url,
           "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    env.pop("CALENDAR_FILE", None)
    cmd = [sys.executable, "-m", "bot", "reminders", "run-due", "--now", NOW, "--lease-seconds", "3",
           "--retry-base", "0.05", "--wait", "30", *extra]
    return subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def ledger_states(db) -> Counter:
    with db.engine.connect() as c:
        return Counter(c.execute(select(ReminderDelivery.__table__.c.state)).scalars())


def summary_counts(out: str) -> dict[str, int]:
    """The figures of `run-due`'s summary line."""
    counts = {k: int(v) for k, v in re.findall(r"\b(sent|reconciled|retried|failed|cancelled|expired) (\d+)", out)}
    counts["queued"] = int(re.search(r"(\d+) deliveries queued", out).group(1))
    return counts


@pytest.mark.parametrize("crash", ["while-waiting-for-slack", "mid-batch"])
def test_killed_mid_fan_out_and_restarted_delivers_each_once(db, stub, tmp_path, crash):
    targets = [f"C{i:04d}" for i in range(200)]
    bulk_subscribe(db, targets, jst(2026, 8, 18, 12))
    stub.post_delay = 0.01
    if crash == "while-waiting-for-slack":
        stub.hang_after_post = 60    # Slack stores the 60th message, the answer never comes
    first = start_run_due(db, stub, tmp_path, "--workers", "2")
    try:
        if crash == "while-waiting-for-slack":
            assert stub.hung.wait(30), first.stderr.read() if first.poll() is not None else "no hang"
        else:
            assert stub.wait_stored(80, timeout=30)
        first.send_signal(signal.SIGKILL)       # no clean-up of any kind
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    stored_before = len(stub.posts())
    assert 0 < stored_before < len(targets)
    after_kill = ledger_states(db)
    assert after_kill["sending"] > 0             # rows the dead process had claimed

    stub.hang_after_post = None
    second = start_run_due(db, stub, tmp_path, "--workers", "2")
    out, err = second.communicate(timeout=90)
    assert second.returncode == 0, err

    assert stub.delivered_keys() == Counter({KEY.format(t): 1 for t in targets})
    assert ledger_states(db) == Counter({"sent": len(targets)})
    counts = summary_counts(out)
    assert counts["queued"] == 0                 # the fan-out was not repeated
    assert counts["sent"] + counts["reconciled"] == len(targets) - after_kill["sent"]
    if crash == "while-waiting-for-slack":
        assert counts["reconciled"] >= 1, out    # stored by Slack before the crash: found, not re-posted


def test_two_clocks_at_once_deliver_each_once(db, stub, tmp_path):
    targets = [f"C{i:04d}" for i in range(400)]
    bulk_subscribe(db, targets, jst(2026, 8, 18, 12))
    stub.post_delay = 0.005
    procs = [start_run_due(db, stub, tmp_path, "--workers", "3") for _ in range(2)]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        outs.append(summary_counts(out))
    assert stub.delivered_keys() == Counter({KEY.format(t): 1 for t in targets})
    assert ledger_states(db) == Counter({"sent": len(targets)})
    assert sum(o["sent"] for o in outs) == len(targets)     # no row sent (or counted) by both
    assert sorted(o["queued"] for o in outs) == [0, len(targets)]   # fanned out by exactly one
