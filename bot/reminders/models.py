"""Reminder tables: subscriptions, occurrences (one row per reminder per fiscal year, once due)
and the delivery ledger (one row per reminder × occurrence × subscriber).

Timestamps are aware UTC datetimes (SQLModel stores them as UTC on SQLite and PostgreSQL).
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# Ledger states. pending → sending → sent is the happy path; see bot/reminders/ledger.py.
PENDING, SENDING, SENT = "pending", "sending", "sent"
MISSED = "missed"        # due longer ago than the grace period when first seen: recorded, not sent
FAILED = "failed"        # gave up (permanent Slack error, or retries ran past the grace period)
CANCELLED = "cancelled"  # the subscriber unsubscribed before it went out
OPEN_STATES = (PENDING, SENDING)


def utc(dt: datetime | None = None) -> datetime:
    """`dt` (default: now) as an aware UTC datetime; a naive `dt` is taken to be UTC."""
    dt = dt or datetime.now(timezone.utc)
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


class ReminderSubscription(SQLModel, table=True):
    """A channel or a user (DM) that gets budget-calendar reminders."""

    __tablename__ = "reminder_subscription"
    id: int | None = Field(default=None, primary_key=True)
    target_id: str = Field(max_length=64, unique=True)   # C…/G… channel id or U…/W… user id
    kind: str = Field(max_length=8)                      # channel | user
    lang: str = Field(default="ja", max_length=8)        # ja | en
    active: bool = True
    subscribed_at: datetime = Field(default_factory=utc)  # last time it was switched on
    updated_at: datetime = Field(default_factory=utc)
    updated_by: str | None = Field(default=None, max_length=64)


class ReminderOccurrence(SQLModel, table=True):
    """A reminder of one fiscal year that has come due and been fanned out to the ledger."""

    __tablename__ = "reminder_occurrence"
    __table_args__ = (UniqueConstraint("reminder_id", "occurrence", name="uq_reminder_occurrence"),)
    id: int | None = Field(default=None, primary_key=True)
    reminder_id: str = Field(max_length=80)      # e.g. proposal-window.close-7
    occurrence: str = Field(max_length=16)       # e.g. FY2026
    due_at: datetime
    status: str = Field(max_length=16)           # due (queued) | missed (past grace) | none (no subscribers)
    subscribers: int = 0
    recorded_at: datetime = Field(default_factory=utc)


class ReminderDelivery(SQLModel, table=True):
    """The delivery ledger: exactly one row per (reminder, occurrence, subscriber)."""

    __tablename__ = "reminder_delivery"
    __table_args__ = (
        UniqueConstraint("reminder_id", "occurrence", "target_id", name="uq_reminder_delivery"),
        Index("ix_reminder_delivery_state_next", "state", "next_attempt_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    reminder_id: str = Field(max_length=80)
    occurrence: str = Field(max_length=16)
    target_id: str = Field(max_length=64)
    lang: str = Field(default="ja", max_length=8)
    due_at: datetime
    state: str = Field(default=PENDING, max_length=16)
    attempts: int = 0
    # A previous attempt may have reached Slack (crash, timeout, 5xx): check before re-sending.
    uncertain: bool = False
    next_attempt_at: datetime = Field(default_factory=utc)
    lease_until: datetime | None = None          # a `sending` row whose lease ran out is reclaimed
    claimed_by: str | None = Field(default=None, max_length=64)
    first_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    message_ts: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utc)
    updated_at: datetime = Field(default_factory=utc)
