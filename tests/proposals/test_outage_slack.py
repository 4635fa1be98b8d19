"""The Slack app while its database stalls (PostgreSQL behind a TCP relay; SQLite with its write
lock held): questions are still answered and not answered twice once it is back; a proposal is
not a 500 but an error in the modal that keeps the input; `/desk remind` says nothing changed,
in the user's language."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from bot import dedupe
from db_outage import Outage
from proposals.test_slack_proposals import (COMPANY, LISTED_STAFF, STAFF_CHANNEL, Running, _fx,  # noqa: F401
                                            make_settings, propose, responses, stub, the_proposal, wait_until)


@pytest.fixture
def away(db, stub):
    """(outage, running app whose database and answer engine go through the outage)."""
    from bot.config import get_settings
    from bot.engine import Desk
    from bot.knowledge import load_knowledge
    from handlers.app import build_app

    o = Outage(db)
    stub.reset()
    settings = make_settings(stub, desk_staff_user_ids=LISTED_STAFF, desk_staff_channel=STAFF_CHANNEL)
    desk = Desk(load_knowledge(get_settings().knowledge_dir), engine=o.engine)
    r = Running.build(settings, stub, desk=desk, db=o.engine)
    yield o, r
    o.up()
    r.stop()
    o.close()
    r.settle()
    stub.reset()
    dedupe._unrecorded.clear()


def test_questions_answered_while_stalled_and_not_twice_when_back(away, stub, db):
    outage, r = away
    outage.stall()
    bodies = [_fx.event_body(_fx.mention(q, channel="CPUB0001", ts=f"{time.time():.6f}"))
              for q in ("提案はいつまでに出せばいい?", "ネーミングライツとは", "PFIとは")]
    seconds = []
    for i, body in enumerate(bodies, 1):
        t0 = time.monotonic()
        assert r.post(json.dumps(body), content_type="application/json")[0] == 200
        assert len(stub.wait_for("chat.postMessage", i, timeout=30)) == i     # answered, DB or not
        seconds.append(time.monotonic() - t0)
    print(f"{outage.backend}: answered while stalled in " + ", ".join(f"{s:.1f}s" for s in seconds))
    outage.up()
    for body in bodies:                                                      # Slack redelivers them all
        r.post(json.dumps(body), content_type="application/json", headers={"X-Slack-Retry-Num": "1"})
    r.settle()
    assert len(stub.of("chat.postMessage")) == 3
    # the next claim that reaches the database records them: duplicates for every process now
    deadline = time.monotonic() + 60
    while dedupe._unrecorded and time.monotonic() < deadline:
        r.post(json.dumps(_fx.event_body(_fx.mention("PFIとは", channel="CPUB0001"))), content_type="application/json")
        time.sleep(0.5)
    t = dedupe.ProcessedEvent.__table__
    with db.engine.connect() as c:
        done = set(c.execute(select(t.c.event_id).where(t.c.status == "done")).scalars())
    assert {b["event_id"] for b in bodies} <= done


def test_proposal_while_away_keeps_the_input_and_goes_through_later(away, stub, db):
    outage, r = away
    outage.stall()
    t0 = time.monotonic()
    status, resp = propose(r, view_id="VAWAY", title="停電中の提案")
    print(f"{outage.backend}: proposal acknowledged with the error after {time.monotonic() - t0:.1f}s")
    assert status == 200 and resp["response_action"] == "errors", resp
    assert "入力内容はそのまま" in json.dumps(resp["errors"], ensure_ascii=False)
    assert the_proposal(db.engine) is None
    outage.up()
    deadline = time.monotonic() + 60
    while resp.get("response_action") != "update" and time.monotonic() < deadline:   # the company presses Submit again
        status, resp = propose(r, view_id="VAWAY", title="停電中の提案")
        time.sleep(0.2)
    assert resp["response_action"] == "update"
    assert the_proposal(db.engine).title == "停電中の提案"


def test_remind_while_away_says_so_in_japanese_and_changes_nothing(away, stub, db):
    from bot.reminders.subscriptions import is_subscribed

    outage, r = away
    outage.stall()
    r.command("remind on", response_url=stub.response_url("rem"), user=COMPANY, channel="CREMIND01")
    text = wait_until(lambda: responses(stub, "rem"), timeout=30)[0].args["text"]
    assert "データベースに接続できない" in text and "何も変更されていません" in text
    outage.up()
    assert not is_subscribed(db.engine, "CREMIND01")
