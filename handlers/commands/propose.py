"""`/desk` sub-commands of the proposal desk.

    /desk propose                    open the proposal form (anyone)
    /desk my-proposals               your own proposals and their status
    /desk proposal P-2026-0001       one proposal with its history (staff, or its proposer)
    /desk proposals [status|keyword] list and filter (staff only)
    /desk challenges                 the city's open challenges (staff also get "add challenge")
"""
from __future__ import annotations

import logging

from bot.proposals import status as st
from bot.proposals.service import NotFound, get_proposal, list_challenges, list_proposals, my_proposals, parse_filter
from bot.proposals.staff import NotStaff
from bot.proposals.text import one_line
from handlers.blocks import escape
from handlers.commands.desk import Call, Out, subcommand
from handlers.send import reason
from handlers.proposals.cards import detail_blocks, list_blocks
from handlers.proposals.challenges import challenges_message
from handlers.proposals.form import open_proposal_form
from handlers.proposals.staff import actor_of, not_staff_text
from bot.i18n import t
from handlers.proposals.ui import quick_client

log = logging.getLogger(__name__)


@subcommand("propose", summary="command.propose")
def propose(call: Call) -> Out:
    # Inside the ack: trigger_id lives 3 seconds, so a quick client (short timeout, no retries).
    try:
        open_proposal_form(call.deps, quick_client(call.client), call.trigger_id, call.lang)
    except Exception as e:  # noqa: BLE001
        log.error("/desk propose: views.open failed: %s", reason(e))
        return Out(t("proposal.open_failed", call.lang))
    return Out(t("proposal.opened", call.lang))


@subcommand("my-proposals", slow=True, summary="command.my_proposals")
def mine(call: Call) -> Out:
    views = my_proposals(call.deps.db, call.user_id)
    title = t("proposal.mine_title", call.lang)
    if not views:
        return Out(t("proposal.mine_none", call.lang))
    return Out(escape("\n".join(one_line(v, call.lang) for v in views)[:3000]), list_blocks(views, title, call.lang))


@subcommand("proposal", slow=True, summary="command.proposal")
def one(call: Call) -> Out:
    ref = call.args.split(" ")[0] if call.args else ""
    if not ref:
        return Out(t("proposal.ref_missing", call.lang))
    # A bare reference number says nothing about language: Japanese, or the proposal's own.
    lang = call.lang if call.args.strip() != ref else "ja"
    actor = actor_of(call.deps, call.client, call.user_id)
    try:
        v = get_proposal(call.deps.db, ref, actor)
    except NotFound:
        return Out(t("proposal.not_found", lang, ref=escape(ref)))
    lang = "ja" if actor.is_staff else (v.lang if call.args.strip() == ref else lang)
    return Out(escape(one_line(v, lang)), detail_blocks(v, lang, staff=actor.is_staff))


@subcommand("proposals", slow=True, summary="command.proposals")
def listing(call: Call) -> Out:
    actor = actor_of(call.deps, call.client, call.user_id)
    status, keyword = parse_filter(call.args)
    try:
        views = list_proposals(call.deps.db, actor, status=status, keyword=keyword)
    except NotStaff:
        return Out(not_staff_text(call.lang))
    what = st.label(status) if status else (f"「{escape(keyword)}」" if keyword else "すべて")
    title = f"提案一覧: {what}({len(views)}件)"
    return Out(title, list_blocks(views, title, "ja"))


@subcommand("challenges", slow=True, summary="command.challenges")
def challenges(call: Call) -> Out:
    actor = actor_of(call.deps, call.client, call.user_id)
    text, blocks = challenges_message(list_challenges(call.deps.db), call.lang, staff=actor.is_staff)
    return Out(text, blocks)
