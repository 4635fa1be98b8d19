"""The fiscal calendar: fiscal years, budget milestones, business days.

- Fiscal years run April–March and are named by the calendar year they start in
  (`fiscal_year_of(date(2027, 3, 31)) == 2026`).
- The budget cycle (proposal window, compilation, requests, assessment, passage) is data in
  `knowledge/calendar.yaml` (or the file the CALENDAR_FILE setting names); `load_calendar()`
  validates it and raises `CalendarError` naming file and field.
- Business days: Monday–Friday that are not Japanese public holidays (`holidays.Japan`, which
  includes substitute holidays and 国民の休日). `BudgetCalendar.is_business_day` also skips the
  city's office closures (年末年始) listed in the calendar file.

The milestones of fiscal year N are the cycle that runs *during* FY N and builds the budget of
FY N+1: proposals April–August N, requests October N, assessment December N–January N+1,
passage March N+1.
"""
from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import date, time, timedelta
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.i18n import t, weekday_name
from bot.knowledge import KnowledgeError, Localized, Source, load_yaml, validation_problems, yaml_problem

CALENDAR_FILE = "calendar.yaml"
FISCAL_YEAR_START_MONTH = 4  # 地方自治法 第208条: 4月1日に始まり翌年3月31日に終わる


# ---------------------------------------------------------------- fiscal years, business days

def fiscal_year_of(d: date) -> int:
    """The fiscal year (April–March) containing `d`, named by the year it starts in."""
    return d.year if d.month >= FISCAL_YEAR_START_MONTH else d.year - 1


@lru_cache(maxsize=64)
def _jp_holidays(year: int) -> holidays.HolidayBase:
    return holidays.Japan(years=year, language="ja")


def holiday_name(d: date) -> str | None:
    """The Japanese name of the public holiday on `d` (e.g. 山の日, 振替休日), or None."""
    return _jp_holidays(d.year).get(d)


def is_business_day(d: date) -> bool:
    """Monday–Friday and not a Japanese public holiday (national rules only; see
    `BudgetCalendar.is_business_day` for the city's office closures as well)."""
    return d.weekday() < 5 and holiday_name(d) is None


# The one walk over business days; `open_on` says which days count (national rules by default,
# `BudgetCalendar.is_business_day` adds the city office's closures).
OpenOn = Callable[[date], bool]


def business_day_on_or_before(d: date, open_on: OpenOn = is_business_day) -> date:
    """`d` itself when it is a business day, else the business day before it."""
    while not open_on(d):
        d -= timedelta(days=1)
    return d


def previous_business_day(d: date, open_on: OpenOn = is_business_day) -> date:
    """The latest business day strictly before `d`."""
    return business_day_on_or_before(d - timedelta(days=1), open_on)


def next_business_day(d: date, open_on: OpenOn = is_business_day) -> date:
    """The earliest business day strictly after `d`."""
    d += timedelta(days=1)
    while not open_on(d):
        d += timedelta(days=1)
    return d


def add_business_days(d: date, n: int, open_on: OpenOn = is_business_day) -> date:
    """`n` business days after `d` (n >= 0; n == 0 gives the next business day on or after `d`)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if n == 0:
        return d if open_on(d) else next_business_day(d, open_on)
    for _ in range(n):
        d = next_business_day(d, open_on)
    return d


def non_business_reason(d: date, lang: str = "ja") -> str | None:
    """Why `d` is not a (national) business day: the holiday's name or the weekday; None if it is."""
    name = holiday_name(d)
    if name:
        return name
    if d.weekday() >= 5:
        return weekday_name(d, lang)
    return None


# ---------------------------------------------------------------- the calendar file's schema

