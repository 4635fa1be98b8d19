"""Buttons (block_actions): open an entry, 👍/👎 feedback, hand-off to the desk staff, screens.

Every ack function only acknowledges; the work runs in a lazy listener. Replies to the person
who clicked go to the interaction's response_url as ephemeral messages (so they work in
channels the bot is not in, and on ephemeral `/desk` answers). Buttons on App Home or inside a
modal have no response_url: they open (or push) a modal instead.
"""
from __future__ import annotations

import logging
import re

from slack_bolt import App

from handlers.actions.common import ack_now as _ack, first_action as _action, open_modal
from handlers.blocks import (
    A_FEEDBACK_DOWN, A_FEEDBACK_UP, A_OPEN, A_SHOW, feedback_done_blocks, message_payload, unpack,
)
from handlers.deps import deps_of
from handlers.send import respond_to
from bot.i18n import t
from handlers.views.screens import SCREENS, as_message, entry_modal, modal, screen_blocks

log = logging.getLogger(__name__)


def _in_view(body: dict) -> bool:
    """Clicked on App Home or in a modal (no response_url there)."""
    return (body.get("container") or {}).get("type") == "view" or not body.get("response_url")


# ---- open an entry (related, did-you-mean, methods, cases) --------------------------------------

def open_entry(body, client, context):
    deps = deps_of(context)
    data = unpack(_action(body).get("value"))
    lang = data.get("l") or "ja"
    entry_id = data.get("e")
    if entry_id not in deps.desk.kb.entries:
        log.warning("open entry: unknown entry id %r (knowledge changed since the message?)", entry_id)
        respond_to(body.get("response_url"), text=t("desk.error", lang), what="open entry")
        return
    reply = deps.desk.open_entry(entry_id, lang, question=data.get("q") or "", asker=body.get("user", {}).get("id"),
                                 place=(body.get("channel") or {}).get("id"), surface="slack-button")
    if _in_view(body):
        open_modal(client, body, entry_modal(reply))
        return
    text, blocks = message_payload(reply)
    respond_to(body.get("response_url"), text=text, blocks=blocks, what="open entry")


# ---- feedback -----------------------------------------------------------------------------------

def _feedback(body, context, helpful: bool):
    deps = deps_of(context)
    data = unpack(_action(body).get("value"))
    lang = data.get("l") or "ja"
    try:
        deps.desk.record_feedback(int(data["id"]), body["user"]["id"], helpful)
    except Exception as e:  # noqa: BLE001
        log.error("feedback not stored (question %r): %r", data.get("id"), e)
        respond_to(body.get("response_url"), text=t("desk.error", lang), what="feedback error")
        return
    thanks = t("desk.thanks_up" if helpful else "desk.thanks_down", lang)
    original = (body.get("message") or {}).get("blocks")
    if original:      # the buttons replaced in place (👎: with the offer of a person)
        blocks = feedback_done_blocks(original, int(data["id"]), lang, helpful,
                                      question=data.get("q"))
        if respond_to(body.get("response_url"), text=(body.get("message") or {}).get("text") or thanks,
                      blocks=blocks, replace_original=True, what="feedback thanks"):
            return
    respond_to(body.get("response_url"), text=thanks, what="feedback thanks")


def feedback_up(body, context):
    _feedback(body, context, True)


def feedback_down(body, context):
    _feedback(body, context, False)


# ---- screens (App Home and help buttons) --------------------------------------------------------

def show_screen(body, client, context):
    deps = deps_of(context)
    data = unpack(_action(body).get("value"))
    name, lang = data.get("s"), data.get("l") or "ja"
    if name not in SCREENS:
        log.warning("unknown screen %r", name)
        return
    if _in_view(body):
        blocks = screen_blocks(name, deps.settings, deps.desk.kb, lang, limit=100)
        open_modal(client, body, modal(t(f"desk.btn_{name}", lang).split(" ", 1)[-1], blocks, lang))
    else:
        text, blocks = as_message(screen_blocks(name, deps.settings, deps.desk.kb, lang), t(f"desk.btn_{name}", lang))
        respond_to(body.get("response_url"), text=text, blocks=blocks, what=f"screen {name}")


def register(app: App) -> None:
    app.action(re.compile(rf"^{A_OPEN}(:\d+)?$"))(ack=_ack, lazy=[open_entry])
    app.action(A_FEEDBACK_UP)(ack=_ack, lazy=[feedback_up])
    app.action(A_FEEDBACK_DOWN)(ack=_ack, lazy=[feedback_down])
    app.action(re.compile(rf"^{A_SHOW}:"))(ack=_ack, lazy=[show_screen])
    __import__("handlers.actions.proposal", fromlist=["register"]).register(app)   # the proposal desk
    __import__("handlers.actions.idea", fromlist=["register"]).register(app)       # the idea advisor
    __import__("handlers.actions.handoff", fromlist=["register"]).register(app)    # hand-offs (a record)
