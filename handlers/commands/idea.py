"""`/desk idea [TEXT]`: the idea advisor's modal (pre-filled with TEXT); the result comes back as
an ephemeral message in the channel (handlers/views/idea.py)."""
from __future__ import annotations

import logging

from handlers.commands.desk import Call, Out, subcommand
from handlers.send import reason
from bot.i18n import t
from handlers.views.idea import open_idea_form
from handlers.proposals.ui import quick_client

log = logging.getLogger(__name__)


@subcommand("idea", summary="command.idea")
def idea(call: Call) -> Out:
    # Inside the ack: trigger_id lives 3 seconds, so a quick client (short timeout, no retries).
    try:
        open_idea_form(quick_client(call.client), call.trigger_id, call.lang, initial=call.args or None,
                       channel=call.channel_id)
    except Exception as e:  # noqa: BLE001
        log.error("/desk idea: views.open failed: %s", reason(e))
        return Out(t("idea.open_failed", call.lang))
    return Out(t("idea.opened", call.lang))
