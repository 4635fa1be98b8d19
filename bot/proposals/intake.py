"""Receiving a proposal, the same for every surface (the Slack form, the console):

1. store it (`service.submit`: validated, idempotent, with the messages it causes in the outbox);
2. when it is new and a staff sender is given, one quick try at the staff post, so the receipt
   can say honestly whether the staff have it (a failure stays in the outbox, which retries);
3. the receipt's facts: the proposal as stored now and whether the staff were notified.

`ValidationFailed` propagates (the surface shows it by field); a database that is away raises
from step 1 (nothing was stored).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bot.proposals.outbox import Sender, deliver_outbox
from bot.proposals.service import ProposalView, get_by_id, submit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Received:
    proposal: ProposalView
    created: bool              # False: this idempotency key was already submitted (a double click)

    @property
    def staff_notified(self) -> bool:
        return self.proposal.staff_ts is not None


def receive(engine: Engine, form: dict, *, submitter: str, idempotency_key: str, staff_sender: Sender | None = None,
            **submit_args) -> Received:
    """Store `form` and, if it is new, try its staff post once through `staff_sender`.
    `submit_args`: team_id, lang, advice, enrich, now (see `service.submit`)."""
    sub = submit(engine, form, submitter=submitter, idempotency_key=idempotency_key, **submit_args)
    v = sub.proposal
    if sub.created and staff_sender is not None:
        try:
            deliver_outbox(engine, staff_sender, proposal_id=v.id, kinds=("staff_new",))
            v = get_by_id(engine, v.id) or v
        except Exception as e:  # noqa: BLE001 — stored; the outbox posts it later
            log.warning("proposal %s: quick staff post skipped (%s)", v.ref, type(e).__name__)
    return Received(v, sub.created)
