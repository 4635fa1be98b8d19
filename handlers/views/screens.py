"""The app's screens as Block Kit: help, budget calendar, methods, cases, an entry, and App Home.

Each builder returns a list of slack_sdk Block objects; the same lists are sent as a `/desk`
reply (`as_message`) or shown in a modal (`modal`) opened from App Home, so each screen is built
in one place. Other features add App Home sections with `@home_section` (e.g. a reminders
subscribe button) without touching this file.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import ActionsBlock, Block
from slack_sdk.models.views import View

from bot.config import Settings
from bot.knowledge import Entry, Knowledge
from bot.reply import Reply
from handlers.blocks import (
    A_SHOW, MESSAGE_BLOCKS, VIEW_BLOCKS, button, clip, context, divider, escape, header,
    open_button, pack, render_reply, section,
)
from bot.catalog import find_cases, methods
from bot.i18n import lang_from_locale, t

log = logging.getLogger(__name__)

SCREENS = ("calendar", "methods", "cases")
PROPOSE_ENTRY = "how-to-propose"     # the knowledge entry App Home links to for the full steps


def today(settings: Settings) -> date:
    return datetime.now(ZoneInfo(settings.timezone)).date()


def _md(d: date) -> str:
    return f"{d.month}/{d.day}"


def _title(e: Entry, lang: str) -> str:
    return e.title.get(lang)


def show_buttons(lang: str) -> ActionsBlock:
    """Buttons to the calendar, methods and cases screens (App Home, help)."""
    return ActionsBlock(block_id="desk_show", elements=[
        button(t(f"desk.btn_{name}", lang), f"{A_SHOW}:{name}", pack(s=name, l=lang)) for name in SCREENS])


# ---- help -------------------------------------------------------------------------------------

def help_blocks(lang: str, bot_user_id: str | None, extra: list[tuple[str, str]] = (), note: str | None = None) -> list[Block]:
    blocks: list[Block] = [header(t("desk.help_title", lang))]
    if note:
        blocks.append(context(note))
    blocks.append(section(t("desk.help_body", lang, bot=bot_user_id or "deskbot")))
    if extra:
        blocks.append(section(f"*{t('desk.extra_commands', lang)}*\n" + "\n".join(
            f"• `/desk {name}` — {summary}" for name, summary in extra)))
    blocks.append(show_buttons(lang))
    return blocks


# ---- budget calendar --------------------------------------------------------------------------

def load_budget_calendar(settings: Settings):
    """The configured calendar, as the answers use it (loaded once, until its file changes)."""
    from bot.fiscal import calendar_for

    return calendar_for(settings)


def calendar_blocks(settings: Settings, lang: str, on: date | None = None) -> list[Block]:
    """This fiscal year's milestones, today marked, and the budget year a proposal can reach."""
    from bot.fiscal import CalendarError, fiscal_year_of

    on = on or today(settings)
    try:
        cal = load_budget_calendar(settings)
    except CalendarError as e:
        log.error("budget calendar unavailable: %s", "; ".join(e.problems[:3]))
        return [section(t("desk.cal_none", lang))]
    fy = fiscal_year_of(on)
    lines: list[str] = []
    marked = False
    for m in cal.milestones_for(fy):
        if not marked and on < m.start:
            lines.append(f"▶ *{t('desk.cal_today', lang)} ({_md(on)})*")
            marked = True
        span = _md(m.start) if m.start == m.end else f"{_md(m.start)}〜{_md(m.end)}"
        line = f"• {span}  {escape(m.name.get(lang))}"
        if m.contains(on):
            line = f"▶ *{span}  {escape(m.name.get(lang))}*  ← {t('desk.cal_today', lang)} ({_md(on)})"
            line += f"\n      {escape(m.for_company.get(lang))}"
            marked = True
        lines.append(line)
    if not marked:
        lines.append(f"▶ *{t('desk.cal_today', lang)} ({_md(on)})*")
    return [header(t("desk.cal_title", lang, fy=fy)),
            section("\n".join(lines)),
            section(t("desk.cal_reach", lang, fy=cal.budget_year_reachable(on)))]


