"""App Home: published on app_home_opened, valid, with the steps, next milestones and entry points."""
from __future__ import annotations

from datetime import date

import time_machine
from conftest import buttons, texts, valid_view

from bot.fiscal import fiscal_year_of, load_calendar
from handlers.text import t


def _open_home(running, user="UHOME0001", tab="home"):
    return running.event({"type": "app_home_opened", "user": user, "channel": "DHOME0001", "tab": tab,
                          "event_ts": "1.1"})


def test_home_tab_is_published_with_steps_milestones_and_buttons(running, stub, kb):
    on = date(2027, 7, 10)
    with time_machine.travel(on.isoformat() + " 09:00 +0900", tick=True):
        assert _open_home(running)[0] == 200
        [call] = stub.wait_for("views.publish")
    assert call.args["user_id"] == "UHOME0001"
    view = valid_view(call.view())
    assert view["type"] == "home"
    body = texts(view["blocks"])
    assert t("home_steps_title", "ja") in body and "5. " in body
    cal = load_calendar(running.settings.knowledge_dir)
    fy = fiscal_year_of(on)
    upcoming = [m for y in (fy, fy + 1) for m in cal.milestones_for(y) if m.end >= on][:3]
    for m in upcoming:
        assert m.name.ja in body and f"{m.start.month}/{m.start.day}" in body
    ids = {b["action_id"] for b in buttons(view["blocks"])}
    assert {"desk_show:calendar", "desk_show:methods", "desk_show:cases"} <= ids
    if "how-to-propose" in kb.entries:
        assert kb.entries["how-to-propose"].title.ja in body


def test_messages_tab_publishes_nothing(running, stub):
    _open_home(running, tab="messages")
    stub.settle()
    assert stub.of("views.publish") == []


def test_publish_failure_is_logged_not_raised(running, stub, caplog):
    stub.fail_next(1, error="not_enabled", method="views.publish")
    with caplog.at_level("ERROR", logger="handlers.views"):
        _open_home(running)
        stub.wait_for("views.publish")
        stub.settle()
    assert "views.publish" in caplog.text and "not_enabled" in caplog.text
