"""Delivery through the ledger against the local Slack stub: exactly once per (reminder,
occurrence, subscriber) through 429s, 500s, repeated runs, downtime and unsubscribes."""
from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta

import time_machine
from sqlalchemy import select

from bot.reminders import ledger
from bot.reminders.delivery import ConsoleSender, fan_out_due, run_due
from bot.reminders.models import ReminderDelivery
from bot.reminders.subscriptions import subscribe, unsubscribe
from reminders.conftest import jst, subscribe_at

GRACE = timedelta(days=3)
CLOSE7 = "proposal-window.close-7@FY2026"
CLOSE1 = "proposal-window.close-1@FY2026"


def run(db, calendar, sender, **kw):
    kw.setdefault("grace", GRACE)
    kw.setdefault("retry_base", 0.05)
    kw.setdefault("wait_for_retries", 10.0)
    return run_due(engine=db.engine, calendar=calendar, sender=sender, **kw)


def states(db) -> Counter:
    with db.engine.connect() as c:
        return Counter(c.execute(select(ReminderDelivery.__table__.c.state)).scalars())


def test_due_reminder_goes_out_once_at_nine_and_never_again(db, calendar, stub, slack_sender):
    targets = ["C001", "C002", "U003"]
    subscribe_at(db.engine, jst(2026, 8, 18, 12), targets)
    with time_machine.travel(jst(2026, 8, 24, 8, 59), tick=True):
        r = run(db, calendar, slack_sender)
        assert r.sent == 0 and stub.posts() == []            # not yet 09:00
    with time_machine.travel(jst(2026, 8, 24, 9, 0, 30), tick=True):
        r = run(db, calendar, slack_sender)
        assert r.sent == 3
        run(db, calendar, slack_sender)                       # the next wake-ups find nothing new
        run(db, calendar, slack_sender)
    assert stub.delivered_keys() == Counter({f"{CLOSE7}#{t}": 1 for t in targets})
    assert sorted(stub.messages) == ["C001", "C002", "D003"]  # the user got it in a DM
    assert "締め切りまであと7日" in stub.messages["C001"][0]["text"]
    assert states(db) == Counter({"sent": 3})


def test_english_subscriber_gets_english(db, calendar, stub, slack_sender):
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["C0JA"])
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["C0EN"], lang="en")
    with time_machine.travel(jst(2026, 8, 24, 9, 5), tick=True):
        run(db, calendar, slack_sender)
    assert "closes in 7 days" in stub.messages["C0EN"][0]["text"]
    assert "あと7日" in stub.messages["C0JA"][0]["text"]


def test_429_with_retry_after_is_retried_after_the_wait_once(db, calendar, stub, slack_sender):
    targets = [f"C{i:03d}" for i in range(20)]
    subscribe_at(db.engine, jst(2026, 8, 18, 12), targets)
    stub.fail_next(4, status=429, retry_after=1)
    with time_machine.travel(jst(2026, 8, 24, 9, 1), tick=True):
        r = run(db, calendar, slack_sender)
    assert r.retried == 4 and r.sent == 20
    assert stub.delivered_keys() == Counter({f"{CLOSE7}#{t}": 1 for t in targets})
    # every rate-limited message was tried again only after its Retry-After
    attempts: dict[str, list[float]] = {}
    for args, at in stub.calls_of("chat.postMessage"):
        attempts.setdefault(args["metadata"]["event_payload"]["key"], []).append(at)
    retried = {k: v for k, v in attempts.items() if len(v) > 1}
    assert len(retried) == 4 and all(len(v) == 2 and v[1] - v[0] >= 0.95 for v in retried.values())
    assert states(db) == Counter({"sent": 20})


def test_500_before_posting_is_retried(db, calendar, stub, slack_sender):
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["C100", "U200"])
    stub.fail_next(2, status=500)
    with time_machine.travel(jst(2026, 8, 24, 9, 1), tick=True):
        r = run(db, calendar, slack_sender)
    assert r.sent == 2 and r.reconciled == 0
    assert stub.delivered_keys() == Counter({f"{CLOSE7}#C100": 1, f"{CLOSE7}#U200": 1})
    assert len(stub.calls_of("conversations.history")) == 2   # looked before sending again


