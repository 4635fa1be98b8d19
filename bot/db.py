"""Database engine and session helpers: the same code on SQLite (default) and PostgreSQL.

Tables are SQLModel classes defined next to the feature that owns them; their schema is kept by
Alembic migrations (bot/migrate.py, bot/migrations/); `init_db` runs them.
"""
from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Limits:
    """So that a database that is away costs seconds, not minutes (PostgreSQL unless noted);
    from the settings (DB_CONNECT_TIMEOUT, … in bot/config.py), seconds."""

    connect: int             # libpq connect_timeout (TCP connect, start-up, authentication)
    statement: float         # statement_timeout: the server gives up on a statement
    wait: float              # the client gives up waiting for any answer (a stalled network, where the
                             # server's timeout never reaches us and TCP would wait for minutes)
    pool: float              # waiting for a free pooled connection
    answer: float            # inside `quick()`: the answer path (see there)
    stall_pause: float       # after a timeout, `quick()` calls fail at once for this long (then one probes)
    sqlite_busy: float       # SQLite: waiting for another process's write lock

    @classmethod
    def from_settings(cls, settings=None) -> "Limits":
        if settings is None:
            from bot.config import get_settings

            settings = get_settings()
        return cls(settings.db_connect_timeout, settings.db_statement_timeout, settings.db_wait_timeout,
                   settings.db_pool_timeout, settings.db_answer_timeout, settings.db_stall_pause,
                   settings.db_sqlite_busy)


_quick: ContextVar[float | None] = ContextVar("deskbot_db_quick", default=None)


@contextmanager
def quick(seconds: float | None = None) -> Iterator[None]:
    """Database calls in this block wait at most `seconds` (default: the answer limit,
    DB_ANSWER_TIMEOUT) for the database (per round trip on PostgreSQL; for the write lock on
    SQLite), instead of the wait / busy limits: for work an answer waits on (the event claim),
    where a late answer is worse than going on without it."""
    token = _quick.set(seconds if seconds is not None else Limits.from_settings().answer)
    try:
        yield
    finally:
        _quick.reset(token)


def _timed_connection_class(limits: Limits):
    """A psycopg connection class for one engine (its class attribute is the engine's stall memory)."""
    import psycopg

    class TimedConnection(psycopg.Connection):
        """psycopg's connection whose every wait for the server (statements, commit, rollback,
        the pool's ping) ends after the wait limit (or the `quick()` one): the connection is then
        closed (its state is unknown) and OperationalError raised, so the pool discards it.

        After such a timeout (or a connect timeout) the engine is *stalled* for the stall pause:
        calls inside `quick()` fail at once instead of each waiting out its limit, until one of
        them, after the pause, gets through (a probe)."""

        stalled_until = 0.0

        @classmethod
        def check_stalled(cls) -> None:
            now = time.monotonic()
            if _quick.get() is not None and now < cls.stalled_until:
                raise psycopg.OperationalError("the database did not answer a moment ago; not waiting")
            if cls.stalled_until and now >= cls.stalled_until:
                cls.stalled_until = now + limits.stall_pause   # this call probes; the others keep failing fast

        @classmethod
        def stalled(cls, stalled: bool) -> None:
            if stalled:
                cls.stalled_until = time.monotonic() + limits.stall_pause
                log.warning("database: no answer (timeout); answer-path calls fail fast for %gs", limits.stall_pause)
            elif cls.stalled_until:
                cls.stalled_until = 0.0
                log.info("database: answering again")

        @classmethod
        def connect(cls, *args, **kwargs):
            cls.check_stalled()
            if _quick.get() is not None:            # libpq's minimum is 2 s
                kwargs["connect_timeout"] = max(2, min(limits.connect, round(_quick.get())))
            try:
                conn = super().connect(*args, **kwargs)
            except psycopg.errors.ConnectionTimeout:
                cls.stalled(True)
                raise
            cls.stalled(False)
            return conn

        def wait(self, gen, interval=0.1, timeout=None):
            limit = timeout if timeout is not None else (_quick.get() or limits.wait)
            try:
                type(self).check_stalled()
            except psycopg.OperationalError:
                self.pgconn.finish()                 # useless while stalled; the pool replaces it
                raise
            try:
                result = super().wait(gen, interval, limit)
            except psycopg.errors._WaitTimeout:
                self.pgconn.finish()
                type(self).stalled(True)
                raise psycopg.OperationalError(f"no answer from the database within {limit:g} s; "
                                               "connection closed") from None
            if type(self).stalled_until:
                type(self).stalled(False)
            return result

    return TimedConnection


