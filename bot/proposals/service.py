"""The proposal desk's operations: submit, read, triage, challenges, stale nudges.

Every function takes the engine first and works in one transaction. Staff-only operations take an
`Actor` and raise `NotStaff` for anyone else; reading a proposal raises `NotFound` both when it
does not exist and when it belongs to another company (so references cannot be probed).
Each change that someone must hear about writes an `OutboxMessage` in the same transaction; the
Slack side delivers them (see outbox.py).
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.db import session_scope, with_retry
from bot.proposals import status as st
from bot.proposals.models import (Challenge, Department, OutboxMessage, Proposal, ProposalCounter, ProposalEvent,
                                  ProposalNote, as_utc, utcnow)
from bot.proposals.staff import Actor
from bot.proposals.validation import (ChallengeInput, ValidationFailed, clean_text, validate_challenge,
                                      validate_proposal)

log = logging.getLogger(__name__)


class NotFound(LookupError):
    """No such proposal — or not one this person may see."""


class Conflict(RuntimeError):
    """Someone else changed the proposal first; reload and try again."""


# ---------------------------------------------------------------- time

def _tz() -> ZoneInfo:
    from bot.config import get_settings

    return ZoneInfo(get_settings().timezone)


def local_date(dt: datetime | None = None) -> date:
    """The date at the desk (Asia/Tokyo by default) for a UTC instant (now by default)."""
    return (as_utc(dt) or utcnow()).astimezone(_tz()).date()


def _now(now: datetime | None) -> datetime:
    return as_utc(now) or utcnow()


def format_ref(fiscal_year: int, seq: int) -> str:
    return f"P-{fiscal_year}-{seq:04d}"


# ---------------------------------------------------------------- views

@dataclass(frozen=True)
class Event:
    field: str
    old: str | None
    new: str
    by: str
    at: datetime
    comment: str | None = None


@dataclass(frozen=True)
class Note:
    author: str
    text: str
    at: datetime


@dataclass(frozen=True)
class ProposalView:
    """A proposal with the names it refers to; detached from the database."""

    id: int
    ref: str
    fiscal_year: int
    submitter: str
    team_id: str | None
    organisation: str
    contact_name: str
    email: str
    title: str
    summary: str
    method: str
    needs_budget: str
    lang: str
    status: str
    department: str | None
    challenge_id: int | None
    challenge_title: str | None
    submitted_at: datetime
    submitted_on: date
    status_changed_at: datetime
    staff_channel: str | None = None
    staff_ts: str | None = None
    advice: dict | None = None          # see bot/proposals/connections.py
    events: tuple[Event, ...] = ()
    notes: tuple[Note, ...] = ()

    def next_statuses(self) -> tuple[str, ...]:
        return st.TRANSITIONS.get(self.status, ())


def _view(s: Session, p: Proposal, *, full: bool = False) -> ProposalView:
    dept = s.get(Department, p.department_id) if p.department_id else None
    ch = s.get(Challenge, p.challenge_id) if p.challenge_id else None
    events: tuple[Event, ...] = ()
    notes: tuple[Note, ...] = ()
    if full:
        events = tuple(Event(e.field, e.old, e.new, e.by, as_utc(e.at), e.comment) for e in s.exec(
            select(ProposalEvent).where(ProposalEvent.proposal_id == p.id).order_by(ProposalEvent.id)))
        notes = tuple(Note(n.author, n.text, as_utc(n.at)) for n in s.exec(
            select(ProposalNote).where(ProposalNote.proposal_id == p.id).order_by(ProposalNote.id)))
    return ProposalView(
        id=p.id, ref=p.ref, fiscal_year=p.fiscal_year, submitter=p.submitter, team_id=p.team_id,
        organisation=p.organisation, contact_name=p.contact_name, email=p.email, title=p.title,
        summary=p.summary, method=p.method, needs_budget=p.needs_budget, lang=p.lang, status=p.status,
        department=dept.name if dept else None, challenge_id=p.challenge_id,
        challenge_title=ch.title if ch else None, submitted_at=as_utc(p.submitted_at),
        submitted_on=p.submitted_on, status_changed_at=as_utc(p.status_changed_at),
        staff_channel=p.staff_channel, staff_ts=p.staff_ts, advice=_advice_of(p), events=events, notes=notes)


def _advice_of(p: Proposal) -> dict | None:
    if not p.advice:
        return None
    try:
        d = json.loads(p.advice)
    except ValueError:
        return None
    return d if isinstance(d, dict) else None


# ---------------------------------------------------------------- outbox writes

def _enqueue(s: Session, kind: str, dedupe_key: str, *, proposal_id: int | None = None,
             target: str | None = None, payload: dict | None = None, now: datetime | None = None) -> None:
    s.add(OutboxMessage(kind=kind, dedupe_key=dedupe_key, proposal_id=proposal_id, target=target,
                        payload=json.dumps(payload or {}, ensure_ascii=False),
                        created_at=_now(now), next_attempt_at=_now(now)))


def _enqueue_staff_update(s: Session, p: Proposal, now: datetime) -> None:
    """Refresh the staff card; one pending refresh per proposal is enough (it renders current state)."""
    pending = s.exec(select(OutboxMessage.id).where(
        OutboxMessage.kind == "staff_update", OutboxMessage.proposal_id == p.id,
        OutboxMessage.sent_at.is_(None))).first()  # type: ignore[union-attr]
    if pending is None:
        _enqueue(s, "staff_update", f"staff_update:{p.id}:{now.isoformat()}", proposal_id=p.id, now=now)


def is_slack_user(user_id: str) -> bool:
    return not user_id.startswith("cli:")


# ---------------------------------------------------------------- submit

@dataclass(frozen=True)
class Submission:
    proposal: ProposalView
    created: bool            # False: this key was already submitted (a double click)


def open_challenge_ids(s: Session, today: date) -> set[int]:
    rows = s.exec(select(Challenge.id).where(or_(Challenge.open_until.is_(None),  # type: ignore[union-attr]
                                                 Challenge.open_until >= today)))
    return set(rows)


def submit(engine: Engine, raw: dict, *, submitter: str, idempotency_key: str, team_id: str | None = None,
           lang: str = "ja", now: datetime | None = None, advice: dict | None = None,
           enrich=None) -> Submission:
    """Validate and store a proposal, its first history line and the messages it causes.

    Raises `ValidationFailed` (with an error per field). Submitting the same `idempotency_key`
    again returns the stored proposal with `created=False`, whatever the input.
    `advice`: what the idea advisor told the proposer (kept with the proposal). `enrich(session,
    data, submitter, advice) -> dict`: more to keep (bot/proposals/connections.py: nearest precedents and
    similar earlier proposals), computed in the same transaction, after validation; a failure
    there is logged and the proposal stored without it.
    """
    from bot.fiscal import fiscal_year_of

    now = _now(now)
    today = local_date(now)
    key = idempotency_key[:128]

    def existing() -> Submission | None:
        with session_scope(engine) as s:
            p = s.exec(select(Proposal).where(Proposal.idempotency_key == key)).first()
            return Submission(_view(s, p), False) if p else None

    for attempt in range(3):
        found = with_retry(existing, what="proposal lookup")
        if found:
            return found
        try:
            with session_scope(engine) as s:
                data = validate_proposal(raw, lang=lang, open_challenge_ids=open_challenge_ids(s, today))
                kept = {"given": advice} if advice else {}
                if enrich is not None:
                    try:
                        with s.begin_nested():
                            kept.update(enrich(s, data, submitter, advice) or {})
                    except Exception as e:  # noqa: BLE001 — the proposal matters more than its links
                        log.warning("proposal connections not computed (%s)", type(e).__name__)
                fy = fiscal_year_of(today)
                seq = next_seq(s, fy)
                p = Proposal(ref=format_ref(fy, seq), fiscal_year=fy, seq=seq, idempotency_key=key,
                             submitter=submitter, team_id=team_id, lang=lang, status=st.RECEIVED,
                             submitted_at=now, submitted_on=today, status_changed_at=now,
                             organisation=data.organisation, contact_name=data.contact_name,
                             email=data.email, title=data.title, summary=data.summary,
                             method=data.method, needs_budget=data.needs_budget,
                             challenge_id=data.challenge_id,
                             advice=json.dumps(kept, ensure_ascii=False) if kept else None)
                s.add(p)
                s.flush()
                s.add(ProposalEvent(proposal_id=p.id, field="status", old=None, new=st.RECEIVED,
                                    by=submitter, at=now))
                _enqueue(s, "staff_new", f"staff_new:{p.id}", proposal_id=p.id, now=now)
                if is_slack_user(submitter):
                    _enqueue(s, "proposer_receipt", f"receipt:{p.id}", proposal_id=p.id, target=submitter, now=now)
                s.flush()
                view = _view(s, p)
            log.info("proposal %s stored (submitter %s)", view.ref, submitter)
            return Submission(view, True)
        except IntegrityError:
            # The same key won a race (another process stored it): found on the next lap.
            log.info("proposal insert collided (attempt %d); looking again", attempt + 1)
    raise RuntimeError("proposal could not be stored")


def next_seq(s: Session, fiscal_year: int) -> int:
    """The next reference number of `fiscal_year`, from its counter row: one upsert … RETURNING
    (SQLite ≥ 3.35 and PostgreSQL), in the caller's transaction. The row stays locked until that
    transaction ends, so concurrent submissions queue for it and never get the same number; a
    rolled-back submission gives its number back. The first number of a year continues after any
    proposal already stored (a database from before the counter existed)."""
    t, pt = ProposalCounter.__table__, Proposal.__table__
    if s.get_bind().dialect.name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as upsert
    else:
        from sqlalchemy.dialects.postgresql import insert as upsert
    first = select(func.coalesce(func.max(pt.c.seq), 0) + 1).where(pt.c.fiscal_year == fiscal_year)
    stmt = (upsert(t).values(fiscal_year=fiscal_year, last=first.scalar_subquery())
            .on_conflict_do_update(index_elements=[t.c.fiscal_year], set_={"last": t.c.last + 1})
            .returning(t.c.last))
    return s.execute(stmt).scalar_one()


# ---------------------------------------------------------------- read

def _load(s: Session, ref: str) -> Proposal:
    p = s.exec(select(Proposal).where(Proposal.ref == normalise_ref(ref))).first()
    if p is None:
        raise NotFound(ref)
    return p


def normalise_ref(ref: str) -> str:
    """Accept `p-2026-1`, `P-2026-0001`, full-width digits …"""
    r = clean_text(ref).upper().replace("ー", "-").replace("−", "-")
    parts = r.split("-")
    if len(parts) == 3 and parts[0] == "P" and parts[1].isdigit() and parts[2].isdigit():
        return format_ref(int(parts[1]), int(parts[2]))
    return r


def get_proposal(engine: Engine, ref: str, actor: Actor) -> ProposalView:
    """One proposal with its history; notes only for staff. Others' proposals are `NotFound`."""
    with session_scope(engine) as s:
        p = _load(s, ref)
        if not actor.is_staff and p.submitter != actor.user_id:
            raise NotFound(ref)
        v = _view(s, p, full=True)
    return v if actor.is_staff else _without_notes(v)


