"""Fixtures for reminder tests: a database (SQLite, and PostgreSQL when TEST_POSTGRES_URL is set)
with the URL a subprocess can use, the Slack stub, the calendar and senders."""
from __future__ import annotations

import os
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import text
from sqlmodel import create_engine

from bot.db import init_db, make_engine, normalise_url
from bot.fiscal import load_calendar
from reminders.slack_stub import ReminderSlackStub

ROOT = Path(__file__).resolve().parents[2]
JST = ZoneInfo("Asia/Tokyo")
PG_URL = os.environ.get("TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


class DB:
    def __init__(self, engine, url: str, schema: str | None):
        self.engine, self.url, self.schema = engine, url, schema


@pytest.fixture(params=BACKENDS)
def db(request, tmp_path):
    """A fresh, initialised database and a URL for subprocesses to reach the same one."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'reminders.sqlite3'}"
        engine, schema = make_engine(url), None
    else:
        schema = "rem_" + uuid.uuid4().hex[:12]
        admin = create_engine(normalise_url(PG_URL))
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        sep = "&" if "?" in PG_URL else "?"
        url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
        engine = create_engine(normalise_url(url), pool_pre_ping=True, pool_size=10)
    init_db(engine)
    yield DB(engine, url, schema)
    engine.dispose()
    if schema:
        admin = create_engine(normalise_url(PG_URL))
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def stub():
    s = ReminderSlackStub().start()
    yield s
    s.stop()


@pytest.fixture
def calendar():
    return load_calendar(ROOT / "knowledge")


@pytest.fixture
def slack_sender(stub):
    from bot.config import Settings
    from bot.reminders.delivery import SlackSender

    return SlackSender.from_settings(Settings(slack_bot_token="xoxb-test", slack_api_url=stub.api_url,
                                              _env_file=None))


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST)


def subscribe_at(engine, when: datetime, targets, *, lang="ja"):
    """Subscribe targets as of `when` (time travel), so reminders due after `when` reach them."""
    from bot.reminders.subscriptions import subscribe

    with time_machine.travel(when, tick=False):
        for t in targets:
            subscribe(engine, t, kind="user" if t[:1] in "UW" else "channel", lang=lang)
