"""Moved: the one Slack stub is tests/slack_stub.py. This alias remains only for
bench/bench_slack.py, which imports `stub` from this folder; tests import `slack_stub`."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_stub import BOT_ID, BOT_USER_ID, TEAM_ID, Call, SlackStub  # noqa: E402,F401
