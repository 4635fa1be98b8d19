"""The Slack implementations of the core's senders, built by the entry point from the settings.

- `SlackSender`: a `bot.reminders.delivery.Sender` on a slack_sdk WebClient (reminders);
- `SlackOutboxSender` (handlers/proposals/sender.py): a `bot.proposals.outbox.Sender`;
- `SlackSenders`: the `bot.senders.Senders` the composition root (bot/cli.py, `deskbot run`)
  passes to the commands that deliver: Slack when a bot token is configured, else the console
  for reminders and nothing for the outbox (messages wait there).
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from bot.reminders.delivery import (METADATA_EVENT, ConsoleSender, DeliveryError, MaybeDelivered,
                                    PermanentFailure, RetryLater)

log = logging.getLogger(__name__)


class SlackSender:
    """Posts with a slack_sdk WebClient (`base_url` from `settings.slack_api_url`).

    Retries inside the client only where that can never duplicate a message: a connection that
    was refused (the request never left). 429 (with its Retry-After), 5xx and dropped
    connections go back to the ledger, which reschedules the row and, when Slack may already
    have posted it, looks for the message (by its metadata key) before sending again.
    """

    PERMANENT = {"channel_not_found", "not_in_channel", "is_archived", "account_inactive",
                 "user_not_found", "cannot_dm_bot", "invalid_auth", "not_authed", "token_revoked",
                 "restricted_action", "msg_too_long", "no_text", "invalid_blocks", "missing_scope",
                 "team_access_not_granted", "ekm_access_denied", "channel_is_archived"}

    def __init__(self, client):
        self.client = client
        self._dm_channels: dict[str, str] = {}

    @classmethod
    def from_settings(cls, settings) -> "SlackSender":
        from slack_sdk import WebClient
        from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler

        if settings.slack_bot_token is None:
            raise ValueError("SLACK_BOT_TOKEN is not set")
        class RefusedRetry(ConnectionErrorRetryHandler):
            """Retry only connections that were refused: the request never left, so no duplicate."""
            def _can_retry(self, *, state, request, response=None, error=None) -> bool:
                reason = getattr(error, "reason", error)
                return response is None and isinstance(reason, ConnectionRefusedError)

        kwargs = {"base_url": settings.slack_api_url} if settings.slack_api_url else {}
        from handlers.send import backoff_interval

        interval = backoff_interval(settings.slack_retry_backoff)
        client = WebClient(token=settings.slack_bot_token.get_secret_value(), timeout=20,
                           retry_handlers=[RefusedRetry(max_retry_count=2, interval_calculator=interval)], **kwargs)
        return cls(client)

    @staticmethod
    def _classify(e: Exception) -> DeliveryError:
        from slack_sdk.errors import SlackApiError

        if isinstance(e, SlackApiError) and e.response is not None:
            status, code = e.response.status_code, e.response.get("error")
            if status == 429 or code == "ratelimited":
                try:
                    ra = float(e.response.headers.get("Retry-After", e.response.headers.get("retry-after", 1)))
                except (TypeError, ValueError):
                    ra = 1.0
                return RetryLater(f"ratelimited (HTTP 429, Retry-After {ra:g})", retry_after=ra)
            if status >= 500 or code in ("internal_error", "fatal_error", "request_timeout",
                                         "service_unavailable"):
                return MaybeDelivered(f"{code or 'server error'} (HTTP {status})")
            if code in SlackSender.PERMANENT:
                return PermanentFailure(f"{code} (HTTP {status})")
            return MaybeDelivered(f"{code or 'error'} (HTTP {status})")
        if isinstance(getattr(e, "reason", e), ConnectionRefusedError):
            return RetryLater(f"connection refused: {e}", retry_after=5.0)
        return MaybeDelivered(f"{type(e).__name__}: {str(e)[:200]}")

    def send(self, target_id: str, text: str, *, key: str | None = None) -> str | None:
        meta = {"event_type": METADATA_EVENT, "event_payload": {"key": key}} if key else None
        try:
            resp = self.client.chat_postMessage(channel=target_id, text=text, metadata=meta,
                                                unfurl_links=False, unfurl_media=False)
        except Exception as e:  # noqa: BLE001 — every failure is classified for the ledger
            raise self._classify(e) from e
        if target_id[:1] in "UW" and resp.get("channel"):
            self._dm_channels[target_id] = resp["channel"]
        return resp.get("ts")

    def was_sent(self, target_id: str, key: str, since: datetime) -> bool | None:
        try:
            channel = target_id
            if target_id[:1] in "UW":   # a user: look in the bot's DM with them
                channel = self._dm_channels.get(target_id) or \
                    self.client.conversations_open(users=target_id)["channel"]["id"]
            oldest = f"{since.replace(tzinfo=since.tzinfo or timezone.utc).timestamp() - 120:.6f}"
            cursor = None
            for _ in range(20):
                resp = self.client.conversations_history(channel=channel, oldest=oldest, limit=200,
                                                          include_all_metadata=True, cursor=cursor)
                for m in resp.get("messages", []):
                    meta = m.get("metadata") or {}
                    if meta.get("event_type") == METADATA_EVENT and \
                            (meta.get("event_payload") or {}).get("key") == key:
                        return True
                cursor = (resp.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    return False
        except Exception as e:  # noqa: BLE001 — cannot tell (missing scope, Slack down …)
            log.warning("cannot check whether %s reached %s: %s", key, target_id, self._classify(e))
        return None


class SlackSenders:
    """Slack when `SLACK_BOT_TOKEN` is set; otherwise what `bot.senders.ConsoleSenders` does."""

    def reminders(self, settings):
        return SlackSender.from_settings(settings) if settings.slack_bot_token else ConsoleSender()

    def outbox(self, settings):
        if settings.slack_bot_token is None:
            return None
        from handlers.proposals.sender import SlackOutboxSender   # Block Kit with the app's buttons

        return SlackOutboxSender.from_settings(settings)
