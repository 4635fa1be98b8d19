"""The clock's desk jobs (bot/reminders/scheduler.py `DeskJobs.tick`): the proposals outbox every
tick, the stale-proposal nudge and the event-dedupe purge once a day, all safe with two clocks.
Real database (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set), the Slack stub, time travel."""
from __future__ import annotations

import io
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine
from slack_sdk import WebClient
from sqlmodel import Session, func, select

from bot.config import Settings
from bot.dedupe import TTL, ProcessedEvent, claim_event
from bot.proposals.models import OutboxMessage
from bot.proposals.service import change_status, submit
from bot.reminders.delivery import ConsoleSender
from bot.reminders.scheduler import DESK_JOB_ID, DeskJobs, start_background_scheduler
from handlers.senders import SlackSenders
from handlers.proposals.sender import SlackOutboxSender
from proposals.helpers import STAFF, proposal_form, shipped_calendar
from slack_stub import SlackStub

JST = ZoneInfo("Asia/Tokyo")
STAFF_CHANNEL = "CSTAFF0001"
COMPANY = "U_COMPANY_A"


@pytest.fixture
def stub():
    s = SlackStub().start()
    yield s
    s.stop()


def clock(db, stub) -> DeskJobs:
    """One clock process: its own Slack client, the shared database."""
    return DeskJobs(db.engine, SlackOutboxSender(WebClient(base_url=stub.api_url, token="xoxb-test"), STAFF_CHANNEL,
                              shipped_calendar()))


def both_at_once(*clocks: DeskJobs) -> None:
    start = threading.Barrier(len(clocks))
    errors: list[BaseException] = []

    def run(c):
        try:
            start.wait()
            c.tick()
        except BaseException as e:  # noqa: BLE001 — reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(c,)) for c in clocks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


def unsent(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))).one()


def nudges(stub) -> list[dict]:
    return [m for m in stub.messages.get(STAFF_CHANNEL, []) if m["text"].startswith("⏰")]


def propose(engine, key: str, when: datetime):
    return submit(engine, proposal_form(), submitter=COMPANY, idempotency_key=key, now=when).proposal


def test_outbox_goes_out_once_from_two_clocks(db, stub):
    p = propose(db.engine, "k1", datetime.now(timezone.utc))
    assert unsent(db.engine) == 2                                  # the staff card and the receipt
    both_at_once(clock(db, stub), clock(db, stub))
    cards = [m for m in stub.messages.get(STAFF_CHANNEL, []) if p.ref in m["text"]]
    assert len(cards) == 1
    assert len(stub.messages["D_COMPANY_A"]) == 1 and p.ref in stub.messages["D_COMPANY_A"][0]["text"]
    assert unsent(db.engine) == 0
    both_at_once(clock(db, stub), clock(db, stub))                 # the next minute: nothing more
    assert len(stub.posts()) == 2


def test_a_failed_post_is_retried_by_a_later_tick(db, stub):
    propose(db.engine, "k2", datetime.now(timezone.utc))
    stub.fail_next(10, status=500, method="chat.postMessage")
    c = DeskJobs(db.engine, SlackOutboxSender(WebClient(base_url=stub.api_url, token="xoxb-test"), STAFF_CHANNEL,
                              shipped_calendar()))
    c.tick()
    assert stub.posts() == [] and unsent(db.engine) == 2
    stub.reset()
    with time_machine.travel(datetime.now(timezone.utc) + timedelta(minutes=5)):
        c.tick()                                                   # its backoff has passed
    assert len(stub.posts()) == 2 and unsent(db.engine) == 0


