"""Moved: the one Slack stub is tests/slack_stub.py. This alias remains only for
bench/bench_reminders.py (`from reminders.slack_stub import ReminderSlackStub`)."""
from slack_stub import SlackStub


def ReminderSlackStub(*, seed: int = 0) -> SlackStub:  # noqa: N802 — the bench's old class name
    return SlackStub(seed=seed, fail_method="chat.postMessage")
