"""bot/dedupe.py: one claimant per event id, across threads and processes sharing the database."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from sqlmodel import Session

from bot.dedupe import LEASE, TTL, ProcessedEvent, claim_event, finish_event, purge_expired, release_event


def test_first_claim_wins_and_later_ones_are_duplicates(db_engine):
    assert claim_event(db_engine, "Ev1") is True
    assert claim_event(db_engine, "Ev1") is False
    finish_event(db_engine, "Ev1")
    assert claim_event(db_engine, "Ev1") is False
    assert claim_event(db_engine, "Ev2") is True


def test_concurrent_claims_have_exactly_one_winner(db_engine):
    for n in range(5):
        barrier = threading.Barrier(8)

        def claim(_):
            barrier.wait()
            return claim_event(db_engine, f"EvRace{n}")
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(claim, range(8)))
        assert results.count(True) == 1


def test_released_claim_can_be_claimed_again_but_a_done_one_cannot(db_engine):
    assert claim_event(db_engine, "EvR")
    release_event(db_engine, "EvR")
    assert claim_event(db_engine, "EvR")
    finish_event(db_engine, "EvR")
    release_event(db_engine, "EvR")              # releasing a finished event changes nothing
    assert claim_event(db_engine, "EvR") is False


def test_a_pending_claim_is_taken_over_after_its_lease_a_done_one_only_after_expiry(db_engine):
    t0 = datetime(2027, 5, 1, 12, 0, tzinfo=timezone.utc)
    assert claim_event(db_engine, "EvL", now=t0)
    assert claim_event(db_engine, "EvL", now=t0 + LEASE - timedelta(seconds=1)) is False
    assert claim_event(db_engine, "EvL", now=t0 + LEASE + timedelta(seconds=1)) is True   # claimant died
    finish_event(db_engine, "EvL")
    assert claim_event(db_engine, "EvL", now=t0 + LEASE * 10) is False
    assert claim_event(db_engine, "EvL", now=t0 + TTL * 2) is True                        # forgotten


def test_purge_removes_only_expired_rows(db_engine):
    t0 = datetime(2027, 5, 1, tzinfo=timezone.utc)
    claim_event(db_engine, "EvOld", now=t0)
    claim_event(db_engine, "EvNew", now=t0 + TTL)
    assert purge_expired(db_engine, now=t0 + TTL + timedelta(minutes=1)) == 1
    with Session(db_engine) as s:
        assert s.get(ProcessedEvent, "EvOld") is None and s.get(ProcessedEvent, "EvNew") is not None
