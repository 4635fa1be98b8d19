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


def test_a_method_named_with_a_particle_in_it_lists_the_cases_that_used_it(desk, kb):
    """「人材をシェア」 names the method 人材シェア: its cases are listed, not one found by a tag."""
    method = next(e for e in kb.entries.values() if e.kind == "method" and "人材シェア" in e.aliases)
    used = {e.id for e in kb.entries.values() if e.kind == "case" and method.id in e.methods}
    q = "市町村どうしで人材をシェアした例を見せてください"
    r = C.cases(desk, q, "ja", desk.analyse(q))
    assert len(used) >= 2 and used <= {i.entry_id for i in r.items}


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


# ---- lean_at: a second, lower threshold where taking the intent loses nothing of the knowledge answer

def _model_with(take_at: float, lean_at: float | None) -> I.IntentModel:
    import copy

    m = copy.copy(I.get_model())
    m.take_at = take_at
    m.info = {k: v for k, v in m.info.items() if k != "lean_at"}
    if lean_at is not None:
        m.info["lean_at"] = lean_at
    return m


def test_lean_at_is_stored_in_info_and_never_above_take_at():
    assert _model_with(0.6, None).lean_at == 0.6            # none stored: off
    assert _model_with(0.6, 0.45).lean_at == 0.45
    assert _model_with(0.6, 0.9).lean_at == 0.6             # clamped: lean_at = take_at is off
    shipped = I.get_model()
    assert shipped.lean_at <= shipped.take_at and "lean_at" in shipped.info


def test_lean_allowed_only_where_the_knowledge_answer_is_unsure_or_is_the_replys_own_entry(desk):
    core = "Where is the partnership desk?"
    a = desk.analyse(core)
    assert a.top.key == "partnership-desk" and a.p_right >= desk.model.answer_at
    assert I.lean_allowed(desk, core, a, "desk")              # the desk-where reply is that entry
    assert not I.lean_allowed(desk, core, a, "propose")       # the proposal reply is not
    weak = "うちの会社でも何かできることはあるでしょうか"
    aw = desk.analyse(weak)
    assert aw.p_right < desk.model.answer_at and I.lean_allowed(desk, weak, aw, "propose")
    # the desk's entry holds no phone number: the reply that has it is not the entry's
    phone = "公民連携デスクの電話番号は?"
    assert not I.lean_allowed(desk, phone, desk.analyse(phone), "desk")


def test_decide_takes_the_first_class_at_lean_at_only_where_lean_is_allowed(desk, monkeypatch):
    core = "Where is the partnership desk?"
    a = desk.analyse(core)
    first, p, _ = I.classify(desk, core, a)
    assert first == "desk"
    monkeypatch.setattr(I, "_model", _model_with(1.01, None))          # take_at never reached, lean off
    assert I.decide(desk, core, a)[0] is None
    monkeypatch.setattr(I, "_model", _model_with(1.01, p - 0.01))      # lean_at just below its probability
    assert I.decide(desk, core, a)[0] == "desk"
    monkeypatch.setattr(I, "_model", _model_with(1.01, p + 0.01))      # just above
    assert I.decide(desk, core, a)[0] is None


def test_lean_at_is_chosen_with_take_at_by_the_end_to_end_utility():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import fit_intent as F

    # (index, p, takeable, utility taken, utility not, right taken, right not, lean allowed)
    sure = [(0, 0.9, True, 1.0, 0.0, True, False, False)] * 20
    wrong_high = [(0, 0.5, True, -10.0, 0.0, False, True, False)] * 5      # below 0.9, lean not allowed
    lean_good = [(0, 0.5, True, 1.0, 0.0, True, False, True)] * 10        # the same p, lean allowed and right
    t, lean_at, _ = F.choose_end_to_end(sure + wrong_high + lean_good)
    assert t == 0.9 and lean_at == 0.5
    lean_bad = [(0, 0.5, True, -10.0, 0.0, False, True, True)] * 10
    t, lean_at, _ = F.choose_end_to_end(sure + wrong_high + lean_bad)
    assert t == 0.9 and lean_at == t                                        # off


# ---- replies that serve both readings