def test_500_after_slack_posted_is_not_sent_twice(db, calendar, stub, slack_sender):
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["C100", "U200"])
    stub.fail_next(2, status=500, after_post=True)            # stored, then "500"
    with time_machine.travel(jst(2026, 8, 24, 9, 1), tick=True):
        r = run(db, calendar, slack_sender)
    assert r.reconciled == 2 and r.sent == 0
    assert stub.delivered_keys() == Counter({f"{CLOSE7}#C100": 1, f"{CLOSE7}#U200": 1})
    assert states(db) == Counter({"sent": 2})


def test_permanent_error_fails_that_row_only(db, calendar, stub, slack_sender):
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["C1", "C2", "C3"])
    stub.fail_next(1, error="channel_not_found")
    with time_machine.travel(jst(2026, 8, 24, 9, 1), tick=True):
        r = run(db, calendar, slack_sender)
    assert r.failed == 1 and r.sent == 2
    assert len(stub.calls_of("chat.postMessage")) == 3       # the failed one was not retried
    assert [f["last_error"] for f in ledger.failures(db.engine)] == ["channel_not_found (HTTP 200)"]


def test_down_two_days_sends_missed_reminder_on_start(db, calendar, stub, slack_sender):
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["C1", "U2"])
    with time_machine.travel(jst(2026, 8, 20, 10), tick=True):
        run(db, calendar, slack_sender)                       # steady state before the outage
    stub.messages.clear()
    with time_machine.travel(jst(2026, 8, 26, 10), tick=True):   # close-7 was due 8/24 09:00
        r = run(db, calendar, slack_sender, staff_channel="CSTAFF")
    assert r.sent == 2 and not r.missed
    assert stub.delivered_keys() == Counter({f"{CLOSE7}#C1": 1, f"{CLOSE7}#U2": 1})


def test_down_a_week_records_older_ones_as_missed_and_reports(db, calendar, stub, slack_sender):
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["C1", "U2"])
    with time_machine.travel(jst(2026, 8, 20, 10), tick=True):
        run(db, calendar, slack_sender)
    stub.messages.clear()
    # down from 8/21 to 8/30: close-7 (8/24) is 6 days old, close-1 (8/28) 2 days
    with time_machine.travel(jst(2026, 8, 30, 10), tick=True):
        r = run(db, calendar, slack_sender, staff_channel="CSTAFF")
    assert [(f.reminder_id, f.subscribers) for f in r.missed] == [("proposal-window.close-7", 2)]
    delivered = stub.delivered_keys()
    assert delivered[f"{CLOSE1}#C1"] == 1 and delivered[f"{CLOSE1}#U2"] == 1
    assert not any(k and k.startswith(CLOSE7) for k in delivered)
    report = stub.messages["CSTAFF"][0]["text"]
    assert "proposal-window.close-7 FY2026(2件)" in report
    hist = {(h["reminder_id"], h["occurrence"]): h for h in ledger.history(db.engine)}
    assert hist[("proposal-window.close-7", "FY2026")]["states"] == {"missed": 2}
    assert hist[("proposal-window.close-1", "FY2026")]["states"] == {"sent": 2}


def test_grace_is_configurable(db, calendar, stub, slack_sender):
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["C1"])
    with time_machine.travel(jst(2026, 8, 20, 10), tick=True):
        run(db, calendar, slack_sender)
    with time_machine.travel(jst(2026, 8, 30, 10), tick=True):
        r = run(db, calendar, slack_sender, grace=timedelta(days=7))
    assert r.sent == 2 and not r.missed                       # close-7 and close-1 both sent


def test_subscribing_after_a_reminder_fell_due_does_not_send_it(db, calendar, stub, slack_sender):
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["COLD"])
    subscribe_at(db.engine, jst(2026, 8, 24, 9, 30), ["CNEW"])   # half an hour after close-7
    with time_machine.travel(jst(2026, 8, 24, 10), tick=True):
        run(db, calendar, slack_sender)
    with time_machine.travel(jst(2026, 8, 28, 9, 1), tick=True):
        run(db, calendar, slack_sender)
    d = stub.delivered_keys()
    assert d[f"{CLOSE7}#COLD"] == 1 and d[f"{CLOSE7}#CNEW"] == 0
    assert d[f"{CLOSE1}#COLD"] == 1 and d[f"{CLOSE1}#CNEW"] == 1


