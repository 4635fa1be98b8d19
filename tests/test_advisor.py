"""The idea advisor's core (bot/advisor.py): held-back quality, grounded reasons, timing from the
calendar and the date, city challenges, bad input, the question log; the CLI and the console."""
from __future__ import annotations

import io
import json
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import ideas as idea_set  # noqa: E402

from bot.models import QuestionLog  # noqa: E402

IDEA = ("当社は高齢者向けの歩数記録アプリを開発しています。市のフレイル予防事業で、まずは数十人規模で効果を"
        "試させていただけないでしょうか。")


@pytest.fixture(scope="module")
def kb():
    from bot.config import get_settings
    from bot.knowledge import load_knowledge

    return load_knowledge(get_settings().knowledge_dir)


@pytest.fixture(scope="module")
def advisor(kb):
    from bot.advisor import Advisor
    from bot.engine import Desk

    return Advisor(Desk(kb, engine=None))


# ---- quality on the held-back ideas ------------------------------------------------------------------

def test_held_back_ideas_stay_above_the_floor(advisor):
    """The held-back fifth (never fitted or tuned on); measured 65/67 methods, 56/67 precedents
    with the fifth writer's 11 held-back ideas among them (before the fifth writer's ideas, the
    what-they-did features and the vote agreement: 52/56, 47/56; 42/46, 38/46 of the first 46 and
    10/10, 9/10 of the fourth writer's; before the neighbours' precedent vote in the near decision:
    42/46, 37/46; before the third writer's ideas and the near decision's earlier changes: 24/26,
    19/26 of the first 26)."""
    held = idea_set.load("held")
    assert len(held) >= 20
    rs = [advisor.advise(it["text"], on=date(2026, 6, 1), challenges=[], log=False) for it in held]
    method = sum(idea_set.method_hit(it, [m.id for m in r.methods]) for it, r in zip(held, rs)) / len(held)
    case = sum(idea_set.case_hit(it, [c.id for c in r.cases]) for it, r in zip(held, rs)) / len(held)
    assert method >= 0.88, method
    assert case >= 0.76, case
    assert all(r.timing for r in rs)


def test_development_ideas_stay_above_the_floor(advisor):
    """In-sample, each idea left out of the labelled neighbours that vote (as when the weights were
    fitted); measured 97.5% methods, 86.1% precedents on 280 ideas (bench/eval_ideas.py; 98.7% / 87.9%
    on the 231 before the fifth writer's ideas, 99.0% / 89.7% on the 194 before the fourth writer's,
    96.8% / 96.0% on the first 124, before the third writer's ideas were added)."""
    dev = idea_set.load("dev")
    rs = [advisor.advise(it["text"], on=date(2026, 6, 1), challenges=[], log=False, leave_out=it["id"]) for it in dev]
    assert sum(idea_set.method_hit(it, [m.id for m in r.methods]) for it, r in zip(dev, rs)) / len(dev) >= 0.93
    # 0.87 before the fifth writer's 49 development ideas (19 of them with no recorded precedent) joined
    assert sum(idea_set.case_hit(it, [c.id for c in r.cases]) for it, r in zip(dev, rs)) / len(dev) >= 0.84


def test_the_shipped_neighbours_are_development_ideas_only(advisor):
    """The labelled ideas kept in bot/advisor.json (they vote for new ideas) never include a
    held-back idea, by id or by text."""
    from bot.retrieval import _segments

    kept = advisor.model.neighbours
    held = idea_set.load("held")
    # (ideas labelled after the last fit are not neighbours yet: bench/fit_advisor.py adds them)
    assert len(advisor.neighbours) == len(kept) <= len(idea_set.load("dev"))
    assert {n["id"] for n in kept} <= {it["id"] for it in idea_set.load("dev")}
    assert not {n["id"] for n in kept} & {it["id"] for it in held}
    held_texts = {_segments(advisor.clean(it["text"]))[0] for it in held}
    assert not {n["text"] for n in kept} & held_texts


def test_a_labelled_idea_left_out_does_not_vote_for_itself(advisor):
    dev = idea_set.load("dev")
    it = next(i for i in dev if i["cases"])
    core = advisor.clean(it["text"])
    iv = advisor.index.encode(core)
    at = advisor._neighbour_at[it["id"]]
    with_self = advisor.neighbours.vote(iv.q[0])
    without = advisor.neighbours.vote(iv.q[0], exclude=at)
    ci = [e.id for e in advisor.index.cases].index(it["cases"][0])
    assert with_self[1][ci] > without[1][ci]           # its own label counted only with it in
    assert advisor.scores(core, leave_out="no-such-idea")[1].tolist() == advisor.scores(core)[1].tolist()


