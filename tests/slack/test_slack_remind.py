"""`/desk remind on|off|status` and the App Home reminders button, through the real Bolt app."""
from __future__ import annotations

import json
import time

from conftest import buttons, new_id, texts, valid_view

from bot.reminders.subscriptions import get_subscription, is_subscribed

A_REMIND = "desk_remind_toggle"


def _remind(running, stub, text, *, channel, user="UREMIND01"):
    key = new_id("r")
    status, body = running.command(f"remind {text}".strip(), response_url=stub.response_url(key),
                                   channel=channel, user=user)
    assert status == 200 and not body                     # slow sub-command: empty ack …
    for _ in range(200):
        if any(c.path.endswith(key) for c in stub.of("response_url")):
            break
        time.sleep(0.05)
    running.settle()
    calls = [c for c in stub.of("response_url") if c.path.endswith(key)]
    assert len(calls) == 1                                 # … and one answer on the response_url
    return calls[0].args["text"]


def test_channel_on_status_off(running, stub, slack_db):
    channel = new_id("C")
    out = _remind(running, stub, "on", channel=channel)
    assert "このチャンネルに予算カレンダーのリマインダーを登録しました" in out and "次のリマインダー" in out
    sub = get_subscription(slack_db, channel)
    assert sub.active and sub.kind == "channel" and sub.lang == "ja"
    assert "すでに登録済み" in _remind(running, stub, "on", channel=channel)
    assert "登録されています" in _remind(running, stub, "status", channel=channel)
    assert "停止しました" in _remind(running, stub, "off", channel=channel)
    assert not is_subscribed(slack_db, channel)
    assert "登録されていません" in _remind(running, stub, "status", channel=channel)


def test_in_a_dm_the_user_subscribes_in_english(running, stub, slack_db):
    user = new_id("U")
    out = _remind(running, stub, "on en", channel=new_id("D"), user=user)
    assert "Budget-calendar reminders are now on for you (DM) (English)" in out and "Next reminders:" in out
    sub = get_subscription(slack_db, user)
    assert sub.kind == "user" and sub.lang == "en"
    assert "Reminders are now off for you (DM)" in _remind(running, stub, "off", channel=new_id("D"), user=user)


def test_remind_is_listed_in_help():
    from handlers.commands import desk, load_subcommand_modules
    from handlers.commands.remind import remind

    load_subcommand_modules()
    assert desk.SUBCOMMANDS["remind"].run is remind
    assert any(name == "remind" for name, _ in desk.extra_help("ja"))


def test_home_button_subscribes_and_unsubscribes(running, stub, slack_db):
    user = new_id("U")
    running.event({"type": "app_home_opened", "user": user, "channel": "DHOME", "tab": "home", "event_ts": "1.1"})
    [call] = stub.wait_for("views.publish")
    view = valid_view(call.view())
    [btn] = [b for b in buttons(view["blocks"]) if b["action_id"] == A_REMIND]
    assert btn["text"]["text"] == "DMで受け取る"

    running.click(A_REMIND, btn["value"], response_url=None, user=user, container={"type": "view", "view_id": "V1"},
                  view={"id": "V1", "type": "home"})
    calls = stub.wait_for("views.publish", 2)
    assert is_subscribed(slack_db, user) and get_subscription(slack_db, user).kind == "user"
    view = valid_view(calls[1].view())
    [btn] = [b for b in buttons(view["blocks"]) if b["action_id"] == A_REMIND]
    assert btn["text"]["text"] == "受け取りをやめる" and "DMでお知らせしています" in texts(view["blocks"])

    running.click(A_REMIND, btn["value"], response_url=None, user=user, container={"type": "view", "view_id": "V1"},
                  view={"id": "V1", "type": "home"})
    stub.wait_for("views.publish", 3)
    assert not is_subscribed(slack_db, user)
    assert json.loads(btn["value"]) == {"on": 0, "l": "ja"}