def make_engine(url: str, limits: Limits | None = None, **pool) -> Engine:
    """An engine with the database limits (default: from the settings). `pool`: SQLAlchemy pool
    arguments (PostgreSQL)."""
    limits = limits or Limits.from_settings()
    busy = limits.sqlite_busy
    url = normalise_url(url)
    if url.startswith("sqlite"):
        db_path = make_url(url).database
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": busy})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # WAL: readers don't block the writer
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy * 1000)}")
            cur.execute("PRAGMA synchronous=NORMAL")   # with WAL: safe on app crash, far fewer fsyncs
            cur.close()

        @event.listens_for(engine, "before_cursor_execute")
        def _sqlite_busy(conn, cursor, *_):            # the `quick()` limit, or back to the default
            ms = int((_quick.get() or busy) * 1000)
            info = conn.connection.info
            if info.get("busy_ms", int(busy * 1000)) != ms:
                conn.connection.driver_connection.execute(f"PRAGMA busy_timeout={ms}")
                info["busy_ms"] = ms
        return engine
    u = make_url(url)
    options = " ".join(filter(None, [u.query.get("options"), f"-c statement_timeout={int(limits.statement * 1000)}"]))
    connect_args = {"connect_timeout": limits.connect, "options": options,
                    # a peer that vanished (network partition): noticed by TCP within seconds
                    "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 3, "keepalives_count": 3,
                    "tcp_user_timeout": int(limits.wait * 1000)}
    pool = {"pool_size": 5, "max_overflow": 10, **pool}
    engine = create_engine(u.difference_update_query(["options"]), pool_pre_ping=True, pool_timeout=limits.pool,
                           connect_args=connect_args, **pool)
    timed = _timed_connection_class(limits)

    @event.listens_for(engine, "do_connect")
    def _connect(_dialect, _record, cargs, cparams):
        return timed.connect(*cargs, **cparams)
    engine.deskbot_connection_class = timed       # its stall memory, for database_status()
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
    """The schema, up to date: Alembic migrations first (bot/migrate.py), then `create_all` for
    any table a model defines that no migration creates yet (it only adds missing tables)."""
    from bot.migrate import upgrade

    for name in MODEL_MODULES:
        importlib.import_module(name)
    upgrade(engine)
    SQLModel.metadata.create_all(engine)


_ready: dict[int, dict] = {}      # id(engine) -> what wait_for_database last saw


def wait_for_database(engine: Engine, *, prepare: Callable[[Engine], object] = init_db,
                      stop: threading.Event | None = None, what: str = "deskbot",
                      max_delay: float = 10.0) -> bool:
    """Run `prepare(engine)` (default: create the tables) until it succeeds, so that a process
    started while the database is away waits for it instead of exiting. Logs when it starts
    waiting, about once a minute while it waits, and when it got through; `database_status`
    reports the same (for a health check). Returns False if `stop` was set first."""
    stop = stop or threading.Event()
    delay, waited, last_log = 0.5, 0.0, None
    while True:
        try:
            prepare(engine)
        except (OperationalError, DBAPIError, OSError) as e:
            reason = f"{type(e.orig if getattr(e, 'orig', None) else e).__name__}"
            _ready[id(engine)] = {"ready": False, "error": reason, "waiting_seconds": round(waited)}
            if last_log is None or waited - last_log >= 60:
                log.warning("%s: database %s not reachable (%s); waiting for it (retrying every %gs at most)",
                            what, engine.url.render_as_string(hide_password=True), reason, max_delay)
                last_log = waited
            if stop.wait(delay):
                return False
            waited += delay
            delay = min(delay * 2, max_delay)
            continue
        _ready[id(engine)] = {"ready": True, "error": None, "waiting_seconds": 0}
        if waited:
            log.info("%s: database reachable after %.0fs", what, waited)
        return True


def ensure_database(engine: Engine) -> bool:
    """Set the database up now if it answers (a few quick retries); else keep trying in a
    background thread and return False, so a process that answers questions starts while the
    database is away (answers are still given; the question log keeps its rows until it returns).
    `database_status` tells a health check which it is."""
    try:
        with_retry(lambda: init_db(engine), attempts=2, what="database set-up")
        _ready[id(engine)] = {"ready": True, "error": None, "waiting_seconds": 0}
        return True
    except (OperationalError, DBAPIError) as e:
        if isinstance(e, DBAPIError) and not (e.connection_invalidated or isinstance(e, OperationalError)):
            raise
        log.warning("database not reachable at start (%s); answering anyway and waiting for it",
                    type(getattr(e, "orig", None) or e).__name__)
        stop = threading.Event()
        waiter = threading.Thread(target=wait_for_database, args=(engine,), kwargs={"what": "deskbot", "stop": stop},
                                  daemon=True, name="deskbot-wait-db")
        _waiters.append((stop, waiter))
        waiter.start()
        return False


_waiters: list[tuple[threading.Event, threading.Thread]] = []    # ensure_database's background waits


def stop_waiting(timeout: float = 5.0) -> None:
    """Stop every background wait `ensure_database` started (a process shutting down, or a test
    that must not leave one logging into the next)."""
    while _waiters:
        stop, waiter = _waiters.pop()
        stop.set()
        waiter.join(timeout)


def database_status(engine: Engine) -> dict:
    """For a health check: `ready` (set up, per the last `wait_for_database`), `stalled` (a call
    timed out in the last few seconds: answer-path calls fail fast), `error` (the last one seen)."""
    st = dict(_ready.get(id(engine), {"ready": None, "error": None, "waiting_seconds": 0}))
    timed = getattr(engine, "deskbot_connection_class", None)
    st["stalled"] = bool(timed and timed.stalled_until > time.monotonic())
    return st


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
    Inside `quick()`, one retry after at most 0.1 s (the caller cannot wait for more).
    """
    if _quick.get() is not None:
        attempts, first_delay = min(attempts, 2), min(first_delay, 0.1)
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


def close_engines() -> None:
    """Close and forget every engine `get_engine` made (the end of an in-process command run)."""
    while _engines:
        _, engine = _engines.popitem()
        engine.dispose()


def dispose_engines(extra=()) -> None:
    """After a fork: every engine this process made (and `extra` ones) forgets the connections
    inherited from the parent without closing them (they are the parent's), so that the child
    opens its own."""
    seen: set[int] = set()
    for engine in [*_engines.values(), *extra]:
        if engine is not None and id(engine) not in seen:
            seen.add(id(engine))
            engine.dispose(close=False)
