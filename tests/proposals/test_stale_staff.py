"""Stale-proposal nudges (time-machine) and the staff directory."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import time_machine
from sqlmodel import Session, select

from bot.proposals import status as st
from bot.proposals.models import OutboxMessage
from bot.proposals.service import change_status, nudge_stale
from bot.proposals.staff import StaffDirectory
from proposals.helpers import STAFF

T0 = datetime(2026, 6, 1, 0, 0, tzinfo=timezone.utc)


def nudges(engine) -> list[list[str]]:
    with Session(engine) as s:
        return [json.loads(m.payload)["refs"] for m in s.exec(
            select(OutboxMessage).where(OutboxMessage.kind == "staff_nudge").order_by(OutboxMessage.id))]


def test_stale_proposals_are_nudged_every_14_days(db_engine, submit_as):
    with time_machine.travel(T0, tick=False) as clock:
        a = submit_as().proposal.ref
        b = submit_as().proposal.ref
        clock.move_to(T0 + timedelta(days=1))
        c = submit_as().proposal.ref
        clock.move_to(T0 + timedelta(days=13, hours=23))
        assert nudge_stale(db_engine) == []
        clock.move_to(T0 + timedelta(days=14))
        assert nudge_stale(db_engine) == [a, b]
        assert nudge_stale(db_engine) == []                    # a second clock the same day: nothing more
        clock.move_to(T0 + timedelta(days=15))
        change_status(db_engine, b, st.REVIEWING, STAFF)      # b moves: its clock restarts
        assert nudge_stale(db_engine) == [c]
        clock.move_to(T0 + timedelta(days=28))
        assert nudge_stale(db_engine) == [a]                   # a: 14 days after its last nudge
        clock.move_to(T0 + timedelta(days=29))
        change_status(db_engine, c, st.DECLINED, STAFF)       # closed: never nudged again
        clock.move_to(T0 + timedelta(days=60))
        assert nudge_stale(db_engine) == [a, b]
    assert nudges(db_engine) == [[a, b], [c], [a], [a, b]]


def test_stale_days_is_configurable(db_engine, submit_as, monkeypatch):
    from bot.proposals.settings import get_proposal_settings

    monkeypatch.setenv("PROPOSAL_STALE_DAYS", "3")
    get_proposal_settings.cache_clear()
    try:
        with time_machine.travel(T0, tick=False) as clock:
            ref = submit_as().proposal.ref
            clock.move_to(T0 + timedelta(days=3))
            assert nudge_stale(db_engine) == [ref]
    finally:
        get_proposal_settings.cache_clear()
    assert nudges(db_engine)[0] == [ref]


def test_staff_directory_caches_and_fails_closed():
    now = [0.0]
    calls = []
    members = {"U_CH1", "U_CH2"}

    def fetch():
        calls.append(now[0])
        return set(members)

    def down():
        raise ConnectionError("Slack unreachable")

    d = StaffDirectory(static_ids={"U_LISTED"}, fetch_members=fetch, ttl_seconds=300, clock=lambda: now[0])
    assert d.is_staff("U_CH1") and d.is_staff("U_LISTED") and not d.is_staff("U_OTHER") and not d.is_staff(None)
    assert len(calls) == 1                                    # cached
    now[0] = 301
    members.discard("U_CH2")
    assert not d.is_staff("U_CH2") and len(calls) == 2        # refreshed after the TTL
    now[0] = 700
    d.fetch_members = down
    assert d.is_staff("U_CH1")                                # last good list kept
    nobody = StaffDirectory(static_ids={"U_LISTED"}, fetch_members=down)
    assert nobody.is_staff("U_LISTED") and not nobody.is_staff("U_CH1")
    assert d.actor("U_CH1").is_staff and not d.actor("U_X").is_staff
