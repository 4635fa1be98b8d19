"""No token, signing secret or response_url in the logs, at any level, whichever library logs:
posts made to fail through the Slack stub, with the CLI's own logging set-up at DEBUG."""
from __future__ import annotations

import io
import logging

import pytest
from slack_sdk import WebClient

from bot.config import Settings
from bot.logsafe import redact
from slack_stub import SlackStub

TOKEN, APP_TOKEN, SECRET = "xoxb-1234-5678-SeCrEtToKeN", "xapp-1-A0-99-AppLevelSecret", "8f14e45fceea167a5a36dedd4bea2543"


@pytest.fixture
def captured():
    from bot.cli import setup_logging

    out = io.StringIO()
    settings = Settings(slack_bot_token=TOKEN, slack_app_token=APP_TOKEN, slack_signing_secret=SECRET,
                        log_level="DEBUG", _env_file=None)
    root = logging.getLogger()
    level = root.level
    handler = setup_logging(settings, stream=out)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


def test_failing_posts_log_no_response_url_token_or_secret(captured):
    from handlers.send import post, respond_to, retry_handlers

    stub = SlackStub().start()
    try:
        url = stub.response_url("T0TEST/1234567890/abcdefSECRETPART")
        stub.fail_next(3, status=500, method="response_url")          # retried, then given up
        assert respond_to(url, text="hi", what="test", backoff=0) is False
        stub.fail_next(3, status=500, method="chat.postMessage")
        client = WebClient(token=TOKEN, base_url=stub.api_url, retry_handlers=retry_handlers(backoff=0))
        assert post(client, channel="C1", text="hi") is False
        logging.getLogger("slack_bolt.test").debug("payload %s", {"response_url": url, "token": TOKEN})
        logging.getLogger("x").error("signing secret %s / %s", SECRET, APP_TOKEN)
        logging.getLogger("y").debug("body: response_url=%s&x=1", url.replace(":", "%3A").replace("/", "%2F"))
    finally:
        stub.stop()
    logs = captured.getvalue()
    assert "retry" in logs.lower() and "[redacted]" in logs          # the failures were logged
    for leak in ("SECRETPART", "abcdef", "/response/", "SeCrEtToKeN", "AppLevelSecret", SECRET, "1234-5678"):
        assert leak not in logs, leak
    assert "chat.postMessage" in logs                                 # Web API method names stay readable


@pytest.mark.parametrize("raw, kept", [
    ("POST https://hooks.slack.com/commands/T1/2/abc - HTTP 500", "https://hooks.slack.com/[redacted] - HTTP 500"),
    ("wss://wss-primary.slack.com/link/?ticket=abc&app_id=A1", "wss://wss-primary.slack.com/[redacted]"),
    ("https://slack.com/api/chat.postMessage", "https://slack.com/api/chat.postMessage"),
    ("{'Authorization': 'Bearer xoxp-1-2'}", "'Bearer [redacted]'"),
    ('{"response_url": "https://x.example/r"}', '"response_url": "[redacted]"'),
])
def test_redact(raw, kept):
    assert kept in redact(raw)
