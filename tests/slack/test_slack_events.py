"""app_mention and message.im through the real HTTP server and Bolt, replies to the Web API stub."""
from __future__ import annotations

import json
import logging
import threading

from conftest import buttons, dm, mention, new_id, texts, valid_blocks
from slack_stub import BOT_ID, BOT_USER_ID
from sqlmodel import Session

from bot.dedupe import ProcessedEvent
from bot.models import QuestionLog
from bot.i18n import t


def _entry(kb, entry_id="naming-rights"):
    return kb.entries[entry_id]


def test_mention_is_answered_in_its_thread_with_valid_blocks(running, stub, kb, slack_db):
    e = _entry(kb)
    ev = mention(e.title.ja, channel="CMENTION1")
    assert running.event(ev)[0] == 200
    [call] = stub.wait_for("chat.postMessage")
    assert call.args["channel"] == "CMENTION1"
    assert call.args["thread_ts"] == ev["ts"]                 # in the thread of the mention
    blocks = valid_blocks(call.blocks())
    assert e.title.ja in texts(blocks)
    assert kb.cite(e, "ja") in texts(blocks)                  # the source: document and section
    ids = [b["action_id"] for b in buttons(blocks)]
    assert "desk_feedback_up" in ids and "desk_feedback_down" in ids
    related = [b for b in buttons(blocks) if b["action_id"].startswith("desk_open_entry")]
    assert len(related) <= 3 and {json.loads(b["value"])["e"] for b in related} <= set(e.related)
    with Session(slack_db) as s:
        log_id = json.loads(buttons(blocks)[-1]["value"])["id"]
        row = s.get(QuestionLog, log_id)
        assert row.surface == "slack-mention" and row.place == "CMENTION1" and row.entry_id == e.id


def test_mention_inside_a_thread_replies_in_that_thread(running, stub, kb):
    ev = mention(_entry(kb).title.ja, thread_ts="1700000000.000100")
    running.event(ev)
    [call] = stub.wait_for("chat.postMessage")
    assert call.args["thread_ts"] == "1700000000.000100"


def test_dm_is_answered_in_the_dm(running, stub, kb, slack_db):
    e = _entry(kb, "designated-manager")
    running.event(dm(e.title.ja, channel="DDM000001"))
    [call] = stub.wait_for("chat.postMessage")
    assert call.args["channel"] == "DDM000001" and not call.args.get("thread_ts")
    assert e.title.ja in texts(valid_blocks(call.blocks()))


def test_english_question_gets_english_ui(running, stub, kb):
    e = _entry(kb)
    running.event(dm(f"what are {e.title.en.lower()}?"))
    [call] = stub.wait_for("chat.postMessage")
    blocks = valid_blocks(call.blocks())
    if json.loads(buttons(blocks)[-1]["value"]).get("l") == "en":   # answered in English
        assert t("desk.helpful_yes", "en") in texts(blocks)
        assert t("desk.helpful_yes", "ja") not in texts(blocks)


def test_out_of_scope_question_offers_the_desk_staff(running, stub):
    running.event(mention("明日の天気を教えて"))
    [call] = stub.wait_for("chat.postMessage")
    blocks = valid_blocks(call.blocks())
    handoff = [b for b in buttons(blocks) if b["action_id"] == "desk_handoff"]
    assert handoff and json.loads(handoff[0]["value"])["q"] == "明日の天気を教えて"
    assert not [b for b in buttons(blocks) if b["action_id"].startswith("desk_feedback")]


def test_ignored_messages_are_acknowledged_and_not_answered(running, stub):
    ignored = [
        dm("hello from a bot", bot_id="B0OTHER", subtype="bot_message"),
        dm("bot without subtype", bot_id="B0OTHER"),
        dm("my own message", user=BOT_USER_ID, bot_id=BOT_ID),
        dm("edited", subtype="message_changed"),
        {"type": "message", "subtype": "message_deleted", "channel": "DDIRECT01", "channel_type": "im",
         "ts": "1.1", "deleted_ts": "1.0"},
        dm("joined", subtype="channel_join"),
        {**dm("a channel message, not a DM"), "channel_type": "channel"},
        mention("edited mention", edited={"user": "UASKER01", "ts": "1.2"}),
        mention("a bot mentioning us", bot_id="B0OTHER"),
    ]
    for ev in ignored:
        assert running.event(ev)[0] == 200
    running.settle()
    assert stub.of("chat.postMessage") == []


def test_same_event_id_twice_and_slack_retries_give_one_reply(running, stub, kb):
    ev, eid = mention(_entry(kb).title.ja), new_id("Ev")
    assert running.event(ev, event_id=eid)[0] == 200
    stub.wait_for("chat.postMessage")
    assert running.event(ev, event_id=eid)[0] == 200
    assert running.event(ev, event_id=eid, retry=1)[0] == 200
    assert running.event(ev, event_id=eid, retry=2)[0] == 200
    running.settle()
    assert len(stub.of("chat.postMessage")) == 1


