"""The idea advisor on Slack, through the real Bolt request path (signed requests to the real HTTP
server, Web API calls answered by the local stub): `/desk idea` and its modal, the message
shortcut, the App Home button, "Propose this" opening the proposal form pre-filled, the stored
proposal keeping the advice, and the staff card's precedents and similar earlier proposals."""
from __future__ import annotations

import json
import time
import uuid
from urllib.parse import urlencode

import pytest
from conftest import STAFF_CHANNEL, buttons, new_id, texts, valid_blocks, valid_view
from slack_stub import TEAM_ID
from sqlmodel import Session, select

from bot.models import QuestionLog
from bot.proposals.models import Proposal
from handlers.blocks import unpack

IDEA_JA = ("当社は高齢者向けの歩数記録アプリを開発しているスタートアップです。仲間同士で励まし合う仕組みがあり、"
           "市のフレイル予防事業で、まずは数十人規模で効果を試させていただけないでしょうか。")
IDEA_EN = "We build AI on-demand shuttles and would like to trial them on an underused community bus route."


def _payload(r, payload: dict) -> tuple[int, dict]:
    status, body = r.post(urlencode({"payload": json.dumps(payload)}), content_type="application/x-www-form-urlencoded")
    return status, (json.loads(body) if body.strip().startswith("{") else {})


def submit_view(r, callback_id: str, values: dict, *, user: str, metadata: dict, view_id: str | None = None):
    payload = {"type": "view_submission", "team": {"id": TEAM_ID, "domain": "test"},
               "user": {"id": user, "team_id": TEAM_ID}, "api_app_id": "A0TEST", "token": "x",
               "trigger_id": "1337.42.abcd",
               "view": {"id": view_id or new_id("V"), "team_id": TEAM_ID, "type": "modal", "callback_id": callback_id,
                        "private_metadata": json.dumps(metadata), "hash": "h", "state": {"values": values}}}
    return _payload(r, payload)


def idea_values(text: str) -> dict:
    return {"idea": {"idea": {"type": "plain_text_input", "value": text}}}


def _new_user() -> str:
    return "U" + uuid.uuid4().hex[:9].upper()


def _idea_modal(stub) -> dict:
    [call] = stub.wait_for("views.open")
    view = valid_view(call.view())
    assert view["callback_id"] == "desk_idea_form"
    return view


def _text_area(view: dict) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == "idea")["element"]


# ---- /desk idea ---------------------------------------------------------------------------------

def test_desk_idea_opens_the_modal_and_the_result_comes_back_ephemeral(running, stub, slack_db):
    user = _new_user()
    status, body = running.command("idea", response_url=stub.response_url(), user=user, channel="CIDEA0001")
    assert status == 200 and "💡" in json.loads(body)["text"]
    view = _idea_modal(stub)
    assert _text_area(view)["multiline"] is True and not _text_area(view).get("initial_value")
    meta = json.loads(view["private_metadata"])
    assert meta["ch"] == "CIDEA0001"

    status, resp = submit_view(running, "desk_idea_form", idea_values(IDEA_JA), user=user, metadata=meta)
    assert status == 200 and resp == {}                       # the modal closes; the result follows
    [call] = stub.wait_for("chat.postEphemeral")
    assert call.args["channel"] == "CIDEA0001" and call.args["user"] == user
    blocks = valid_blocks(call.blocks())
    body = texts(blocks)
    for part in ("合いそうな連携の手法", "近い事例", "時期の目安", "準備すること", "実証実験"):
        assert part in body
    assert "府中市" in body                                   # the frailty-prevention precedent
    ids = {b["action_id"] for b in buttons(blocks)}
    assert {"desk_idea_propose", "desk_handoff"} <= ids
    with Session(slack_db) as s:                                # logged like a question
        row = s.exec(select(QuestionLog).where(QuestionLog.asker == user)).one()
    assert row.surface == "idea" and row.question == IDEA_JA and row.place == "CIDEA0001"