def test_a_proposal_naming_a_method_says_one_line_about_it_before_the_how_to(desk, kb):
    q = "ネーミングライツを提案したいのですが、どこに送ればいいですか"
    r = C.propose(desk, q, "ja", desk.analyse(q))
    first = r.text.splitlines()[0]
    assert "ネーミングライツ" in first and kb.entries["naming-rights"].answer.ja.strip().split("。")[0] in first
    assert [l.entry_id for l in r.related] == ["naming-rights"]
    assert r.intent == "propose" and r.answered and "propose" in r.actions and "/desk propose" in r.text
    plain = C.propose(desk, "提案したい", "ja", desk.analyse("提案したい"))
    assert not plain.related and plain.text.splitlines()[0] == C.t("conversation.propose", "ja")


def test_the_desks_phone_or_hours_get_the_configured_contact(desk, kb):
    e = kb.entries["partnership-desk"]
    full = _with(desk, desk_contact_phone="0538-00-0000", desk_contact_hours="平日9時〜17時")
    q = "公民連携デスクの電話番号は?"
    r = full._desk_contact(e, ["contact"], "公民連携デスクの電話番号は?", q, "ja")
    assert r is not None and r.intent == "contact" and r.answered and "0538-00-0000" in r.text
    hours = "公民連携デスクは土日も開いていますか"
    assert full._desk_contact(e, [], hours, hours, "ja") is not None
    phone_only = _with(desk, desk_contact_phone="0538-00-0000")
    assert phone_only._desk_contact(e, [], hours, hours, "ja") is None          # no hours configured
    assert _with(desk)._desk_contact(e, ["contact"], q, q, "ja") is None        # none configured
    assert full._desk_contact(kb.entries["naming-rights"], ["contact"], q, q, "ja") is None
    assert full._desk_contact(e, [], "デスクは何をしてくれるの", "デスクは何をしてくれるの", "ja") is None


def test_the_desks_hours_through_answer(desk):
    q = "Is the partnership desk open on Saturdays?"
    r = _with(desk, desk_contact_hours="Weekdays 9:00–17:00").answer(q)
    assert r.intent == "contact" and r.answered and "Weekdays 9:00–17:00" in r.text
    honest = _with(desk).answer(q)
    assert "Weekdays 9:00–17:00" not in honest.text and not (honest.intent == "contact" and honest.answered)


def test_neighbour_features_per_class_match_a_direct_computation():
    """Per class: the best cosine, the mean of the NN_TOP best and the masked message's best, as
    a loop over each class's rows gives, also with rows identical to the message left out and
    for classes with no example."""
    import numpy as np

    from bot.intent import CLASSES, NN_TOP, Neighbours

    rng = np.random.default_rng(5)
    labels = rng.integers(0, len(CLASSES) - 2, 120)          # the last two classes have no rows
    vecs = rng.standard_normal((120, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    nb = Neighbours(vecs, labels)
    for v, vm, exclude in [(vecs[7], vecs[7], True), (vecs[7], vecs[9], False), (vecs[3], vecs[3], False)]:
        s, sm = vecs @ v, vecs @ vm
        keep = ~(s > 0.999) if exclude else np.ones(len(s), bool)
        want = []
        for part in ("best", "top", "masked"):
            for c in range(len(CLASSES)):
                rows = np.flatnonzero((labels == c) & keep)
                if not len(rows):
                    want.append(0.0)
                elif part == "best":
                    want.append(s[rows].max())
                elif part == "top":
                    want.append(np.sort(s[rows])[-NN_TOP:].mean())
                else:
                    want.append(sm[rows].max())
        assert np.allclose(nb.features(v, vm if vm is not v else v, exclude), want, atol=1e-6)


def test_applying_for_a_residents_service_is_no_proposal(desk):
    # 「申し込み」 reads like asking for the proposal form to the classifier; a message naming no
    # proposal, idea, form or partnership in any form proposes nothing and is declined.
    for q in ("こたつを捨てたい。申し込みはどこで?",
              "引っ越してきたばかりです。前の市では太陽光パネルの設置補助がありました。この市にも同じような"
              "補助はありますか。あれば申し込み方を知りたいです。"):
        r = desk.answer(q)
        assert r.intent != "propose" and not r.answered, (q, r.intent)
    # A message that does name its proposal keeps the proposal reply.
    for q in ("いい提案があるので申し込みたい", "Our startup has an idea for the city. How do we put it forward?"):
        assert desk.answer(q).intent == "propose", q

