"""Fixtures for reminder tests: the Slack stub, the calendar and senders. The database is `db`
from tests/conftest.py (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set; `db.url` for
subprocesses)."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bot.fiscal import load_calendar
from slack_stub import SlackStub

ROOT = Path(__file__).resolve().parents[2]
JST = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def stub():
    """The shared Slack stub; failures asked for without a method hit chat.postMessage only."""
    s = SlackStub(fail_method="chat.postMessage").start()
    yield s
    s.stop()


@pytest.fixture
def calendar():
    return load_calendar(ROOT / "knowledge")


@pytest.fixture
def slack_sender(stub):
    from bot.config import Settings
    from handlers.senders import SlackSender

    return SlackSender.from_settings(Settings(slack_bot_token="xoxb-test", slack_api_url=stub.api_url,
                                              slack_retry_backoff=0.0, _env_file=None))


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST)


def subscribe_at(engine, when: datetime, targets, *, lang="ja"):
    """Subscribe targets as of `when` (time travel), so reminders due after `when` reach them."""
    from bot.reminders.subscriptions import subscribe

    with time_machine.travel(when, tick=False):
        for t in targets:
            subscribe(engine, t, kind="user" if t[:1] in "UW" else "channel", lang=lang)
