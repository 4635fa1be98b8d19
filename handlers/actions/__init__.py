"""Buttons (block_actions): open an entry, 👍/👎 feedback, hand-off to the desk staff, screens.

Every ack function only acknowledges; the work runs in a lazy listener. Replies to the person
who clicked go to the interaction's response_url as ephemeral messages (so they work in
channels the bot is not in, and on ephemeral `/desk` answers). Buttons on App Home or inside a
modal have no response_url: they open (or push) a modal instead.
"""
from __future__ import annotations

import hashlib
import logging
import re

from slack_bolt import App

from bot.dedupe import claim_event, finish_event, release_event
from handlers.actions.common import ack_now as _ack, first_action as _action, open_modal
from handlers.blocks import (
    A_FEEDBACK_DOWN, A_FEEDBACK_UP, A_HANDOFF, A_OPEN, A_SHOW, clip, context as context_block, escape, message_payload, section,
    unpack,
)
from handlers.deps import deps_of
from handlers.send import post, reason, respond_to
from handlers.text import t
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
        respond_to(body.get("response_url"), text=t("error", lang), what="open entry")
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
        respond_to(body.get("response_url"), text=t("error", lang), what="feedback error")
        return
    respond_to(body.get("response_url"), text=t("thanks_up" if helpful else "thanks_down", lang),
               what="feedback thanks")


def feedback_up(body, context):
    _feedback(body, context, True)


def feedback_down(body, context):
    _feedback(body, context, False)


# ---- hand-off to the desk staff -----------------------------------------------------------------

def _permalink(client, channel: str | None, message_ts: str | None) -> str | None:
    """A link to the conversation, so staff can answer in place (none for ephemeral answers)."""
    if not (channel and message_ts):
        return None
    try:
        return client.chat_getPermalink(channel=channel, message_ts=message_ts).get("permalink")
    except Exception as e:  # noqa: BLE001 — the hand-off goes out without the link
        log.info("no permalink for the hand-off: %s", reason(e))
        return None


def handoff(body, client, context):
    """Post the question, asker and channel to DESK_STAFF_CHANNEL; tell the asker. Once per
    question and asker, even if the button is clicked twice or on two processes."""
    deps = deps_of(context)
    data = unpack(_action(body).get("value"))
    lang, question = data.get("l") or "ja", data.get("q") or ""
    user = (body.get("user") or {}).get("id", "")
    channel = (body.get("channel") or {}).get("id")
    staff = deps.settings.desk_staff_channel
    url = body.get("response_url")
    if not staff:
        log.warning("hand-off requested but DESK_STAFF_CHANNEL is not set")
        respond_to(url, text=t("handoff_unset", lang), what="hand-off")
        return
    key = f"handoff:{data.get('id') or hashlib.sha1(question.encode()).hexdigest()}:{user}"
    try:
        claimed = claim_event(deps.db, key)
    except Exception as e:  # noqa: BLE001 — database away: pass it on anyway (a rare double beats a lost one)
        log.error("hand-off: exactly-once check unavailable (%s); posting anyway", type(e).__name__)
        claimed = None
    if claimed is False:
        respond_to(url, text=t("handoff_again", lang), what="hand-off")
        return
    if not channel:
        where = ""
    elif channel.startswith("D"):
        where = t("handoff_where_dm", "ja")
    else:
        where = t("handoff_where", "ja", channel=channel)
    head = t("handoff_staff", "ja", user=user, where=where)
    quoted = "\n".join("> " + line for line in escape(clip(question, 2500)).splitlines()) or "> —"
    blocks = [section(head), section(quoted)]
    notes = [f"question log #{data['id']}"] if data.get("id") else []
    link = _permalink(client, channel, (body.get("container") or {}).get("message_ts"))
    if link:
        notes.append(f"<{link}|{t('handoff_link', 'ja')}>")
    if notes:
        blocks.append(context_block(" · ".join(notes + [f"lang {lang}"])))
    delivered = post(client, channel=staff, text=f"{head}\n{escape(clip(question, 2000))}",
                     blocks=[b.to_dict() for b in blocks], what="hand-off")
    if claimed is not False:                   # after a failure, a second click may try again
        (finish_event if delivered else release_event)(deps.db, key)
    respond_to(url, text=t("handoff_done" if delivered else "post_failed", lang), what="hand-off")


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
        open_modal(client, body, modal(t(f"btn_{name}", lang).split(" ", 1)[-1], blocks, lang))
    else:
        text, blocks = as_message(screen_blocks(name, deps.settings, deps.desk.kb, lang), t(f"btn_{name}", lang))
        respond_to(body.get("response_url"), text=text, blocks=blocks, what=f"screen {name}")


def register(app: App) -> None:
    app.action(re.compile(rf"^{A_OPEN}(:\d+)?$"))(ack=_ack, lazy=[open_entry])
    app.action(A_FEEDBACK_UP)(ack=_ack, lazy=[feedback_up])
    app.action(A_FEEDBACK_DOWN)(ack=_ack, lazy=[feedback_down])
    app.action(A_HANDOFF)(ack=_ack, lazy=[handoff])
    app.action(re.compile(rf"^{A_SHOW}:"))(ack=_ack, lazy=[show_screen])
    __import__("handlers.actions.proposal", fromlist=["register"]).register(app)   # the proposal desk
    __import__("handlers.actions.idea", fromlist=["register"]).register(app)       # the idea advisor
