"""Reminder rules → occurrences with a final date and time, and their text.

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

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.fiscal import BudgetCalendar, Milestone, fiscal_year_of

WEEKDAYS_JA = "月火水木金土日"


@dataclass(frozen=True)
class Occurrence:
    """One reminder in one fiscal year, with its final date and time."""
    reminder_id: str           # e.g. proposal-window.close-7
    fiscal_year: int
    kind: str                  # open | close | start
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


def occurrences_for(calendar: BudgetCalendar, fy: int) -> list[Occurrence]:
    """Every reminder of fiscal year `fy`, in firing order."""
    tz, at = calendar.tz, calendar.reminder_time

    def occ(rid: str, kind: str, m: Milestone, event: date, deadline: date | None = None) -> Occurrence:
        fire = calendar.business_day_on_or_before(event)
        return Occurrence(reminder_id=rid, fiscal_year=fy, kind=kind, milestone=m, event_date=event,
                          fire_at=datetime.combine(fire, at, tzinfo=tz), deadline=deadline,
                          moved_because=calendar.non_business_reason(event) if fire != event else None,
                          deadline_moved_because=calendar.non_business_reason(m.end)
                          if deadline and deadline != m.end else None)

    out: list[Occurrence] = []
    window = calendar.window_for(fy)
    deadline = calendar.business_day_on_or_before(window.end)
    out.append(occ(f"{window.id}.open", "open", window, window.start, deadline))
    for n in calendar.spec.reminders.window_close_days_before:
        event = deadline - timedelta(days=n)
        if event >= window.start:
            out.append(occ(f"{window.id}.close-{n}", "close", window, event, deadline))
    for m in calendar.milestones_for(fy):
        if m.kind != "window":
            out.append(occ(f"{m.id}.start", "start", m, m.start))
    return sorted(out, key=lambda o: (o.fire_at, o.event_date, o.reminder_id))


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
    return f"{d.month}/{d.day}({WEEKDAYS_JA[d.weekday()]})" if lang == "ja" else d.strftime("%a %-d %b")


def _span(m: Milestone, lang: str) -> str:
    sep = "〜" if lang == "ja" else "–"
    return f"{_md(m.start, lang)}{sep}{_md(m.end, lang)}"


def render(o: Occurrence, lang: str = "ja", today: date | None = None) -> str:
    """The reminder text (Slack mrkdwn, readable as plain text): what is happening and what to do now.
    `today` is the day it goes out (default: its scheduled day); a late delivery counts from it."""
    en = lang == "en"
    lang = "en" if en else "ja"
    m = o.milestone
    name = m.name.get(lang)
    today = today or o.fire_date
    early = today < o.event_date            # moved to the business day before
    target_fy = o.fiscal_year + 1

    if o.kind == "open":
        if en:
            head = (f"📅 *The {name.lower()} opens on {_md(m.start, lang)}* ({_span(m, lang)})" if early
                    else f"📅 *The {name.lower()} is open* ({_span(m, lang)})")
            lead = f"Proposals you want in the FY{target_fy} budget should reach the city by {_md(o.deadline or m.end, lang)}."
        else:
            head = (f"📅 *{_md(m.start, lang)}から{name}が始まります*({_span(m, lang)})" if early
                    else f"📅 *{name}が始まりました*({_span(m, lang)})")
            lead = f"{target_fy}年度の予算に乗せたい提案は、{_md(o.deadline or m.end, lang)}までに市の担当課へ。"
    elif o.kind == "close" and o.deadline:
        days = (o.deadline - today).days
        moved = o.deadline != m.end
        if en:
            when = {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")
            head = f"⏰ *The {name.lower()} closes {when}* (deadline {_md(o.deadline, lang)})"
            lead = (f"{_md(m.end, 'en')} is not a business day, so the last day to propose is "
                    f"{_md(o.deadline, 'en')}. " if moved else "") + \
                f"To reach the FY{target_fy} budget, talk to the department in charge now."
        else:
            when = {0: "今日が締め切りです", 1: "明日が締め切りです"}.get(days, f"締め切りまであと{days}日です")
            head = f"⏰ *{name}の{when}*(締め切り {_md(o.deadline, lang)})"
            lead = (f"{_md(m.end, 'ja')}は{o.deadline_moved_because}のため、実質の締め切りは{_md(o.deadline, 'ja')}です。"
                    if moved else "") + f"{target_fy}年度予算に間に合わせたい提案は、今のうちに担当課へ相談してください。"
    else:
        if en:
            head = (f"📌 *{name} starts on {_md(m.start, lang)}* ({_span(m, lang)})" if early
                    else f"📌 *{name} has started* ({_span(m, lang)})")
            lead = f"This is part of compiling the FY{target_fy} budget."
        else:
            head = (f"📌 *{_md(m.start, lang)}から{name}の時期です*({_span(m, lang)})" if early
                    else f"📌 *{name}の時期になりました*({_span(m, lang)})")
            lead = f"{target_fy}年度予算づくりの一段階です。"

    if en:
        lines = [head, lead, f"• For companies: {m.for_company.get('en')}",
                 f"• For city staff: {m.for_staff.get('en')}",
                 f"_More: ask `/desk {m.name.get('en')}` · stop these reminders: `/desk remind off`_"]
    else:
        lines = [head, lead, f"• 企業の方: {m.for_company.get('ja')}", f"• 職員の方: {m.for_staff.get('ja')}",
                 f"_詳しくは `/desk {m.name.get('ja')}` ・配信停止は `/desk remind off`_"]
    return "\n".join(lines)


def title(o: Occurrence, lang: str = "ja") -> str:
    """A one-line name for listings: what the reminder is about."""
    name = o.milestone.name.get("en" if lang == "en" else "ja")
    if lang == "en":
        return {"open": f"{name} opens", "close": f"{name} closes in {o.reminder_id.rsplit('-', 1)[-1]} day(s)"}.get(
            o.kind, f"{name} starts")
    return {"open": f"{name}の開始", "close": f"{name}の締め切り{o.reminder_id.rsplit('-', 1)[-1]}日前"}.get(
        o.kind, f"{name}の開始")


def when(o: Occurrence, lang: str = "ja") -> str:
    """The final date and time, e.g. 8/24(月) 9:00 / Mon 24 Aug 2026 09:00."""
    d, t = o.fire_at.date(), o.fire_at.strftime("%H:%M")
    return f"{d.year}/{_md(d, 'ja')} {t}" if lang != "en" else f"{d.strftime('%a %-d %b %Y')} {t}"
