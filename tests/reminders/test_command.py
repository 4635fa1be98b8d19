"""`/desk remind` as text, and subscriptions."""
from __future__ import annotations

from bot.reminders.command import remind_command
from bot.reminders.subscriptions import get_subscription, is_subscribed, list_subscriptions, subscribe, unsubscribe
from reminders.conftest import jst

NOW = jst(2026, 8, 20, 12)


def cmd(db, calendar, text, **kw):
    kw.setdefault("channel_id", "C1")
    kw.setdefault("user_id", "U1")
    kw.setdefault("is_dm", False)
    return remind_command(text, engine=db.engine, calendar=calendar, now=NOW, **kw)


def test_on_status_off_in_a_channel(db, calendar):
    out = cmd(db, calendar, "on")
    assert out.startswith("✅ このチャンネル") and "/invite" in out
    # the next three reminders after 8/20 noon, with their final dates
    assert "2026/8/24(月) 09:00 — 新規事業の提案時期の締め切り7日前" in out
    assert "2026/8/28(金) 09:00 — 新規事業の提案時期の締め切り1日前" in out
    assert "2026/9/1(火) 09:00 — 当初予算編成開始の開始" in out
    assert get_subscription(db.engine, "C1").kind == "channel"
    assert "すでに登録済み" in cmd(db, calendar, "on")
    assert "登録されています(日本語)" in cmd(db, calendar, "status")
    assert "停止しました" in cmd(db, calendar, "off")
    assert "登録されていません" in cmd(db, calendar, "off")
    assert not is_subscribed(db.engine, "C1")


def test_dm_subscribes_the_user_and_language_sticks(db, calendar):
    out = cmd(db, calendar, "on en", channel_id="D9", is_dm=True)
    assert "on for you (DM) (English)" in out and "Mon 24 Aug 2026 09:00" in out
    assert get_subscription(db.engine, "U1").kind == "user" and not is_subscribed(db.engine, "D9")
    # later commands answer in the language the subscriber chose
    assert "Reminders are on for you (DM) (English)" in cmd(db, calendar, "status", channel_id="D9", is_dm=True)
    assert "すでに登録済みです(日本語)" in cmd(db, calendar, "on ja", channel_id="D9", is_dm=True)   # switches language
    assert get_subscription(db.engine, "U1").lang == "ja"


def test_japanese_words_and_usage(db, calendar):
    assert "登録しました" in cmd(db, calendar, "登録")
    assert "停止しました" in cmd(db, calendar, "停止")
    assert "使い方" in cmd(db, calendar, "sometimes")
    assert "Usage" in cmd(db, calendar, "sometimes", lang="en")


def test_resubscribe_restarts_the_subscription_clock(db, calendar):
    import time_machine

    with time_machine.travel(jst(2026, 7, 1), tick=False):
        assert subscribe(db.engine, "C7", kind="channel")
    with time_machine.travel(jst(2026, 7, 2), tick=False):
        assert unsubscribe(db.engine, "C7")
    with time_machine.travel(jst(2026, 7, 3), tick=False):
        assert subscribe(db.engine, "C7", kind="channel", lang="en")
    sub = get_subscription(db.engine, "C7")
    assert sub.active and sub.lang == "en" and sub.subscribed_at == jst(2026, 7, 3)
    assert [s.target_id for s in list_subscriptions(db.engine)] == ["C7"]