class CalendarError(KnowledgeError):
    """The calendar file is broken; `.problems` lists `file: field: message` lines."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Bilingual(Localized):
    """Japanese and English are both required here: reminders go out in either."""
    en: str = Field(min_length=1)


class MonthDay(_Strict):
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)

    @model_validator(mode="after")
    def _day_exists(self) -> "MonthDay":
        last = _cal.monthrange(2000, self.month)[1]  # 2000 is a leap year: 2/29 allowed
        if self.day > last:
            raise ValueError(f"{self.month}月 has no day {self.day}")
        return self

    def fiscal_order(self) -> tuple[int, int]:
        """Sort key inside a fiscal year (April first, March last)."""
        return ((self.month - FISCAL_YEAR_START_MONTH) % 12, self.day)

    def in_fiscal_year(self, fy: int) -> date:
        year = fy if self.month >= FISCAL_YEAR_START_MONTH else fy + 1
        return date(year, self.month, min(self.day, _cal.monthrange(year, self.month)[1]))


class MilestoneSpec(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,79}$")
    kind: Literal["window", "milestone"] = "milestone"
    entry: str | None = None          # id of the knowledge entry that explains it
    name: Bilingual
    start: MonthDay
    end: MonthDay
    for_company: Bilingual            # what it means for a company / what to do now
    for_staff: Bilingual              # what it means for city staff / what to do now
    source: Source

    @model_validator(mode="after")
    def _ordered(self) -> "MilestoneSpec":
        if self.end.fiscal_order() < self.start.fiscal_order():
            raise ValueError("end comes before start within the fiscal year (April–March)")
        return self


class ReminderSpec(_Strict):
    time: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    window_close_days_before: list[int] = [30, 14, 7, 1]

    @field_validator("window_close_days_before")
    @classmethod
    def _positive_unique(cls, v: list[int]) -> list[int]:
        if any(n < 1 or n > 180 for n in v):
            raise ValueError("each value must be between 1 and 180 days")
        if len(set(v)) != len(v):
            raise ValueError("values must be unique")
        return sorted(v, reverse=True)


class Closure(_Strict):
    start: MonthDay
    end: MonthDay   # may wrap over the new year (12/29 → 1/3)


class CalendarSpec(_Strict):
    timezone: str = "Asia/Tokyo"
    reminders: ReminderSpec = ReminderSpec()
    office_closures: list[Closure] = []
    milestones: list[MilestoneSpec] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r}") from None
        return v

    @property
    def window(self) -> MilestoneSpec:
        """The proposal window (exactly one, checked below)."""
        return next(m for m in self.milestones if m.kind == "window")

    @model_validator(mode="after")
    def _one_window_unique_ids(self) -> "CalendarSpec":
        ids = [m.id for m in self.milestones]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate milestone id(s): {', '.join(dup)}")
        windows = [m.id for m in self.milestones if m.kind == "window"]
        if len(windows) != 1:
            raise ValueError(f"exactly one milestone must have kind: window (found {len(windows)})")
        return self


# ---------------------------------------------------------------- the calendar, in dates

@dataclass(frozen=True)
class Milestone:
    """One milestone of one fiscal year, with concrete dates (both inclusive)."""
    id: str
    kind: str                  # window | milestone
    fiscal_year: int
    name: Localized
    start: date
    end: date
    for_company: Localized
    for_staff: Localized
    source: Source
    entry: str | None = None

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end


@dataclass(frozen=True)
class BudgetCalendar:
    spec: CalendarSpec
    path: Path

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.spec.timezone)

    @property
    def reminder_time(self) -> time:
        h, m = self.spec.reminders.time.split(":")
        return time(int(h), int(m))

    def milestones_for(self, fy: int) -> list[Milestone]:
        """The milestones of the cycle running during fiscal year `fy`, in date order."""
        out = [Milestone(id=m.id, kind=m.kind, fiscal_year=fy, name=m.name,
                         start=m.start.in_fiscal_year(fy), end=m.end.in_fiscal_year(fy),
                         for_company=m.for_company, for_staff=m.for_staff, source=m.source,
                         entry=m.entry)
               for m in self.spec.milestones]
        return sorted(out, key=lambda m: (m.start, m.end))

    def window_for(self, fy: int) -> Milestone:
        """The proposal window of fiscal year `fy`."""
        return next(m for m in self.milestones_for(fy) if m.kind == "window")

    def upcoming(self, on: date, n: int = 3) -> list[Milestone]:
        """The next `n` milestones not yet over on `on` (this fiscal year's, then the next's)."""
        fy = fiscal_year_of(on)
        return [m for y in (fy, fy + 1) for m in self.milestones_for(y) if m.end >= on][:n]

    def budget_year_reachable(self, d: date) -> int:
        """The fiscal year whose budget a proposal made on `d` can still reach.

        Inside (or before) the window of FY N: FY N+1 (requested in October, passed in March).
        After the window closes: the next window, so FY N+2.
        """
        fy = fiscal_year_of(d)
        return fy + 1 if d <= self.window_for(fy).end else fy + 2

    def is_office_closed(self, d: date) -> bool:
        for c in self.spec.office_closures:
            for fy in (fiscal_year_of(d) - 1, fiscal_year_of(d)):
                start = c.start.in_fiscal_year(fy)
                end = c.end.in_fiscal_year(fy if c.end.fiscal_order() >= c.start.fiscal_order() else fy + 1)
                if start <= d <= end:
                    return True
        return False

    def is_business_day(self, d: date) -> bool:
        """A national business day on which the city office is also open."""
        return is_business_day(d) and not self.is_office_closed(d)

    def business_day_on_or_before(self, d: date) -> date:
        return business_day_on_or_before(d, self.is_business_day)

    def previous_business_day(self, d: date) -> date:
        return previous_business_day(d, self.is_business_day)

    def non_business_reason(self, d: date, lang: str = "ja") -> str | None:
        reason = non_business_reason(d, lang)
        if reason is None and self.is_office_closed(d):
            return t("fmt.office_closed", lang)
        return reason


# ---------------------------------------------------------------- loading

def _check_refs(spec: CalendarSpec, path: Path, knowledge_dir: Path, kb=None) -> list[str]:
    """Sources must be listed in sources.yaml; `entry` must name an existing entry file. With
    the knowledge base already loaded (`kb`), its documents and entries are used as they are."""
    problems: list[str] = []
    if kb is not None:
        docs = {name: {"sections": list(info.sections)} for name, info in kb.docs.items()}
        entry_ids = set(kb.files) | set(kb.entries)
    else:
        docs = {}
        src_file = knowledge_dir / "sources.yaml"
        if src_file.exists():
            try:
                docs = load_yaml(src_file.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError):
                docs = {}   # `kb check` reports a broken sources.yaml itself
        entry_ids = {p.stem for p in (knowledge_dir / "entries").rglob("*.y*ml")} \
            if (knowledge_dir / "entries").is_dir() else None
    for m in spec.milestones:
        if docs:
            if m.source.doc not in docs:
                problems.append(f"{path}: milestones.{m.id}.source.doc: unknown document {m.source.doc!r}")
            elif m.source.section not in (docs[m.source.doc] or {}).get("sections", []):
                problems.append(f"{path}: milestones.{m.id}.source.section: {m.source.section!r} is not a "
                                f"section of {m.source.doc} (see knowledge/sources.yaml)")
        if m.entry and entry_ids is not None and m.entry not in entry_ids:
            problems.append(f"{path}: milestones.{m.id}.entry: unknown entry id {m.entry!r}")
    return problems


def calendar_path(knowledge_dir: Path, calendar_file: Path | str | None = None) -> Path:
    """Where the calendar lives: `calendar_file` (relative to the knowledge folder) or calendar.yaml."""
    if not calendar_file:
        return Path(knowledge_dir) / CALENDAR_FILE
    p = Path(calendar_file)
    return p if p.is_absolute() else Path(knowledge_dir) / p


def load_calendar(knowledge_dir: Path | str, calendar_file: Path | str | None = None, *, kb=None) -> BudgetCalendar:
    """Read and validate the budget calendar; raise CalendarError naming file and field.
    `kb`: the knowledge base, when already loaded (its documents and entries are checked against)."""
    knowledge_dir = Path(knowledge_dir)
    path = calendar_path(knowledge_dir, calendar_file)
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise CalendarError([yaml_problem(path, e)]) from None
    if not isinstance(data, dict):
        raise CalendarError([f"{path}: (file): must be a mapping of fields, got {type(data).__name__}"])
    try:
        spec = CalendarSpec.model_validate(data)
    except ValidationError as e:
        raise CalendarError(validation_problems(path, e, data)) from None
    problems = _check_refs(spec, path, knowledge_dir, kb)
    if problems:
        raise CalendarError(problems)
    return BudgetCalendar(spec=spec, path=path)


@lru_cache(maxsize=8)
def _cached_calendar(knowledge_dir: Path, calendar_file: str | None, mtime: float) -> BudgetCalendar:
    return load_calendar(knowledge_dir, calendar_file)


def default_calendar() -> BudgetCalendar:
    """The calendar named by the settings (CALENDAR_FILE, else knowledge/calendar.yaml); cached
    until the file changes."""
    from bot.config import get_settings

    return calendar_for(get_settings())


def calendar_for(s) -> BudgetCalendar:
    """The calendar a Settings object names (cached until the file changes)."""
    cal_file = getattr(s, "calendar_file", None)
    path = calendar_path(s.knowledge_dir, cal_file)
    try:
        mtime = path.stat().st_mtime
    except OSError:
        mtime = 0.0
    return _cached_calendar(Path(s.knowledge_dir), str(cal_file) if cal_file else None, mtime)


def load_knowledge_and_calendar(knowledge_dir: Path | str, calendar_file: Path | str | None = None):
    """`load_knowledge()` and the budget calendar, loaded once and checked against each other
    (`deskbot kb check`): (Knowledge, BudgetCalendar), or one KnowledgeError
    listing the problems of both, so a curator sees everything at once."""
    from bot.knowledge import load_knowledge

    problems: list[str] = []
    kb = calendar = None
    try:
        kb = load_knowledge(Path(knowledge_dir))
    except KnowledgeError as e:
        problems += e.problems
    try:
        calendar = load_calendar(knowledge_dir, calendar_file, kb=kb)
    except CalendarError as e:
        problems += e.problems
    if problems:
        raise KnowledgeError(problems)
    return kb, calendar
