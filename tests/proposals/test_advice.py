"""Timing advice on the boundary dates, checked against facts computed from the calendar."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as hs

from bot.config import get_settings
from bot.fiscal import fiscal_year_of, load_calendar
from bot.proposals.advice import day_name, fy_name, month_name, route_names, timing_advice
from bot.proposals.validation import METHODS, NO_BUDGET_ROUTES


@pytest.fixture(scope="module")
def cal():
    return load_calendar(get_settings().knowledge_dir)


def _cycle(cal, fy):
    ms = {m.id: m for m in cal.milestones_for(fy)}
    return cal.window_for(fy), ms["budget-request"], ms["budget-passage"]


@pytest.mark.parametrize("d, inside", [(date(2027, 3, 31), False), (date(2027, 4, 1), True),
                                       (date(2026, 8, 31), True), (date(2026, 9, 1), False)])
@pytest.mark.parametrize("lang", ["ja", "en"])
def test_boundary_dates(cal, d, inside, lang):
    a = timing_advice(d, "yes", lang, calendar=cal)
    fy = fiscal_year_of(d)
    window_fy = fy if inside else fy + 1
    window, request, passage = _cycle(cal, window_fy)
    assert a.fiscal_year == fy
    assert a.state == ("inside" if inside else "after")
    assert a.budget_year == cal.budget_year_reachable(d) == window_fy + 1
    assert (a.window.start, a.window.end) == (window.start, window.end)
    assert a.request.start == request.start and a.passage.start == passage.start
    assert request.start.month == 10 and passage.start.month == 3 and passage.start.year == window_fy + 1
    text = a.text
    # The months named are the calendar's: the request, the decision, the first budget year.
    assert month_name(request.start, lang) in text
    assert month_name(passage.start, lang) in text
    assert fy_name(a.budget_year, lang) in text
    assert day_name(window.start, lang) in text and day_name(window.end, lang) in text
    routes_named = route_names(lang) in text
    assert routes_named == (not inside)   # outside the window: the no-budget routes meanwhile


def test_last_day_and_first_day_are_told(cal):
    assert "本日が最終日" in timing_advice(date(2026, 8, 31), "yes", calendar=cal).text
    assert "明日から" in timing_advice(date(2027, 3, 31), "yes", calendar=cal).text
    assert "tomorrow" in timing_advice(date(2027, 3, 31), "yes", "en", calendar=cal).text
    a = timing_advice(date(2026, 9, 1), "yes", calendar=cal)
    assert f"あと{(a.window.start - date(2026, 9, 1)).days}日" in a.text


def test_needs_budget_changes_the_advice(cal):
    d = date(2026, 9, 1)
    no = timing_advice(d, "no", calendar=cal)
    yes = timing_advice(d, "yes", calendar=cal)
    unsure = timing_advice(d, "unsure", calendar=cal)
    assert no.paragraphs[0].startswith("市の新たな予算を必要としない") and "いつでも" in no.paragraphs[0]
    assert "予算が必要になった場合" in no.paragraphs[1]
    assert "一緒に整理" in unsure.paragraphs[0] and len(unsure.paragraphs) == 3
    assert not yes.paragraphs[0].startswith("市の新たな予算")
    for a in (no, yes, unsure):
        assert all(METHODS[k].ja in a.text for k in NO_BUDGET_ROUTES)


def test_a_different_calendar_gives_different_advice(tmp_path: Path):
    """Nothing is hard-coded: move the window to May–July and the advice follows."""
    src = get_settings().knowledge_dir / "calendar.yaml"
    data = yaml.safe_load(src.read_text(encoding="utf-8"))
    for m in data["milestones"]:
        if m.get("kind") == "window":
            m["start"], m["end"] = {"month": 5, "day": 1}, {"month": 7, "day": 31}
    (tmp_path / "calendar.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    cal = load_calendar(tmp_path)
    before = timing_advice(date(2026, 4, 15), "yes", calendar=cal)
    assert before.state == "before" and before.budget_year == 2027
    assert "あと16日で始まります" in before.text
    after = timing_advice(date(2026, 8, 1), "yes", "en", calendar=cal)
    assert after.state == "after" and after.budget_year == 2028 and "31 July 2027" in after.text


@hsettings(max_examples=300, deadline=None)
@given(d=hs.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)),
       needs=hs.sampled_from(["yes", "no", "unsure"]), lang=hs.sampled_from(["ja", "en"]))
def test_advice_is_consistent_on_any_date(d, needs, lang):
    cal = load_calendar(get_settings().knowledge_dir)
    a = timing_advice(d, needs, lang, calendar=cal)
    fy = fiscal_year_of(d)
    this = cal.window_for(fy)
    assert a.state == ("inside" if this.start <= d <= this.end else "before" if d < this.start else "after")
    assert a.budget_year == (fy + 1 if d <= this.end else fy + 2)
    # the cycle named is one the proposal can still reach: its request and passage lie ahead
    assert a.window.end >= d and a.request.start > d and a.passage.start > a.request.start
    assert a.passage.start.year == a.budget_year
    assert fy_name(a.budget_year, lang) in a.text and month_name(a.request.start, lang) in a.text
