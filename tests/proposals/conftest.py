"""Fixtures for the proposal desk's core tests (`db_engine` comes from tests/conftest.py)."""
from __future__ import annotations

import itertools

import pytest

from proposals.helpers import COMPANY_A, proposal_form

_keys = itertools.count(1)


@pytest.fixture
def submit_as(db_engine):
    """submit_as(actor, **fields) -> Submission, each call with a new idempotency key."""
    from bot.proposals.service import submit

    def _submit(actor=COMPANY_A, *, key: str | None = None, now=None, **fields):
        return submit(db_engine, proposal_form(**fields), submitter=actor.user_id,
                      idempotency_key=key or f"view-{next(_keys)}", now=now)

    return _submit
