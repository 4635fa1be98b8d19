"""`/desk remind on [ja|en] | off | status`: budget-calendar reminders for this channel, or for
the user in a DM. The words are handled by `bot.reminders.remind_command`; this only translates
the Slack payload."""
from __future__ import annotations

import re

from bot.fiscal import calendar_for
from bot.i18n import detect_lang
from bot.reminders.command import remind_command
from handlers.commands.desk import Call, Out, subcommand

_KEYWORDS = re.compile(r"\b(on|off|status|subscribe|unsubscribe|start|stop|remind)\b", re.I)


def is_dm(call: Call) -> bool:
    return (call.channel_id or "").startswith("D") or call.payload.get("channel_name") == "directmessage"


@subcommand("remind", slow=True, summary="command.remind")
def remind(call: Call) -> Out:
    text = remind_command(call.args, channel_id=call.channel_id, user_id=call.user_id, is_dm=is_dm(call),
                          lang=detect_lang(_KEYWORDS.sub("", call.args or "")), engine=call.deps.db,  # `on en` → English
                          calendar=calendar_for(call.deps.settings))
    return Out(text)