def test_without_labelled_ideas_the_votes_are_zero(kb):
    """The default model (before any fit) has no neighbours: advice still comes, from similarity."""
    from bot.advisor import Advisor, default_model
    from bot.engine import Desk

    adv = Advisor(Desk(kb, engine=None), model=default_model())
    assert len(adv.neighbours) == 0
    mv, cv = adv.neighbours.vote(adv.index.encode(IDEA).q[0])
    assert not mv.any() and not cv.any()
    r = adv.advise(IDEA, on=date(2026, 6, 1), challenges=[], log=False)
    assert r.ok and len(r.methods) == 3 and r.timing


def test_the_split_is_by_hash_and_both_parts_have_both_languages():
    held, dev = idea_set.load("held"), idea_set.load("dev")
    assert not {i["id"] for i in held} & {i["id"] for i in dev}
    assert 0.1 <= len(held) / (len(held) + len(dev)) <= 0.3
    assert {i["lang"] for i in held} == {i["lang"] for i in dev} == {"ja", "en"}


# ---- the advice ------------------------------------------------------------------------------------

def test_reasons_are_built_from_the_entries_fields(advisor, kb):
    r = advisor.advise(IDEA, on=date(2026, 6, 1), challenges=[], log=False)
    assert r.ok and r.lang == "ja" and len(r.methods) == 3
    for m in r.methods:
        e = kb.entries[m.id]
        assert e.kind == "method"
        assert any(f"「{f}」" in m.why for f in e.fits.ja)          # the fitting situation, verbatim
        assert e.brings is None or e.brings.ja in m.why
    assert r.methods[0].id == "demonstration-experiment"
    assert [c.id for c in r.cases][:1] == ["fuchu-minchalle"] and not r.no_precedent
    c = r.cases[0]
    e = kb.entries[c.id]
    assert c.municipality == e.municipality.ja and e.answer.ja.startswith(c.what)
    assert len(r.cases) == 5 and 2 <= len(r.next_steps) <= 3
    steps = kb.entries["prepare-proposal"].prepare.ja + kb.entries["how-to-propose"].prepare.ja
    assert all(s in steps for s in r.next_steps)
    assert "公民連携デスク" in r.handoff


def test_english_idea_gets_english_reasons(advisor, kb):
    r = advisor.advise("We'd like to put our bank's name on the city stadium for five years.", on=date(2026, 6, 1),
                       challenges=[], log=False)
    assert r.lang == "en"
    assert all(any(f in m.why for f in kb.entries[m.id].fits.en) for m in r.methods)
    assert "Timing" not in r.timing and "window" in r.timing


def test_an_idea_with_no_recorded_precedent_says_so(advisor):
    from bot.render import render_idea

    r = advisor.advise("市民体育館に弊社の社名を冠した愛称を付け、その対価を施設の維持費に充ててもらいたい。",
                       on=date(2026, 6, 1), challenges=[], log=False)
    assert r.no_precedent and r.cases == ()
    assert "近い事例は記録されていません" in render_idea(r)


