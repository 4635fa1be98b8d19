"""Staff triage: status machine with history, departments, notes; who may see and do what."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import Session, select

from bot.proposals import status as st
from bot.proposals.models import OutboxMessage
from bot.proposals.service import (Conflict, NotFound, add_challenge, add_note, assign_department, change_status,
                                   get_proposal, list_challenges, list_proposals, my_proposals, parse_filter,
                                   submit)
from bot.proposals.staff import NotStaff
from bot.proposals.validation import ValidationFailed
from proposals.helpers import COMPANY_A, COMPANY_B, STAFF, proposal_form

T0 = datetime(2026, 5, 11, 1, 0, tzinfo=timezone.utc)


def outbox(engine, kind):
    with Session(engine) as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def test_status_changes_walk_the_machine_with_history(db_engine, submit_as):
    ref = submit_as(now=T0).proposal.ref
    path = [st.REVIEWING, st.REFERRED, st.PILOT, st.BUDGET, st.ADOPTED, st.COMPLETED]
    for i, new in enumerate(path, start=1):
        v = change_status(db_engine, ref, new, STAFF, now=T0 + timedelta(days=i), comment=f"step {i}")
        assert v.status == new
    v = get_proposal(db_engine, ref, STAFF)
    statuses = [(e.old, e.new) for e in v.events if e.field == "status"]
    assert statuses == list(zip([None, st.RECEIVED] + path[:-1], [st.RECEIVED] + path))
    assert [e.by for e in v.events] == [COMPANY_A.user_id] + [STAFF.user_id] * len(path)
    assert v.events[-1].at == T0 + timedelta(days=len(path)) and v.events[-1].comment == f"step {len(path)}"
    assert v.status_changed_at == T0 + timedelta(days=len(path))
    # the proposer is told of each change, in order
    notices = [json.loads(m.payload) for m in outbox(db_engine, "proposer_status")]
    assert [(n["old"], n["new"]) for n in notices] == statuses[1:]
    assert {m.target for m in outbox(db_engine, "proposer_status")} == {COMPANY_A.user_id}


def test_japanese_labels_are_accepted(db_engine, submit_as):
    ref = submit_as().proposal.ref
    assert change_status(db_engine, ref, "検討中", STAFF).status == st.REVIEWING


def test_moves_outside_the_machine_are_refused(db_engine, submit_as):
    ref = submit_as().proposal.ref
    with pytest.raises(st.BadTransition) as e:
        change_status(db_engine, ref, st.ADOPTED, STAFF)
    assert "受付" in str(e.value) and "採択" in str(e.value)
    change_status(db_engine, ref, st.DECLINED, STAFF)
    with pytest.raises(st.BadTransition):
        change_status(db_engine, ref, st.COMPLETED, STAFF)
    assert change_status(db_engine, ref, st.REVIEWING, STAFF).status == st.REVIEWING   # reconsidered


def test_every_status_is_reachable_and_closed_ones_end():
    seen, todo = {st.RECEIVED}, [st.RECEIVED]
    while todo:
        for nxt in st.TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(st.STATUSES)
    assert st.TRANSITIONS[st.COMPLETED] == ()


def test_stale_view_of_the_status_is_a_conflict(db_engine, submit_as):
    ref = submit_as().proposal.ref
    change_status(db_engine, ref, st.REVIEWING, STAFF, expected=st.RECEIVED)
    with pytest.raises(Conflict):   # a second staff member clicked on the old card
        change_status(db_engine, ref, st.DECLINED, STAFF, expected=st.RECEIVED)
    assert get_proposal(db_engine, ref, STAFF).status == st.REVIEWING


def test_non_staff_can_change_nothing(db_engine, submit_as):
    ref = submit_as().proposal.ref
    for attempt in (lambda: change_status(db_engine, ref, st.REVIEWING, COMPANY_A),
                    lambda: assign_department(db_engine, ref, "都市計画課", COMPANY_A),
                    lambda: add_note(db_engine, ref, "内部メモ", COMPANY_A),
                    lambda: list_proposals(db_engine, COMPANY_A),
                    lambda: add_challenge(db_engine, {}, COMPANY_B)):
        with pytest.raises(NotStaff):
            attempt()
    v = get_proposal(db_engine, ref, STAFF)
    assert v.status == st.RECEIVED and v.department is None and not v.notes and len(v.events) == 1
    assert outbox(db_engine, "proposer_status") == []


def test_a_company_sees_only_its_own_proposals(db_engine, submit_as):
    mine = submit_as(COMPANY_A, title="Aの提案").proposal.ref
    theirs = submit_as(COMPANY_B, title="Bの提案").proposal.ref
    add_note(db_engine, mine, "社内限り: 予算感が合わない", STAFF)
    assert [v.ref for v in my_proposals(db_engine, COMPANY_A.user_id)] == [mine]
    with pytest.raises(NotFound):
        get_proposal(db_engine, theirs, COMPANY_A)        # same answer as a number that does not exist
    with pytest.raises(NotFound):
        get_proposal(db_engine, "P-2099-0001", COMPANY_A)
    own = get_proposal(db_engine, mine, COMPANY_A)
    assert own.notes == ()                                # staff notes stay internal
    assert len(get_proposal(db_engine, mine, STAFF).notes) == 1


def test_reference_numbers_are_forgiving(db_engine, submit_as):
    ref = submit_as().proposal.ref            # P-2026-0001 style
    fy = ref.split("-")[1]
    assert get_proposal(db_engine, f"p-{fy}-1", COMPANY_A).ref == ref
    assert get_proposal(db_engine, f"Ｐ－{fy}－０００１".replace("－", "-"), COMPANY_A).ref == ref


def test_department_assignment_is_history(db_engine, submit_as):
    ref = submit_as().proposal.ref
    assign_department(db_engine, ref, "都市計画課", STAFF)
    assign_department(db_engine, ref, "都市計画課", STAFF)         # no change, no event
    v = assign_department(db_engine, ref, "公園緑地課", STAFF)
    assert v.department == "公園緑地課"
    assert [(e.old, e.new) for e in v.events if e.field == "department"] == [(None, "都市計画課"),
                                                                           ("都市計画課", "公園緑地課")]
    with pytest.raises(ValidationFailed):
        assign_department(db_engine, ref, "   ", STAFF)


def test_staff_list_filters_by_status_or_keyword(db_engine, submit_as):
    a = submit_as(title="公園のスマート照明").proposal.ref
    b = submit_as(COMPANY_B, organisation="さくら交通株式会社", title="デマンド交通").proposal.ref
    change_status(db_engine, b, st.REVIEWING, STAFF)
    assign_department(db_engine, a, "公園緑地課", STAFF)
    assert [v.ref for v in list_proposals(db_engine, STAFF)] == [b, a]
    assert [v.ref for v in list_proposals(db_engine, STAFF, status=st.REVIEWING)] == [b]
    assert [v.ref for v in list_proposals(db_engine, STAFF, keyword="さくら")] == [b]
    assert [v.ref for v in list_proposals(db_engine, STAFF, keyword="公園緑地")] == [a]   # by department
    assert parse_filter("検討中") == (st.REVIEWING, None)
    assert parse_filter(" 公園 ") == (None, "公園")
    assert parse_filter("") == (None, None)


def test_challenges_open_and_answered(db_engine):
    now = datetime(2026, 11, 24, 3, 0, tzinfo=timezone.utc)
    c = add_challenge(db_engine, {"title": "空き家の活用", "department": "都市計画課", "description": "空き家が増えている",
                                  "desired_outcome": "活用の仕組み", "open_until": "2026-12-31"}, STAFF, now=now)
    assert c.department == "都市計画課"
    assert [x.id for x in list_challenges(db_engine, today=now.date())] == [c.id]
    assert list_challenges(db_engine, today=now.date().replace(year=2027)) == []
    s = submit(db_engine, proposal_form(challenge_id=str(c.id)), submitter="U9", idempotency_key="c1", now=now)
    assert s.proposal.challenge_title == "空き家の活用"
    later = datetime(2027, 1, 5, 3, 0, tzinfo=timezone.utc)
    with pytest.raises(ValidationFailed) as e:   # closed now
        submit(db_engine, proposal_form(challenge_id=str(c.id)), submitter="U9", idempotency_key="c2", now=later)
    assert "challenge_id" in e.value.errors
