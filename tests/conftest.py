"""Shared fixtures: the one way tests get a database, on SQLite and, when TEST_POSTGRES_URL is set,
on PostgreSQL (a schema of its own, dropped afterwards).

- `db`: a fresh, initialised database per test, with the URL a subprocess can use (`db.url`).
- `db_engine`: the same, just the engine.
- `slack_db`: one database per backend for the whole session (the Slack app tests, whose answer
  engine takes a second to build; they stay independent with fresh ids).
The Slack Web API stub every test uses is `tests/slack_stub.py`.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import create_engine

from bot.db import init_db, make_engine, normalise_url

PG_URL = os.environ.get("TEST_POSTGRES_URL")
DB_BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


@dataclass
class TestDB:
    engine: object
    url: str                  # for a subprocess: the same file, or the same schema
    schema: str | None

    __test__ = False          # not a test class

    def drop(self) -> None:
        self.engine.dispose()
        if self.schema:
            admin = create_engine(normalise_url(PG_URL))
            with admin.begin() as c:
                c.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))
            admin.dispose()


def new_test_db(backend: str, directory: Path, *, name: str = "test", init: bool = True) -> TestDB:
    """A new database, initialised unless `init=False` (then empty): a SQLite file in
    `directory`, or a PostgreSQL schema."""
    if backend == "sqlite":
        url = f"sqlite:///{directory / f'{name}.sqlite3'}"
        db = TestDB(make_engine(url), url, None)
    else:
        schema = f"{name}_{uuid.uuid4().hex[:12]}"
        admin = create_engine(normalise_url(PG_URL))
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        url = f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}"
        # room for the threads of a running app (HTTP server, lazy listeners, outbox)
        engine = make_engine(url, pool_size=20, max_overflow=20)
        db = TestDB(engine, url, schema)
    if init:
        init_db(db.engine)
    return db


@pytest.fixture(params=DB_BACKENDS)
def db(request, tmp_path):
    """A fresh database per test (every table), and its URL for subprocesses."""
    d = new_test_db(request.param, tmp_path)
    yield d
    d.drop()


@pytest.fixture(params=DB_BACKENDS)
def empty_db(request, tmp_path):
    """A fresh database with no tables at all (migration tests)."""
    d = new_test_db(request.param, tmp_path, name="empty", init=False)
    yield d
    d.drop()


@pytest.fixture
def db_engine(db):
    return db.engine


@pytest.fixture(scope="session", params=DB_BACKENDS)
def slack_db(request, tmp_path_factory):
    d = new_test_db(request.param, tmp_path_factory.mktemp("slackdb"), name="slack")
    yield d.engine
    d.drop()