def test_desk_idea_with_text_prefills_the_modal(running, stub):
    running.command(f"idea {IDEA_EN}", response_url=stub.response_url(), user=_new_user())
    assert _text_area(_idea_modal(stub))["initial_value"] == IDEA_EN


def test_user_text_is_escaped_in_the_result(running, stub):
    user = _new_user()
    idea = "<!channel> 市の体育館に <b>社名</b> を付けたい & 維持費を払いたい"
    submit_view(running, "desk_idea_form", idea_values(idea), user=user, metadata={"l": "ja", "ch": "CIDEA0002"})
    [call] = stub.wait_for("chat.postEphemeral")
    raw = texts(call.blocks())                                  # what Slack renders (not button values)
    assert "<!channel>" not in raw and "<b>" not in raw and "&lt;b&gt;" in raw and "&amp;" in raw


@pytest.mark.parametrize("text, expect", [("", "入力"), ("😀🎉👍", "読み取れません"),
                                          ("あ" * 50_000, "長すぎます"), ("おはようございます", "どんなアイデア")])
def test_bad_input_shows_a_clear_message_under_the_text_area(running, stub, text, expect):
    status, resp = submit_view(running, "desk_idea_form", idea_values(text), user=_new_user(),
                               metadata={"l": "ja", "ch": "CIDEA0003"})
    assert status == 200 and resp["response_action"] == "errors"
    assert expect in resp["errors"]["idea"] and len(resp["errors"]["idea"]) <= 150
    running.settle()
    assert stub.of("chat.postEphemeral") == []


def test_result_goes_to_a_dm_when_the_bot_is_not_in_the_channel(running, stub):
    user = _new_user()
    stub.fail_next(1, error="channel_not_found", method="chat.postEphemeral")
    submit_view(running, "desk_idea_form", idea_values(IDEA_EN), user=user, metadata={"l": "en", "ch": "CNOTIN001"})
    [call] = stub.wait_for("chat.postMessage")
    assert call.args["channel"] == user
    assert "Partnership methods that fit" in texts(valid_blocks(call.blocks()))


# ---- the message shortcut -----------------------------------------------------------------------

def _shortcut(r, stub, text: str, *, user: str, key: str):
    payload = {"type": "message_action", "callback_id": "desk_idea_message", "team": {"id": TEAM_ID, "domain": "test"},
               "user": {"id": user, "team_id": TEAM_ID}, "channel": {"id": "CSHORT001", "name": "ideas"},
               "message": {"type": "message", "user": "UOTHER001", "ts": "1700000000.000100", "text": text},
               "message_ts": "1700000000.000100", "response_url": stub.response_url(key), "trigger_id": "1337.42.abcd",
               "token": "x", "action_ts": str(time.time())}
    return _payload(r, payload)


def test_message_shortcut_answers_the_asker_with_advice_on_the_message(running, stub, slack_db):
    user = _new_user()
    status, _ = _shortcut(running, stub, IDEA_EN, user=user, key="short1")
    assert status == 200
    [call] = stub.wait_for("response_url")
    assert call.path.endswith("/short1") and call.args["response_type"] == "ephemeral"
    body = texts(valid_blocks(call.blocks()))
    assert "Partnership methods that fit" in body and "Timing" in body
    with Session(slack_db) as s:
        assert s.exec(select(QuestionLog).where(QuestionLog.asker == user)).one().surface == "idea"


def test_message_shortcut_on_an_emoji_only_message_says_so(running, stub):
    _shortcut(running, stub, ":tada: 🎉🎉", user=_new_user(), key="short2")
    [call] = stub.wait_for("response_url")
    assert "読み取れません" in call.args["text"]


# ---- App Home -----------------------------------------------------------------------------------

