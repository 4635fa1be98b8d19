"""Sending to Slack: one place that posts, logs failures with their reason, and falls back to a
short error message so the user never meets silence.

The WebClient itself retries 429 (Retry-After), 5xx and connection errors (see `build_client`);
what reaches here has failed for good.
"""
from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.webhook import WebhookClient

from bot.reply import Reply
from handlers.blocks import message_payload
from bot.i18n import t

log = logging.getLogger(__name__)


def reason(e: Exception) -> str:
    """Why a Web API call failed, without tokens: Slack's error code or the exception type."""
    if isinstance(e, SlackApiError):
        code = e.response.get("error") if e.response is not None else None
        status = e.response.status_code if e.response is not None else "?"
        return f"{code or 'error'} (HTTP {status})"
    return f"{type(e).__name__}: {str(e)[:200]}"


def post(client: WebClient, *, channel: str, text: str, blocks: list | None = None,
         thread_ts: str | None = None, what: str = "message") -> bool:
    try:
        client.chat_postMessage(channel=channel, text=text, blocks=blocks, thread_ts=thread_ts,
                                unfurl_links=False, unfurl_media=False)
        return True
    except Exception as e:  # noqa: BLE001 — any failure is logged and reported to the caller
        log.error("chat.postMessage (%s) to %s failed: %s", what, channel, reason(e))
        return False


def post_reply(client: WebClient, reply: Reply | None, *, channel: str, thread_ts: str | None,
               lang: str = "ja") -> bool:
    """Post a Reply (or, if there is none or it cannot be posted, a short error message).

    True when the user got something: the answer, or at least the error message.
    """
    if reply is not None:
        try:
            text, blocks = message_payload(reply)
        except Exception as e:  # noqa: BLE001 — a render bug must not leave the user in silence
            log.error("rendering reply (kind %s, entry %s) failed: %r", reply.kind, reply.entry_id, e)
        else:
            if post(client, channel=channel, text=text, blocks=blocks, thread_ts=thread_ts, what=reply.kind):
                return True
        lang = reply.lang
    return post(client, channel=channel, text=t("desk.post_failed" if reply else "desk.error", lang),
                thread_ts=thread_ts, what="error notice")


RETRY_BACKOFF = 0.5           # s before the first retry of a 5xx or dropped connection (then doubles)


def backoff_interval(backoff: float = RETRY_BACKOFF):
    """slack_sdk's exponential backoff from `backoff` seconds, with a random jitter of up to
    twice that (at the default 0.5 s: slack_sdk's own 0.5 · 2ⁿ s + up to 1 s)."""
    import random

    from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
    from slack_sdk.http_retry.jitter import Jitter

    class ScaledJitter(Jitter):
        def recalculate(self, duration: float) -> float:
            return duration + random.random() * 2 * backoff

    return BackoffRetryIntervalCalculator(backoff_factor=backoff, jitter=ScaledJitter())


def retry_handlers(backoff: float = RETRY_BACKOFF) -> list:
    """The Web API / response_url retries: 429 after its Retry-After, 5xx and connection errors
    with exponential backoff from `backoff` seconds (settings.slack_retry_backoff)."""
    interval = backoff_interval(backoff)
    return [ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=interval),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2, interval_calculator=interval)]


def respond_to(response_url: str | None, *, text: str, blocks: list | None = None, ephemeral: bool = True,
               replace_original: bool = False, what: str = "response", backoff: float = RETRY_BACKOFF) -> bool:
    """Post to an interaction's or slash command's `response_url`, with the same retries as the
    Web API client; failures are logged (never the URL: it is a bearer credential) and reported."""
    if not response_url:
        log.error("no response_url for %s", what)
        return False
    hook = WebhookClient(response_url, timeout=10, retry_handlers=retry_handlers(backoff))
    try:
        resp = hook.send(text=text, blocks=blocks, response_type="ephemeral" if ephemeral else "in_channel",
                         replace_original=replace_original)
    except Exception as e:  # noqa: BLE001
        log.error("response_url post (%s) failed: %s", what, reason(e))
        return False
    if resp.status_code >= 300:
        log.error("response_url post (%s) failed: HTTP %s %s", what, resp.status_code, str(resp.body)[:100])
        return False
    return True
