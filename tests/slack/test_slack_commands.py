"""`/desk` and its sub-commands, through signed slash-command requests."""
from __future__ import annotations

import json
from datetime import date

import pytest
import time_machine
from conftest import buttons, texts, valid_blocks

from bot.fiscal import fiscal_year_of, load_calendar
from handlers.commands import desk as desk_cmd
from bot.i18n import t


def _ack(running, text, stub, key="r"):
    status, body = running.command(text, response_url=stub.response_url(key))
    assert status == 200
    if not body:
        return None
    return json.loads(body) if body.startswith("{") else {"text": body}   # Bolt sends a text-only ack as plain text


def _later(stub, n=1):
    calls = stub.wait_for("response_url", n)
    assert len(calls) >= n
    return calls[n - 1].args


def test_help_in_english(running, stub):
    blocks = valid_blocks(_ack(running, "help en", stub)["blocks"])
    assert blocks[0]["text"]["text"] == t("desk.help_title", "en") and "/desk methods" in texts(blocks)


@pytest.mark.parametrize("text", ["", "help", "  HELP  "])
def test_help(running, stub, text):
    body = _ack(running, text, stub)
    blocks = valid_blocks(body["blocks"])
    all_text = texts(blocks)
    for sub in ("calendar", "methods", "cases"):
        assert f"/desk {sub}" in all_text
    assert body.get("response_type") == "ephemeral"
    assert {b["action_id"] for b in buttons(blocks)} == {"desk_show:calendar", "desk_show:methods", "desk_show:cases"}


def test_question_is_acked_at_once_and_answered_via_response_url(running, stub, kb, slack_db):
    e = kb.entries["naming-rights"]
    assert _ack(running, e.title.ja, stub) is None           # empty ack: the answer follows
    msg = _later(stub)
    blocks = valid_blocks(msg["blocks"])
    assert e.title.ja in texts(blocks) and msg["response_type"] == "ephemeral"
    assert any(b["action_id"] == "desk_feedback_up" for b in buttons(blocks))


def test_english_question(running, stub, kb):
    e = kb.entries["naming-rights"]
    _ack(running, f"what are {e.title.en.lower()}", stub)
    msg = _later(stub)
    fb = [b for b in buttons(valid_blocks(msg["blocks"])) if b["action_id"] == "desk_feedback_up"]
    assert fb and json.loads(fb[0]["value"])["l"] == "en" and fb[0]["text"]["text"] == t("desk.helpful_yes", "en")


@pytest.mark.parametrize("on", [date(2027, 6, 15), date(2027, 10, 20), date(2028, 2, 1)])
def test_calendar_marks_today_and_the_reachable_budget_year(running, stub, on):
    cal = load_calendar(running.settings.knowledge_dir)
    with time_machine.travel(on.isoformat() + " 10:00 +0900", tick=True):
        body = _ack(running, "calendar", stub)
    blocks = valid_blocks(body["blocks"])
    all_text = texts(blocks)
    fy = fiscal_year_of(on)
    assert blocks[0]["type"] == "header" and str(fy) in blocks[0]["text"]["text"]
    for m in cal.milestones_for(fy):
        assert m.name.ja in all_text
    assert f"{t('desk.cal_today', 'ja')} ({on.month}/{on.day})" in all_text
    assert f"*{cal.budget_year_reachable(on)}年度*" in all_text
    current = [m for m in cal.milestones_for(fy) if m.contains(on)]
    for m in current:                                        # the current milestone is highlighted
        assert m.for_company.ja in all_text


def test_methods_lists_every_method_with_an_open_button(running, stub, kb):
    blocks = valid_blocks(_ack(running, "methods", stub)["blocks"])
    method_ids = {e.id for e in kb.entries.values() if e.kind == "method"}
    opened = {json.loads(b["value"])["e"] for b in buttons(blocks)}
    assert opened == method_ids
    for mid in method_ids:
        assert kb.entries[mid].title.ja in texts(blocks)


def test_cases_all_and_filtered_by_city_method_and_keyword(running, stub, kb):
    cases = [e for e in kb.entries.values() if e.kind == "case"]
    shown = lambda blocks: {json.loads(b["value"])["e"] for b in buttons(blocks)}  # noqa: E731

    all_blocks = valid_blocks(_ack(running, "cases", stub)["blocks"])
    assert shown(all_blocks) <= {c.id for c in cases} and len(shown(all_blocks)) == min(len(cases), 47)

    city = cases[0].municipality.ja
    got = shown(valid_blocks(_ack(running, f"cases {city}", stub)["blocks"]))
    assert got and got == {c.id for c in cases if c.municipality.ja == city or city in c.municipality.ja}

    with_method = next(c for c in cases if c.methods)
    mid = with_method.methods[0]
    got = shown(valid_blocks(_ack(running, f"cases {mid}", stub)["blocks"]))
    assert with_method.id in got and all(mid in kb.entries[i].methods for i in got)

    body = _ack(running, "cases zzzqqq-nothing", stub)
    assert not buttons(valid_blocks(body["blocks"]))


def test_typo_runs_the_intended_sub_command_and_an_unknown_word_shows_help(running, stub):
    blocks = valid_blocks(_ack(running, "calender", stub)["blocks"])
    assert blocks[0]["type"] == "header" and "年度" in blocks[0]["text"]["text"]
    assert _ack(running, "xyzzyplugh", stub) is None
    msg = _later(stub)
    assert "/desk calendar" in texts(valid_blocks(msg["blocks"]))    # the help
    # one Latin word that is not English: the default language, as bot.i18n.detect_lang decides for a question
    assert t("desk.unknown_sub", "ja", name="xyzzyplugh") in texts(msg["blocks"])


def test_registry_registers_a_name_once():
    reg = desk_cmd.SUBCOMMANDS
    try:
        real = desk_cmd.subcommand("zz-test", summary="command.idea")(lambda call: desk_cmd.Out("real"))
        assert reg["zz-test"].run is real
        with pytest.raises(ValueError):
            desk_cmd.subcommand("zz-test")(lambda call: desk_cmd.Out("other"))
        assert ("zz-test", t("command.idea", "ja")) in desk_cmd.extra_help("ja")
        assert ("zz-test", t("command.idea", "en")) in desk_cmd.extra_help("en")
        with pytest.raises(KeyError):               # a summary must be a catalogue key
            desk_cmd.subcommand("zz-test2", summary="command.no_such_key")
    finally:
        reg.pop("zz-test", None)


def test_slow_sub_command_is_acked_empty_then_answered_later(running, stub):
    try:
        @desk_cmd.subcommand("zz-slow", slow=True)
        def _slow(call):
            return desk_cmd.Out(f"done for {call.user_id}")
        assert _ack(running, "zz-slow", stub) is None
        assert _later(stub)["text"] == "done for UASKER01"
    finally:
        desk_cmd.SUBCOMMANDS.pop("zz-slow", None)


def test_a_failing_sub_command_gives_a_short_error(running, stub):
    try:
        @desk_cmd.subcommand("zz-boom")
        def _boom(call):
            raise RuntimeError("boom")
        assert _ack(running, "zz-boom", stub)["text"] == t("desk.error", "ja")
    finally:
        desk_cmd.SUBCOMMANDS.pop("zz-boom", None)
