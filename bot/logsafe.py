"""Log records without credentials, whichever library wrote them.

slack_sdk logs request URLs at INFO when it retries (a `response_url` is a bearer credential for
about 30 minutes), and headers (`Authorization: Bearer xoxb-…`) and bodies at DEBUG; Bolt logs
payloads (with their `response_url`) at DEBUG. `RedactingFilter`, installed on the process's log
handlers (`install`, from `bot.cli.main`), rewrites every record before it is written:

- Slack tokens (`xoxb-`, `xoxp-`, `xoxa-`, `xoxe-`, `xapp-` …) and `Bearer …` values;
- every URL's path and query, except Web API method paths (`…/api/chat.postMessage`) — so
  response_urls, incoming-webhook URLs and Socket Mode tickets, plain or %-encoded;
- the value after any `response_url` key (JSON, form bodies, reprs);
- exact secrets handed to it (the signing secret, the tokens from the settings).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable

R = "[redacted]"
_PATTERNS = [
    (re.compile(r"\b(xox[a-z]|xapp)-[A-Za-z0-9-]+"), rf"\1-{R}"),
    (re.compile(r"(Bearer\s+)[^\s'\",}]+", re.I), rf"\1{R}"),
    (re.compile(r"""(response_url['"]?\s*(?:[:=]|%3D)\s*['"]?)[^\s'"&,}]+""", re.I), rf"\1{R}"),
    (re.compile(r"((?:https?|wss?)(?::|%3A)(?://|%2F%2F)[^/\s%'\"<>|]+)"
                r"(?!(?:/|%2F)api(?:/|%2F))(?:/|%2F)[^\s'\"<>|,)]*", re.I), rf"\1/{R}"),
]


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    for s in secrets:
        text = text.replace(s, R)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (and its traceback) with `redact`; never drops a record."""

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = [s for s in secrets if s and len(s) >= 8]

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 — a broken format string: keep what there is
            message = str(record.msg)
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


def install(handlers: Iterable[logging.Handler] | None = None, secrets: Iterable[str] = ()) -> RedactingFilter:
    """Put one `RedactingFilter` on `handlers` (default: the root logger's)."""
    f = RedactingFilter(secrets)
    for h in logging.getLogger().handlers if handlers is None else handlers:
        h.addFilter(f)
    return f


def settings_secrets(settings) -> list[str]:
    return [v.get_secret_value() for v in (settings.slack_bot_token, settings.slack_app_token,
                                           settings.slack_signing_secret) if v is not None]
