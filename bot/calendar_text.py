"""Calendar facts as text, from the configured budget calendar only (knowledge/calendar.yaml or
CALENDAR_FILE): month spans, the reminder schedule, and calendar answers that follow it.

Every surface that states a month, a countdown or a time takes it from here (App Home, the
reminders section, the console, answers), so a city with its own calendar never gets the shipped
one's months mixed into its own.
"""
from __future__ import annotations

import re
from datetime import date

from bot.fiscal import BudgetCalendar, Milestone
from bot.i18n import fmt_date, fmt_list, fmt_range, t

_MONTH_EN = ["", "January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December"]
_REF_YEAR = 2026          # any fiscal year: spans are month-level


def span(m: Milestone, lang: str) -> str:
    """4〜8月 / April–August; 9月 / September."""
    a, b = m.start.month, m.end.month
    if lang == "en":
        return _MONTH_EN[a] if a == b else f"{_MONTH_EN[a]}–{_MONTH_EN[b]}"
    return f"{a}月" if a == b else f"{a}〜{b}月"


_RANGE_FORMS = {"ja": ["{a}〜{b}月", "{a}月〜{b}月", "{a}～{b}月", "{a}月から{b}月", "{a}-{b}月"],
                "en": ["{A}–{B}", "{A}-{B}", "{A} to {B}", "{A} - {B}", "between {A} and {B}"]}
_ONE_FORM = {"ja": "{a}月", "en": "{A}"}


def _render(form: str, a: int, b: int) -> str:
    return form.format(a=a, b=b, A=_MONTH_EN[a], B=_MONTH_EN[b])


def _forms(m: Milestone, c: Milestone, lang: str) -> list[tuple[str, str]]:
    """(how the knowledge texts write `m`'s months, the same written for `c`), form for form."""
    a, b, ca, cb = m.start.month, m.end.month, c.start.month, c.end.month
    if a == b:
        return [(_render(_ONE_FORM[lang], a, a), span(c, lang))]
    return [(_render(f, a, b), span(c, lang) if ca == cb else _render(f, ca, cb)) for f in _RANGE_FORMS[lang]]


def window(cal: BudgetCalendar, lang: str, fy: int = _REF_YEAR) -> str:
    return span(cal.window_for(fy), lang)


def passage(cal: BudgetCalendar, lang: str, fy: int = _REF_YEAR) -> str:
    """The months of the cycle's last milestone (the budget passing)."""
    return span(cal.milestones_for(fy)[-1], lang)


def reminder_time(cal: BudgetCalendar, lang: str) -> str:
    """朝9時 / 09:00 (午後は 14時30分 …)."""
    t = cal.reminder_time
    if lang == "en":
        return f"{t:%H:%M}"
    part = "朝" if t.hour < 12 else ""
    return f"{part}{t.hour}時" + (f"{t.minute}分" if t.minute else "")


def close_days(cal: BudgetCalendar, lang: str) -> str:
    """30・14・7・1 / 30/14/7/1 (days before the window closes)."""
    days = sorted(cal.spec.reminders.window_close_days_before, reverse=True)
    return fmt_list(days, lang, numbers=True)


def follow(text: str, lang: str, shipped: BudgetCalendar, configured: BudgetCalendar) -> str:
    """A calendar entry's text written for the shipped calendar, with each milestone's months
    replaced by the configured calendar's (all at once, so 9月→10月 and 10月→11月 never chain).
    Unchanged when both calendars agree."""
    conf = {m.id: m for m in configured.milestones_for(_REF_YEAR)}
    pairs: dict[str, str] = {}
    for m in shipped.milestones_for(_REF_YEAR):
        c = conf.get(m.id)
        if c is None or (c.start.month, c.end.month) == (m.start.month, m.end.month):
            continue
        for lg in ("ja", "en"):
            for old, new in _forms(m, c, lg):
                pairs.setdefault(old, new)
    if not pairs:
        return text
    # A single month inside a range that is not a milestone's (the fiscal year April–March,
    # 4月〜翌3月) or inside a date (3月31日, 31 March) is left alone.
    not_in_range = r"(?<![–\-〜～翌])(?<!to )(?<!から)"

    def alt(a: str) -> str:
        e = re.escape(a)
        if a[0].isdigit():
            return rf"(?<![0-9０-９]){not_in_range}{e}(?![0-9０-９])" if a.endswith("月") and a.count("月") == 1 and a[:-1].isdigit() \
                else rf"(?<![0-9０-９]){e}"
        return rf"\b{not_in_range}(?<![0-9] ){e}\b(?! [0-9])" if " " not in a and "–" not in a and "-" not in a else rf"\b{e}\b"

    pat = re.compile("|".join(alt(a) for a in sorted(pairs, key=len, reverse=True)))
    return pat.sub(lambda mo: pairs[mo.group(0)], text)


def milestone_label(m: Milestone, today: date, lang: str) -> str:
    """A milestone's dates with their own years: 3/1〜3/31 (2027) — a March date belongs to the
    calendar year after the fiscal year starts, and is labelled with that year."""
    years = "/".join(str(y) for y in sorted({m.start.year, m.end.year}))
    first = fmt_date(m.start, lang, "day")
    dates = first if m.start == m.end else fmt_range(first, fmt_date(m.end, lang, "day"), lang)
    return t("fmt.with_years", lang, dates=dates, years=years)
