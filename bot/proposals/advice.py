"""Timing advice: when can a proposal made on a given date reach a city budget?

Everything is computed from the budget calendar (`knowledge/calendar.yaml` via bot.fiscal): the
proposal window, the October budget request and the March passage of the cycle the proposal can
still join. Nothing here hard-codes a month. Japanese and English.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.fiscal import BudgetCalendar, Milestone, fiscal_year_of
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
    if lang == "en":
        return f"{d.day} {d:%B} {d.year}"
    wd = "月火水木金土日"[d.weekday()]
    return f"{d.year}年{d.month}月{d.day}日({wd})"


def month_name(d: date, lang: str) -> str:
    return f"{d:%B} {d.year}" if lang == "en" else f"{d.year}年{d.month}月"


def _span(m: Milestone, lang: str) -> str:
    if lang == "en":
        return f"{day_name(m.start, lang)} – {day_name(m.end, lang)}"
    return f"{day_name(m.start, lang)}〜{day_name(m.end, lang)}"


def route_names(lang: str, routes: tuple[str, ...] = NO_BUDGET_ROUTES) -> str:
    names = [METHODS[k].label(lang) for k in routes]
    if lang == "en":   # in running text: "partnership agreement", but "PFI/PPP"
        names = [n if n[:2].isupper() else n[0].lower() + n[1:] for n in names]
    return ", ".join(names) if lang == "en" else "、".join(names)


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
    en = lang == "en"
    steps = ""
    if request and passage:
        steps = (f"it can go into the department's budget request in {month_name(request.start, lang)}, "
                 f"and the council decides the budget in {month_name(passage.start, lang)}; work can then start in "
                 f"{fy_name(budget_year, lang)}." if en else
                 f"{month_name(request.start, lang)}の予算要求に盛り込み、{month_name(passage.start, lang)}の"
                 f"議会で予算が決まれば、{fy_name(budget_year, lang)}から事業を始められます。")
    if state == "inside":
        left = (window.end - d).days + 1
        last_open = cal.business_day_on_or_before(window.end)
        if en:
            when = "today is its last day" if left == 1 else f"{left} days left including today"
            closed = (f" The office's last open day in it is {day_name(last_open, lang)}."
                      if last_open != window.end and last_open >= d else "")
            return (f"Today ({day_name(d, lang)}) is inside the proposal window for new projects "
                    f"({_span(window, lang)}; {when}).{closed} If the department takes up your proposal, {steps} "
                    f"Give the department the issue, the expected effect and a rough cost early.")
        when = "本日が最終日" if left == 1 else f"今日を含めてあと{left}日"
        closed = (f"期間中の最後の開庁日は{day_name(last_open, lang)}です。"
                  if last_open != window.end and last_open >= d else "")
        return (f"本日({day_name(d, lang)})は新規事業の提案時期({_span(window, lang)}、{when})の中です。{closed}"
                f"担当課がこの提案を採り上げて{steps}"
                f"要求の準備ができるよう、課題・効果・費用の見込みを早めに担当課へお伝えください。")
    until = (window.start - d).days
    when = (("tomorrow" if until == 1 else f"in {until} days") if en else
            ("明日から始まります" if until == 1 else f"あと{until}日で始まります"))
    span = _span(window, lang)
    if state == "before":
        lead = (f"The proposal window for new projects runs {span} and opens {when}." if en else
                f"新規事業の提案時期は{span}で、{when}。")
    else:
        lead = (f"This year's proposal window for new projects has closed, so a proposal that needs new city "
                f"budget goes into the next cycle: the next window runs {span} and opens {when}." if en else
                f"今年度の新規事業の提案時期は終わっているため、新たな予算が必要な提案は次のサイクルでの検討になります。"
                f"次の提案時期は{span}で、{when}。")
    if not steps:
        return lead
    return lead + (f" In that cycle, {steps}" if en else f"そのサイクルでは、担当課が{steps}")


def _routes_paragraph(lang: str, *, after: bool) -> str:
    names = route_names(lang)
    if lang == "en":
        return (("Meanwhile, you" if after else "You") + f" can start with routes that need no new city budget: {names}. "
                "The desk can help you choose one.")
    return (("それまでの間も、" if after else "") +
            f"新たな予算を必要としない進め方({names})で始めることができます。どれが合うか、デスクが一緒に考えます。")


def _no_budget_paragraph(lang: str) -> str:
    names = route_names(lang)
    if lang == "en":
        return (f"A proposal that needs no new city budget does not have to wait for the budget cycle: the desk can "
                f"take it up at any time of year, for example as {names}.")
    return (f"市の新たな予算を必要としない提案は、予算の時期を待たずにいつでも検討できます"
            f"(例: {names})。")


def _if_budget_later(budget_para: str, lang: str) -> str:
    return (f"If city budget turns out to be needed after all: {budget_para}" if lang == "en" else
            f"検討の中で市の予算が必要になった場合: {budget_para}")


def _unsure_intro(lang: str) -> str:
    return ("Whether your proposal needs city budget is something the desk will work out with you. "
            "If it does, the budget calendar applies; if not, it can start at any time." if lang == "en" else
            "市の予算が必要かどうかは、デスクの職員と一緒に整理します。予算が必要な場合は予算のスケジュールに沿って、"
            "不要な場合はいつでも進められます。")
