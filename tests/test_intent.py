"""The intent classifier (bot/intent.py) through Desk.answer, on messages written for this file
(none is in tests/data/): what a message asks of the desk, in both languages, and what stays a
knowledge question; the stored model's round trip; the case lists and the desk-where reply it leads to."""
from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest

from bot import conversation as C
from bot import intent as I
from bot.config import Settings
from bot.engine import Desk


def _with(desk, **settings) -> Desk:
    import copy

    d = copy.copy(desk)
    d.settings = Settings(**settings)
    return d


def test_the_fitted_classifier_ships_and_loads():
    m = I.get_model()
    assert m is not None and m.info.get("fitted") and 0.0 < m.take_at < 1.0
    assert set(m.classes) == set(I.CLASSES) and m.neighbours


@pytest.mark.parametrize("q,intent", [
    ("できれば担当の職員さんと直接やりとりしたいです", "handoff"),
    ("Could I have a word with one of the desk officers?", "handoff"),
    ("締め切りが来る前にメッセージで知らせてほしい", "remind"),
    ("提案書を出したいので様式をください", "propose"),
    ("今からでも来年度の予算に間に合いますか", "timing"),
    ("OK, I think that covers it. Bye!", "thanks"),
    ("ありがとうございました。今日はこれで", "thanks"),
])
def test_what_a_message_asks_of_the_desk(desk, q, intent):
    r = desk.answer(q, today=date(2026, 6, 1))
    assert r.intent == intent, (q, r.intent, r.text[:80])


@pytest.mark.parametrize("q,entry", [("PFIとは", "pfi"), ("What are naming rights?", "naming-rights")])
def test_a_definition_stays_a_knowledge_answer(desk, q, entry):
    r = desk.answer(q)
    assert r.intent == "answer" and r.answered and r.entry_id == entry


def test_a_handoff_offers_the_staff_and_answers_nothing(desk):
    r = desk.answer("Could I have a word with one of the desk officers?")
    assert r.handoff and "handoff" in r.actions and not r.answered


def test_a_case_list_by_place_in_english(desk, kb):
    r = desk.answer("Could you list Omura's cases?")
    omura = {e.id for e in kb.entries.values() if e.kind == "case" and "大村市" in e.municipality.ja}
    assert r.intent == "cases" and r.answered and {i.entry_id for i in r.items} == omura


def test_a_place_named_inside_a_list_of_places_heads_the_list_alone(desk, kb):
    q = "鹿児島市の事例"
    r = C.cases(desk, q, "ja", desk.analyse(q))
    assert r.text.splitlines()[0].startswith("鹿児島市の事例")
    assert "糸満市" not in r.text.splitlines()[0]
    assert "reskilling-municipalities" in {i.entry_id for i in r.items}


def test_a_theme_lists_the_cases_tagged_with_it(desk, kb):
    q = "スポーツで地域を元気にした事例を並べて"
    r = C.cases(desk, q, "ja", desk.analyse(q))
    sports = {e.id for e in kb.entries.values() if e.kind == "case" and "スポーツ" in e.tags}
    assert len(sports) >= 2 and sports <= {i.entry_id for i in r.items}


def test_a_theme_with_no_case_says_so_and_offers_the_closest(desk, kb):
    q = "宇宙ビジネスの事例はありますか"
    r = C.cases(desk, q, "ja", desk.analyse(q))
    assert r.answered and "記録されていません" in r.text.splitlines()[0]
    assert r.items and all(kb.entries[i.entry_id].kind == "case" for i in r.items)


def test_where_the_desk_is_answers_from_the_desk_entry_with_or_without_a_contact(desk, kb):
    q = "Who do I talk to at city hall about a partnership idea?"
    plain = _with(desk).answer(q)
    assert plain.intent == "contact" and plain.answered and plain.entry_id == "partnership-desk"
    assert plain.text.startswith(kb.entries["partnership-desk"].answer.en.strip()[:40])
    withc = _with(desk, desk_contact_email="desk@city.example").answer(q)
    assert withc.answered and "desk@city.example" in withc.text


def test_the_contact_details_proper_without_settings_stay_honest(desk):
    r = _with(desk).answer("デスクのメールアドレスを知りたいのですが")
    assert r.intent == "contact" and not r.answered and r.handoff and "設定されていません" in r.text


def test_a_specific_the_knowledge_lacks_is_answered_in_part_not_by_the_cycle(desk):
    r = desk.answer("来年度の予算要求は10月の何日が締め切りですか", today=date(2026, 6, 1))
    assert r.kind == "partial" and r.entry_id == "budget-request" and "日付" in r.text


def test_the_model_round_trips_through_json(tmp_path):
    m = I.get_model()
    p = tmp_path / "intent.json"
    m.save(p)
    back = I.IntentModel.load(p)
    x = np.random.default_rng(1).standard_normal((3, len(m.mean)))
    assert np.allclose(back.probs(x), m.probs(x), atol=1e-4)
    assert np.allclose(back.probs(x).sum(axis=1), 1.0)


def test_a_model_fitted_for_other_features_is_refused(tmp_path):
    d = I.get_model().to_json()
    d["extra_features"] = d["extra_features"][:-1]
    p = tmp_path / "intent.json"
    p.write_text(json.dumps(d), encoding="utf-8")
    with pytest.raises(ValueError):
        I.IntentModel.load(p)
