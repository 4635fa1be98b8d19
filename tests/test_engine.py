"""The answer engine on the shipped knowledge base: decisions, languages, bad input, logging."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bot.config import get_settings
from bot.engine import Desk
from bot.knowledge import load_knowledge
from bot.models import Feedback, QuestionLog
from sqlmodel import Session, select

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(get_settings().knowledge_dir)


@pytest.fixture(scope="module")
def desk(kb):
    """Matching only: no database."""
    return Desk(kb, engine=None)


def test_every_entry_is_found_by_its_own_title(desk, kb):
    """A question that names an entry's title (ja, and en where written) answers with that entry
    or, where titles overlap, an entry that shares its topic (its related entries)."""
    misses = []
    for e in kb.entries.values():
        for lang, title in (("ja", e.title.ja), ("en", e.title.en)):
            if not title:
                continue
            r = desk.answer(title)
            ok = r.answered and (r.entry_id == e.id or r.entry_id in e.related
                                 or e.id in kb.entries[r.entry_id].related)
            if not ok:
                misses.append(f"{e.id} [{lang}] {title!r} -> {r.kind} {r.entry_id} {r.score:.2f}")
    assert len(misses) <= len(kb.entries) * 0.05, "\n".join(misses)


def test_paraphrase_set(desk):
    """Our own paraphrases (typos, kana variants, colloquial, English) — not the eval set."""
    items = [json.loads(l) for l in (DATA / "paraphrases.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    fails, inscope, outscope, ok_in, ok_out = [], 0, 0, 0, 0
    for it in items:
        r = desk.answer(it["q"])
        if it.get("fallback"):
            outscope += 1
            good = not r.answered
            ok_out += good
        else:
            inscope += 1
            good = r.answered and r.entry_id in it["ids"]
            ok_in += good
        if not good:
            fails.append(f"{it['q']!r}: got {r.kind} {r.entry_id} {r.score:.2f}, want {it.get('ids', 'decline')}")
    assert ok_in / inscope >= 0.85, f"in-scope {ok_in}/{inscope}\n" + "\n".join(fails)
    assert ok_out / outscope >= 0.8, f"declined {ok_out}/{outscope}\n" + "\n".join(fails)


def test_language_follows_the_question(desk, kb):
    ja = desk.answer("ネーミングライツとは")
    en = desk.answer("What are naming rights?")
    assert ja.lang == "ja" and ja.text == kb.entries[ja.entry_id].answer.ja.strip()
    assert en.lang == "en" and en.text == kb.entries[en.entry_id].answer.en.strip()
    assert en.entry_id == ja.entry_id


def test_answers_cite_their_source(desk, kb):
    r = desk.answer("PFIとは")
    e = kb.entries[r.entry_id]
    assert r.source and kb.docs[e.sources[0].doc].title.ja in r.source and e.sources[0].section in r.source


def test_out_of_scope_is_declined_with_a_pointer_and_handoff(desk):
    r = desk.answer("住民票の写しはどこで取れますか")
    assert r.kind == "decline" and r.handoff and "市民課" in r.text


@pytest.mark.parametrize("q", ["", "   \n\t ", "a" * 50_000, "😀🎉🙏", "\x00\x07\x1b[31m", "。、!?"])
def test_bad_input_gets_a_clear_message(desk, q):
    r = desk.answer(q)
    assert r.kind == "invalid" and not r.answered and r.text


def test_mixed_scripts_and_control_characters_still_match(desk):
    r = desk.answer("ネーミング\u200bライツ\x07 naming rights ＰＦＩ?")
    assert r.kind in ("answer", "suggest")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=300))
def test_any_text_gets_a_reply(desk, q):
    r = desk.answer(q)
    assert r.kind in ("answer", "suggest", "decline", "invalid")
    assert 0.0 <= r.score <= 1.0
    assert r.text


def test_questions_and_feedback_are_logged(kb, db_engine):
    desk = Desk(kb, engine=db_engine)
    a = desk.answer("PFIとは何ですか", surface="slack-dm", asker="U1", place="D1")
    d = desk.answer("今日の天気は", surface="cli")
    assert a.log_id and d.log_id and a.log_id != d.log_id
    desk.record_feedback(a.log_id, "U1", True)
    desk.record_feedback(a.log_id, "U1", False)        # the second click replaces the first
    with Session(db_engine) as s:
        row = s.get(QuestionLog, a.log_id)
        assert (row.surface, row.asker, row.place, row.kind, row.entry_id) == ("slack-dm", "U1", "D1", "answer", a.entry_id)
        fbs = s.exec(select(Feedback)).all()
        assert [(f.question_id, f.helpful, f.entry_id) for f in fbs] == [(a.log_id, False, a.entry_id)]


def test_gaps_lists_frequent_unanswered_questions_first(kb, db_engine):
    desk = Desk(kb, engine=db_engine)
    for _ in range(3):
        desk.answer("宇宙ステーションの誘致について")
    desk.answer("ラーメンの作り方")
    desk.answer("PFIとは")
    gaps = desk.gaps()
    assert [g["count"] for g in gaps] == [3, 1]
    assert gaps[0]["question"] == "宇宙ステーションの誘致について"


def test_log_survives_a_database_that_is_briefly_unreachable(kb, tmp_path):
    """Answers keep coming while the database is away; the log rows are written once it is back."""
    from bot.db import init_db, make_engine

    missing = tmp_path / "not-yet"
    engine = make_engine(f"sqlite:///{missing / 'db.sqlite3'}")   # its folder does not exist yet
    missing.rmdir() if missing.exists() else None
    desk = Desk(kb, engine=engine)
    r = desk.answer("PFIとは")
    assert r.answered and r.log_id is None                        # answered, log kept in memory
    missing.mkdir()
    init_db(engine)
    r2 = desk.answer("ネーミングライツとは")                         # writes the kept row too
    assert r2.log_id is not None
    with Session(engine) as s:
        assert [q.question for q in s.exec(select(QuestionLog).order_by(QuestionLog.id))] == ["PFIとは", "ネーミングライツとは"]


@settings(max_examples=150, deadline=None, derandomize=True, print_blob=False,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_a_typo_in_a_title_still_finds_the_entry(desk, kb, data):
    """Dropping one character of a longer Japanese title, or swapping two neighbours, keeps the
    entry (or one it relates to) in the top 3. Derandomised, so CI sees the same examples."""
    entry = data.draw(st.sampled_from(sorted((e for e in kb.entries.values() if len(e.title.ja) >= 8),
                                             key=lambda e: e.id)))
    title = entry.title.ja
    i = data.draw(st.integers(0, len(title) - 2))
    typo = data.draw(st.sampled_from([title[:i] + title[i + 1:], title[:i] + title[i + 1] + title[i] + title[i + 2:]]))
    cands, _ = desk.index.search(typo, k=3)
    related = {entry.id, *entry.related}
    assert any(c.key in related for c in cands), (typo, [c.key for c in cands])


def test_an_entry_opened_from_a_button_is_logged_and_can_be_rated(kb, db_engine):
    desk = Desk(kb, engine=db_engine)
    r = desk.open_entry("pfi", "en", asker="U9", place="C9", surface="slack-button")
    assert r.answered and r.entry_id == "pfi" and r.lang == "en" and r.log_id
    desk.record_feedback(r.log_id, "U9", True)
    with Session(db_engine) as s:
        row = s.get(QuestionLog, r.log_id)
        assert (row.surface, row.entry_id, row.question) == ("slack-button", "pfi", kb.entries["pfi"].title.en)