def test_two_app_instances_sharing_the_database_reply_once(make_running, stub, kb):
    a, b = make_running(), make_running()
    events = [(mention(_entry(kb).title.ja), new_id("Ev")) for _ in range(10)]
    threads = []
    for ev, eid in events:                   # every event delivered to both instances at once
        for inst, retry in ((a, None), (b, 1)):
            threads.append(threading.Thread(target=inst.event, args=(ev,), kwargs={"event_id": eid, "retry": retry}))
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    stub.wait_for("chat.postMessage", len(events))
    a.settle()
    posts = stub.of("chat.postMessage")
    assert sorted(p.args["thread_ts"] for p in posts) == sorted(ev["ts"] for ev, _ in events)


def test_rate_limited_post_is_retried_after_retry_after(running, stub, kb):
    stub.fail_next(1, status=429, retry_after=1, method="chat.postMessage")
    running.event(mention(_entry(kb).title.ja))
    calls = stub.wait_for("chat.postMessage", 2)
    assert len(calls) == 2
    assert calls[1].at - calls[0].at >= 0.9                  # waited for Retry-After
    assert calls[0].blocks() == calls[1].blocks()
    running.settle()
    assert len(stub.of("chat.postMessage")) == 2


def test_server_errors_are_retried(running, stub, kb):
    stub.fail_next(2, status=500, method="chat.postMessage")
    running.event(mention(_entry(kb).title.ja))
    calls = stub.wait_for("chat.postMessage", 3)
    assert len(calls) == 3 and calls[2].blocks()


def test_rejected_post_falls_back_to_a_short_error_message(running, stub, kb, caplog):
    stub.fail_next(1, error="invalid_blocks", method="chat.postMessage")
    with caplog.at_level(logging.ERROR, logger="handlers.send"):
        running.event(mention(_entry(kb).title.ja))
        calls = stub.wait_for("chat.postMessage", 2)
    assert len(calls) == 2 and not calls[1].args.get("blocks")
    assert calls[1].args["text"] == t("desk.post_failed", "ja")
    assert "invalid_blocks" in caplog.text and "xoxb" not in caplog.text


def test_unreachable_slack_is_logged_without_tokens_and_the_claim_released(running, stub, kb, slack_db, caplog):
    stub.fail_next(20, status=0, method="chat.postMessage")       # every connection dropped
    eid = new_id("Ev")
    with caplog.at_level(logging.ERROR, logger="handlers.send"):
        running.event(mention(_entry(kb).title.ja), event_id=eid)
        stub.wait_for("chat.postMessage", 6)                       # 1 + 2 retries, answer and notice
        for _ in range(100):                   # the claim is given back so a redelivery can answer
            with Session(slack_db) as s:
                if s.get(ProcessedEvent, eid) is None:
                    break
            threading.Event().wait(0.05)
    assert "chat.postMessage (answer)" in caplog.text and "error notice" in caplog.text
    assert "xoxb-test-token" not in caplog.text
    with Session(slack_db) as s:
        assert s.get(ProcessedEvent, eid) is None


def test_all_posts_failing_releases_the_claim_so_a_redelivery_answers(running, stub, kb):
    stub.fail_next(6, status=503, method="chat.postMessage")   # 3 tries for the answer, 3 for the notice
    ev, eid = mention(_entry(kb).title.ja), new_id("Ev")
    running.event(ev, event_id=eid)
    stub.wait_for("chat.postMessage", 6)
    running.settle()
    running.event(ev, event_id=eid, retry=1)
    calls = stub.wait_for("chat.postMessage", 7)
    assert len(calls) == 7 and calls[6].blocks()


def test_socket_mode_app_answers_once_without_signatures(stub, desk, slack_db, kb):
    from conftest import InlineExecutor, event_body, make_settings
    from slack_bolt.request import BoltRequest

    from handlers.app import build_app

    app = build_app(make_settings(stub, slack_app_token="xapp-test"), desk=desk, db=slack_db, socket_mode=True,
                    executor=InlineExecutor())           # Bolt's dispatch, the listeners run before it returns
    body = event_body(mention(_entry(kb).title.ja))
    for _ in range(2):                                   # the same envelope twice
        assert app.dispatch(BoltRequest(body=body, mode="socket_mode")).status == 200
    assert len(stub.of("chat.postMessage")) == 1


def test_when_the_exactly_once_store_fails_the_question_is_still_answered(stub, desk, kb, tmp_path, caplog):
    from conftest import Running, make_settings
    from sqlalchemy import text

    from bot.db import make_engine
    from handlers.app import build_app

    db = make_engine(f"sqlite:///{tmp_path / 'broken.sqlite3'}")
    settings = make_settings(stub)
    running = Running.build(settings, stub, desk=desk, db=db)
    try:
        with db.begin() as c:                      # the table goes away under the running app
            c.execute(text("DROP TABLE processed_event"))
        with caplog.at_level(logging.ERROR, logger="handlers.events"):
            running.event(mention(_entry(kb).title.ja))
            [call] = stub.wait_for("chat.postMessage")
        assert _entry(kb).title.ja in texts(valid_blocks(call.blocks()))
        assert "exactly-once check unavailable" in caplog.text
    finally:
        running.stop()
        db.dispose()