def test_unsubscribing_before_delivery_cancels(db, calendar, stub, slack_sender):
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["C1", "C2"])
    with time_machine.travel(jst(2026, 8, 24, 9, 1), tick=True):
        fan_out_due(db.engine, calendar, jst(2026, 8, 24, 9, 1), GRACE)   # queued for both
        assert unsubscribe(db.engine, "C2")
        r = run(db, calendar, slack_sender)
    assert r.sent == 1 and r.cancelled == 1
    assert set(stub.delivered_keys()) == {f"{CLOSE7}#C1"}
    assert states(db) == Counter({"sent": 1, "cancelled": 1})


def test_resubscribing_keeps_one_row_per_subscriber(db, calendar, stub, slack_sender):
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["C1"])
    assert not subscribe(db.engine, "C1", kind="channel")     # already on
    with time_machine.travel(jst(2026, 8, 24, 9, 1), tick=True):
        run(db, calendar, slack_sender)
        run(db, calendar, slack_sender)
    assert stub.delivered_keys() == Counter({f"{CLOSE7}#C1": 1})


def test_console_sender_prints_what_it_would_post(db, calendar):
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["C1"])
    out = io.StringIO()
    with time_machine.travel(jst(2026, 8, 24, 9, 1), tick=True):
        r = run(db, calendar, ConsoleSender(out))
    assert r.sent == 1
    assert "reminder → C1" in out.getvalue() and "締め切りまであと7日" in out.getvalue()


def test_a_countdown_is_not_sent_after_the_window_closed(db, calendar, stub, slack_sender):
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["C1"])
    with time_machine.travel(jst(2026, 8, 20, 10), tick=True):
        run(db, calendar, slack_sender)
    # down until 9/1: close-1 (8/28) is inside a 7-day grace, but the deadline (8/31) has passed
    with time_machine.travel(jst(2026, 9, 1, 10), tick=True):
        r = run(db, calendar, slack_sender, grace=timedelta(days=7))
    assert set(stub.delivered_keys()) == {"budget-compilation-start.start@FY2026#C1"}
    assert r.expired == 1
    hist = {(h["reminder_id"], h["occurrence"]): h["states"] for h in ledger.history(db.engine)}
    assert hist[("proposal-window.close-1", "FY2026")] == {"missed": 1}
    assert hist[("proposal-window.close-7", "FY2026")] == {"missed": 1}


def test_dropped_connection_after_slack_stored_it_is_not_sent_twice(db, calendar, stub, slack_sender):
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["C1", "U2"])
    stub.fail_next(1, status=0, after_post=True)                # stored, then the line goes dead
    stub.fail_next(1, status=0)                                 # dropped before anything was stored
    with time_machine.travel(jst(2026, 8, 24, 9, 1), tick=True):
        r = run(db, calendar, slack_sender)
    assert (r.sent, r.reconciled, r.retried) == (1, 1, 2)
    assert stub.delivered_keys() == Counter({f"{CLOSE7}#C1": 1, f"{CLOSE7}#U2": 1})


def test_slack_unreachable_keeps_the_row_for_later(db, calendar):
    import socket

    from bot.config import Settings
    from handlers.senders import SlackSender

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()                                                    # nothing listens there now
    sender = SlackSender.from_settings(Settings(_env_file=None, slack_bot_token="xoxb-test", slack_retry_backoff=0.0,
                                                slack_api_url=f"http://127.0.0.1:{port}/api/"))
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["C1"])
    with time_machine.travel(jst(2026, 8, 24, 9, 1), tick=True):
        r = run(db, calendar, sender, wait_for_retries=0)
    assert (r.sent, r.retried, r.failed) == (0, 1, 0)
    with db.engine.connect() as c:
        row = c.execute(select(ReminderDelivery.__table__)).one()._mapping
    assert row["state"] == "pending" and not row["uncertain"] and "connection refused" in row["last_error"]


def test_without_history_scope_an_uncertain_row_is_sent_again(db, calendar, stub, slack_sender):
    """The documented trade-off: when Slack cannot be asked (no channels:history scope), an
    attempt that may have been delivered is sent again: a possible duplicate, never a loss."""
    subscribe_at(db.engine, jst(2026, 8, 18, 12), ["C1"])
    stub.history_error = "missing_scope"
    stub.fail_next(1, status=500, after_post=True)
    with time_machine.travel(jst(2026, 8, 24, 9, 1), tick=True):
        r = run(db, calendar, slack_sender)
    assert (r.sent, r.reconciled) == (1, 0)
    assert stub.delivered_keys() == Counter({f"{CLOSE7}#C1": 2})
    assert states(db) == Counter({"sent": 1})