# ---- methods and cases ------------------------------------------------------------------------

def methods_blocks(kb: Knowledge, lang: str) -> list[Block]:
    blocks: list[Block] = [header(t("desk.methods_title", lang))]
    for i, m in enumerate(methods(kb)[: MESSAGE_BLOCKS - 2]):
        first = m.answer.get(lang).strip().split("\n")[0]
        blocks.append(section(f"*{escape(_title(m, lang))}*\n{escape(clip(first, 140))}",
                              accessory=open_button(m.id, t("desk.open", lang), lang, i)))
    return blocks


def cases_blocks(kb: Knowledge, query: str | None, lang: str, limit: int = MESSAGE_BLOCKS - 3) -> list[Block]:
    how, found = find_cases(kb, query)
    title = t("desk.cases_filtered", lang, q=clip(query, 60)) if query else t("desk.cases_title", lang)
    blocks: list[Block] = [header(title)]
    if not found:
        return blocks + [section(t("desk.cases_none", lang, q=escape(clip(query or "", 100))))]
    for i, c in enumerate(found[:limit]):
        city = c.municipality.get(lang) if c.municipality else ""
        blocks.append(section(f"*{escape(_title(c, lang))}*\n{escape(city)}",
                              accessory=open_button(c.id, t("desk.open", lang), lang, i)))
    if len(found) > limit:
        blocks.append(context(t("desk.more", lang, n=len(found) - limit)))
    return blocks


def screen_blocks(name: str, settings: Settings, kb: Knowledge, lang: str, *, limit: int = MESSAGE_BLOCKS) -> list[Block]:
    if name == "calendar":
        return calendar_blocks(settings, lang)
    if name == "methods":
        return methods_blocks(kb, lang)
    if name == "cases":
        return cases_blocks(kb, None, lang, limit=limit - 3)
    raise KeyError(name)


# ---- containers -------------------------------------------------------------------------------

def as_message(blocks: list[Block], fallback: str) -> tuple[str, list[dict]]:
    if len(blocks) > MESSAGE_BLOCKS:
        raise ValueError(f"{len(blocks)} blocks; a message holds at most {MESSAGE_BLOCKS}")
    return clip(fallback, 3000), [b.to_dict() for b in blocks]


def modal(title: str, blocks: list[Block], lang: str) -> dict:
    view = View(type="modal", title=clip(title, 24), close=t("desk.close", lang), blocks=blocks[:VIEW_BLOCKS])
    view.validate_json()
    return view.to_dict()


def entry_modal(reply: Reply) -> dict:
    """An entry opened from App Home or a modal (no feedback or hand-off buttons: a modal has no
    conversation to answer in)."""
    from dataclasses import replace

    blocks = render_reply(replace(reply, log_id=None, handoff=False), max_blocks=VIEW_BLOCKS)
    return modal(reply.title or "deskbot", blocks, reply.lang)


# ---- App Home ---------------------------------------------------------------------------------

# Extra App Home sections from other features: fn(deps, user_id, lang) -> list[Block].
HOME_SECTIONS: list[Callable] = []


def home_section(fn: Callable) -> Callable:
    """Register an App Home section (shown after the built-in ones, in registration order)."""
    HOME_SECTIONS.append(fn)
    return fn


def user_lang(deps, client, user_id: str) -> str:
    """The user's language for App Home: Slack's locale (users.info with include_locale, needs
    users:read), else the language of the last message they wrote to the bot, else Japanese."""
    if client is not None:
        try:
            user = client.users_info(user=user_id, include_locale=True).get("user") or {}
            if user.get("locale"):
                return lang_from_locale(user["locale"], default="en")
        except Exception as e:  # noqa: BLE001 — no scope, Slack away: fall back
            log.info("users.info for %s: %r", user_id, e)
    try:
        from sqlmodel import Session, select

        from bot.models import QuestionLog

        with Session(deps.db) as s:
            row = s.exec(select(QuestionLog.lang).where(QuestionLog.asker == user_id)
                         .order_by(QuestionLog.asked_at.desc(), QuestionLog.id.desc()).limit(1)).first()
        if row in ("ja", "en"):
            return row
    except Exception as e:  # noqa: BLE001
        log.info("last language of %s unavailable: %r", user_id, e)
    return "ja"


