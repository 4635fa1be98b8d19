"""App Home: a reminders section with a subscribe / unsubscribe button (reminders by DM)."""
from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk.models.blocks import ActionsBlock

from bot.db import quick
from bot.i18n import lang_of, t
from bot.reminders.subscriptions import is_subscribed, subscribe, unsubscribe
from handlers.actions.common import open_modal
from handlers.blocks import A_REMIND, button, divider, pack, section, unpack
from handlers.deps import deps_of
from handlers.send import reason
from handlers.views.screens import home_section, home_view, modal

log = logging.getLogger(__name__)

def schedule_text(settings, lang: str, on: bool) -> str:
    """The reminders' schedule as the configured calendar has it (days before, time of day)."""
    from bot import calendar_text
    from bot.fiscal import calendar_for

    cal = calendar_for(settings)
    lang = lang_of(lang)
    return t("reminder.home.on" if on else "reminder.home.off", lang, days=calendar_text.close_days(cal, lang),
             time=calendar_text.reminder_time(cal, lang))


@home_section
def reminders_section(deps, user_id: str, lang: str) -> list:
    on = is_subscribed(deps.db, user_id)
    btn = button(t("reminder.home.btn_off" if on else "reminder.home.btn_on", lang), A_REMIND,
                 pack(on=0 if on else 1, l=lang), style=None if on else "primary")
    return [divider(), section(f"{t('reminder.home.title', lang)}\n{schedule_text(deps.settings, lang, on)}"),
            ActionsBlock(block_id="home_remind", elements=[btn])]


def _ack(ack):
    ack()


def toggle(body, client, context):
    """Switch the clicking user's DM reminders, then redraw their Home tab."""
    deps = deps_of(context)
    user = (body.get("user") or {}).get("id")
    data = unpack(((body.get("actions") or [{}])[0]).get("value"))
    lang = data.get("l") or "ja"
    if not user:
        return
    try:
        with quick():
            if data.get("on"):
                subscribe(deps.db, user, kind="user", lang=lang, by=user)
            else:
                unsubscribe(deps.db, user, by=user)
    except Exception as e:  # noqa: BLE001 — database away: say so, in their language; nothing changed
        log.error("reminder toggle for %s not saved: %s", user, type(e).__name__)
        open_modal(client, body, modal(t("reminder.home.title", lang).strip("*🔔 "),
                                       [section(t("reminder.command.db_away", lang))], lang))
        return
    if body.get("response_url"):      # a button on a message (an answer's "get reminders")
        from handlers.send import respond_to

        respond_to(body["response_url"], text=t("reminder.home.done_on" if data.get("on") else "reminder.home.done_off", lang),
                   what="reminder toggle")
    try:
        client.views_publish(user_id=user, view=home_view(deps, user, lang, client=client))
    except Exception as e:  # noqa: BLE001 — the change is saved; the tab redraws next time it opens
        log.error("views.publish after reminder toggle failed: %s", reason(e))


def register(app: App) -> None:
    app.action(A_REMIND)(ack=_ack, lazy=[toggle])
