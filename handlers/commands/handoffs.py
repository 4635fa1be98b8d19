"""`/desk handoffs`: the hand-offs not yet done, oldest first, with their age — staff only (the
members of DESK_STAFF_CHANNEL and DESK_STAFF_USER_IDS); anyone else is told so."""
from __future__ import annotations

from handlers.blocks import context, header, section
from handlers.commands.desk import Call, Out, subcommand
from bot.i18n import t
from handlers.proposals.staff import actor_of
from handlers.views.screens import open_handoff_lines

SHOWN = 30


@subcommand("handoffs", slow=True, summary="command.handoffs")
def handoffs(call: Call) -> Out:
    if not actor_of(call.deps, call.client, call.user_id).is_staff:
        return Out(t("desk.handoffs_staff_only", call.lang))
    lines = open_handoff_lines(call.deps.db, call.lang)
    if not lines:
        return Out(t("desk.handoffs_none", call.lang))
    blocks = [header(t("desk.handoffs_title", call.lang)), section("\n".join(lines))]
    if len(lines) >= SHOWN:
        blocks.append(context("`deskbot handoffs list`"))
    return Out(t("desk.handoffs_title", call.lang), [b.to_dict() for b in blocks])
