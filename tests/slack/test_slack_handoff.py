"""Hand-offs as a record, through the real Bolt request path: created once per question under
double clicks on two web processes (two apps on one database), naming asker and clicker; taken
and closed by staff, refused to non-staff; the asker told; `/desk handoffs`; 👎 replaces the
feedback buttons in place and offers a person."""
from __future__ import annotations

import json
import threading

from conftest import STAFF_CHANNEL, buttons, mention, texts, valid_blocks
from sqlmodel import Session, select

from bot import handoffs as H
from bot.i18n import t

STAFF = "USTAFF0001"


def _answer(running, stub, question, *, user, channel):
    running.event(mention(question, user=user, channel=channel))
    [call] = stub.wait_for("chat.postMessage")
    stub.reset()
    return valid_blocks(call.blocks())


def _btn(blocks, action_id):
    return next(b for b in buttons(blocks) if b["action_id"] == action_id)


def _rows(db, log_id):
    with Session(db) as s:
        return s.exec(select(H.Handoff).where(H.Handoff.question_log_id == log_id)).all()


def test_created_once_under_double_clicks_on_two_processes_naming_asker_and_clicker(make_running, stub, slack_db):
    web1 = make_running(desk_staff_user_ids=STAFF)
    web2 = make_running(desk_staff_user_ids=STAFF)          # a second web process on the same database
    blocks = _answer(web1, stub, "明日の天気を教えて <script>", user="UHASKER01", channel="CHANDOFF1")
    btn = _btn(blocks, "desk_handoff")
    log_id = json.loads(btn["value"])["id"]
    assert log_id
    clicks = [threading.Thread(target=app.click, args=(btn["action_id"], btn["value"]),
                               kwargs=dict(response_url=stub.response_url(f"c{n}"), user="UCLICKER1", channel="CHANDOFF1"))
              for n, app in enumerate([web1, web2, web1, web2])]
    for c in clicks:
        c.start()
    for c in clicks:
        c.join()
    told = stub.wait_for("response_url", 4)
    web1.settle()
    cards = [c for c in stub.of("chat.postMessage") if c.args["channel"] == STAFF_CHANNEL]
    assert len(cards) == 1
    [row] = _rows(slack_db, log_id)
    assert (row.asker, row.clicked_by, row.place, row.status) == ("UHASKER01", "UCLICKER1", "CHANDOFF1", "open")
    assert row.card_state == "posted" and row.card_ts
    assert "明日の天気" in row.question and row.answer_seen == ""        # a decline: no answer was shown
    body = texts(valid_blocks(cards[0].blocks()))
    assert "<@UHASKER01>" in body and "<@UCLICKER1>" in body and "<#CHANDOFF1>" in body
    assert "&lt;script&gt;" in body and "<script>" not in body             # user text escaped
    assert "<script>" not in cards[0].args["text"]
    assert sorted(c.args["text"] for c in told) == sorted([t("desk.handoff_done", "ja")] + [t("desk.handoff_again", "ja")] * 3)


