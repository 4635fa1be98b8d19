"""Shared fixtures: a fresh database per test on SQLite, and on PostgreSQL when TEST_POSTGRES_URL is set."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import text
from sqlmodel import create_engine

from bot.db import init_db, normalise_url

PG_URL = os.environ.get("TEST_POSTGRES_URL")
DB_BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def make_test_engine(backend: str, tmp_path):
    """A new, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if backend == "sqlite":
        from bot.db import make_engine

        return make_engine(f"sqlite:///{tmp_path / 'test.sqlite3'}"), None
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(normalise_url(PG_URL))
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    engine = create_engine(normalise_url(PG_URL), pool_pre_ping=True,
                           connect_args={"options": f"-csearch_path={schema}"})
    return engine, schema


def drop_test_engine(engine, schema) -> None:
    engine.dispose()
    if schema:
        admin = create_engine(normalise_url(PG_URL))
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=DB_BACKENDS)
def db_engine(request, tmp_path):
    """An initialised database (every table) on each configured backend."""
    engine, schema = make_test_engine(request.param, tmp_path)
    init_db(engine)
    yield engine
    drop_test_engine(engine, schema)
