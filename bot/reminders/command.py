"""`/desk remind on|off|status`, as plain text (the Slack handler only posts what this returns)."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.db import quick

from bot.fiscal import BudgetCalendar
from bot.reminders.rules import next_reminders, title, when
from bot.reminders.subscriptions import get_subscription, subscribe, unsubscribe

ON = {"on", "subscribe", "start", "オン", "登録", "開始"}
OFF = {"off", "unsubscribe", "stop", "オフ", "解除", "停止"}
STATUS = {"status", "", "状態", "確認"}
log = logging.getLogger(__name__)
LANGS = {"ja": "ja", "jp": "ja", "japanese": "ja", "日本語": "ja", "en": "en", "english": "en", "英語": "en"}

TEXT = {
    "ja": {
        "on": "✅ {where}に予算カレンダーのリマインダーを登録しました({lang_name})。",
        "already": "{where}はすでに登録済みです({lang_name})。",
        "off": "🔕 {where}のリマインダーを停止しました。",
        "not_on": "{where}はリマインダーに登録されていません。",
        "status_on": "🔔 {where}はリマインダーに登録されています({lang_name})。",
        "status_off": "🔕 {where}はリマインダーに登録されていません。`/desk remind on` で登録できます。",
        "next": "次のリマインダー:",
        "usage": "使い方: `/desk remind on [ja|en]`(登録)・`/desk remind off`(停止)・`/desk remind status`(状態と次の予定)",
        "channel": "このチャンネル", "dm": "あなた(DM)",
        "invite": "※ボットがこのチャンネルのメンバーでないと届きません(`/invite @deskbot`)。",
        "ja": "日本語", "en": "英語",
        "db_away": "⚠️ ただいまデータベースに接続できないため、リマインダーの設定を変更できませんでした(何も変更されていません)。"
                   "少し時間をおいて、もう一度お試しください。",
    },
    "en": {
        "on": "✅ Budget-calendar reminders are now on for {where} ({lang_name}).",
        "already": "Reminders were already on for {where} ({lang_name}).",
        "off": "🔕 Reminders are now off for {where}.",
        "not_on": "Reminders were not on for {where}.",
        "status_on": "🔔 Reminders are on for {where} ({lang_name}).",
        "status_off": "🔕 Reminders are off for {where}. Turn them on with `/desk remind on`.",
        "next": "Next reminders:",
        "usage": "Usage: `/desk remind on [ja|en]` (subscribe) · `/desk remind off` (stop) · "
                 "`/desk remind status` (state and what comes next)",
        "channel": "this channel", "dm": "you (DM)",
        "invite": "Note: the bot must be a member of this channel to post here (`/invite @deskbot`).",
        "ja": "Japanese", "en": "English",
        "db_away": "⚠️ The reminder setting could not be changed just now (the database is not reachable; nothing "
                   "was changed). Please try again in a moment.",
    },
}


def remind_command(text: str, *, channel_id: str | None, user_id: str | None, is_dm: bool,
                   lang: str = "ja", engine: Engine, calendar: BudgetCalendar,
                   now: datetime | None = None) -> str:
    """Handle the words after `/desk remind`. In a DM the user subscribes, elsewhere the channel.
    `lang` is the language to answer in (and the default language of a new subscription).
    With the database away, says so (in that language): nothing was changed."""
    try:
        with quick():
            return _remind(text, channel_id=channel_id, user_id=user_id, is_dm=is_dm, lang=lang, engine=engine,
                           calendar=calendar, now=now)
    except SQLAlchemyError as e:
        log.error("/desk remind: database unavailable (%s); nothing changed", type(e).__name__)
        return TEXT["en" if lang == "en" else "ja"]["db_away"]


def _remind(text: str, *, channel_id, user_id, is_dm, lang, engine, calendar, now) -> str:
    words = (text or "").strip().split()
    if words and words[0].lower() == "remind":
        words = words[1:]
    verb = words[0].lower() if words else ""
    ui = "en" if lang == "en" else "ja"
    target, kind = (user_id, "user") if is_dm or not channel_id else (channel_id, "channel")
    if not target:
        return TEXT[ui]["usage"]
    t = TEXT[ui]
    where = t["dm"] if kind == "user" else t["channel"]

    if verb in ON:
        chosen = LANGS.get(words[1].lower(), None) if len(words) > 1 else None
        sub_lang = chosen or ui
        ui = sub_lang if chosen else ui
        t = TEXT[ui]
        where = t["dm"] if kind == "user" else t["channel"]
        changed = subscribe(engine, target, kind=kind, lang=sub_lang, by=user_id)
        msg = t["on" if changed else "already"].format(where=where, lang_name=t[sub_lang])
        if kind == "channel":
            msg += "\n" + t["invite"]
        return msg + "\n" + _upcoming(calendar, now, ui)
    sub = get_subscription(engine, target)
    if sub and verb in OFF | STATUS and not (words[1:] and LANGS.get(words[1].lower())):
        ui = sub.lang                        # answer in the language they chose
        t, where = TEXT[ui], TEXT[ui]["dm"] if kind == "user" else TEXT[ui]["channel"]
    if verb in OFF:
        return t["off" if unsubscribe(engine, target, by=user_id) else "not_on"].format(where=where)
    if verb in STATUS:
        if sub and sub.active:
            return t["status_on"].format(where=where, lang_name=t[sub.lang]) + "\n" + _upcoming(calendar, now, ui)
        return t["status_off"].format(where=where) + "\n" + _upcoming(calendar, now, ui)
    return t["usage"]


def _upcoming(calendar: BudgetCalendar, now: datetime | None, lang: str) -> str:
    now = now or datetime.now(calendar.tz)
    lines = [TEXT[lang]["next"]]
    lines += [f"• {when(o, lang)} — {title(o, lang)}" for o in next_reminders(calendar, now, 3)]
    return "\n".join(lines)
