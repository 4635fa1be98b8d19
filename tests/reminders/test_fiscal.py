"""The fiscal calendar: fiscal years, budget year reachable, business days, the calendar file."""
from __future__ import annotations

import shutil
from datetime import date, timedelta

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from bot.fiscal import (CalendarError, add_business_days, business_day_on_or_before, fiscal_year_of,
                        holiday_name, is_business_day, load_calendar, load_knowledge_and_calendar,
                        previous_business_day)
from reminders.conftest import ROOT


@pytest.mark.parametrize("d, fy", [(date(2026, 4, 1), 2026), (date(2026, 3, 31), 2025),
                                   (date(2027, 3, 31), 2026), (date(2026, 12, 31), 2026),
                                   (date(2027, 1, 1), 2026)])
def test_fiscal_year_runs_april_to_march(d, fy):
    assert fiscal_year_of(d) == fy


def test_milestones_have_concrete_dates_across_the_new_year(calendar):
    ms = {m.id: m for m in calendar.milestones_for(2026)}
    assert (ms["proposal-window"].start, ms["proposal-window"].end) == (date(2026, 4, 1), date(2026, 8, 31))
    assert ms["budget-compilation-start"].start == date(2026, 9, 1)
    assert ms["budget-request"].start == date(2026, 10, 1)
    assert (ms["budget-assessment"].start, ms["budget-assessment"].end) == (date(2026, 12, 1), date(2027, 1, 31))
    assert (ms["budget-passage"].start, ms["budget-passage"].end) == (date(2027, 3, 1), date(2027, 3, 31))
    assert [m.start for m in calendar.milestones_for(2026)] == sorted(m.start for m in calendar.milestones_for(2026))
    for m in ms.values():
        assert m.source.doc == "000_efd51e46be534f43.txt"
        assert m.for_company.ja and m.for_company.en and m.for_staff.ja and m.for_staff.en


@pytest.mark.parametrize("d, reach", [
    (date(2026, 4, 1), 2027), (date(2026, 8, 31), 2027),   # inside the window: next year's budget
    (date(2026, 9, 1), 2028), (date(2027, 3, 31), 2028),   # after it: the year after
    (date(2027, 4, 1), 2028),
])
def test_budget_year_reachable(calendar, d, reach):
    assert calendar.budget_year_reachable(d) == reach


def test_business_days_use_japanese_holidays():
    assert holiday_name(date(2026, 8, 11)) == "山の日"
    assert not is_business_day(date(2026, 8, 11))          # Tuesday, 山の日
    assert not is_business_day(date(2026, 8, 9))           # Sunday
    assert not is_business_day(date(2030, 8, 12))          # 振替休日 for 山の日 on a Sunday
    assert not is_business_day(date(2026, 9, 22))          # 国民の休日 (between two holidays)
    assert is_business_day(date(2026, 8, 10))
    assert previous_business_day(date(2026, 8, 12)) == date(2026, 8, 10)
    assert previous_business_day(date(2026, 8, 10)) == date(2026, 8, 7)   # strictly before
    assert business_day_on_or_before(date(2026, 8, 10)) == date(2026, 8, 10)
    assert business_day_on_or_before(date(2030, 8, 12)) == date(2030, 8, 9)
    assert add_business_days(date(2026, 8, 7), 1) == date(2026, 8, 10)
    assert add_business_days(date(2026, 8, 7), 2) == date(2026, 8, 12)


def test_office_closure_is_not_a_business_day_for_the_city(calendar):
    assert is_business_day(date(2026, 12, 29))            # a national business day …
    assert not calendar.is_business_day(date(2026, 12, 29))  # … but the city office is closed
    assert not calendar.is_business_day(date(2027, 1, 3))
    assert calendar.is_business_day(date(2027, 1, 4))
    assert calendar.business_day_on_or_before(date(2027, 1, 2)) == date(2026, 12, 28)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)))
def test_business_day_on_or_before_is_the_latest_business_day(d):
    b = business_day_on_or_before(d)
    assert b <= d and is_business_day(b)
    assert all(not is_business_day(b + timedelta(days=i)) for i in range(1, (d - b).days + 1))


# ---- the calendar file --------------------------------------------------------------------

def _copy_knowledge(tmp_path, mutate=None, name="calendar.yaml"):
    kd = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", kd)
    data = yaml.safe_load((kd / "calendar.yaml").read_text(encoding="utf-8"))
    if mutate:
        mutate(data)
    (kd / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return kd


def test_shipped_calendar_is_valid(calendar):
    assert calendar.spec.reminders.time == "09:00" and calendar.spec.timezone == "Asia/Tokyo"
    assert [m.kind for m in calendar.spec.milestones].count("window") == 1


@pytest.mark.parametrize("mutate, field", [
    (lambda d: d["milestones"][0]["end"].update(month=13), "milestones.proposal-window.end.month"),
    (lambda d: d["milestones"][1]["start"].update(month=9, day=31), "milestones.budget-compilation-start.start"),
    (lambda d: d["milestones"][2]["name"].pop("en"), "milestones.budget-request.name.en"),
    (lambda d: d["milestones"][1].update(kind="window"), "(file)"),
    (lambda d: d.update(timezone="Asia/Tokio"), "timezone"),
    (lambda d: d["milestones"][3]["source"].update(section="存在しない節"), "milestones.budget-assessment.source.section"),
    (lambda d: d["milestones"][3].update(entry="no-such-entry"), "milestones.budget-assessment.entry"),
    (lambda d: d["reminders"].update(window_close_days_before=[7, 7]), "reminders.window_close_days_before"),
])
def test_broken_calendar_names_file_and_field(tmp_path, mutate, field):
    kd = _copy_knowledge(tmp_path, mutate)
    with pytest.raises(CalendarError) as e:
        load_calendar(kd)
    assert all(p.startswith(str(kd / "calendar.yaml") + ": ") for p in e.value.problems)
    if field:
        assert any(f": {field}:" in p for p in e.value.problems), e.value.problems


def test_end_before_start_is_reported(tmp_path):
    def mutate(d):
        d["milestones"][2]["start"], d["milestones"][2]["end"] = {"month": 11, "day": 1}, {"month": 10, "day": 1}
    with pytest.raises(CalendarError) as e:
        load_calendar(_copy_knowledge(tmp_path, mutate))
    assert any("milestones.budget-request" in p and "before start" in p for p in e.value.problems)


def test_city_override_file(tmp_path):
    def mutate(d):
        d["milestones"][0]["end"] = {"month": 7, "day": 31}
    kd = _copy_knowledge(tmp_path, mutate, name="iwata.yaml")
    cal = load_calendar(kd, "iwata.yaml")
    assert cal.window_for(2026).end == date(2026, 7, 31)
    assert cal.budget_year_reachable(date(2026, 8, 3)) == 2028
    assert load_calendar(kd).window_for(2026).end == date(2026, 8, 31)   # the default is untouched


def test_kb_check_reports_calendar_problems_too(tmp_path):
    kd = _copy_knowledge(tmp_path, lambda d: d.update(timezone="Mars/Base"))
    with pytest.raises(Exception) as e:
        load_knowledge_and_calendar(kd)
    assert any("calendar.yaml: timezone:" in p for p in e.value.problems)
