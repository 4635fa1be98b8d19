"""Reminder rules → occurrences with a final date and time, and their text.

Each rule is registered once (`rule(Rule(kind, dates, headline, name, expired))`): its dates,
its text and when it stops being worth sending live together, and everything else (preview,
delivery, App Home, `/desk remind`) goes through `occurrences_for`, `render`, `title`, `expired`.
Rules (per fiscal year, from the budget calendar):
- `<window>.open`      the proposal window opens (its start date);
- `<window>.close-N`   N days before the window closes, for each N in the calendar (30, 14, 7, 1);
- `<milestone>.start`  each later milestone starts (compilation, requests, assessment, passage).

A reminder day that is not a business day (weekend, national holiday, office closure) moves to
the business day before. The window's deadline itself is the last business day on or before its
end date, and "N days before" counts from that deadline. Each reminder goes out at the
calendar's reminder time (09:00) in its time zone (Asia/Tokyo).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.fiscal import BudgetCalendar, Milestone, fiscal_year_of
from bot.i18n import fmt_date, fmt_range, lang_of, t



@dataclass(frozen=True)
class Occurrence:
    """One reminder in one fiscal year, with its final date and time."""
    reminder_id: str           # e.g. proposal-window.close-7
    fiscal_year: int
    kind: str                  # the rule: open | close | start
    milestone: Milestone
    event_date: date           # the day the rule names, before moving off non-business days
    fire_at: datetime          # final local date and time (aware, calendar time zone)
    deadline: date | None = None    # close: the window's effective deadline
    moved_because: str | None = None  # why event_date was not a business day (holiday name …)
    deadline_moved_because: str | None = None  # close: why the window's end was not a business day

    @property
    def occurrence(self) -> str:
        """The occurrence key stored in the ledger."""
        return f"FY{self.fiscal_year}"

    @property
    def key(self) -> str:
        return f"{self.reminder_id}@{self.occurrence}"

    @property
    def fire_date(self) -> date:
        return self.fire_at.date()


# ---------------------------------------------------------------- the rules

@dataclass(frozen=True)
class Rule:
    """One kind of reminder, in one place: when it falls (`dates`), what it says (`headline`,
    `name`) and until when it is still worth sending (`expired`). A rule's reminders are keyed
    `<milestone id>.<suffix>` in the ledger: keep `kind` and the suffixes stable once shipped."""

    kind: str
    # (calendar, fiscal year) -> [(reminder id, milestone, the day the rule names, the window's deadline or None)]
    dates: Callable[[BudgetCalendar, int], list[tuple[str, Milestone, date, date | None]]]
    # (occurrence, lang, today, early) -> (headline, lead): the first two lines of the text
    headline: Callable[["Occurrence", str, date, bool], tuple[str, str]]
    # (occurrence, lang) -> a one-line name for listings
    name: Callable[["Occurrence", str], str]
    # (occurrence, today) -> True when sending it now would only mislead (caught up too late)
    expired: Callable[["Occurrence", date], bool] = lambda _o, _today: False


RULES: dict[str, Rule] = {}


def rule(r: Rule) -> Rule:
    """Register a rule (its kind is its key; reminders are listed in firing order whatever the
    order of registration)."""
    if r.kind in RULES:
        raise ValueError(f"reminder rule {r.kind!r} registered twice")
    RULES[r.kind] = r
    return r


def _deadline(calendar: BudgetCalendar, fy: int) -> tuple[Milestone, date]:
    window = calendar.window_for(fy)
    return window, calendar.business_day_on_or_before(window.end)


def _open_dates(calendar: BudgetCalendar, fy: int):
    window, deadline = _deadline(calendar, fy)
    return [(f"{window.id}.open", window, window.start, deadline)]


def _close_dates(calendar: BudgetCalendar, fy: int):
    window, deadline = _deadline(calendar, fy)
    return [(f"{window.id}.close-{n}", window, deadline - timedelta(days=n), deadline)
            for n in calendar.spec.reminders.window_close_days_before
            if deadline - timedelta(days=n) >= window.start]


def _start_dates(calendar: BudgetCalendar, fy: int):
    return [(f"{m.id}.start", m, m.start, None) for m in calendar.milestones_for(fy) if m.kind != "window"]


def occurrences_for(calendar: BudgetCalendar, fy: int) -> list[Occurrence]:
    """Every reminder of fiscal year `fy` (every registered rule), in firing order."""
    tz, at = calendar.tz, calendar.reminder_time
    out: list[Occurrence] = []
    for r in RULES.values():
        for rid, m, event, deadline in r.dates(calendar, fy):
            fire = calendar.business_day_on_or_before(event)
            out.append(Occurrence(
                reminder_id=rid, fiscal_year=fy, kind=r.kind, milestone=m, event_date=event,
                fire_at=datetime.combine(fire, at, tzinfo=tz), deadline=deadline,
                moved_because=calendar.non_business_reason(event) if fire != event else None,
                deadline_moved_because=calendar.non_business_reason(m.end) if deadline and deadline != m.end else None))
    return sorted(out, key=lambda o: (o.fire_at, o.event_date, o.reminder_id))


def expired(o: Occurrence, today: date) -> bool:
    """Whether `o`, caught up on `today`, should no longer be sent (its rule says so)."""
    r = RULES.get(o.kind)
    return bool(r and r.expired(o, today))


def occurrences_between(calendar: BudgetCalendar, start: datetime, end: datetime) -> list[Occurrence]:
    """Occurrences with start < fire_at <= end (aware datetimes)."""
    first = fiscal_year_of(start.astimezone(calendar.tz).date()) - 1
    last = fiscal_year_of(end.astimezone(calendar.tz).date()) + 1
    return [o for fy in range(first, last + 1) for o in occurrences_for(calendar, fy)
            if start < o.fire_at <= end]


def next_reminders(calendar: BudgetCalendar, now: datetime, n: int = 3) -> list[Occurrence]:
    """The next `n` reminders strictly after `now` (aware; naive is read as the calendar's zone)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=calendar.tz)
    fy = fiscal_year_of(now.astimezone(calendar.tz).date())
    out: list[Occurrence] = []
    while len(out) < n:
        out += [o for o in occurrences_for(calendar, fy) if o.fire_at > now]
        fy += 1
    return out[:n]


# ---------------------------------------------------------------- text

def _md(d: date, lang: str) -> str:
    return fmt_date(d, lang, "day_wd")


def _span(m: Milestone, lang: str) -> str:
    return fmt_range(_md(m.start, lang), _md(m.end, lang), lang)


def _running(name: str, lang: str) -> str:
    """A milestone name inside an English sentence is lower-cased ("the proposal window")."""
    return name.lower() if lang == "en" else name


def _open_headline(o: Occurrence, lang: str, today: date, early: bool) -> tuple[str, str]:
    m, target_fy = o.milestone, o.fiscal_year + 1
    name = _running(m.name.get(lang), lang)
    head = t("reminder.open.head_early" if early else "reminder.open.head", lang,
             start=_md(m.start, lang), name=name, span=_span(m, lang))
    return head, t("reminder.open.lead", lang, fy=target_fy, deadline=_md(o.deadline or m.end, lang))


def _close_headline(o: Occurrence, lang: str, today: date, early: bool) -> tuple[str, str]:
    m, target_fy = o.milestone, o.fiscal_year + 1
    days = (o.deadline - today).days
    moved = o.deadline != m.end
    when_ = {0: t("reminder.close.today", lang), 1: t("reminder.close.tomorrow", lang)}.get(days) or \
        t("reminder.close.in_days", lang, days=days)
    head = t("reminder.close.head", lang, name=_running(m.name.get(lang), lang), when=when_,
             deadline=_md(o.deadline, lang))
    # The moved deadline stays here: the Japanese names the reason (土曜日…), the English does not,
    # and the catalogue holds the same placeholders in both languages.
    if lang == "en":
        moved_text = (f"{_md(m.end, 'en')} is not a business day, so the last day to propose is "
                      f"{_md(o.deadline, 'en')}. " if moved else "")
    else:
        moved_text = (f"{_md(m.end, 'ja')}は{o.deadline_moved_because}のため、実質の締め切りは{_md(o.deadline, 'ja')}です。"
                      if moved else "")
    return head, moved_text + t("reminder.close.lead", lang, fy=target_fy)


def _start_headline(o: Occurrence, lang: str, today: date, early: bool) -> tuple[str, str]:
    m, target_fy = o.milestone, o.fiscal_year + 1
    head = t("reminder.start.head_early" if early else "reminder.start.head", lang,
             start=_md(m.start, lang), name=m.name.get(lang), span=_span(m, lang))
    return head, t("reminder.start.lead", lang, fy=target_fy)


def _days_before(o: Occurrence) -> str:
    return o.reminder_id.rsplit("-", 1)[-1]


rule(Rule("open", _open_dates, _open_headline,
          lambda o, lang: t("reminder.open.title", lang, name=o.milestone.name.get(lang))))
rule(Rule("close", _close_dates, _close_headline,
          lambda o, lang: t("reminder.close.title", lang, name=o.milestone.name.get(lang), days=_days_before(o)),
          # caught up after the window closed: a countdown would only mislead
          expired=lambda o, today: o.deadline is not None and today > o.deadline))
rule(Rule("start", _start_dates, _start_headline,
          lambda o, lang: t("reminder.start.title", lang, name=o.milestone.name.get(lang))))


def render(o: Occurrence, lang: str = "ja", today: date | None = None) -> str:
    """The reminder text (Slack mrkdwn, readable as plain text): what is happening and what to do now.
    `today` is the day it goes out (default: its scheduled day); a late delivery counts from it."""
    lang = lang_of(lang)
    m = o.milestone
    today = today or o.fire_date
    head, lead = RULES[o.kind].headline(o, lang, today, today < o.event_date)   # early: moved to the day before
    lines = [head, lead, t("reminder.text.for_company", lang, text=m.for_company.get(lang)),
             t("reminder.text.for_staff", lang, text=m.for_staff.get(lang)),
             t("reminder.text.more", lang, name=m.name.get(lang))]
    return "\n".join(lines)


def title(o: Occurrence, lang: str = "ja") -> str:
    """A one-line name for listings: what the reminder is about."""
    return RULES[o.kind].name(o, lang_of(lang))


def when(o: Occurrence, lang: str = "ja") -> str:
    """The final date and time, e.g. 8/24(月) 9:00 / Mon 24 Aug 2026 09:00."""
    return f"{fmt_date(o.fire_at.date(), lang, 'day_wd_year')} {o.fire_at:%H:%M}"
