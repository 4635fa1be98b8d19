"""`/desk remind on|off|status`, as plain text (the Slack handler only posts what this returns)."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.db import quick

from bot.fiscal import BudgetCalendar
from bot.i18n import lang_of, t
from bot.reminders.rules import next_reminders, title, when
from bot.reminders.subscriptions import get_subscription, subscribe, unsubscribe

ON = {"on", "subscribe", "start", "オン", "登録", "開始"}
OFF = {"off", "unsubscribe", "stop", "オフ", "解除", "停止"}
STATUS = {"status", "", "状態", "確認"}
log = logging.getLogger(__name__)
LANGS = {"ja": "ja", "jp": "ja", "japanese": "ja", "日本語": "ja", "en": "en", "english": "en", "英語": "en"}

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
        return t("reminder.command.db_away", lang)


def _remind(text: str, *, channel_id, user_id, is_dm, lang, engine, calendar, now) -> str:
    words = (text or "").strip().split()
    if words and words[0].lower() == "remind":
        words = words[1:]
    verb = words[0].lower() if words else ""
    ui = lang_of(lang)
    target, kind = (user_id, "user") if is_dm or not channel_id else (channel_id, "channel")
    if not target:
        return t("reminder.command.usage", ui)

    def where(ui: str) -> str:
        return t("reminder.command.dm" if kind == "user" else "reminder.command.channel", ui)

    if verb in ON:
        chosen = LANGS.get(words[1].lower(), None) if len(words) > 1 else None
        sub_lang = chosen or ui
        ui = sub_lang if chosen else ui
        changed = subscribe(engine, target, kind=kind, lang=sub_lang, by=user_id)
        msg = t("reminder.command.on" if changed else "reminder.command.already", ui, where=where(ui),
                lang_name=t(f"reminder.command.lang_{sub_lang}", ui))
        if kind == "channel":
            msg += "\n" + t("reminder.command.invite", ui)
        return msg + "\n" + _upcoming(calendar, now, ui)
    sub = get_subscription(engine, target)
    if sub and verb in OFF | STATUS and not (words[1:] and LANGS.get(words[1].lower())):
        ui = sub.lang                        # answer in the language they chose
    if verb in OFF:
        return t("reminder.command.off" if unsubscribe(engine, target, by=user_id) else "reminder.command.not_on",
                 ui, where=where(ui))
    if verb in STATUS:
        if sub and sub.active:
            return (t("reminder.command.status_on", ui, where=where(ui), lang_name=t(f"reminder.command.lang_{lang_of(sub.lang)}", ui))
                    + "\n" + _upcoming(calendar, now, ui))
        return t("reminder.command.status_off", ui, where=where(ui)) + "\n" + _upcoming(calendar, now, ui)
    return t("reminder.command.usage", ui)


def _upcoming(calendar: BudgetCalendar, now: datetime | None, lang: str) -> str:
    now = now or datetime.now(calendar.tz)
    lines = [t("reminder.command.next", lang)]
    lines += [f"• {when(o, lang)} — {title(o, lang)}" for o in next_reminders(calendar, now, 3)]
    return "\n".join(lines)
