"""Who gets reminders: a channel or a user (in a DM), each with a language, switched on and off."""
from __future__ import annotations

from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from bot.db import with_retry
from bot.reminders.ledger import S, _begin, _insert
from bot.reminders.models import ReminderSubscription, utc

Kind = Literal["channel", "user"]


def _lang(lang: str | None) -> str:
    return "en" if (lang or "").lower().startswith("en") else "ja"


def subscribe(engine: Engine, target_id: str, *, kind: Kind, lang: str = "ja", by: str | None = None) -> bool:
    """Switch reminders on for a channel or user (and set its language). True if this call
    switched them on, False if they were already on. Reminders that fell due before now are
    not sent to a new subscriber."""
    if kind not in ("channel", "user"):
        raise ValueError(f"kind must be 'channel' or 'user', not {kind!r}")
    if not target_id:
        raise ValueError("target_id is required")

    def work() -> bool:
        now = utc()
        with _begin(engine) as conn:
            if conn.execute(_insert(engine, S).values(
                    target_id=target_id, kind=kind, lang=_lang(lang), active=True, subscribed_at=now,
                    updated_at=now, updated_by=by).returning(S.c.id)).first() is not None:
                return True     # (RETURNING, not rowcount: psycopg's rowcount is unreliable here)
            # Already known: turn it on (a fresh subscribed_at) only if it was off.
            turned_on = conn.execute(update(S).where(S.c.target_id == target_id, S.c.active.is_(False)).values(
                active=True, kind=kind, lang=_lang(lang), subscribed_at=now, updated_at=now,
                updated_by=by)).rowcount == 1
            if not turned_on:
                conn.execute(update(S).where(S.c.target_id == target_id).values(
                    lang=_lang(lang), updated_at=now, updated_by=by))
            return turned_on

    return with_retry(work, what="subscribe")


def unsubscribe(engine: Engine, target_id: str, *, by: str | None = None) -> bool:
    """Switch reminders off. True if they were on. Reminders already queued are cancelled."""
    def work() -> bool:
        with _begin(engine) as conn:
            return conn.execute(update(S).where(S.c.target_id == target_id, S.c.active.is_(True)).values(
                active=False, updated_at=utc(), updated_by=by)).rowcount == 1

    return with_retry(work, what="unsubscribe")


def get_subscription(engine: Engine, target_id: str) -> ReminderSubscription | None:
    with engine.connect() as conn:
        row = conn.execute(select(S).where(S.c.target_id == target_id)).first()
    return ReminderSubscription(**row._mapping) if row else None


def is_subscribed(engine: Engine, target_id: str) -> bool:
    sub = get_subscription(engine, target_id)
    return bool(sub and sub.active)


def list_subscriptions(engine: Engine, *, active_only: bool = True) -> list[ReminderSubscription]:
    q = select(S).order_by(S.c.target_id)
    if active_only:
        q = q.where(S.c.active.is_(True))
    with engine.connect() as conn:
        return [ReminderSubscription(**r._mapping) for r in conn.execute(q).all()]
