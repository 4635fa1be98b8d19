"""Hand-offs to the desk staff as a record: who asked what, where, what they had been shown, and
who on the staff took it (open → taken → done).

One row per question, however often its button is clicked and on however many processes: the
row's `key` is unique (the question-log id when there is one, else a hash of place + question),
so the first insert wins and every later click finds the same row. The staff card is posted once
too: a click claims the right to post it (`claim_card`, one UPDATE … WHERE card_state …), and a
failed post gives the claim back so a later click can try again.

The table is created by `bot.db.init_db` (create_all) today; the model lives in this module on
its own so that a migration can pick it up as it is.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Column, Text, UniqueConstraint, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from bot.i18n import t
from bot.proposals.staff import Actor

log = logging.getLogger(__name__)

STATUSES = ("open", "taken", "done")


def state_label(status: str, lang: str = "ja") -> str:
    """未対応 / open, 対応中 / taken, 対応済み / done (bot/messages `handoff.state.*`)."""
    return t(f"handoff.state.{status}", lang)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Handoff(SQLModel, table=True):
    __tablename__ = "handoff"
    __table_args__ = (UniqueConstraint("key", name="uq_handoff_key"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80)                     # one row per question
    question: str = Field(sa_column=Column(Text, nullable=False))
    asker: str | None = Field(default=None, max_length=64)       # whose question it was
    clicked_by: str | None = Field(default=None, max_length=64)  # who pressed the button
    place: str | None = Field(default=None, max_length=64)       # channel / DM id
    surface: str = Field(default="slack", max_length=32)
    lang: str = Field(default="ja", max_length=8)
    answer_seen: str = Field(sa_column=Column(Text, nullable=False), default="")
    question_log_id: int | None = Field(default=None, index=True)
    status: str = Field(default="open", max_length=8, index=True)
    owner: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    taken_at: datetime | None = None
    done_at: datetime | None = None
    card_state: str = Field(default="none", max_length=8)       # none | posting | posted
    card_channel: str | None = Field(default=None, max_length=64)
    card_ts: str | None = Field(default=None, max_length=32)


class NotFound(LookupError):
    pass


@dataclass(frozen=True)
class Change:
    handoff: Handoff
    changed: bool          # False: it already was in that state (or someone else holds it)


def key_for(question: str, *, log_id: int | None = None, place: str | None = None) -> str:
    if log_id:
        return f"log:{int(log_id)}"
    return "q:" + hashlib.sha1(f"{place or ''}\n{question}".encode("utf-8")).hexdigest()


def create(engine: Engine, *, question: str, asker: str | None, clicked_by: str | None, place: str | None,
           surface: str, lang: str, answer_seen: str = "", log_id: int | None = None) -> tuple[Handoff, bool]:
    """(the hand-off, whether this call created it). Safe under concurrent clicks on any number
    of processes: the unique key decides, the loser reads the winner's row."""
    key = key_for(question, log_id=log_id, place=place)
    row = Handoff(key=key, question=question[:4000], asker=asker, clicked_by=clicked_by, place=place,
                  surface=surface[:32], lang=lang if lang in ("ja", "en") else "ja",
                  answer_seen=(answer_seen or "")[:4000], question_log_id=log_id)
    try:
        with Session(engine, expire_on_commit=False) as s:
            s.add(row)
            s.commit()
            s.refresh(row)
            return row, True
    except IntegrityError:
        pass
    with Session(engine, expire_on_commit=False) as s:
        found = s.exec(select(Handoff).where(Handoff.key == key)).first()
    if found is None:                       # pragma: no cover — deleted in between
        raise NotFound(key)
    return found, False


@dataclass(frozen=True)
class HandedOff:
    """What `hand_off` did: the record, whether this request created it, and the staff card:
    True posted now, False the post failed (the claim was given back: a later request may try
    again), None not posted by this request (already posted or being posted, or no `post`)."""

    handoff: Handoff
    created: bool
    card: bool | None


def _asked(engine: Engine, log_id) -> tuple[str | None, str | None, str | None, str | None]:
    """(question, asker, place, surface) of a logged question, or Nones (no id, or the log away)."""
    from bot.models import QuestionLog

    if not log_id:
        return None, None, None, None
    try:
        with Session(engine) as s:
            row = s.get(QuestionLog, int(log_id))
    except Exception as e:  # noqa: BLE001 — the hand-off still goes out, with the requester as asker
        log.warning("question log #%s unavailable: %s", log_id, type(e).__name__)
        return None, None, None, None
    if row is None:
        return None, None, None, None
    return row.question, row.asker, row.place, row.surface