def test_app_home_button_opens_the_modal_and_the_result_replaces_it(running, stub):
    user = _new_user()
    running.event({"type": "app_home_opened", "user": user, "channel": "DHOME0002", "tab": "home", "event_ts": "1.1"})
    [pub] = stub.wait_for("views.publish")
    home = valid_view(pub.view())
    [btn] = [b for b in buttons(home["blocks"]) if b["action_id"] == "desk_idea"]
    running.click("desk_idea", btn["value"], response_url=None, user=user,
                  container={"type": "view", "view_id": "VHOME"}, view={"id": "VHOME", "type": "home"})
    meta = json.loads(_idea_modal(stub)["private_metadata"])
    assert not meta.get("ch")
    status, resp = submit_view(running, "desk_idea_form", idea_values(IDEA_JA), user=user, metadata=meta)
    assert resp["response_action"] == "update"
    view = valid_view(resp["view"])
    assert "合いそうな連携の手法" in texts(view["blocks"])
    assert "desk_idea_propose" in {b["action_id"] for b in buttons(view["blocks"])}


# ---- into a proposal ----------------------------------------------------------------------------

def _result_for(running, stub, idea: str, user: str, channel: str = "CIDEA0009") -> list[dict]:
    submit_view(running, "desk_idea_form", idea_values(idea), user=user, metadata={"l": "ja", "ch": channel})
    [call] = stub.wait_for("chat.postEphemeral")
    return valid_blocks(call.blocks())


def _click_propose(running, stub, blocks, user):
    [btn] = [b for b in buttons(blocks) if b["action_id"] == "desk_idea_propose"]
    stub.reset()
    running.click("desk_idea_propose", btn["value"], response_url=stub.response_url("prop"), user=user,
                  channel="CIDEA0009")
    [call] = stub.wait_for("views.open")
    return unpack(btn["value"]), valid_view(call.view())


def _initial(view: dict, block_id: str):
    el = next(b for b in view["blocks"] if b.get("block_id") == block_id)["element"]
    return el.get("initial_value") or (el.get("initial_option") or {}).get("value")


def test_propose_this_opens_the_proposal_form_prefilled(running, stub):
    user = _new_user()
    blocks = _result_for(running, stub, IDEA_JA, user)
    value, form = _click_propose(running, stub, blocks, user)
    assert form["callback_id"] == "desk_proposal_form"
    assert _initial(form, "summary") == IDEA_JA                 # the full idea, read back from the log
    assert _initial(form, "method") == "pilot"                  # the top advised method: 実証実験
    meta = json.loads(form["private_metadata"])
    assert meta["a"]["m"][0] == "demonstration-experiment" and meta["a"]["on"]


def test_proposal_keeps_the_advice_and_the_staff_card_shows_precedents(running, stub, slack_db):
    user = _new_user()
    blocks = _result_for(running, stub, IDEA_JA, user)
    _, form = _click_propose(running, stub, blocks, user)
    meta = json.loads(form["private_metadata"])
    values = _proposal_values(summary=_initial(form, "summary"), method=_initial(form, "method"))
    stub.reset()
    status, resp = submit_view(running, "desk_proposal_form", values, user=user, metadata=meta)
    assert status == 200 and resp["response_action"] == "update"
    with Session(slack_db) as s:
        p = s.exec(select(Proposal).where(Proposal.submitter == user)).one()
    kept = json.loads(p.advice)
    assert kept["given"]["m"] == meta["a"]["m"] and kept["given"]["on"] == meta["a"]["on"]
    assert kept["precedents"] and kept["precedents"][0]["id"] == "fuchu-minchalle"
    card = texts(_staff_card(stub, p.ref))
    assert "近い事例" in card and "府中市" in card and "アイデア相談でのアドバイス" in card


