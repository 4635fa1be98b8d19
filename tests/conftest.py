"""Shared fixtures: the one way tests get a database, on SQLite and, when TEST_POSTGRES_URL is set,
on PostgreSQL.

- `db`: an initialised database of its own per test, with the URL a subprocess can use
  (`db.url`). SQLite: a copy of a file migrated once per session (`init_db`, the processes'
  start-up path). PostgreSQL: a schema migrated once per session (and per xdist worker), emptied
  of every row (sequences restarted) before each test — creating and dropping a schema costs
  most of a second of catalogue work; a test that changed the schema's shape gets it rebuilt.
- `db_engine`: the same, just the engine.
- `empty_db`: a database with no tables at all (migration tests): a new file or a new schema.
- `slack_db`: one database per backend for the whole session (the Slack app tests; they stay
  independent with fresh ids).
- `cli`: the `deskbot` command run in this process (`bot.cli.main`), as a person runs it.
The Slack Web API stub every test uses is `tests/slack_stub.py`.
"""
from __future__ import annotations

import io
import logging
import os
import shutil
import sqlite3
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import create_engine

from bot.db import init_db, make_engine, normalise_url

# Database limits for tests (bot/config.py DB_*): an outage a test stages costs a second or two,
# not the production limits' five. Subprocesses inherit them.
for _name, _seconds in {"DB_STATEMENT_TIMEOUT": "2", "DB_WAIT_TIMEOUT": "2", "DB_POOL_TIMEOUT": "2",
                        "DB_ANSWER_TIMEOUT": "0.8", "DB_STALL_PAUSE": "3", "DB_CONNECT_TIMEOUT": "2"}.items():
    os.environ.setdefault(_name, _seconds)

# One OpenMP thread per test process (scikit-learn's fitting in the ranker's export test): the
# suite runs a process per core, and OpenMP threads spinning against each other cost tenfold.
os.environ.setdefault("OMP_NUM_THREADS", "1")

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
            _admin(f'DROP SCHEMA "{self.schema}" CASCADE')


def _admin(*statements: str, fetch: bool = False):
    admin = create_engine(normalise_url(PG_URL))
    try:
        with admin.begin() as c:
            rows = [c.execute(text(st)).all() if fetch else c.execute(text(st)) for st in statements]
        return rows[-1] if fetch else None
    finally:
        admin.dispose()


def _pg_url(schema: str) -> str:
    # its own schema; commits that do not wait for the disk (a test database outlives no crash)
    return f"{PG_URL}{'&' if '?' in PG_URL else '?'}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"


def _pg_engine(url: str):
    return make_engine(url, pool_size=20, max_overflow=20)   # room for a running app's threads


def new_test_db(backend: str, directory: Path, *, name: str = "test", init: bool = True) -> TestDB:
    """A new database, initialised unless `init=False` (then empty): a SQLite file in
    `directory`, or a PostgreSQL schema."""
    if backend == "sqlite":
        url = f"sqlite:///{directory / f'{name}.sqlite3'}"
        db = TestDB(make_engine(url), url, None)
    else:
        schema = f"{name}_{uuid.uuid4().hex[:12]}"
        _admin(f'CREATE SCHEMA "{schema}"')
        url = _pg_url(schema)
        db = TestDB(_pg_engine(url), url, schema)
    if init:
        init_db(db.engine)
    return db


@pytest.fixture(autouse=True)
def _forget_unrecorded_events():
    """Event ids answered while a test's database was away are kept by this process to be written
    with the next claim that reaches a database (bot/dedupe.py): that must be the same test's
    database, never the next test's."""
    yield
    from bot import dedupe

    dedupe._unrecorded.clear()