def test_staff_take_and_close_the_asker_is_told_non_staff_refused(make_running, stub, slack_db):
    web = make_running(desk_staff_user_ids=STAFF)
    blocks = _answer(web, stub, "What's the weather tomorrow?", user="UHASKER02", channel="CHANDOFF2")
    btn = _btn(blocks, "desk_handoff")
    log_id = json.loads(btn["value"])["id"]
    web.click(btn["action_id"], btn["value"], response_url=stub.response_url("h"), user="UHASKER02", channel="CHANDOFF2")
    [card] = stub.wait_for("chat.postMessage")
    stub.wait_for("response_url")
    card_blocks = valid_blocks(card.blocks())
    body = texts(card_blocks)
    assert "取り次ぎ" in body and "Hand-off" in body                    # Japanese for staff + the asker's English
    take, done = _btn(card_blocks, "desk_handoff_take"), _btn(card_blocks, "desk_handoff_done")
    stub.reset()

    web.click(take["action_id"], take["value"], response_url=stub.response_url("n1"), user="UNOTSTAFF", channel=STAFF_CHANNEL)
    [refused] = stub.wait_for("response_url")
    assert "職員" in refused.args["text"]
    web.settle()
    assert _rows(slack_db, log_id)[0].status == "open" and not stub.of("chat.update")

    stub.reset()
    web.click(take["action_id"], take["value"], response_url=stub.response_url("s1"), user=STAFF, channel=STAFF_CHANNEL)
    [ok] = stub.wait_for("response_url")
    [row] = _rows(slack_db, log_id)
    assert (row.status, row.owner) == ("taken", STAFF)
    assert ok.args["text"] == t("desk.handoff_taken_staff", "ja", id=row.id)
    [update] = stub.wait_for("chat.update")
    updated = texts(valid_blocks(update.blocks()))
    assert f"<@{STAFF}>" in updated and "対応中" in updated
    assert [b["action_id"] for b in buttons(valid_blocks(update.blocks()))] == ["desk_handoff_done"]
    notices = [c for c in stub.wait_for("chat.postMessage") if c.args["channel"] == "UHASKER02"]
    assert notices and f"<@{STAFF}>" in notices[0].args["text"] and "taken your question" in notices[0].args["text"]

    stub.reset()
    web.click(done["action_id"], done["value"], response_url=stub.response_url("s2"), user=STAFF, channel=STAFF_CHANNEL)
    stub.wait_for("response_url")
    [update] = stub.wait_for("chat.update")
    assert _rows(slack_db, log_id)[0].status == "done"
    assert not buttons(valid_blocks(update.blocks()))


def test_desk_handoffs_lists_open_ones_for_staff_only(make_running, stub, slack_db):
    web = make_running(desk_staff_user_ids=STAFF)
    blocks = _answer(web, stub, "宇宙エレベーターの誘致について相談したい件", user="UHASKER03", channel="CHANDOFF3")
    btn = _btn(blocks, "desk_handoff")
    web.click(btn["action_id"], btn["value"], response_url=stub.response_url("h"), user="UHASKER03", channel="CHANDOFF3")
    stub.wait_for("chat.postMessage")
    stub.wait_for("response_url")
    stub.reset()
    web.command("handoffs", response_url=stub.response_url("list"), user=STAFF)
    [listed] = stub.wait_for("response_url")
    text = texts(listed.args.get("blocks") or []) + listed.args["text"]
    assert "宇宙エレベーター" in text and "<@UHASKER03>" in text and "分前" in text
    stub.reset()
    web.command("handoffs", response_url=stub.response_url("list2"), user="UNOTSTAFF")
    [refused] = stub.wait_for("response_url")
    assert refused.args["text"] == t("desk.handoffs_staff_only", "ja")


def test_thumbs_down_replaces_the_feedback_buttons_and_offers_a_person(running, stub, kb):
    running.event(mention(kb.entries["naming-rights"].title.ja, user="UFBACK01", channel="CFBACK01"))
    [call] = stub.wait_for("chat.postMessage")
    stub.reset()
    blocks = valid_blocks(call.blocks())
    down = _btn(blocks, "desk_feedback_down")
    running.click(down["action_id"], down["value"], response_url=stub.response_url("fb"), user="UFBACK01",
                  channel="CFBACK01", message={"ts": call.args.get("ts", "1.2"), "text": call.args["text"], "blocks": blocks})
    [msg] = stub.wait_for("response_url")
    assert msg.args["replace_original"] is True
    new = valid_blocks(msg.args["blocks"])
    ids = [b["action_id"] for b in buttons(new)]
    assert "desk_feedback_down" not in ids and "desk_feedback_up" not in ids and "desk_handoff" in ids
    assert t("desk.thanks_down", "ja") in texts(new)
    assert texts(blocks).split("\n")[0] in texts(new)                    # the answer itself is kept
