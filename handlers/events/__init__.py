"""Events API: `app_mention` (reply in the thread) and `message.im` (reply in the DM).

The ack function only acknowledges and hands the event to the app's bounded worker pool
(`Deps.defer`: like a Bolt lazy listener, without Bolt copying the whole request for it).
Each event is answered once across retries and processes: the worker claims the `event_id` in
the database (`bot.dedupe`) before answering, marks it done after the post, and gives the claim
back when nothing at all could be posted (so a redelivery may try again).

Ignored: the bot's own messages (Bolt drops them), other bots' messages, edits, deletions and
every other message subtype. Those are still acknowledged, or Slack would redeliver them.
"""
from __future__ import annotations

import logging
import re

from slack_bolt import App

from bot.db import quick
from bot.dedupe import claim_event, finish_event, release_event
from handlers.deps import Deps, deps_of
from handlers.send import post_reply
from bot.i18n import detect_lang

log = logging.getLogger(__name__)

_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
# Subtypes that are still a person writing a new message.
_PLAIN_SUBTYPES = (None, "thread_broadcast", "file_share")


def question_of(text: str | None) -> str:
    """The question in a message: mentions removed, whitespace tidied."""
    return re.sub(r"\s+", " ", _MENTION.sub(" ", text or "")).strip()


def is_from_person(event: dict) -> bool:
    """A new message written by a person (not a bot, not an edit / deletion / join notice …)."""
    return (event.get("subtype") in _PLAIN_SUBTYPES and not event.get("bot_id")
            and not event.get("bot_profile") and "edited" not in event and bool(event.get("user")))


def _is_mention(event) -> bool:
    return is_from_person(event)


def _is_dm(event) -> bool:
    return event.get("channel_type") == "im" and is_from_person(event)


def answer_event(deps: Deps, body: dict, event: dict, client, *, surface: str, thread_ts: str | None) -> None:
    """Claim the event, ask the desk, post the reply; shared by mentions and DMs."""
    event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('ts')}"
    try:
        claimed = claim_event(deps.db, event_id)
    except Exception as e:  # noqa: BLE001
        # The database is away (the claim gave up within seconds). Answering risks a duplicate if
        # Slack also redelivers; not answering would lose the question for sure. Answer.
        log.error("event %s: exactly-once check unavailable (%s); answering anyway", event_id, type(e).__name__)
        claimed = None
    if claimed is False:
        log.info("event %s already handled; duplicate delivery skipped", event_id)
        return
    channel, question = event["channel"], question_of(event.get("text"))
    reply = None
    try:
        with quick():        # the answer's own database work (the question log) waits seconds at most
            reply = deps.desk.answer(question, asker=event.get("user"), place=channel, surface=surface)
    except Exception:  # noqa: BLE001 — the user still gets the error notice below
        log.exception("answering event %s failed", event_id)
    delivered = post_reply(client, reply, channel=channel, thread_ts=thread_ts, lang=detect_lang(question))
    if claimed is not False:      # None: answered without a claim; recorded once the database is back
        (finish_event if delivered else release_event)(deps.db, event_id)


def _ack(ack):
    ack()


def _ack_mention(ack, body, event, client, context):
    ack()
    deps = deps_of(context)
    deps.defer(answer_event, deps, body, event, client, surface="slack-mention",
               thread_ts=event.get("thread_ts") or event.get("ts"))


def _ack_dm(ack, body, event, client, context):
    ack()
    # A DM is answered in the DM; inside a thread of the DM, in that thread.
    deps = deps_of(context)
    deps.defer(answer_event, deps, body, event, client, surface="slack-dm", thread_ts=event.get("thread_ts"))


def register(app: App) -> None:
    app.event("app_mention", matchers=[_is_mention])(_ack_mention)
    app.event("app_mention")(_ack)                          # edits, bots: acknowledged, ignored
    app.event("message", matchers=[_is_dm])(_ack_dm)
    app.event("message")(_ack)                              # everything else: acknowledged, ignored