def _proposal_values(*, summary: str, method: str = "pilot", org: str = "株式会社みらいテック",
                     title: str = "フレイル予防アプリの実証") -> dict:
    v = {"organisation": org, "contact_name": "山田 花子", "email": "hanako@example.co.jp", "title": title,
         "summary": summary}
    out = {k: {k: {"type": "email_text_input" if k == "email" else "plain_text_input", "value": val}}
           for k, val in v.items()}
    out["method"] = {"method": {"type": "static_select", "selected_option": {"value": method}}}
    out["needs_budget"] = {"needs_budget": {"type": "radio_buttons", "selected_option": {"value": "unsure"}}}
    return out


def _staff_card(stub, ref: str) -> list[dict]:
    """The staff card of `ref` (posted inside the submission's acknowledgement)."""
    cards = [c for c in stub.of("chat.postMessage")
             if c.args.get("channel") == STAFF_CHANNEL and ref in (c.args.get("text") or "")]
    assert cards, f"no staff card for {ref}"
    return valid_blocks(cards[-1].blocks())


def test_staff_card_shows_similar_earlier_proposals(running, stub, slack_db):
    a, b = _new_user(), _new_user()
    tag = uuid.uuid4().hex[:6]
    idea = f"市営プールの管理運営をまとめて民間に任せ、サービス向上とコスト削減を両立したい(案{tag})"
    org_a = f"株式会社アクア{tag}"
    submit_view(running, "desk_proposal_form", _proposal_values(summary=idea, org=org_a, title="市営プールの運営"),
                user=a, metadata={"l": "ja"})
    with Session(slack_db) as s:
        first = s.exec(select(Proposal).where(Proposal.submitter == a)).one()
    # The same idea from another company: listed as similar.
    submit_view(running, "desk_proposal_form",
                _proposal_values(summary=idea.replace("したい", "したいと考えています"), org=f"スイム{tag}合同会社",
                                 title="プールの指定管理"), user=b, metadata={"l": "ja"})
    with Session(slack_db) as s:
        second = s.exec(select(Proposal).where(Proposal.submitter == b)).one()
    similar = json.loads(second.advice)["similar"]
    assert [x["ref"] for x in similar][:1] == [first.ref] and similar[0]["same_company"] is False
    card = texts(_staff_card(stub, second.ref))
    assert "似た過去の提案" in card and first.ref in card and "似た内容" in card
    # The same company again with another idea: listed as the same company.
    submit_view(running, "desk_proposal_form",
                _proposal_values(summary="地域の子ども向けに週末プログラミング教室を無料で開きたい", org=f"㈱アクア{tag}",
                                 title="プログラミング教室"), user=_new_user(), metadata={"l": "ja"})
    with Session(slack_db) as s:
        third = s.exec(select(Proposal).order_by(Proposal.id.desc())).first()
    sim3 = json.loads(third.advice)["similar"]
    assert first.ref in [x["ref"] for x in sim3 if x["same_company"]]
    assert second.ref not in [x["ref"] for x in sim3]          # another company, another idea


def test_propose_this_preselects_the_top_matching_city_challenge(running, stub, slack_db):
    from bot.proposals.models import Challenge
    from bot.proposals.service import add_challenge
    from bot.proposals.staff import Actor

    ch = add_challenge(slack_db, {"title": "公共交通の空白地域の移動手段", "department": "交通政策課",
                                  "description": "バス路線の廃止で、日常の買い物や通院に困る地域がある。",
                                  "desired_outcome": "予約型の乗合交通などで日常の移動を支える"}, Actor("USTAFF", is_staff=True))
    try:
        user = _new_user()
        blocks = _result_for(running, stub, "AIを使った乗合のオンデマンド交通サービスを提供しています。利用者が少ない"
                                            "コミュニティバスの路線を、予約制の乗合車両に置き換えることを試したいです。", user)
        assert "公共交通の空白地域の移動手段" in texts(blocks)
        value, form = _click_propose(running, stub, blocks, user)
        assert value["c"] == ch.id and _initial(form, "challenge_id") == str(ch.id)
    finally:
        with Session(slack_db) as s:
            s.delete(s.get(Challenge, ch.id))
            s.commit()