def _without_notes(v: ProposalView) -> ProposalView:
    return replace(v, notes=())


def get_by_id(engine: Engine, proposal_id: int) -> ProposalView | None:
    with session_scope(engine) as s:
        p = s.get(Proposal, proposal_id)
        return _view(s, p, full=True) if p else None


def my_proposals(engine: Engine, user_id: str) -> list[ProposalView]:
    with session_scope(engine) as s:
        rows = s.exec(select(Proposal).where(Proposal.submitter == user_id).order_by(Proposal.id.desc()))
        return [_view(s, p) for p in rows]


def list_proposals(engine: Engine, actor: Actor, *, status: str | None = None, keyword: str | None = None,
                   limit: int | None = None) -> list[ProposalView]:
    """Staff: every proposal, newest first, optionally by status and/or keyword."""
    actor.require_staff()
    with session_scope(engine) as s:
        q = select(Proposal).outerjoin(Department, Department.id == Proposal.department_id)
        if status:
            q = q.where(Proposal.status == status)
        if keyword:
            like = f"%{clean_text(keyword)}%"
            q = q.where(or_(Proposal.ref.ilike(like), Proposal.organisation.ilike(like),
                            Proposal.title.ilike(like), Proposal.summary.ilike(like),
                            Proposal.contact_name.ilike(like), Department.name.ilike(like)))
        q = q.order_by(Proposal.id.desc())
        if limit:
            q = q.limit(limit)
        return [_view(s, p) for p in s.exec(q)]


