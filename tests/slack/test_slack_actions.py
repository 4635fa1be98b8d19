"""Buttons: feedback, related entries / did-you-mean, hand-off to the staff, screens and modals."""
from __future__ import annotations

import json

from conftest import STAFF_CHANNEL, buttons, mention, texts, valid_blocks, valid_view
from sqlmodel import Session, select

from bot.models import Feedback
from handlers.blocks import pack
from bot.i18n import t


def _answer_blocks(running, stub, question):
    running.event(mention(question, channel="CACTIONS1"))
    [call] = stub.wait_for("chat.postMessage")
    stub.reset()
    return valid_blocks(call.blocks())


def _button(blocks, prefix):
    return next(b for b in buttons(blocks) if b["action_id"].startswith(prefix))


def test_feedback_is_stored_per_question_and_user_and_acknowledged(running, stub, kb, slack_db):
    e = kb.entries["naming-rights"]
    blocks = _answer_blocks(running, stub, e.title.ja)
    up, down = _button(blocks, "desk_feedback_up"), _button(blocks, "desk_feedback_down")
    qid = json.loads(up["value"])["id"]

    assert running.click(up["action_id"], up["value"], response_url=stub.response_url("fb1"), user="UFEED01")[0] == 200
    [ack] = stub.wait_for("response_url")
    assert ack.args["text"] == t("desk.thanks_up", "ja") and ack.args["response_type"] == "ephemeral"
    assert ack.args.get("replace_original") is False
    running.click(down["action_id"], down["value"], response_url=stub.response_url("fb2"), user="UFEED01")
    stub.wait_for("response_url", 2)
    running.click(up["action_id"], up["value"], response_url=stub.response_url("fb3"), user="UFEED02")
    stub.wait_for("response_url", 3)
    with Session(slack_db) as s:
        rows = s.exec(select(Feedback).where(Feedback.question_id == qid)).all()
    votes = {r.user_id: (r.helpful, r.entry_id) for r in rows}
    assert votes == {"UFEED01": (False, e.id), "UFEED02": (True, e.id)}   # latest click wins


def test_feedback_for_an_unknown_question_gets_an_error_not_silence(running, stub):
    running.click("desk_feedback_up", pack(id=987654321, l="ja"), response_url=stub.response_url("x"))
    [msg] = stub.wait_for("response_url")
    assert msg.args["text"] == t("desk.error", "ja")


def test_related_button_opens_that_entry(running, stub, kb):
    e = next(x for x in kb.entries.values() if x.related)
    blocks = _answer_blocks(running, stub, e.title.ja)
    rel = _button(blocks, "desk_open_entry")
    target = kb.entries[json.loads(rel["value"])["e"]]
    running.click(rel["action_id"], rel["value"], response_url=stub.response_url("rel"))
    [msg] = stub.wait_for("response_url")
    assert target.title.ja in texts(valid_blocks(msg.args["blocks"]))
    assert msg.args["response_type"] == "ephemeral"


def test_did_you_mean_button_opens_the_suggestion_with_the_question(running, stub, kb):
    value = pack(e="pfi" if "pfi" in kb.entries else next(iter(kb.entries)), l="ja", q="ぴーえふあい?")
    running.click("desk_open_entry:1", value, response_url=stub.response_url("dym"))
    [msg] = stub.wait_for("response_url")
    entry = kb.entries[json.loads(value)["e"]]
    assert entry.title.ja in texts(valid_blocks(msg.args["blocks"]))


