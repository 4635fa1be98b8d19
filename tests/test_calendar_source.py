"""One calendar source: a city's own CALENDAR_FILE changes every month, countdown and time shown —
calendar answers and timing here; App Home's steps and reminders section in tests/slack/test_slack_home.py."""
from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest
import yaml

from bot.config import Settings, get_settings
from bot.engine import Desk
from bot.knowledge import load_knowledge


def custom_calendar(tmp_path: Path) -> Path:
    """The shipped calendar with a May–July window, passage in February, reminders 10:30, 21/7 days."""
    data = yaml.safe_load((get_settings().knowledge_dir / "calendar.yaml").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["reminders"] = {"time": "10:30", "window_close_days_before": [21, 7]}
    for m in data["milestones"]:
        if m["id"] == "proposal-window":
            m["start"], m["end"] = {"month": 5, "day": 1}, {"month": 7, "day": 31}
        if m["id"] == "budget-passage":
            m["start"], m["end"] = {"month": 2, "day": 1}, {"month": 2, "day": 28}
    path = tmp_path / "our-calendar.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def desk():
    return Desk(load_knowledge(get_settings().knowledge_dir), engine=None)


def _with(desk, path):
    d = copy.copy(desk)
    d.settings = Settings(calendar_file=path)
    return d


def test_calendar_answers_state_the_configured_months(desk, tmp_path):
    shipped = desk.reply_for_entry("proposal-window", "ja")
    assert "4〜8月" in shipped.text
    d = _with(desk, custom_calendar(tmp_path))
    r = d.reply_for_entry("proposal-window", "ja")
    assert "5〜7月" in r.text and "4〜8月" not in r.text and "5〜7月" in r.title
    assert "2月に成立" in r.text and "3月に成立" not in r.text
    en = d.reply_for_entry("proposal-window", "en")
    assert "May to July" in en.text and "April to August" not in en.text


def test_timing_follows_the_configured_calendar(desk, tmp_path):
    d = _with(desk, custom_calendar(tmp_path))
    r = d.answer("今から提案したら何年度の予算になりますか", today=date(2026, 7, 15))
    assert r.intent == "timing"
    assert "5〜7月" in r.text and "4〜8月" not in r.text
    assert "2026年7月31日" in r.text                         # the window's end, from the file