def test_stale_nudge_once_a_day_once_per_period_whatever_the_clocks(db, stub):
    with time_machine.travel(datetime(2026, 6, 1, 8, 0, tzinfo=JST), tick=True):
        p = propose(db.engine, "k3", datetime.now(timezone.utc))
        clock(db, stub).tick()                                     # card and receipt go out
    # 14 days later, before 09:00: as of yesterday's 09:00 it is not stale yet
    with time_machine.travel(datetime(2026, 6, 15, 8, 55, tzinfo=JST), tick=True):
        both_at_once(clock(db, stub), clock(db, stub))
    assert nudges(stub) == []
    # 09:05: stale as of 09:00; two clocks at once, then each of them again later that day
    first, second = clock(db, stub), clock(db, stub)
    with time_machine.travel(datetime(2026, 6, 15, 9, 5, tzinfo=JST), tick=True):
        both_at_once(first, second)
    assert len(nudges(stub)) == 1 and p.ref in json.dumps(nudges(stub)[0]["blocks"])
    with time_machine.travel(datetime(2026, 6, 15, 17, 0, tzinfo=JST), tick=True):
        both_at_once(first, second)
        both_at_once(clock(db, stub), clock(db, stub))             # restarted clocks, same day
    with time_machine.travel(datetime(2026, 6, 16, 9, 5, tzinfo=JST), tick=True):
        both_at_once(first, clock(db, stub))                       # the next day: nudged 1 day ago
    assert len(nudges(stub)) == 1
    # another 14 days without a status change: nudged again, once
    with time_machine.travel(datetime(2026, 6, 29, 9, 1, tzinfo=JST), tick=True):
        both_at_once(first, second)
    assert len(nudges(stub)) == 2
    # moved on by staff: no more nudges
    with time_machine.travel(datetime(2026, 6, 30, 10, 0, tzinfo=JST), tick=True):
        change_status(db.engine, p.ref, "reviewing", STAFF)
    with time_machine.travel(datetime(2026, 7, 13, 9, 1, tzinfo=JST), tick=True):
        both_at_once(first, second)
    assert len(nudges(stub)) == 2
    assert unsent(db.engine) == 0


def test_expired_event_ids_are_purged_once_a_day(db, stub):
    now = datetime.now(timezone.utc)
    assert claim_event(db.engine, "EvOLD", now=now - TTL - timedelta(hours=1))
    assert claim_event(db.engine, "EvNEW", now=now)
    c = clock(db, stub)
    c.tick()
    with Session(db.engine) as s:
        assert [e.event_id for e in s.exec(select(ProcessedEvent))] == ["EvNEW"]
    assert claim_event(db.engine, "EvOLD2", now=now - TTL - timedelta(hours=1))
    c.tick()                                                       # same day: not again
    with Session(db.engine) as s:
        assert {e.event_id for e in s.exec(select(ProcessedEvent))} == {"EvNEW", "EvOLD2"}
    with time_machine.travel(now + timedelta(days=1), tick=True):
        c.tick()                                                   # the next day
    with Session(db.engine) as s:
        assert [e.event_id for e in s.exec(select(ProcessedEvent))] == ["EvNEW"]


def test_background_scheduler_builds_the_slack_sender_and_runs_the_desk_jobs(db, stub):
    """start_background_scheduler (console, Socket Mode) with a bot token and the entry point's
    Slack senders: the outbox goes to Slack."""
    p = propose(db.engine, "k4", datetime.now(timezone.utc))
    settings = Settings(_env_file=None, slack_bot_token="xoxb-test", slack_api_url=stub.api_url,
                        desk_staff_channel=STAFF_CHANNEL)
    sched = start_background_scheduler(settings, ConsoleSender(io.StringIO()), engine=db.engine,
                                       interval_seconds=3600, senders=SlackSenders())   # the first run is at start
    try:
        deadline = time.monotonic() + 20
        while unsent(db.engine) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        sched.shutdown(wait=True)
    assert unsent(db.engine) == 0
    [card] = stub.messages[STAFF_CHANNEL]
    assert p.ref in card["text"]
    assert stub.of("chat.postMessage")[0].headers["authorization"] == "Bearer xoxb-test"


def ran_once(sched, timeout: float = 20) -> None:
    """Wait until the desk job's first run was handed to the executor (its next run is then later).
    The jobs are added once the database answered (at once here)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = sched.get_job(DESK_JOB_ID)
        if job and job.next_run_time > datetime.now(timezone.utc) + timedelta(minutes=30):
            return
        time.sleep(0.02)
    raise AssertionError("the desk job did not run")


def test_without_a_bot_token_messages_wait(db, stub):
    propose(db.engine, "k5", datetime.now(timezone.utc))
    sched = start_background_scheduler(Settings(_env_file=None), ConsoleSender(io.StringIO()), engine=db.engine,
                                       interval_seconds=3600)
    try:
        ran_once(sched)
    finally:
        sched.shutdown(wait=True)                                  # waits for the run under way
    assert unsent(db.engine) == 2 and stub.calls == []