def parse_filter(text: str) -> tuple[str | None, str | None]:
    """`/desk proposals [status | keyword]`: a status name if it is one, else a keyword."""
    t = clean_text(text)
    if not t:
        return None, None
    try:
        return st.parse(t), None
    except ValueError:
        return None, t


def all_proposals(engine: Engine) -> list[ProposalView]:
    """Every proposal with history (export)."""
    with session_scope(engine) as s:
        return [_view(s, p, full=True) for p in s.exec(select(Proposal).order_by(Proposal.id))]


# ---------------------------------------------------------------- triage (staff)

def change_status(engine: Engine, ref: str, new: str, actor: Actor, *, comment: str | None = None,
                  expected: str | None = None, now: datetime | None = None) -> ProposalView:
    """Move a proposal along the status machine; the proposer is told (outbox).

    `expected`: the status the staff member saw; if it changed meanwhile, `Conflict`.
    """
    actor.require_staff()
    now = _now(now)
    new = st.parse(new)
    with session_scope(engine) as s:
        p = _load(s, ref)
        old = p.status
        if expected and expected != old:
            raise Conflict(f"{p.ref} is now {st.label(old)}")
        st.check_move(old, new)
        # Optimistic: only if nobody moved it since we read it.
        res = s.execute(update(Proposal).where(Proposal.id == p.id, Proposal.status == old)
                        .values(status=new, status_changed_at=now))
        if res.rowcount != 1:
            raise Conflict(f"{p.ref} was changed by someone else")
        ev = ProposalEvent(proposal_id=p.id, field="status", old=old, new=new, by=actor.user_id, at=now,
                           comment=clean_text(comment, multiline=True) or None)
        s.add(ev)
        s.flush()
        if is_slack_user(p.submitter):
            _enqueue(s, "proposer_status", f"status:{ev.id}", proposal_id=p.id, target=p.submitter,
                     payload={"old": old, "new": new, "event_id": ev.id}, now=now)
        _enqueue_staff_update(s, p, now)
        s.refresh(p)
        return _view(s, p, full=True)


