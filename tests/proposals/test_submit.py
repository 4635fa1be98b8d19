"""Submitting: storage, reference numbers, idempotency (a double-clicked submit), the outbox."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
from sqlmodel import Session, func, select

from bot.proposals.models import OutboxMessage, Proposal, ProposalEvent
from bot.proposals.service import submit
from bot.proposals.validation import ValidationFailed
from proposals.helpers import COMPANY_A, proposal_form


def count(engine, model, *where) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()


def test_submit_stores_and_numbers_by_fiscal_year(db_engine, submit_as):
    # 2027-03-31 23:30 in Tokyo is still fiscal 2026; 2027-04-01 00:30 is fiscal 2027.
    a = submit_as(now=datetime(2027, 3, 31, 14, 30, tzinfo=timezone.utc))
    b = submit_as(now=datetime(2027, 3, 31, 14, 40, tzinfo=timezone.utc))
    c = submit_as(now=datetime(2027, 3, 31, 15, 30, tzinfo=timezone.utc))
    assert (a.proposal.ref, b.proposal.ref, c.proposal.ref) == ("P-2026-0001", "P-2026-0002", "P-2027-0001")
    assert a.created and a.proposal.status == "received"
    assert str(c.proposal.submitted_on) == "2027-04-01"
    assert count(db_engine, ProposalEvent) == 3
    # one staff post and one receipt DM per proposal, waiting in the outbox
    assert count(db_engine, OutboxMessage, OutboxMessage.kind == "staff_new") == 3
    assert count(db_engine, OutboxMessage, OutboxMessage.kind == "proposer_receipt") == 3


def test_double_submit_creates_one_proposal(db_engine, submit_as):
    first = submit_as(key="V123")
    again = submit_as(key="V123", title="別の件名")   # the second click: same view id
    assert first.created and not again.created
    assert again.proposal.ref == first.proposal.ref and again.proposal.title == first.proposal.title
    assert count(db_engine, Proposal) == 1
    assert count(db_engine, OutboxMessage, OutboxMessage.kind == "staff_new") == 1


def test_simultaneous_double_submit_creates_one_proposal(db_engine):
    """Two requests with the same key racing (two web processes): one proposal."""
    results, errors = [], []
    barrier = threading.Barrier(6)

    def go(key):
        barrier.wait()
        try:
            results.append(submit(db_engine, proposal_form(), submitter=COMPANY_A.user_id, idempotency_key=key))
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=go, args=(k,)) for k in ["same"] * 4 + ["other-1", "other-2"]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert count(db_engine, Proposal) == 3
    same = {r.proposal.ref for r in results if r.proposal.id and r.proposal.ref}
    assert len(same) == 3                                  # the 4 same-key calls share one ref
    assert sum(r.created for r in results) == 3
    with Session(db_engine) as s:
        seqs = sorted(s.exec(select(Proposal.seq)))
    assert seqs == [1, 2, 3]                               # numbers without gaps or duplicates


def test_invalid_submission_stores_nothing(db_engine):
    with pytest.raises(ValidationFailed) as e:
        submit(db_engine, proposal_form(email="nope"), submitter="U1", idempotency_key="k")
    assert "email" in e.value.errors
    assert count(db_engine, Proposal) == 0 and count(db_engine, OutboxMessage) == 0


def test_cli_submitter_gets_no_dm(db_engine):
    submit(db_engine, proposal_form(), submitter="cli:desk", idempotency_key="k")
    assert count(db_engine, OutboxMessage, OutboxMessage.kind == "proposer_receipt") == 0
