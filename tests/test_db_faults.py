"""A database that stalls or refuses: every call gives up within seconds, the answer path's
calls (the event claim) sooner and then at once, and exactly-once holds when it is back.
PostgreSQL through a TCP relay; SQLite with its write lock held by someone else."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from bot import dedupe
from bot.db import database_status, make_engine, quick, wait_for_database
from db_outage import Outage, eventually, in_thread


@pytest.fixture
def outage(db):
    o = Outage(db)
    yield o
    o.close()
    dedupe._unrecorded.clear()


def status_of(engine, event_id):
    t = dedupe.ProcessedEvent.__table__
    with engine.connect() as c:
        return c.execute(select(t.c.status).where(t.c.event_id == event_id)).scalar()


def test_stalled_database_costs_seconds_not_minutes(outage):
    if outage.backend == "sqlite":
        pytest.skip("SQLite has no network to stall (its lock: test_claim_gives_up_quickly…)")
    with outage.engine.connect() as c:                     # a pooled connection, then the stall
        c.execute(text("select 1"))
    outage.stall()
    plain = in_thread(lambda: outage.engine.connect().execute(text("select 1")))
    assert isinstance(plain.get("error"), OperationalError), plain    # gave up; the relay still holds it
    fresh = in_thread(lambda: make_engine(outage.url).connect())      # a new connection: connect timeout
    assert isinstance(fresh.get("error"), OperationalError), fresh
    print(f"stalled: statement gave up after {plain['seconds']:.1f}s, connect after {fresh['seconds']:.1f}s")
    assert database_status(outage.engine)["stalled"] is True          # for a health check
    outage.up()
    assert eventually(lambda: outage.engine.connect().execute(text("select 1")).scalar()) == 1


@pytest.mark.parametrize("how", ["stall", "refuse"])
def test_claim_gives_up_quickly_and_exactly_once_holds_when_back(outage, how):
    assert dedupe.claim_event(outage.engine, "warm-up")
    getattr(outage, how)()
    first = in_thread(lambda: dedupe.claim_event(outage.engine, "Ev1"))
    assert isinstance(first.get("error"), OperationalError), first     # the caller answers anyway …
    second = in_thread(lambda: dedupe.claim_event(outage.engine, "Ev2"))
    assert isinstance(second.get("error"), OperationalError), second
    print(f"{outage.backend} {how}: claim gave up after {first['seconds']:.1f}s, the next after {second['seconds']:.2f}s")
    assert "value" in in_thread(lambda: dedupe.finish_event(outage.engine, "Ev1"))   # … and records it later
    assert dedupe.claim_event(outage.engine, "Ev1") is False           # a redelivery here: a duplicate at once
    outage.up()
    eventually(lambda: outage.engine.connect().execute(text("select 1")))
    assert dedupe.claim_event(outage.engine, "Ev3") is True
    assert status_of(outage.engine, "Ev1") == "done" and dedupe._unrecorded == {}
    assert dedupe.claim_event(outage.engine, "Ev1") is False           # in any process: it is in the database


def test_quick_limits_a_statement_the_server_is_slow_with(outage):
    """statement_timeout (PostgreSQL) / busy timeout (SQLite): the limit holds without a stall too."""
    if outage.backend == "postgresql":
        slow = in_thread(lambda: outage.engine.connect().execute(text("select pg_sleep(30)")))
    else:
        outage.stall()
        def write():
            with quick(), outage.engine.begin() as c:
                c.execute(text("insert into processed_event (event_id, status, claimed_at, expires_at) "
                               "values ('x', 'done', '2026-01-01', '2026-01-02')"))
        slow = in_thread(write)
    assert isinstance(slow.get("error"), OperationalError), slow


def test_wait_for_database_waits_while_refused_and_reports_it(outage):
    import threading

    if outage.backend == "sqlite":
        pytest.skip("an existing SQLite file is set up even while another process holds its write lock")
    outage.refuse()
    done, result = threading.Event(), {}
    threading.Thread(target=lambda: (result.setdefault("ok", wait_for_database(outage.engine)), done.set()),
                     daemon=True).start()
    eventually(lambda: database_status(outage.engine)["ready"] is False or 1 / 0, timeout=30)
    assert not done.is_set()                                       # still waiting, not given up
    outage.up()
    assert done.wait(60) and result["ok"] is True
    assert database_status(outage.engine)["ready"] is True


def test_the_background_wait_for_an_away_database_can_be_stopped(tmp_path):
    """`ensure_database` on a database that is away starts a waiter; `stop_waiting` ends it
    (a shutting-down process, and each test's end: tests/conftest.py)."""
    import threading

    from bot.db import ensure_database, stop_waiting

    away = make_engine(f"sqlite:///{tmp_path / 'gone' / 'db.sqlite3'}")
    (tmp_path / "gone").rmdir()
    assert ensure_database(away) is False
    [waiter] = [t for t in threading.enumerate() if t.name == "deskbot-wait-db" and t.is_alive()]
    stop_waiting()
    assert not waiter.is_alive()
