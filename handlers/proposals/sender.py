"""`SlackOutboxSender`: the Slack implementation of `bot.proposals.outbox.Sender` (renders one
outbox message and posts it; raises on failure, and the outbox retries)."""
from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.fiscal import BudgetCalendar
from bot.i18n import t
from bot.proposals.advice import timing_advice
from bot.proposals.outbox import Outgoing, Posted
from bot.proposals.text import receipt as receipt_text
from bot.proposals.text import status_notice
from handlers.blocks import context, escape, section
from handlers.proposals.cards import list_blocks, staff_card

log = logging.getLogger(__name__)


class SlackOutboxSender:
    """Renders one outbox message and posts it; raises on failure (the outbox retries).
    A `bot.proposals.outbox.Sender`: the scheduler builds it with `from_settings`."""

    def __init__(self, client: WebClient, staff_channel: str | None, calendar: BudgetCalendar):
        self.client, self.staff_channel, self.calendar = client, staff_channel, calendar   # calendar: receipts' advice

    @classmethod
    def from_settings(cls, settings) -> "SlackOutboxSender":
        from bot.fiscal import calendar_for
        from handlers.app import build_client   # retries 429 / 5xx / connection errors

        return cls(build_client(settings), settings.desk_staff_channel, calendar_for(settings))

    def _staff_channel(self) -> str:
        ch = self.staff_channel
        if not ch:
            raise RuntimeError("DESK_STAFF_CHANNEL is not set")
        return ch

    def __call__(self, msg: Outgoing) -> Posted | None:
        v = msg.proposal
        if msg.kind == "staff_new" and v:
            text, blocks = staff_card(v)
            resp = self.client.chat_postMessage(channel=self._staff_channel(), text=text, blocks=blocks,
                                                unfurl_links=False)
            return Posted(resp["channel"], resp["ts"])
        if msg.kind == "staff_update" and v:
            if v.staff_ts and v.staff_channel:      # not posted yet: the first post shows the current state
                text, blocks = staff_card(v)
                self.client.chat_update(channel=v.staff_channel, ts=v.staff_ts, text=text, blocks=blocks)
            return None
        if msg.kind == "proposer_receipt" and v and msg.target:
            advice = timing_advice(v.submitted_on, v.needs_budget, v.lang, calendar=self.calendar)
            text = escape(receipt_text(v, advice.text, staff_notified=v.staff_ts is not None))
            self.client.chat_postMessage(channel=msg.target, text=text, blocks=[section(p).to_dict()
                                         for p in text.split("\n\n") if p.strip()][:40])
            return None
        if msg.kind == "proposer_status" and v and msg.target:
            text = escape(status_notice(v, msg.payload.get("old", ""), msg.payload.get("new", v.status)))
            more = t("proposal.details_hint", v.lang, ref=v.ref)
            self.client.chat_postMessage(channel=msg.target, text=text,
                                         blocks=[section(text).to_dict(), context(more).to_dict()])
            return None
        if msg.kind == "staff_nudge":
            days = msg.payload.get("days")
            head = f"⏰ {days}日以上状況が変わっていない提案が {len(msg.proposals)} 件あります"
            text, blocks = head, list_blocks(list(msg.proposals), head, "ja")
            self.client.chat_postMessage(channel=self._staff_channel(), text=text, blocks=blocks)
            return None
        log.warning("outbox message %s of kind %s has nothing to send; dropped", msg.id, msg.kind)
        return None