def open_handoff_lines(db, lang: str, limit: int = 30) -> list[str]:
    """One escaped mrkdwn line per open hand-off, oldest first (App Home, `/desk handoffs`)."""
    from bot import handoffs as H

    lines = []
    for h in H.list_open(db, limit=limit):
        line = escape(H.summary_line(h, lang))
        if h.asker and not h.asker.startswith("cli:"):
            line = line.replace(escape(h.asker) + ":", f"<@{escape(h.asker)}>:", 1)
        lines.append("• " + line)
    return lines


def _contact_block(settings: Settings, lang: str) -> Block:
    from bot.conversation import contact_fields, contact_label, desk_name

    desk = escape(desk_name(settings, lang))
    fields = contact_fields(settings)
    if not fields:
        return section(t("desk.home_contact_none", lang, desk=desk))
    return section(t("desk.home_contact", lang, desk=desk) + "\n" + "\n".join(
        f"• {contact_label(k, lang)}: {escape(v)}" for k, v in fields))


def home_view(deps, user_id: str, lang: str | None = None, client=None) -> dict:
    """The Home tab in the user's language (see `user_lang`), its calendar facts from the
    configured calendar, the desk's contact, and for staff the open hand-offs."""
    from bot import calendar_text

    settings, kb = deps.settings, deps.desk.kb
    lang = lang if lang in ("ja", "en") else user_lang(deps, client, user_id)
    on = today(settings)
    try:
        cal = load_budget_calendar(settings)
        steps = t("desk.home_steps", lang, window=calendar_text.window(cal, lang), passage=calendar_text.passage(cal, lang))
    except Exception as e:  # noqa: BLE001 — a broken calendar must not blank the whole Home tab
        log.error("App Home: budget calendar unavailable: %r", e)
        cal, steps = None, t("desk.home_steps", lang, window="—", passage="—")
    blocks: list[Block] = [header(t("desk.home_title", lang)), section(t("desk.home_intro", lang)), divider(),
                           section(f"*{t('desk.home_steps_title', lang)}*\n{steps}")]
    if PROPOSE_ENTRY in kb.entries:
        blocks.append(ActionsBlock(block_id="home_propose", elements=[
            open_button(PROPOSE_ENTRY, kb.entries[PROPOSE_ENTRY].title.get(lang), lang)]))
    blocks.append(divider())
    upcoming = []
    if cal is not None:
        try:
            upcoming = cal.upcoming(on)
        except Exception as e:  # noqa: BLE001
            log.error("App Home: budget calendar unavailable: %r", e)
    if upcoming:
        lines = [f"• *{calendar_text.milestone_label(m, on, lang)}* {escape(m.name.get(lang))}" for m in upcoming]
        blocks.append(section(f"*{t('desk.home_next', lang)}*\n" + "\n".join(lines)))
    else:
        blocks.append(section(t("desk.cal_none", lang)))
    blocks.append(show_buttons(lang))
    blocks += [divider(), _contact_block(settings, lang)]
    if client is not None:
        try:
            from handlers.proposals.staff import actor_of

            if actor_of(deps, client, user_id).is_staff:
                lines = open_handoff_lines(deps.db, lang, limit=10)
                blocks += [divider(), section(t("desk.home_handoffs", lang) + "\n" + ("\n".join(lines) if lines else
                                                                                  t("desk.handoffs_none", lang)))]
        except Exception as e:  # noqa: BLE001
            log.error("App Home: open hand-offs unavailable: %r", e)
    for fn in HOME_SECTIONS:
        try:
            blocks += list(fn(deps, user_id, lang))
        except Exception as e:  # noqa: BLE001 — one broken section must not blank the tab
            log.error("App Home section %s failed: %r", getattr(fn, "__name__", fn), e)
    view = View(type="home", blocks=blocks[:VIEW_BLOCKS])
    view.validate_json()
    return view.to_dict()