def test_unsure_shows_the_nearest_precedents_for_reference_under_an_honest_heading(advisor, kb):
    """Between near_at and close_at the advisor is unsure: it says no close precedent is recorded
    (no_precedent) and still shows the nearest ones, saying they are for reference; below near_at
    it shows none; from close_at they are the nearest precedents. The JSON's `cases` is always
    what is shown."""
    from dataclasses import replace

    from handlers.views.idea import idea_blocks

    from bot.advisor import Advisor
    from bot.i18n import t
    from bot.engine import Desk
    from bot.render import render_idea

    def with_thresholds(near_at, close_at):
        return Advisor(Desk(kb, engine=None), model=replace(advisor.model, near_at=near_at, close_at=close_at,
                                                            near_by_lang={}))

    on = date(2026, 6, 1)
    ref = with_thresholds(0.0, 1.01).advise(IDEA, on=on, challenges=[], log=False)
    assert ref.no_precedent and len(ref.cases) == 5 and ref.precedents == "reference"
    text = render_idea(ref)
    assert t("idea_advice.reference", "ja") in text and t("idea_advice.no_precedent", "ja") not in text
    assert ref.cases[0].title in text
    j = ref.to_json()
    assert j["no_precedent"] is True and j["precedents"] == "reference" and len(j["cases"]) == 5
    assert ref.record()["precedents"] == "reference"
    blocks = json.dumps([b.to_dict() for b in idea_blocks(ref)], ensure_ascii=False)
    assert t("idea_advice.reference", "ja") in blocks

    close = with_thresholds(0.0, 0.0).advise(IDEA, on=on, challenges=[], log=False)
    assert not close.no_precedent and close.precedents == "close"
    assert [c.id for c in close.cases] == [c.id for c in ref.cases]
    assert t("idea_advice.reference", "ja") not in render_idea(close)

    none = with_thresholds(1.01, 1.01).advise(IDEA, on=on, challenges=[], log=False)
    assert none.no_precedent and none.cases == () and none.precedents == "none"
    assert t("idea_advice.no_precedent", "ja") in render_idea(none) and none.to_json()["cases"] == []


def test_the_thresholds_are_those_of_the_idea_s_language(advisor, kb):
    """near_by_lang: an idea in a language with its own thresholds is judged by them, one in
    another language by the pooled near_at and close_at."""
    from dataclasses import replace

    from bot.advisor import Advisor
    from bot.engine import Desk

    a = Advisor(Desk(kb, engine=None), model=replace(advisor.model, near_at=0.0, close_at=0.0,
                                                       near_by_lang={"en": [1.01, 1.01]}))
    on = date(2026, 6, 1)
    ja = a.advise(IDEA, on=on, challenges=[], log=False)
    assert ja.precedents == "close" and len(ja.cases) == 5
    en = a.advise("Our app counts older people's daily steps; we'd like to try it in the city's frailty "
                  "prevention programme with a few dozen residents.", on=on, challenges=[], log=False)
    assert en.lang == "en" and en.precedents == "none" and en.cases == ()
    assert a.model.thresholds("en") == (1.01, 1.01) and a.model.thresholds("ja") == (0.0, 0.0)


def test_the_shipped_thresholds_are_ordered(advisor):
    m = advisor.model
    assert 0.0 < m.near_at <= m.close_from < 1.0
    for lang in ("ja", "en"):
        near_at, close_from = m.thresholds(lang)
        assert 0.0 < near_at <= close_from < 1.0
    assert set(m.method_none) == {e.id for e in advisor.index.methods}
    assert all(0.0 <= r <= 1.0 for r in m.method_none.values())


def test_near_features_clip_the_best_logit_and_weigh_the_methods_none_share():
    import numpy as np

    from bot.advisor import BEST_LOGIT_CLIP, near_vector

    wp = np.asarray([True, False, False])
    pm = np.asarray([0.9, 0.6, 0.1])
    rate = np.asarray([1.0, 0.0, 0.5])
    pc = np.asarray([1 - 1e-9, 0.2])
    best, gap, share, vote, agree = near_vector(pm, pc, wp, rate, np.asarray([0.25, 0.5]))
    assert best == BEST_LOGIT_CLIP and gap > 0
    assert share == pytest.approx((0.9 * 1.0 + 0.6 * 0.0 + 0.1 * 0.5) / 1.6)
    assert vote == pytest.approx(0.75)                             # the neighbours' votes for precedents, summed
    # whether the votes go to the precedents the case scorer ranks high: the cosine of the two
    assert agree == pytest.approx((1.0 * 0.25 + 0.2 * 0.5) / (np.hypot(1.0, 0.2) * np.hypot(0.25, 0.5)), abs=1e-6)
    assert near_vector(pm, pc, wp, rate, np.asarray([0.5, 0.0]))[4] > near_vector(pm, pc, wp, rate, np.asarray([0.0, 0.5]))[4]
    assert near_vector(pm, np.asarray([0.5]), wp)[2:] == [0.0, 0.0, 0.0]  # no rates, no votes: no share, vote, agreement


