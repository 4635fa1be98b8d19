"""Database engine and session helpers: the same code on SQLite (default) and PostgreSQL.

Tables are SQLModel classes defined next to the feature that owns them; `init_db` imports
those modules so that `create_all` sees every table.
"""
from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session, SQLModel, create_engine

log = logging.getLogger(__name__)

# Modules that define tables; each registers its SQLModel classes on import.
MODEL_MODULES = ["bot.models", "bot.dedupe", "bot.reminders.models", "bot.proposals.models", "bot.handoffs"]

T = TypeVar("T")
_engines: dict[str, Engine] = {}


def normalise_url(url: str) -> str:
    """Accept the usual `postgresql://` / `postgres://` URLs and use the psycopg 3 driver."""
    u = make_url(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
    if u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        db_path = make_url(url).database
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # WAL: readers don't block the writer
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA synchronous=NORMAL")   # with WAL: safe on app crash, far fewer fsyncs
            cur.close()
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    return engine


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process; the default URL comes from the settings."""
    if url is None:
        from bot.config import get_settings

        url = get_settings().database_url
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def init_db(engine: Engine) -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)
    SQLModel.metadata.create_all(engine)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def with_retry(fn: Callable[[], T], *, attempts: int = 4, first_delay: float = 0.2,
               what: str = "database call") -> T:
    """Run `fn`, retrying connection-level failures (a database briefly unreachable).

    Integrity errors and other programming errors are not retried: they would fail again.
    """
    delay = first_delay
    for i in range(attempts):
        try:
            return fn()
        except (OperationalError, DBAPIError) as e:
            if isinstance(e, DBAPIError) and not (e.connection_invalidated or isinstance(e, OperationalError)):
                raise
            if i == attempts - 1:
                raise
            log.warning("%s failed (%s); retrying in %.1fs", what, type(e.orig).__name__ if e.orig else e, delay)
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")