def test_handoff_posts_question_asker_and_channel_to_staff_once(running, stub):
    blocks = _answer_blocks(running, stub, "明日の天気を教えて")
    btn = _button(blocks, "desk_handoff")
    running.click(btn["action_id"], btn["value"], response_url=stub.response_url("h1"),
                  user="UASKS0001", channel="CACTIONS1")
    [staff] = stub.wait_for("chat.postMessage")
    assert staff.args["channel"] == STAFF_CHANNEL
    body = texts(valid_blocks(staff.blocks()))
    assert "明日の天気を教えて" in body and "<@UASKS0001>" in body and "<#CACTIONS1>" in body
    assert "https://test.slack.com/archives/CACTIONS1/p" in body            # link to the conversation
    [told] = stub.wait_for("response_url")
    assert told.args["text"] == t("desk.handoff_done", "ja")
    # a second click (or a second process) does not post twice
    running.click(btn["action_id"], btn["value"], response_url=stub.response_url("h2"), user="UASKS0001")
    stub.wait_for("response_url", 2)
    running.settle()
    assert len(stub.of("chat.postMessage")) == 1
    assert stub.of("response_url")[1].args["text"] == t("desk.handoff_again", "ja")


def test_handoff_from_a_dm_without_permalink_still_goes_out(running, stub):
    stub.fail_next(1, error="message_not_found", method="chat.getPermalink")
    running.click("desk_handoff", pack(q="DMでの相談", l="ja", id=None), response_url=stub.response_url("dm"),
                  user="UDMHAND01", channel="DHANDOFF1")
    [staff] = stub.wait_for("chat.postMessage")
    body = texts(valid_blocks(staff.blocks()))
    assert "DMでの相談" in body and t("desk.handoff_where_dm", "ja").strip() in body and "<#D" not in body
    assert stub.wait_for("response_url")[0].args["text"] == t("desk.handoff_done", "ja")


def test_handoff_failure_tells_the_asker_and_allows_a_retry(running, stub):
    value = pack(q="相談したいことがあります", l="ja", id=None)
    stub.fail_next(3, status=500, method="chat.postMessage")
    running.click("desk_handoff", value, response_url=stub.response_url("hf"), user="UFAIL0001")
    [told] = stub.wait_for("response_url")
    assert told.args["text"] == t("desk.post_failed", "ja")
    running.click("desk_handoff", value, response_url=stub.response_url("hf2"), user="UFAIL0001")
    assert stub.wait_for("response_url", 2)[1].args["text"] == t("desk.handoff_done", "ja")


def test_handoff_without_a_staff_channel_says_so(make_running, stub):
    running = make_running(desk_staff_channel=None)
    running.click("desk_handoff", pack(q="質問", l="en"), response_url=stub.response_url("nostaff"))
    [msg] = stub.wait_for("response_url")
    assert msg.args["text"] == t("desk.handoff_unset", "en")
    assert stub.of("chat.postMessage") == []


def test_home_buttons_open_modals_and_entries_push_onto_them(running, stub, kb):
    home = {"type": "home", "id": "VHOME"}
    for name in ("calendar", "methods", "cases"):
        running.click(f"desk_show:{name}", pack(s=name, l="ja"), response_url=None,
                      container={"type": "view", "view_id": "VHOME"}, view=home)
    opened = stub.wait_for("views.open", 3)
    assert len(opened) == 3
    for call in opened:
        view = valid_view(call.view())
        assert view["type"] == "modal"
    methods_modal = next(c.view() for c in opened if any(
        b["action_id"].startswith("desk_open_entry") and kb.entries[json.loads(b["value"])["e"]].kind == "method"
        for b in buttons(c.view()["blocks"])))
    btn = _button(methods_modal["blocks"], "desk_open_entry")
    running.click(btn["action_id"], btn["value"], response_url=None,
                  container={"type": "view", "view_id": "VMODAL"}, view={"type": "modal", "id": "VMODAL"})
    [pushed] = stub.wait_for("views.push")
    view = valid_view(pushed.view())
    entry = kb.entries[json.loads(btn["value"])["e"]]
    assert entry.title.ja in texts(view["blocks"])
    assert not [b for b in buttons(view["blocks"]) if b["action_id"].startswith("desk_feedback")]


def test_help_buttons_answer_in_the_conversation(running, stub):
    running.click("desk_show:methods", pack(s="methods", l="en"), response_url=stub.response_url("help"))
    [msg] = stub.wait_for("response_url")
    assert t("desk.methods_title", "en") in texts(valid_blocks(msg.args["blocks"]))