def test_the_neighbours_votes_for_precedents_raise_the_near_decision(advisor, monkeypatch):
    """The near scorer weighs how much the nearest labelled ideas vote for precedents at all
    (fitted positive): with the same idea's precedent votes taken away, P(a precedent is near)
    drops — the wiring from IdeaNeighbours.vote through near_vector to the shipped weights."""
    import numpy as np

    from bot.advisor import NEAR_FEATURES

    k = NEAR_FEATURES.index("neighbour_precedent_vote")
    assert advisor.model.near.coef[k] > 0
    it = next(i for i in idea_set.load("dev") if i["cases"] and i["lang"] == "ja")
    core = advisor.clean(it["text"])
    p_near = advisor.scores(core, leave_out=it["id"])[2]
    real = advisor.neighbours.vote
    monkeypatch.setattr(advisor.neighbours, "vote", lambda q, exclude=None: (real(q, exclude)[0], np.zeros(len(advisor.index.cases))))
    assert advisor.scores(core, leave_out=it["id"])[2] < p_near


def test_what_a_precedent_did_is_matched_against_its_own_first_sentence(advisor):
    """The case features `what_max` / `what_whole` compare the idea with what each precedent's
    municipality did (the first sentence of its answer, ja and en): an idea worded as one
    precedent's first sentence matches that precedent best, in either language."""
    import numpy as np

    from bot import text as T
    from bot.advisor_features import CASE_FEATURES

    k = CASE_FEATURES.index("what_whole")
    cases = advisor.index.cases
    for j in (0, len(cases) // 2, len(cases) - 1):
        for lang in ("ja", "en"):
            a = cases[j].answer.get(lang)
            if not a:
                continue
            _, cf0 = advisor.index.base(advisor.index.encode(T.first_sentence(a)))
            assert int(np.argmax(cf0[:, k])) == j and cf0[j, k] > 0.99, (cases[j].id, lang)


def test_a_clipped_logistic_scores_as_it_was_fitted_and_round_trips():
    import numpy as np

    from bot.decision import Logistic

    lr = Logistic(np.asarray([1.0, -2.0]), 0.5, np.zeros(2), np.ones(2), 4.0)
    assert lr.logit([[10.0, 0.0]])[0] == pytest.approx(4.5)          # 10 → 4 standard deviations
    assert lr.logit([[1.0, 1.0]])[0] == pytest.approx(-0.5)          # inside: unchanged
    back = Logistic.from_json(json.loads(json.dumps(lr.to_json())))
    assert back.clip == 4.0 and back.logit([[-9.0, 9.0]])[0] == pytest.approx(lr.logit([[-9.0, 9.0]])[0])
    plain = Logistic.from_json({"coef": [1.0], "intercept": 0.0, "mean": [0.0], "scale": [1.0]})
    assert plain.clip is None and plain.logit([[10.0]])[0] == pytest.approx(10.0)


@pytest.mark.parametrize("on, state, budget_year", [(date(2026, 3, 20), "before", 2027), (date(2026, 6, 1), "inside", 2027),
                                                    (date(2026, 9, 15), "after", 2028)])
def test_timing_follows_the_calendar_and_the_date(advisor, on, state, budget_year):
    from bot.fiscal import default_calendar
    from bot.proposals.advice import fy_name

    r = advisor.advise(IDEA, on=on, challenges=[], log=False)
    assert r.budget_year == budget_year == default_calendar().budget_year_reachable(on)
    assert fy_name(budget_year, "ja") in r.timing
    assert {"before": "提案時期は", "inside": "本日", "after": "終わりました"}[state] in r.timing
    # the top method's budget need, and the routes that need none meanwhile
    assert r.methods[0].title in r.timing and "新たな予算の要らない進め方" in r.timing


def test_open_city_challenges_the_idea_could_answer(advisor, db_engine):
    from bot.proposals.service import add_challenge, list_challenges
    from bot.proposals.staff import Actor

    staff = Actor("USTAFF", is_staff=True)
    add_challenge(db_engine, {"title": "公共交通の空白地域の移動手段", "department": "交通政策課",
                              "description": "バス路線の廃止で、日常の買い物や通院に困る地域がある。",
                              "desired_outcome": "予約型の乗合交通などで日常の移動を支える"}, staff)
    add_challenge(db_engine, {"title": "下水道管の老朽化調査", "department": "上下水道課",
                              "description": "古い下水道管の点検に人手と費用がかかっている。",
                              "desired_outcome": "点検の省力化"}, staff)
    open_ = list_challenges(db_engine)
    r = advisor.advise("AIを使った乗合のオンデマンド交通サービスを提供しています。利用者が少ないコミュニティバスの路線を、"
                       "予約制の乗合車両に置き換えることを試したいです。", on=date(2026, 6, 1), challenges=open_, log=False)
    assert [c.title for c in r.challenges] == ["公共交通の空白地域の移動手段"]
    for other in (IDEA, "市の庁舎の屋上に自社の太陽光パネルを無償で設置したい。"):
        assert advisor.advise(other, on=date(2026, 6, 1), challenges=open_, log=False).challenges == ()


def _views(chs):
    from bot.proposals.service import ChallengeView

    return [ChallengeView(k, c["title"], c["department"], c["description"], c["desired_outcome"], None, "test")
            for k, c in enumerate(chs)]


def test_an_english_idea_meets_japanese_challenges_on_the_same_footing(advisor):
    """Cosines across languages run lower and vary per idea: the challenge scorer judges them
    against the idea's cosines to other texts in the challenge's language, so an English idea
    gets the one Japanese challenge it answers and not the others."""
    chs = [c for c in idea_set_challenges() if c["title"] in
           ("高齢者のフレイル予防", "農業の担い手不足", "公共施設の老朽化対策", "窓口の待ち時間の短縮")]
    r = advisor.advise("We want to offer a frailty-prevention walking app to older residents.", on=date(2026, 6, 1),
                       challenges=_views(chs), log=False)
    assert [c.title for c in r.challenges] == ["高齢者のフレイル予防"]


def idea_set_challenges():
    from fit_advisor import load_challenges

    return load_challenges()


def test_labelled_city_challenges_stay_above_the_floor(advisor):
    """All 30 labelled challenges open at once; per held-back idea at most three shown. Measured:
    15/26 held-back ideas judged right (a fitting challenge shown, or none when none fits),
    pair precision 52%, recall 60%; without its own scorer a challenge was shown for one idea in
    seven (precision 100%, recall 20%)."""
    import numpy as np
    from fit_advisor import challenge_judge, challenge_labels

    chs = idea_set_challenges()
    ids = {json.loads(line)["id"] for line in (ROOT / "tests/data/ideas.jsonl").read_text(encoding="utf-8").splitlines()
           if line.strip()}
    assert all(set(c["ideas"]) <= ids for c in chs) and len({c["title"] for c in chs}) == len(chs)
    held = [it for it in idea_set.load("held") if idea_set.challenge_labelled(it)]
    views = _views(chs)
    P = np.asarray([advisor.challenge_probs(advisor.index.encode(advisor.clean(it["text"])), views) for it in held])
    j = challenge_judge(P, challenge_labels(held, chs), advisor.model.challenge_at)
    assert j["right"] >= 0.5 and j["precision"] >= 0.45 and j["recall"] >= 0.5, j


# ---- bad input ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, key", [("", "empty"), ("   \n\t ", "empty"), ("😀🎉👍", "no_words"), (":tada: :+1:", "no_words"),
                                       ("あ" * 50_000, "too_long"), ("お疲れ様です。よろしくお願いします。", "greeting"),
                                       ("\x00\x01\x02", "empty"), (None, "empty")])
