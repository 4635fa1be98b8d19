"""Reply → Block Kit: every kind renders valid blocks within Slack's limits, whatever the text."""
from __future__ import annotations

import json

from conftest import buttons, texts, valid_blocks
from hypothesis import given, settings, strategies as st

from bot.reply import Link, Reply
from handlers.blocks import BUTTON_VALUE_CHARS, escape, message_payload, split_text
from bot.i18n import t


def _reply(**kw):
    base = dict(kind="answer", question="PFIとは", lang="ja", text="PFIは…", title="PFI", entry_id="pfi",
                source="文書 — 節", log_id=7,
                related=tuple(Link(f"e{i}", f"関連{i}") for i in range(5)))
    base.update(kw)
    return Reply(**base)


def test_answer_has_title_text_source_three_related_and_feedback():
    blocks = valid_blocks(message_payload(_reply())[1])
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["text"] == "PFI"
    assert "PFIは…" in texts(blocks) and t("desk.source", "ja", source="文書 — 節") in texts(blocks)
    related = [b for b in buttons(blocks) if b["action_id"].startswith("desk_open_entry")]
    assert [json.loads(b["value"])["e"] for b in related] == ["e0", "e1", "e2"]
    fb = [b for b in buttons(blocks) if b["action_id"].startswith("desk_feedback")]
    assert [json.loads(b["value"])["id"] for b in fb] == [7, 7]


def test_suggest_has_did_you_mean_buttons_and_handoff():
    r = _reply(kind="suggest", title=None, related=(), handoff=True, text="どれでしょう",
               suggestions=(Link("a", "A案"), Link("b", "B案")))
    blocks = valid_blocks(message_payload(r)[1])
    opens = [json.loads(b["value"]) for b in buttons(blocks) if b["action_id"].startswith("desk_open_entry")]
    assert [o["e"] for o in opens] == ["a", "b"] and all(o["q"] == "PFIとは" for o in opens)
    assert any(b["action_id"] == "desk_handoff" for b in buttons(blocks))
    assert not any(b["action_id"].startswith("desk_feedback") for b in buttons(blocks))


def test_a_handoff_about_a_known_topic_links_that_entry_beside_the_handoff_button():
    r = _reply(kind="handoff", title=None, source=None, text="担当職員におつなぎします。", handoff=True,
               related=(Link("pfi", "PFI"),), intent="handoff", actions=("handoff",))
    blocks = valid_blocks(message_payload(r)[1])
    opens = [json.loads(b["value"])["e"] for b in buttons(blocks) if b["action_id"].startswith("desk_open_entry")]
    assert opens == ["pfi"] and any(b["action_id"] == "desk_handoff" for b in buttons(blocks))


def test_decline_has_only_the_handoff_button():
    blocks = valid_blocks(message_payload(_reply(kind="decline", title=None, related=(), source=None,
                                                 text="わかりません", handoff=True))[1])
    assert [b["action_id"] for b in buttons(blocks)] == ["desk_handoff"]


def test_english_ui_strings():
    blocks = valid_blocks(message_payload(_reply(lang="en", text="PFI is…"))[1])
    assert t("desk.helpful_yes", "en") in texts(blocks) and t("desk.related", "en") in texts(blocks)
    assert t("desk.helpful_yes", "ja") not in texts(blocks)


def test_long_answers_are_split_into_valid_sections_and_huge_ones_trimmed():
    long = ("これは長い段落です。" * 120 + "\n") * 6           # ~7,000 characters
    blocks = valid_blocks(message_payload(_reply(text=long))[1])
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(sections) >= 3 and all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert "".join(b["text"]["text"] for b in sections).replace("\n", "") == long.replace("\n", "")
    huge = "あ" * 400_000
    blocks = valid_blocks(message_payload(_reply(text=huge))[1])
    assert len(blocks) == 50 and t("desk.trimmed", "ja") in texts(blocks)
    assert any(b["action_id"].startswith("desk_feedback") for b in buttons(blocks))   # the tail survives


def test_long_question_fits_in_button_values():
    r = _reply(kind="decline", title=None, related=(), handoff=True, question="質" * 5000)
    blocks = valid_blocks(message_payload(r)[1])
    v = buttons(blocks)[0]["value"]
    assert len(v) <= BUTTON_VALUE_CHARS and json.loads(v)["q"].startswith("質質")


def test_mrkdwn_control_characters_are_escaped():
    blocks = valid_blocks(message_payload(_reply(text="<!channel> & <@U123> a<b"))[1])
    assert "<!channel>" not in texts(blocks) and "&lt;!channel&gt; &amp; &lt;@U123&gt; a&lt;b" in texts(blocks)


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=9000), title=st.text(min_size=1, max_size=300), question=st.text(max_size=3000),
       kind=st.sampled_from(["answer", "suggest", "decline", "invalid"]), lang=st.sampled_from(["ja", "en"]),
       n_links=st.integers(0, 6))
def test_any_reply_renders_valid_blocks(text, title, question, kind, lang, n_links):
    links = tuple(Link(f"id-{i}", title) for i in range(n_links))
    r = Reply(kind=kind, question=question, lang=lang, text=text, title=title, entry_id="x", source=title,
              related=links, suggestions=links, handoff=kind != "answer", log_id=1)
    fallback, blocks = message_payload(r)
    if blocks:
        valid_blocks(blocks)
    assert len(fallback) <= 3000


@given(st.text(max_size=20000))
@settings(max_examples=100, deadline=None)
def test_split_text_keeps_everything_within_limits(text):
    text = escape(text)
    chunks = split_text(text)
    assert all(0 < len(c) <= 2900 for c in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())   # nothing lost but whitespace


def test_items_become_open_buttons_and_actions_become_their_buttons():
    items = tuple(Link(f"case{i}", f"事例{i}") for i in range(3))
    blocks = valid_blocks(message_payload(_reply(related=(), items=items, intent="cases", title="事例",
                                                 actions=("propose", "remind", "handoff"), entry_kind=None))[1])
    ids = [b["action_id"] for b in buttons(blocks)]
    opened = [json.loads(b["value"])["e"] for b in buttons(blocks) if b["action_id"].startswith("desk_open_entry")]
    assert opened == ["case0", "case1", "case2"]
    assert {"desk_propose", "desk_remind_toggle", "desk_handoff"} <= set(ids)
    handoff = next(b for b in buttons(blocks) if b["action_id"] == "desk_handoff")
    assert json.loads(handoff["value"])["s"].startswith("PFIは")      # the answer seen travels along


def test_user_text_in_a_decline_is_escaped():
    r = _reply(kind="decline", title=None, related=(), handoff=True, text="<!channel> & <@U1>", log_id=None)
    text, blocks = message_payload(r)
    assert "&lt;!channel&gt; &amp; &lt;@U1&gt;" in texts(valid_blocks(blocks))
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
