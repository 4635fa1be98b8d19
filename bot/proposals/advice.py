"""Timing advice: when can a proposal made on a given date reach a city budget?

Everything is computed from the budget calendar (`knowledge/calendar.yaml` via bot.fiscal): the
proposal window, the October budget request and the March passage of the cycle the proposal can
still join. Nothing here hard-codes a month. Japanese and English.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.fiscal import BudgetCalendar, Milestone, fiscal_year_of
from bot.i18n import fmt_date, fmt_list, fmt_range, t
from bot.proposals.validation import METHODS, NO_BUDGET_ROUTES

REQUEST_ID = "budget-request"
PASSAGE_ID = "budget-passage"


@dataclass(frozen=True)
class Advice:
    submitted_on: date
    fiscal_year: int             # the fiscal year the date falls in
    budget_year: int             # the first fiscal year whose budget the proposal can reach
    state: str                   # before | inside | after (the window of `fiscal_year`)
    window: Milestone            # the window the proposal should reach (this year's or next)
    request: Milestone | None    # that cycle's budget request (October)
    passage: Milestone | None    # that cycle's budget passage (March)
    needs_budget: str            # yes | no | unsure
    lang: str
    paragraphs: tuple[str, ...]
    routes: tuple[str, ...]      # method keys that need no new budget (offered meanwhile)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


# ------------------------------------------------------------------ formatting

def _reiwa(fy: int) -> str:
    return f"令和{fy - 2018}年度" if fy >= 2019 else ""


def fy_name(fy: int, lang: str) -> str:
    if lang == "en":
        return f"fiscal {fy} (April {fy} – March {fy + 1})"
    r = _reiwa(fy)
    return f"{fy}年度({r})" if r else f"{fy}年度"


def day_name(d: date, lang: str) -> str:
    return fmt_date(d, lang, "date")


def month_name(d: date, lang: str) -> str:
    return fmt_date(d, lang, "month")


def _span(m: Milestone, lang: str) -> str:
    return fmt_range(day_name(m.start, lang), day_name(m.end, lang), lang)


def route_names(lang: str, routes: tuple[str, ...] = NO_BUDGET_ROUTES) -> str:
    names = [METHODS[k].label(lang) for k in routes]
    if lang == "en":   # in running text: "partnership agreement", but "PFI/PPP"
        names = [n if n[:2].isupper() else n[0].lower() + n[1:] for n in names]
    return fmt_list(names, lang)


# ------------------------------------------------------------------ the advice

def timing_advice(d: date, needs_budget: str = "unsure", lang: str = "ja",
                  calendar: BudgetCalendar | None = None) -> Advice:
    """The advice for a proposal made on `d`, from `calendar` — the caller's (the entry point
    loads the configured one); there is no process-wide default to fall back on."""
    if calendar is None:
        raise TypeError("timing_advice() needs the budget calendar")
    cal = calendar
    lang = "en" if lang == "en" else "ja"
    needs_budget = needs_budget if needs_budget in ("yes", "no", "unsure") else "unsure"
    fy = fiscal_year_of(d)
    this_window = cal.window_for(fy)
    state = "before" if d < this_window.start else "inside" if d <= this_window.end else "after"
    cycle_fy = fy if state != "after" else fy + 1          # the cycle the proposal can still join
    window = cal.window_for(cycle_fy)
    by_id = {m.id: m for m in cal.milestones_for(cycle_fy)}
    request, passage = by_id.get(REQUEST_ID), by_id.get(PASSAGE_ID)
    budget_year = cal.budget_year_reachable(d)
    assert budget_year == cycle_fy + 1, "calendar and advice disagree on the cycle"

    budget_para = _budget_paragraph(d, state, window, request, passage, budget_year, lang, cal)
    routes_para = _routes_paragraph(lang, after=state == "after")
    paras: list[str]
    if needs_budget == "yes":
        paras = [budget_para] + ([routes_para] if state != "inside" else [])
    elif needs_budget == "no":
        paras = [_no_budget_paragraph(lang), _if_budget_later(budget_para, lang)]
    else:
        paras = [_unsure_intro(lang), budget_para, routes_para]
    return Advice(d, fy, budget_year, state, window, request, passage, needs_budget, lang,
                  tuple(paras), NO_BUDGET_ROUTES)


def _budget_paragraph(d: date, state: str, window: Milestone, request: Milestone | None,
                      passage: Milestone | None, budget_year: int, lang: str,
                      cal: BudgetCalendar) -> str:
    steps = ""
    if request and passage:
        steps = t("advice.steps", lang, request_month=month_name(request.start, lang),
                  passage_month=month_name(passage.start, lang), budget_fy=fy_name(budget_year, lang))
    span = _span(window, lang)
    if state == "inside":
        left = (window.end - d).days + 1
        last_open = cal.business_day_on_or_before(window.end)
        when = t("advice.inside.last_day", lang) if left == 1 else t("advice.inside.days_left", lang, left=left)
        closed = (t("advice.inside.closed", lang, day=day_name(last_open, lang))
                  if last_open != window.end and last_open >= d else "")
        return t("advice.inside.text", lang, today=day_name(d, lang), span=span, when=when, closed=closed, steps=steps)
    until = (window.start - d).days
    when = t("advice.opens_tomorrow", lang) if until == 1 else t("advice.opens_in", lang, days=until)
    lead = t("advice.before" if state == "before" else "advice.after", lang, span=span, when=when)
    if not steps:
        return lead
    return lead + t("advice.in_cycle", lang, steps=steps)


def _routes_paragraph(lang: str, *, after: bool) -> str:
    return t("advice.routes_after" if after else "advice.routes", lang, names=route_names(lang))


def _no_budget_paragraph(lang: str) -> str:
    return t("advice.no_budget", lang, names=route_names(lang))


def _if_budget_later(budget_para: str, lang: str) -> str:
    return t("advice.if_budget_later", lang, paragraph=budget_para)


def _unsure_intro(lang: str) -> str:
    return t("advice.unsure", lang)