def hand_off(engine: Engine, *, question: str, requested_by: str | None, place: str | None, surface: str,
             lang: str, answer_seen: str = "", log_id: int | None = None,
             post: Callable[[Handoff], tuple[str | None, str | None]] | None = None) -> HandedOff:
    """The hand-off rule, for every surface: one record per question (the person who asked it,
    from the question log, else the requester), and the staff card posted once, by whichever
    request claims it first. `post(handoff) -> (channel, ts)` posts the card (raises on failure);
    without it nothing is posted (the console: the staff see it in `handoffs`)."""
    logged_q, asker, logged_place, logged_surface = _asked(engine, log_id)
    h, created = create(engine, question=logged_q or question, asker=asker or requested_by,
                        clicked_by=requested_by, place=logged_place or place, surface=logged_surface or surface,
                        lang=lang, answer_seen=answer_seen, log_id=log_id)
    if post is None or not claim_card(engine, h.id):
        return HandedOff(h, created, None)
    try:
        channel, ts = post(h)
    except Exception as e:  # noqa: BLE001 — give the claim back; a later request may try again
        log.error("hand-off #%s: staff card not posted (%s)", h.id, type(e).__name__)
        card_failed(engine, h.id)
        return HandedOff(h, created, False)
    card_posted(engine, h.id, channel, ts)
    return HandedOff(h, created, True)


def get(engine: Engine, handoff_id: int) -> Handoff:
    with Session(engine, expire_on_commit=False) as s:
        h = s.get(Handoff, int(handoff_id))
    if h is None:
        raise NotFound(handoff_id)
    return h


def claim_card(engine: Engine, handoff_id: int) -> bool:
    """True for exactly one caller while the staff card is not posted (nor being posted)."""
    with engine.begin() as c:
        n = c.execute(update(Handoff).where(Handoff.id == handoff_id, Handoff.card_state == "none")
                      .values(card_state="posting")).rowcount
    return n == 1


def card_posted(engine: Engine, handoff_id: int, channel: str | None, ts: str | None) -> None:
    with engine.begin() as c:
        c.execute(update(Handoff).where(Handoff.id == handoff_id)
                  .values(card_state="posted", card_channel=channel, card_ts=ts))


def card_failed(engine: Engine, handoff_id: int) -> None:
    """Give the claim back: the next click may post the card again."""
    with engine.begin() as c:
        c.execute(update(Handoff).where(Handoff.id == handoff_id, Handoff.card_state == "posting")
                  .values(card_state="none"))


def take(engine: Engine, handoff_id: int, actor: Actor) -> Change:
    """Staff only. open → taken by the actor; taken or done already: unchanged."""
    actor.require_staff()
    with engine.begin() as c:
        n = c.execute(update(Handoff).where(Handoff.id == handoff_id, Handoff.status == "open")
                      .values(status="taken", owner=actor.user_id, taken_at=utcnow())).rowcount
    return Change(get(engine, handoff_id), n == 1)


def close(engine: Engine, handoff_id: int, actor: Actor) -> Change:
    """Staff only. open or taken → done (the owner stays; an unowned one is owned by the closer)."""
    actor.require_staff()
    h = get(engine, handoff_id)
    if h.status == "done":
        return Change(h, False)
    with engine.begin() as c:
        n = c.execute(update(Handoff).where(Handoff.id == handoff_id, Handoff.status != "done")
                      .values(status="done", done_at=utcnow(), owner=h.owner or actor.user_id)).rowcount
    return Change(get(engine, handoff_id), n == 1)


def list_open(engine: Engine, limit: int = 50) -> list[Handoff]:
    """Not yet done (open, then taken), oldest first."""
    with Session(engine, expire_on_commit=False) as s:
        rows = s.exec(select(Handoff).where(Handoff.status != "done")
                      .order_by(Handoff.created_at, Handoff.id).limit(limit)).all()
    return sorted(rows, key=lambda h: (h.status != "open", _aware(h.created_at)))


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


def age(h: Handoff, now: datetime | None = None, lang: str = "ja") -> str:
    """How long ago it was handed off: 5分 / 3時間 / 2日 (5 min / 3 h / 2 days)."""
    secs = max(0, int(((now or utcnow()) - _aware(h.created_at)).total_seconds()))
    if secs < 3600:
        n, key = max(1, secs // 60), "handoff.age.minutes"
    elif secs < 86400:
        n, key = secs // 3600, "handoff.age.hours"
    else:
        n, key = secs // 86400, "handoff.age.days" if secs // 86400 != 1 else "handoff.age.day"
    return t(key, lang, n=n)


def summary_line(h: Handoff, lang: str = "ja", now: datetime | None = None) -> str:
    """One line per hand-off for lists (plain text; a surface escapes it as it needs)."""
    q = " ".join(h.question.split())
    q = q if len(q) <= 60 else q[:59] + "…"
    who = h.asker or "?"
    state = state_label(h.status, lang) + (f" ({h.owner})" if h.owner else "")
    return t("handoff.line", lang, id=h.id, state=state, age=age(h, now, lang), who=who, q=q)
