"""Tables of the proposal desk.

- `Proposal`        one company proposal; `ref` is the human reference (P-2026-0001, by fiscal year)
- `ProposalEvent`   history: every status change and department assignment, with who and when
- `ProposalNote`    internal staff notes (never shown to the proposer)
- `Department`      the city's departments proposals are referred to
- `Challenge`       city challenges (テーマ型提案) companies can answer
- `ProposalCounter` the last reference number per fiscal year (taken with one upsert … RETURNING)
- `OutboxMessage`   messages to send (staff-channel posts, proposer notices, nudges), stored in the
                    same transaction as the change that caused them and retried until delivered

Datetimes are stored timezone-aware (UTC); SQLite hands them back naive, so read them via `as_utc`.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import Column, DateTime, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(dt: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything we store is UTC."""
    if dt is None:
        return None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def _ts(**kw) -> Column:
    return Column(DateTime(timezone=True), **kw)


class Department(SQLModel, table=True):
    __tablename__ = "desk_department"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class Challenge(SQLModel, table=True):
    __tablename__ = "desk_challenge"
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    department_id: int | None = Field(default=None, foreign_key="desk_department.id")
    description: str = Field(sa_column=Column(Text, nullable=False))
    desired_outcome: str = Field(sa_column=Column(Text, nullable=False))
    open_until: date | None = None             # last day proposals are accepted; None = open-ended
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class Proposal(SQLModel, table=True):
    __tablename__ = "desk_proposal"
    __table_args__ = (
        UniqueConstraint("fiscal_year", "seq", name="uq_desk_proposal_fy_seq"),
        UniqueConstraint("idempotency_key", name="uq_desk_proposal_idempotency"),
    )
    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=20, unique=True)            # P-2026-0001
    fiscal_year: int
    seq: int
    # A double-clicked submit sends the same key (the Slack view id) twice: one proposal only.
    idempotency_key: str = Field(max_length=128)
    submitter: str = Field(max_length=64, index=True)       # Slack user id (or "cli:…"): the owner
    team_id: str | None = Field(default=None, max_length=32)
    organisation: str = Field(max_length=200)
    contact_name: str = Field(max_length=100)
    email: str = Field(max_length=254)
    title: str = Field(max_length=200)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    challenge_id: int | None = Field(default=None, foreign_key="desk_challenge.id")
    method: str = Field(max_length=32)                       # one of validation.METHODS
    needs_budget: str = Field(max_length=8)                  # yes | no | unsure
    lang: str = Field(default="ja", max_length=8)
    status: str = Field(max_length=32, index=True)           # a status key, see status.py
    department_id: int | None = Field(default=None, foreign_key="desk_department.id")
    submitted_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    submitted_on: date                                       # local (Asia/Tokyo) date of submission
    status_changed_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    nudged_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))  # last stale nudge
    staff_channel: str | None = Field(default=None, max_length=32)   # where the staff card was posted
    staff_ts: str | None = Field(default=None, max_length=32)        # its Slack ts, to update it
    # JSON (nullable; added by the idea advisor): the advice the proposer was given, the nearest
    # precedents and similar earlier proposals shown on the staff card (bot/proposals/connections.py).
    advice: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ProposalCounter(SQLModel, table=True):
    """The last `seq` given out per fiscal year: numbers come from one upsert on this row, inside
    the proposal's transaction (the row stays locked until commit), so they never collide."""

    __tablename__ = "desk_proposal_counter"
    fiscal_year: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    last: int = 0


class ProposalEvent(SQLModel, table=True):
    """History: field is 'status' or 'department'; old/new are status keys or department names."""

    __tablename__ = "desk_proposal_event"
    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="desk_proposal.id", index=True)
    field: str = Field(max_length=16)
    old: str | None = Field(default=None, max_length=100)
    new: str = Field(max_length=100)
    by: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ProposalNote(SQLModel, table=True):
    __tablename__ = "desk_proposal_note"
    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="desk_proposal.id", index=True)
    author: str = Field(max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))


class OutboxMessage(SQLModel, table=True):
    """One message to deliver. kind: staff_new | staff_update | proposer_receipt | proposer_status |
    staff_nudge. The Slack side renders it from the proposal at delivery time; `payload` holds what
    the proposal row does not (e.g. the status change being announced)."""

    __tablename__ = "desk_outbox"
    __table_args__ = (
        UniqueConstraint("dedupe_key", name="uq_desk_outbox_dedupe"),
        Index("ix_desk_outbox_due", "sent_at", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    proposal_id: int | None = Field(default=None, foreign_key="desk_proposal.id", index=True)
    target: str | None = Field(default=None, max_length=64)   # channel / user id; None = staff channel
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))   # JSON
    dedupe_key: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=_ts(nullable=False))
    claimed_until: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=_ts(nullable=True))
