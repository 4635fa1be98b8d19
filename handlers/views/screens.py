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
from handlers.catalog import find_cases, methods
from handlers.text import t

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
        button(t(f"btn_{name}", lang), f"{A_SHOW}:{name}", pack(s=name, l=lang)) for name in SCREENS])


# ---- help -------------------------------------------------------------------------------------

def help_blocks(lang: str, bot_user_id: str | None, extra: list[tuple[str, str]] = (), note: str | None = None) -> list[Block]:
    blocks: list[Block] = [header(t("help_title", lang))]
    if note:
        blocks.append(context(note))
    blocks.append(section(t("help_body", lang, bot=bot_user_id or "deskbot")))
    if extra:
        blocks.append(section(f"*{t('extra_commands', lang)}*\n" + "\n".join(
            f"• `/desk {name}` — {summary}" for name, summary in extra)))
    blocks.append(show_buttons(lang))
    return blocks


# ---- budget calendar --------------------------------------------------------------------------

def load_budget_calendar(settings: Settings):
    from bot.fiscal import load_calendar

    return load_calendar(settings.knowledge_dir, getattr(settings, "calendar_file", None))


def calendar_blocks(settings: Settings, lang: str, on: date | None = None) -> list[Block]:
    """This fiscal year's milestones, today marked, and the budget year a proposal can reach."""
    from bot.fiscal import CalendarError, fiscal_year_of

    on = on or today(settings)
    try:
        cal = load_budget_calendar(settings)
    except CalendarError as e:
        log.error("budget calendar unavailable: %s", "; ".join(e.problems[:3]))
        return [section(t("cal_none", lang))]
    fy = fiscal_year_of(on)
    lines: list[str] = []
    marked = False
    for m in cal.milestones_for(fy):
        if not marked and on < m.start:
            lines.append(f"▶ *{t('cal_today', lang)} ({_md(on)})*")
            marked = True
        span = _md(m.start) if m.start == m.end else f"{_md(m.start)}〜{_md(m.end)}"
        line = f"• {span}  {escape(m.name.get(lang))}"
        if m.contains(on):
            line = f"▶ *{span}  {escape(m.name.get(lang))}*  ← {t('cal_today', lang)} ({_md(on)})"
            line += f"\n      {escape(m.for_company.get(lang))}"
            marked = True
        lines.append(line)
    if not marked:
        lines.append(f"▶ *{t('cal_today', lang)} ({_md(on)})*")
    return [header(t("cal_title", lang, fy=fy)),
            section("\n".join(lines)),
            section(t("cal_reach", lang, fy=cal.budget_year_reachable(on)))]


def next_milestones(settings: Settings, on: date | None = None, n: int = 3):
    """The next `n` milestones not yet over (this fiscal year, then the next)."""
    from bot.fiscal import fiscal_year_of

    on = on or today(settings)
    cal = load_budget_calendar(settings)
    fy = fiscal_year_of(on)
    upcoming = [m for y in (fy, fy + 1) for m in cal.milestones_for(y) if m.end >= on]
    return upcoming[:n]


# ---- methods and cases ------------------------------------------------------------------------

def methods_blocks(kb: Knowledge, lang: str) -> list[Block]:
    blocks: list[Block] = [header(t("methods_title", lang))]
    for i, m in enumerate(methods(kb)[: MESSAGE_BLOCKS - 2]):
        first = m.answer.get(lang).strip().split("\n")[0]
        blocks.append(section(f"*{escape(_title(m, lang))}*\n{escape(clip(first, 140))}",
                              accessory=open_button(m.id, t("open", lang), lang, i)))
    return blocks


def cases_blocks(kb: Knowledge, query: str | None, lang: str, limit: int = MESSAGE_BLOCKS - 3) -> list[Block]:
    how, found = find_cases(kb, query)
    title = t("cases_filtered", lang, q=clip(query, 60)) if query else t("cases_title", lang)
    blocks: list[Block] = [header(title)]
    if not found:
        return blocks + [section(t("cases_none", lang, q=escape(clip(query or "", 100))))]
    for i, c in enumerate(found[:limit]):
        city = c.municipality.get(lang) if c.municipality else ""
        blocks.append(section(f"*{escape(_title(c, lang))}*\n{escape(city)}",
                              accessory=open_button(c.id, t("open", lang), lang, i)))
    if len(found) > limit:
        blocks.append(context(t("more", lang, n=len(found) - limit)))
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
    view = View(type="modal", title=clip(title, 24), close=t("close", lang), blocks=blocks[:VIEW_BLOCKS])
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


def home_view(deps, user_id: str, lang: str = "ja") -> dict:
    settings, kb = deps.settings, deps.desk.kb
    blocks: list[Block] = [header(t("home_title", lang)), section(t("home_intro", lang)), divider(),
                           section(f"*{t('home_steps_title', lang)}*\n{t('home_steps', lang)}")]
    if PROPOSE_ENTRY in kb.entries:
        blocks.append(ActionsBlock(block_id="home_propose", elements=[
            open_button(PROPOSE_ENTRY, kb.entries[PROPOSE_ENTRY].title.get(lang), lang)]))
    blocks.append(divider())
    try:
        upcoming = next_milestones(settings)
    except Exception as e:  # noqa: BLE001 — a broken calendar must not blank the whole Home tab
        log.error("App Home: budget calendar unavailable: %r", e)
        upcoming = []
    if upcoming:
        lines = [f"• *{_md(m.start)}" + ("" if m.start == m.end else f"〜{_md(m.end)}")
                 + f"* ({m.fiscal_year}) {escape(m.name.get(lang))}" for m in upcoming]
        blocks.append(section(f"*{t('home_next', lang)}*\n" + "\n".join(lines)))
    else:
        blocks.append(section(t("cal_none", lang)))
    blocks.append(show_buttons(lang))
    for fn in HOME_SECTIONS:
        try:
            blocks += list(fn(deps, user_id, lang))
        except Exception as e:  # noqa: BLE001 — one broken section must not blank the tab
            log.error("App Home section %s failed: %r", getattr(fn, "__name__", fn), e)
    view = View(type="home", blocks=blocks[:VIEW_BLOCKS])
    view.validate_json()
    return view.to_dict()
