"""Mentions typed by a company (or anyone) never reach Slack live: every staff-facing message —
new proposal card, card updates, hand-off, stale nudge, status notices, receipts, details, lists,
challenges — carries them escaped, in `text` (notifications, mobile pushes) and blocks alike."""
from __future__ import annotations

import json

from slack_sdk import WebClient

from bot.proposals.outbox import deliver_outbox
from proposals.helpers import shipped_calendar
from bot.proposals.service import nudge_stale
from handlers.blocks import A_HANDOFF, pack
from proposals.test_slack_proposals import (COMPANY, LISTED_STAFF, STAFF_CHANNEL, click_status, desk_app,  # noqa: F401
                                            outbox_idle, propose, responses, stub, the_proposal, view_submission,
                                            wait_until)

MENTIONS = ("<!channel>", "<!here>", "<!subteam^S123>", "<@U123>", "<!everyone>")
TYPED = " ".join(MENTIONS)
ESCAPED = "&lt;!channel&gt;"
POSTING = ("chat.postMessage", "chat.update", "chat.postEphemeral", "response_url")


def sent(stub) -> list[str]:
    """What each posted message carried (text and blocks), as one string per call."""
    return [json.dumps({k: c.args.get(k) for k in ("text", "blocks")}, ensure_ascii=False)
            for c in stub.calls if c.method in POSTING]


def test_no_raw_mention_reaches_any_staff_facing_message(desk_app, stub, db_engine):
    text_field = lambda name, v: {name: {name: {"type": "plain_text_input", "value": v}}}  # noqa: E731
    # a company proposes: the staff card, its receipt DM
    propose(desk_app, organisation=f"株式会社X {TYPED}", contact_name=f"山田 {TYPED}",
            title=f"{TYPED} 至急", summary=f"概要 {TYPED}\n二行目 <@U123|name>")
    ref = the_proposal(db_engine).ref
    wait_until(lambda: [c for c in stub.of("chat.postMessage") if c.args.get("channel") == COMPANY])   # its receipt DM
    # staff triage: status (card update, the proposer's notice), department, note
    click_status(desk_app, stub, ref, "received", "reviewing", user=LISTED_STAFF, key="s1")
    wait_until(lambda: responses(stub, "s1"))
    view_submission(desk_app, "desk_proposal_assign_form", {"values": text_field("department", f"課 {TYPED}")},
                    user=LISTED_STAFF, view_id="VASSIGN", metadata={"l": "ja", "r": ref})
    view_submission(desk_app, "desk_proposal_note_form", {"values": text_field("text", f"メモ {TYPED}")},
                    user=LISTED_STAFF, view_id="VNOTE", metadata={"l": "ja", "r": ref})
    outbox_idle(db_engine)
    # a challenge with a mention in it, then the lists and details
    view_submission(desk_app, "desk_challenge_form", {"values": {
        **text_field("title", f"課題 {TYPED}"), **text_field("department", f"課 {TYPED}"),
        **text_field("description", TYPED), **text_field("desired_outcome", TYPED)}},
        user=LISTED_STAFF, view_id="VCH", metadata={"l": "ja"})
    for i, (cmd, user) in enumerate([(f"proposal {ref}", LISTED_STAFF), (f"proposal {ref}", COMPANY),
                                     ("proposals", LISTED_STAFF), (f"proposals {TYPED}", LISTED_STAFF),
                                     ("my-proposals", COMPANY), ("challenges", LISTED_STAFF),
                                     (f"proposal {TYPED}", COMPANY)]):
        desk_app.command(cmd, response_url=stub.response_url(f"c{i}"), user=user)
        wait_until(lambda: responses(stub, f"c{i}"))
    # a hand-off of a question with mentions in it
    desk_app.click(A_HANDOFF, pack(q=f"質問 {TYPED}", l="ja"), response_url=stub.response_url("h"), user=COMPANY)
    wait_until(lambda: responses(stub, "h"))
    # the stale nudge (everything open counts as stale with days=0)
    from handlers.proposals.sender import SlackOutboxSender

    assert nudge_stale(db_engine, days=0) == [ref]
    deliver_outbox(db_engine, SlackOutboxSender(WebClient(base_url=stub.api_url, token="xoxb-test"), STAFF_CHANNEL,
                              shipped_calendar()))

    posted = sent(stub)
    kinds = {c.method for c in stub.calls}
    assert {"chat.postMessage", "chat.update", "response_url"} <= kinds
    staff = [c for c in stub.of("chat.postMessage") if c.args.get("channel") == STAFF_CHANNEL]
    assert len(staff) == 3                                   # the card, the hand-off, the nudge
    assert all(ESCAPED in json.dumps(c.args, ensure_ascii=False) for c in staff)
    leaks = [(m, p[:200]) for p in posted for m in MENTIONS + ("<@U123|name>",) if m in p]
    assert leaks == []
    assert sum(ESCAPED in p for p in posted) >= 10           # the text really went through every path
