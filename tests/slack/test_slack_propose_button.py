"""The "propose" button under answers where proposing is the next step (how-to, calendar, method
entries), through the real Bolt request path: a signed app_mention, the answer posted to the
stub, then a signed block_actions click that opens the proposal modal (views.open)."""
from __future__ import annotations

import json

import pytest
from conftest import buttons, mention, valid_blocks, valid_view

from handlers.blocks import A_PROPOSE, PROPOSE_AFTER_KINDS


def _answer(running, stub, question: str, channel: str) -> list[dict]:
    running.event(mention(question, channel=channel))
    [call] = stub.wait_for("chat.postMessage")
    stub.reset()
    return valid_blocks(call.blocks())


def _entry_of(blocks) -> str:
    fb = next(b for b in buttons(blocks) if b["action_id"].startswith("desk_feedback"))
    return json.loads(fb["value"])["e"]


def test_howto_answer_carries_the_button_and_clicking_it_opens_the_form(running, stub, kb):
    e = kb.entries["how-to-propose"]
    assert e.kind == "howto"
    blocks = _answer(running, stub, e.title.ja, "CPROPOSE1")
    assert _entry_of(blocks) == e.id
    [btn] = [b for b in buttons(blocks) if b["action_id"] == A_PROPOSE]
    assert json.loads(btn["value"])["l"] == "ja"

    status, _ = running.click(btn["action_id"], btn["value"], response_url=stub.response_url("prop"),
                              channel="CPROPOSE1")
    assert status == 200
    [opened] = stub.wait_for("views.open")
    assert opened.args["trigger_id"] == "1337.42.abcd"
    view = valid_view(opened.view())
    assert view["callback_id"] == "desk_proposal_form"
    assert {"organisation", "title", "summary", "method"} <= {b.get("block_id") for b in view["blocks"]}


def test_english_method_answer_has_an_english_button(running, stub, kb):
    e = next(x for x in kb.entries.values() if x.kind == "method" and x.title.en)
    blocks = _answer(running, stub, e.title.en, "CPROPOSE2")
    assert _entry_of(blocks) == e.id
    [btn] = [b for b in buttons(blocks) if b["action_id"] == A_PROPOSE]
    assert json.loads(btn["value"])["l"] == "en" and "proposal" in btn["text"]["text"]


@pytest.mark.parametrize("kind", ["case", "term", "context"])
def test_no_button_under_cases_terms_and_background(running, stub, kb, kind):
    assert kind not in PROPOSE_AFTER_KINDS
    e = next(x for x in sorted(kb.entries.values(), key=lambda x: x.id) if x.kind == kind)
    blocks = _answer(running, stub, e.title.ja, f"CNOPROP{kind[:2].upper()}")
    assert _entry_of(blocks) == e.id
    assert not [b for b in buttons(blocks) if b["action_id"] == A_PROPOSE]
