"""The outbox: a failed staff post keeps the proposal and is retried until it goes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.proposals.outbox import Outgoing, Posted, deliver_outbox, pending
from bot.proposals.service import get_proposal
from proposals.helpers import STAFF

T0 = datetime(2026, 6, 1, 0, 0, tzinfo=timezone.utc)


class FlakySlack:
    """A sender that fails while `down` is set, and records what it delivered."""

    def __init__(self):
        self.down = True
        self.delivered: list[Outgoing] = []

    def __call__(self, msg: Outgoing):
        if self.down:
            raise ConnectionError("Slack answered 500")
        self.delivered.append(msg)
        return Posted("C_STAFF", f"1700000000.{len(self.delivered):06d}") if msg.kind == "staff_new" else None


def test_failed_post_is_retried_with_backoff_until_it_goes(db_engine, submit_as):
    v = submit_as(now=T0).proposal
    slack = FlakySlack()
    r = deliver_outbox(db_engine, slack, now=T0, proposal_id=v.id)
    assert not r.ok and len(r.failed) == 2 and not r.sent
    assert get_proposal(db_engine, v.ref, STAFF).ref == v.ref          # still stored
    waiting = pending(db_engine)
    assert [m.attempts for m in waiting] == [1, 1] and all("500" in m.last_error for m in waiting)
    # not due yet: nothing is tried
    assert deliver_outbox(db_engine, slack, now=T0 + timedelta(seconds=10)) .sent == []
    r = deliver_outbox(db_engine, slack, now=T0 + timedelta(seconds=31))    # second failure
    assert len(r.failed) == 2
    assert all(m.next_attempt_at.replace(tzinfo=timezone.utc) - (T0 + timedelta(seconds=31)) == timedelta(seconds=60)
               for m in pending(db_engine))                                # backoff doubled
    slack.down = False
    r = deliver_outbox(db_engine, slack, now=T0 + timedelta(seconds=95))
    assert r.ok and len(r.sent) == 2 and pending(db_engine) == []
    assert [m.kind for m in slack.delivered] == ["staff_new", "proposer_receipt"]
    assert slack.delivered[0].proposal.ref == v.ref
    v2 = get_proposal(db_engine, v.ref, STAFF)
    assert (v2.staff_channel, v2.staff_ts) == ("C_STAFF", "1700000000.000001")   # the card can be updated
    assert deliver_outbox(db_engine, slack, now=T0 + timedelta(hours=1), force=True).sent == []   # sent once


def test_force_retries_at_start_up_whatever_the_backoff(db_engine, submit_as):
    submit_as(now=T0)
    slack = FlakySlack()
    deliver_outbox(db_engine, slack, now=T0)
    slack.down = False
    assert deliver_outbox(db_engine, slack, now=T0 + timedelta(seconds=1)).sent == []
    assert len(deliver_outbox(db_engine, slack, now=T0 + timedelta(seconds=1), force=True).sent) == 2


def test_two_processes_never_send_the_same_message(db_engine, submit_as):
    """The lease: a message claimed by one process is skipped by another meanwhile."""
    submit_as(now=T0)
    inner_calls = []
    slack = FlakySlack()
    slack.down = False

    def reentrant(msg):
        # while this process holds the message, a second process runs the outbox
        inner_calls.append(deliver_outbox(db_engine, slack, now=T0, force=True))
        return slack(msg)

    r = deliver_outbox(db_engine, reentrant, now=T0, limit=1)
    assert len(r.sent) == 1
    assert [m.id for m in slack.delivered].count(r.sent[0]) == 1     # the inner run skipped the claimed one