def ensure_department(engine: Engine, name: str) -> int:
    """The id of the department called `name`, created if new (in its own transaction)."""
    name = clean_text(name)
    for _ in range(2):
        with session_scope(engine) as s:
            d = s.exec(select(Department).where(Department.name == name)).first()
            if d is not None:
                return d.id
        try:
            with session_scope(engine) as s:
                d = Department(name=name)
                s.add(d)
                s.flush()
                return d.id
        except IntegrityError:   # created at the same moment elsewhere: read it on the next lap
            continue
    raise RuntimeError(f"could not create department {name!r}")


def departments(engine: Engine) -> list[str]:
    with session_scope(engine) as s:
        return list(s.exec(select(Department.name).order_by(Department.name)))


def assign_department(engine: Engine, ref: str, department: str, actor: Actor,
                      *, now: datetime | None = None) -> ProposalView:
    actor.require_staff()
    now = _now(now)
    name = clean_text(department)
    if not name or len(name) > 100:
        raise ValidationFailed({"department": "担当課の名前を100文字以内で入力してください"})
    dept_id = ensure_department(engine, name)
    with session_scope(engine) as s:
        p = _load(s, ref)
        d = s.get(Department, dept_id)
        old = s.get(Department, p.department_id).name if p.department_id else None
        if old != d.name:
            p.department_id = d.id
            s.add(p)
            s.add(ProposalEvent(proposal_id=p.id, field="department", old=old, new=d.name,
                                by=actor.user_id, at=now))
            _enqueue_staff_update(s, p, now)
        s.flush()
        return _view(s, p, full=True)


