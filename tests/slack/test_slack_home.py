"""App Home: published on app_home_opened, valid, with the steps, next milestones and entry points."""
from __future__ import annotations

from datetime import date

import time_machine
from conftest import buttons, texts, valid_view

from bot.fiscal import fiscal_year_of, load_calendar
from bot.i18n import t


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
    assert t("desk.home_steps_title", "ja") in body and "5. " in body
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
    running.settle()
    assert stub.of("views.publish") == []


def test_publish_failure_is_logged_not_raised(running, stub, caplog):
    stub.fail_next(1, error="not_enabled", method="views.publish")
    with caplog.at_level("ERROR", logger="handlers.views"):
        _open_home(running)
        stub.wait_for("views.publish")
        running.settle()
    assert "views.publish" in caplog.text and "not_enabled" in caplog.text


def _home(running, stub, user, on: date):
    with time_machine.travel(on.isoformat() + " 09:00 +0900", tick=True):
        _open_home(running, user=user)
        [call] = stub.wait_for("views.publish")
    return valid_view(call.view())


def test_home_is_in_english_for_an_english_user_with_march_in_its_own_year(running, stub):
    stub.user_locales["UHOMEEN01"] = "en-US"
    view = _home(running, stub, "UHOMEEN01", date(2027, 2, 10))
    body = texts(view["blocks"])
    assert t("desk.home_steps_title", "en") in body and t("desk.home_steps_title", "ja") not in body
    assert "new projects are proposed in April–August" in body
    assert "Budget passage" in body and "(2027)" in body          # March 2027, not labelled 2026
    assert "(2026)" not in body.split(t("desk.home_next", "en"))[1].split("\n\n")[0]
    assert "not configured" in body                                # no contact set: says so
    reminders = next(b for b in view["blocks"] if "Budget-calendar reminders" in texts([b]))
    assert "09:00" in texts([reminders]) and "30/14/7/1" in texts([reminders])
    [info] = stub.of("users.info")
    assert info.args["user"] == "UHOMEEN01" and str(info.args["include_locale"]).lower() in ("1", "true")


def test_home_falls_back_to_the_language_the_user_last_wrote_in(running, stub, desk):
    desk.answer("What is PFI?", asker="UHOMELAST", surface="slack-dm")
    desk.flush_logs_quietly()
    body = texts(_home(running, stub, "UHOMELAST", date(2026, 6, 1))["blocks"])
    assert t("desk.home_steps_title", "en") in body


def test_home_japanese_user_sees_japanese_and_staff_see_open_handoffs(make_running, stub, slack_db):
    from bot import handoffs as H

    H.create(slack_db, question="ホームで見える取り次ぎ", asker="UHOMEASK", clicked_by="UHOMEASK", place="C9",
             surface="slack-mention", lang="ja")
    web = make_running(desk_staff_user_ids="UHOMESTAFF", desk_contact_phone="0538-11-2222")
    stub.user_locales["UHOMESTAFF"] = "ja-JP"
    body = texts(_home(web, stub, "UHOMESTAFF", date(2026, 6, 1))["blocks"])
    assert t("desk.home_steps_title", "ja") in body and "4〜8月" in body and "3月" in body
    assert "0538-11-2222" in body
    assert "ホームで見える取り次ぎ" in body and "<@UHOMEASK>" in body
    stub.reset()
    body = texts(_home(web, stub, "UHOMENOTSTAFF", date(2026, 6, 1))["blocks"])
    assert "ホームで見える取り次ぎ" not in body


def test_app_home_follows_a_custom_calendar_file(make_running, stub, tmp_path):
    from test_calendar_source import custom_calendar

    web = make_running(calendar_file=custom_calendar(tmp_path))
    with time_machine.travel("2026-06-01 09:00 +0900", tick=True):
        web.event({"type": "app_home_opened", "user": "UCALHOME1", "channel": "DCAL1", "tab": "home", "event_ts": "1.1"})
        [call] = stub.wait_for("views.publish")
    body = texts(valid_view(call.view())["blocks"])
    assert "新規事業の提案は5〜7月" in body and "予算は2月に成立" in body and "4〜8月" not in body
    assert "21・7日前" in body and "朝10時30分" in body and "30・14・7・1" not in body and "朝9時" not in body