@pytest.fixture(autouse=True)
def _stop_database_waits():
    """A test whose database was away leaves `ensure_database`'s waiter retrying (and logging its
    warnings) in the background: stop it, so that it cannot write into a later test's output."""
    yield
    from bot import db

    db.stop_waiting()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated once (self-contained: no WAL beside it), copied for each test."""
    d = new_test_db("sqlite", tmp_path_factory.mktemp("template"), name="template")
    d.engine.dispose()
    path = Path(d.url.removeprefix("sqlite:///"))
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=DELETE")       # folds the WAL into the file
    con.close()
    return path


class _ReusedSchema:
    """One migrated PostgreSQL schema for the session, emptied before each test."""

    def __init__(self):
        self.schema: str | None = None
        self.shape = None

    def _shape(self):
        return _admin(f"SELECT table_name, column_name, data_type FROM information_schema.columns "
                      f"WHERE table_schema = '{self.schema}' ORDER BY 1, 2", fetch=True)

    def take(self) -> TestDB:
        if self.schema is None:
            d = new_test_db("postgresql", Path("."), name="test")
            d.engine.dispose()
            self.schema, self.shape = d.schema, None
            self.shape = self._shape()
        else:
            self._empty()
        url = _pg_url(self.schema)
        return TestDB(_pg_engine(url), url, None)

    def _empty(self) -> None:
        from sqlmodel import SQLModel

        from bot.db import MODEL_MODULES
        import importlib

        for name in MODEL_MODULES:
            importlib.import_module(name)
        tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]     # children first
        seqs = [r[0] for r in _admin(f"SELECT sequence_name FROM information_schema.sequences "
                                     f"WHERE sequence_schema = '{self.schema}'", fetch=True)]
        _admin(*[f'DELETE FROM "{self.schema}"."{t}"' for t in tables],
               *[f'ALTER SEQUENCE "{self.schema}"."{q}" RESTART' for q in seqs])

    def check(self) -> None:
        """After a test: a schema whose shape changed (columns, the revision) is not reused."""
        from bot.migrate import head

        try:
            same = self._shape() == self.shape and _admin(
                f'SELECT version_num FROM "{self.schema}".alembic_version', fetch=True) == [(head(),)]
        except Exception:  # noqa: BLE001 — anything odd: start afresh
            same = False
        if not same:
            self.drop()

    def drop(self) -> None:
        if self.schema is not None:
            _admin(f'DROP SCHEMA "{self.schema}" CASCADE')
            self.schema = None


@pytest.fixture(scope="session")
def _pg_schema():
    s = _ReusedSchema()
    yield s
    s.drop()


@pytest.fixture(params=DB_BACKENDS)
def db(request, tmp_path):
    """An initialised database of the test's own, and its URL for subprocesses."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_db")
        return
    reused = request.getfixturevalue("_pg_schema")
    d = reused.take()
    yield d
    d.drop()
    reused.check()


@pytest.fixture
def sqlite_db(_sqlite_template, tmp_path):
    """`db` on SQLite only: for tests whose subject does not depend on the database."""
    path = tmp_path / "test.sqlite3"
    shutil.copyfile(_sqlite_template, path)
    d = TestDB(make_engine(f"sqlite:///{path}"), f"sqlite:///{path}", None)
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


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    __test__ = False


# Settings a developer's shell may hold that would change what a command does.
_CLI_ENV = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "CALENDAR_FILE",
            "LOG_LEVEL", "DESK_STAFF_CHANNEL", "KNOWLEDGE_DIR", "PORT", "CACHE_DIR")


@pytest.fixture
def cli(capsys, tmp_path):
    """cli(*args, stdin=None, **env) -> CliResult: `deskbot ARGS` run by `bot.cli.main` in this
    process, in tmp_path, with the environment given for that run only (DATABASE_URL defaults
    to a SQLite file in tmp_path), its stdout and stderr captured, and its exit code as the interpreter would
    make it (a `SystemExit` included). The model and the entry vectors are the session's, so a
    command costs what it does, not a model load; the tests whose subject is the process itself
    (signals, locales, dying workers, start-up refusals) start a real one."""
    from bot import db as dbmod
    from bot.cli import main
    from bot.config import get_settings

    def run(*args: str, stdin: str | bytes | None = None, **env: str) -> CliResult:
        raw = stdin.encode("utf-8") if isinstance(stdin, str) else (stdin or b"")
        root = logging.getLogger()
        level = root.level
        capsys.readouterr()
        with pytest.MonkeyPatch.context() as mp:
            for k in _CLI_ENV:
                mp.delenv(k, raising=False)
            mp.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
            for k, v in env.items():
                mp.setenv(k, v)
            mp.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
            mp.chdir(tmp_path)                  # relative paths, and no developer's .env
            get_settings.cache_clear()
            try:
                code = main(list(args))
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            finally:
                for h in [h for h in root.handlers if h.name == "deskbot"]:
                    root.removeHandler(h)
                root.setLevel(level)
                dbmod.close_engines()
        get_settings.cache_clear()
        out = capsys.readouterr()
        return CliResult(code, out.out, out.err)

    return run


def pytest_sessionstart(session):
    """Before the xdist workers start (in the controller only): build the caches under var/cache/
    once (the model's unpacked weights, the entry and example vectors, the lexical index), so that
    the workers and the `deskbot` processes the tests start load them instead of each building
    them at the same time (~8 s of CPU each on a fresh checkout)."""
    if hasattr(session.config, "workerinput"):
        return
    from bot.advisor import Advisor
    from bot.config import get_settings
    from bot.engine import Desk
    from bot.knowledge import load_knowledge

    try:
        desk = Desk(load_knowledge(get_settings().knowledge_dir), engine=None)
        desk.warm()
        Advisor(desk)
    except Exception as e:  # noqa: BLE001 — only a head start: the tests that need it will say what is wrong
        print(f"conftest: caches not built before the run ({e})", file=sys.stderr)


@pytest.fixture(scope="session")
def kb():
    """The shipped knowledge base, loaded once per test process."""
    from bot.config import get_settings
    from bot.knowledge import load_knowledge

    return load_knowledge(get_settings().knowledge_dir)


@pytest.fixture(scope="session")
def desk(kb):
    """Matching only (no database), shared by the answer, conversation and intent tests; tests
    that need other settings copy it (see test_conversation._desk_with)."""
    from bot.engine import Desk

    return Desk(kb, engine=None)