def add_note(engine: Engine, ref: str, text: str, actor: Actor, *, now: datetime | None = None) -> ProposalView:
    """An internal note (staff only; never shown to the proposer)."""
    actor.require_staff()
    now = _now(now)
    text = clean_text(text, multiline=True)
    if not text:
        raise ValidationFailed({"text": "メモを入力してください"})
    if len(text) > 3000:
        raise ValidationFailed({"text": f"3000文字以内で入力してください(現在{len(text)}文字)"})
    with session_scope(engine) as s:
        p = _load(s, ref)
        s.add(ProposalNote(proposal_id=p.id, author=actor.user_id, text=text, at=now))
        _enqueue_staff_update(s, p, now)
        s.flush()
        return _view(s, p, full=True)


# ---------------------------------------------------------------- challenges

@dataclass(frozen=True)
class ChallengeView:
    id: int
    title: str
    department: str | None
    description: str
    desired_outcome: str
    open_until: date | None
    created_by: str


def _challenge_view(s: Session, c: Challenge) -> ChallengeView:
    d = s.get(Department, c.department_id) if c.department_id else None
    return ChallengeView(c.id, c.title, d.name if d else None, c.description, c.desired_outcome,
                         c.open_until, c.created_by)


def add_challenge(engine: Engine, raw: dict, actor: Actor, *, now: datetime | None = None,
                  lang: str = "ja") -> ChallengeView:
    actor.require_staff()
    now = _now(now)
    data: ChallengeInput = validate_challenge(raw, today=local_date(now), lang=lang)
    dept_id = ensure_department(engine, data.department)
    with session_scope(engine) as s:
        c = Challenge(title=data.title, department_id=dept_id, description=data.description,
                      desired_outcome=data.desired_outcome, open_until=data.open_until,
                      created_by=actor.user_id, created_at=now)
        s.add(c)
        s.flush()
        return _challenge_view(s, c)


def list_challenges(engine: Engine, *, today: date | None = None, include_closed: bool = False) -> list[ChallengeView]:
    today = today or local_date()
    with session_scope(engine) as s:
        q = select(Challenge)
        if not include_closed:
            q = q.where(or_(Challenge.open_until.is_(None), Challenge.open_until >= today))  # type: ignore[union-attr]
        return [_challenge_view(s, c) for c in s.exec(q.order_by(Challenge.id))]


# ---------------------------------------------------------------- stale nudges

def stale_proposals(engine: Engine, *, now: datetime | None = None, days: int | None = None) -> list[ProposalView]:
    """Open proposals whose status has not changed for `days` (default from settings)."""
    from bot.proposals.settings import get_proposal_settings

    now = _now(now)
    days = days if days is not None else get_proposal_settings().proposal_stale_days
    cutoff = now - timedelta(days=days)
    with session_scope(engine) as s:
        rows = s.exec(select(Proposal).where(Proposal.status.in_(st.OPEN),  # type: ignore[attr-defined]
                                             Proposal.status_changed_at <= cutoff).order_by(Proposal.id))
        return [_view(s, p) for p in rows]


def nudge_stale(engine: Engine, *, now: datetime | None = None, days: int | None = None) -> list[str]:
    """Queue one staff-channel nudge listing the stale proposals not nudged in the last `days`.

    Called by the reminder scheduler (daily is right). Returns the refs nudged. Safe to run from
    two clocks at once: each proposal is claimed by a conditional update, so only one lists it.
    """
    from bot.proposals.settings import get_proposal_settings

    now = _now(now)
    days = days if days is not None else get_proposal_settings().proposal_stale_days
    cutoff = now - timedelta(days=days)
    candidates = stale_proposals(engine, now=now, days=days)
    if not candidates:
        return []
    with session_scope(engine) as s:
        refs = []
        for v in candidates:
            res = s.execute(update(Proposal).where(
                Proposal.id == v.id, or_(Proposal.nudged_at.is_(None), Proposal.nudged_at <= cutoff))
                .values(nudged_at=now))
            if res.rowcount == 1:
                refs.append(v.ref)
        if refs:
            digest = hashlib.sha1(",".join(refs).encode()).hexdigest()[:12]
            _enqueue(s, "staff_nudge", f"nudge:{local_date(now).isoformat()}:{digest}",
                     payload={"refs": refs, "days": days}, now=now)
    return refs
