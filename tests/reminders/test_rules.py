"""Reminder rules → occurrences: dates, business-day moves (Sunday, 山の日, 振替休日), texts."""
from __future__ import annotations

import shutil
from datetime import date, time

import yaml
from hypothesis import given, settings, strategies as st

from bot.fiscal import load_calendar
from bot.reminders.rules import next_reminders, occurrences_for, render, title
from reminders.conftest import JST, ROOT, jst


def _calendar_with_window_end(tmp_path, month, day):
    kd = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", kd)
    data = yaml.safe_load((kd / "calendar.yaml").read_text(encoding="utf-8"))
    data["milestones"][0]["end"] = {"month": month, "day": day}
    (kd / "city.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_calendar(kd, "city.yaml")


def by_id(occs):
    return {o.reminder_id: o for o in occs}


def test_fy2026_schedule(calendar):
    occs = by_id(occurrences_for(calendar, 2026))
    fire = {k: o.fire_at for k, o in occs.items()}
    assert fire == {
        "proposal-window.open": jst(2026, 4, 1, 9),
        "proposal-window.close-30": jst(2026, 7, 31, 9),    # 8/1 is a Saturday
        "proposal-window.close-14": jst(2026, 8, 17, 9),
        "proposal-window.close-7": jst(2026, 8, 24, 9),
        "proposal-window.close-1": jst(2026, 8, 28, 9),     # 8/30 is a Sunday
        "budget-compilation-start.start": jst(2026, 9, 1, 9),
        "budget-request.start": jst(2026, 10, 1, 9),
        "budget-assessment.start": jst(2026, 12, 1, 9),
        "budget-passage.start": jst(2027, 3, 1, 9),
    }
    assert occs["proposal-window.close-30"].moved_because == "土曜日"
    assert occs["proposal-window.close-1"].moved_because == "日曜日"
    assert all(o.occurrence == "FY2026" for o in occs.values())


def test_deadline_on_a_sunday_counts_back_from_the_last_business_day(calendar):
    # FY2025: 8/31 is a Sunday, so the window really closes on Friday 8/29.
    occs = by_id(occurrences_for(calendar, 2025))
    close1 = occs["proposal-window.close-1"]
    assert close1.deadline == date(2025, 8, 29)
    assert close1.fire_at == jst(2025, 8, 28, 9)
    assert occs["proposal-window.close-7"].fire_at == jst(2025, 8, 22, 9)
    text = render(close1, "ja")
    assert "明日が締め切り" in text and "8/31(日)は日曜日のため" in text and "8/29(金)" in text
    assert "tomorrow" in render(close1, "en") and "Sun 31 Aug is not a business day" in render(close1, "en")


def test_deadline_on_yama_no_hi(tmp_path):
    cal = _calendar_with_window_end(tmp_path, 8, 11)          # FY2026: 8/11 (Tue) is 山の日
    occs = by_id(occurrences_for(cal, 2026))
    assert occs["proposal-window.close-1"].deadline == date(2026, 8, 10)
    # 8/10 - 1 = Sunday 8/9 → Friday 8/7
    assert occs["proposal-window.close-1"].fire_at == jst(2026, 8, 7, 9)
    assert occs["proposal-window.close-1"].moved_because == "日曜日"
    assert "8/11(火)は山の日のため" in render(occs["proposal-window.close-7"], "ja")


def test_reminder_day_on_yama_no_hi_moves_to_the_day_before(tmp_path):
    cal = _calendar_with_window_end(tmp_path, 8, 18)          # FY2026: 18 - 7 = 8/11, 山の日
    close7 = by_id(occurrences_for(cal, 2026))["proposal-window.close-7"]
    assert close7.event_date == date(2026, 8, 11) and close7.fire_at == jst(2026, 8, 10, 9)
    assert close7.moved_because == "山の日"
    assert "あと8日" in render(close7, "ja")                    # counted from the day it is sent


def test_deadline_on_a_substitute_holiday(tmp_path):
    cal = _calendar_with_window_end(tmp_path, 8, 12)          # FY2030: 8/12 振替休日, 8/11 Sun, 8/10 Sat
    occs = by_id(occurrences_for(cal, 2030))
    assert occs["proposal-window.close-1"].deadline == date(2030, 8, 9)
    assert occs["proposal-window.close-1"].fire_at == jst(2030, 8, 8, 9)
    assert "振替休日" in render(occs["proposal-window.close-1"], "ja")


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=2000, max_value=2090))
def test_every_reminder_goes_out_on_the_latest_business_day_at_nine(fy):
    cal = load_calendar(ROOT / "knowledge")
    occs = occurrences_for(cal, fy)
    assert len(occs) == 9 and len({o.reminder_id for o in occs}) == 9
    for o in occs:
        assert o.fire_at.tzinfo == JST and o.fire_at.time() == time(9, 0)
        assert cal.is_business_day(o.fire_date) and o.fire_date <= o.event_date
        assert o.fire_date == cal.business_day_on_or_before(o.event_date)
    assert [o.fire_at for o in occs] == sorted(o.fire_at for o in occs)


def test_next_reminders_cross_the_fiscal_year(calendar):
    nxt = next_reminders(calendar, jst(2027, 2, 1, 12), 3)
    assert [(o.reminder_id, o.fiscal_year) for o in nxt] == [
        ("budget-passage.start", 2026), ("proposal-window.open", 2027), ("proposal-window.close-30", 2027)]
    # exactly at 09:00 the reminder is no longer "next"
    assert next_reminders(calendar, jst(2026, 8, 24, 9), 1)[0].reminder_id == "proposal-window.close-1"


def test_texts_say_what_to_do_now_in_both_languages(calendar):
    for o in occurrences_for(calendar, 2026):
        ja, en = render(o, "ja"), render(o, "en")
        assert o.milestone.name.ja in ja and "企業の方" in ja and "職員の方" in ja and "/desk remind off" in ja
        assert "For companies" in en and "For city staff" in en
        assert not any("\u3040" <= ch <= "\u30ff" for ch in en.split("For companies")[0])   # no kana in the English head
        assert title(o, "ja") and title(o, "en")
    opening = by_id(occurrences_for(calendar, 2026))["proposal-window.open"]
    assert "2027年度" in render(opening, "ja") and "FY2027" in render(opening, "en")