def test_bad_input_gets_a_clear_message(advisor, text, key):
    from bot.i18n import t

    r = advisor.advise(text, on=date(2026, 6, 1), challenges=[], log=False)
    assert r.kind == "invalid" and not r.methods and not r.timing
    assert r.message[:5] == t("idea_advice." + key, r.lang)[:5]
    j = r.to_json()
    assert j["methods"] == [] and j["text"] == r.message


def test_greetings_around_an_idea_are_stripped(advisor):
    plain = advisor.advise(IDEA, on=date(2026, 6, 1), challenges=[], log=False)
    wrapped = advisor.advise(f"お世話になっております。{IDEA}よろしくお願いいたします。", on=date(2026, 6, 1),
                             challenges=[], log=False)
    assert [m.id for m in wrapped.methods] == [m.id for m in plain.methods]
    assert [c.id for c in wrapped.cases] == [c.id for c in plain.cases]


# ---- the question log ------------------------------------------------------------------------------

def test_every_idea_is_logged_like_a_question(kb, db_engine):
    from bot.advisor import Advisor
    from bot.engine import Desk

    desk = Desk(kb, engine=db_engine)
    adv = Advisor(desk)
    r = adv.advise(IDEA, asker="U1", place="C1", on=date(2026, 6, 1), challenges=[])
    bad = adv.advise("🎉", asker="U1", challenges=[])
    none = adv.advise("市民体育館に弊社の社名を冠した愛称を付け、その対価を施設の維持費に充ててもらいたい。",
                      asker="U2", challenges=[])
    assert r.log_id and bad.log_id and none.log_id
    with Session(db_engine) as s:
        rows = {q.id: q for q in s.exec(select(QuestionLog))}
    assert rows[r.log_id].surface == "idea" and rows[r.log_id].question == IDEA
    assert rows[r.log_id].entry_id == r.methods[0].id and rows[r.log_id].kind == "answer"
    assert rows[bad.log_id].kind == "invalid"
    assert rows[none.log_id].kind == "partial"          # no close precedent: shows in `kb gaps`
    assert any(g["question"].startswith("市民体育館") for g in desk.gaps())


# ---- CLI and console ---------------------------------------------------------------------------------

def test_cli_json_one_line_per_idea_from_stdin(db, cli):
    lines = [IDEA.encode(), b"", b"\xff\xfe broken bytes: we want to test drones for bridge inspection",
             "😀😀".encode(), ("x" * 50_000).encode()]
    p = cli("idea", "--json", "--date", "2026-09-15", "-", stdin=b"\n".join(lines) + b"\n", DATABASE_URL=db.url)
    assert p.returncode == 0, p.stderr
    out = [json.loads(l) for l in p.stdout.splitlines()]
    assert len(out) == 5
    first = out[0]
    assert set(first) >= {"methods", "cases", "challenges", "timing", "next_steps", "text"}
    assert all(set(m) >= {"id", "title", "why"} for m in first["methods"]) and len(first["methods"]) == 3
    assert all(set(c) >= {"id", "title", "municipality", "why"} for c in first["cases"])
    assert "2028年度" in first["timing"] and first["next_steps"]
    assert out[1]["kind"] == "invalid" and out[1]["methods"] == []
    assert out[2]["kind"] == "advice" and "\ufffd" in out[2]["idea"] and out[2]["lang"] == "en"
    assert out[3]["kind"] == out[4]["kind"] == "invalid" and "50,000" in out[4]["text"]
    assert "Traceback" not in p.stderr


def test_cli_text(db, cli):
    p = cli("idea", "--date", "2026-06-01", IDEA, DATABASE_URL=db.url)
    assert p.returncode == 0, p.stderr
    for part in ("■ 合いそうな連携の手法", "■ 近い事例", "■ 時期の目安", "■ 準備すること", "府中市"):
        assert part in p.stdout
    p = cli("idea", "--date", "not-a-date", IDEA, DATABASE_URL=db.url)
    assert p.returncode == 2 and "YYYY-MM-DD" in p.stderr


def test_console_idea_command(kb):
    from bot.console import run_console
    from bot.engine import Desk
    from bot.render import render_text

    desk = Desk(kb, engine=None)
    out = io.StringIO()
    run_console(desk, render_text, stdin=io.StringIO(f"idea {IDEA}\nidea\n🎉\nstaff\nquit\n"), stdout=out)
    text = out.getvalue()
    assert "■ 合いそうな連携の手法" in text and "府中市" in text and "「staff」" in text
    assert "アイデアを1行で入力してください" in text and "読み取れませんでした" in text
    assert "担当職員" in text.split("読み取れませんでした")[-1]          # "staff" passed the last idea on


def test_case_norms_per_language_and_fallback():
    import numpy as np

    from bot.advisor_features import MIN_NORM_IDEAS, case_norms

    rng = np.random.default_rng(0)
    cfs = [rng.random((4, 11)) for _ in range(MIN_NORM_IDEAS + 5)]
    langs = ["ja"] * MIN_NORM_IDEAS + ["en"] * 5          # too few English ideas: all of them are used
    n = case_norms(cfs, langs)
    assert n["ja"].shape == (4, 4) and (n["ja"][1] > 0).all()
    whole = np.stack([np.maximum(c[:, 1], c[:, 4]) for c in cfs])
    assert np.allclose(n["en"][0], whole.mean(0)) and np.allclose(n["ja"][0], whole[:MIN_NORM_IDEAS].mean(0))
