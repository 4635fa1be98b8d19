"""The answer engine: one path for every question, from any surface, to a plain `Reply`.

    question → checks (empty, too long, no words) → Index.search → decide
             → answer | did-you-mean | decline (with hand-off to the desk staff) → log → Reply

The knowledge base is loaded and indexed once per process (`get_desk()`); questions are logged
to the database, and a log write that fails (database briefly away) is kept and written later,
so the asker still gets the answer and the log loses nothing.
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import replace

from sqlalchemy import func, insert
from sqlalchemy.engine import Engine
from sqlmodel import select

from bot import text as T
from bot.config import Settings, get_settings
from bot.db import get_engine, init_db, session_scope, with_retry
from bot.knowledge import Entry, Knowledge, load_knowledge
from bot.matching import Candidate, Index, IndexDoc, Synonyms
from bot.models import Feedback, QuestionLog, utcnow
from bot.reply import Link, Reply

log = logging.getLogger(__name__)

# Decision thresholds on the calibrated score (see bench/ and tests/test_engine.py).
ANSWER_AT = 0.50          # at or above: answer with the top entry
CLEAR_MARGIN = 0.005      # …unless an unrelated runner-up is closer than this (see _clear_winner)
SUGGEST_AT = 0.33         # between this and ANSWER_AT: "did you mean"
LOW_CONFIDENCE = 0.60     # answered below this counts as low-confidence in `kb gaps`

MESSAGES = {
    "empty": {"ja": "質問を入力してください。例:「提案はいつまでに出せばよいですか」「ネーミングライツとは」",
              "en": "Please type a question, e.g. \"When can we submit a proposal?\" or \"What are naming rights?\""},
    "too_long": {"ja": "質問が長すぎます({n:,}文字)。要点を{max:,}文字以内でお送りください。詳しいご相談は公民連携デスクの担当者におつなぎします。",
                 "en": "That question is too long ({n:,} characters). Please send the key point in under {max:,} characters; for a detailed consultation we can put you in touch with the desk staff."},
    "no_words": {"ja": "質問の言葉を読み取れませんでした。文章でお尋ねください(例:「PFIとは」)。",
                 "en": "I could not find any words in that. Please ask in a sentence, e.g. \"What is PFI?\""},
    "decline": {"ja": "申し訳ありません。このご質問に確かな答えを見つけられませんでした。公民連携デスクの担当職員におつなぎできます。",
                "en": "Sorry, I could not find a reliable answer to that. I can pass your question to the partnership desk staff."},
    "suggest": {"ja": "はっきりとは分かりませんでした。次のどれかについてのご質問でしょうか。どれでもなければ、担当職員におつなぎします。",
                "en": "I'm not sure what you mean. Is it about one of these? If not, I can pass your question to the desk staff."},
    "out_of_scope_tail": {"ja": "公民連携デスクでは、企業・団体と市の連携や提案についてのご相談をお受けしています。",
                          "en": "The partnership desk handles questions about partnerships and proposals between companies and the city."},
}


class Desk:
    """The knowledge base, its index and the question log, shared by every surface."""

    def __init__(self, kb: Knowledge, *, engine: Engine | None = None, log_questions: bool = True):
        self.kb = kb
        self.engine = engine
        self.log_questions = log_questions and engine is not None
        self._keys = list(kb.entries)
        self.index = Index([_index_doc(e) for e in kb.entries.values()], Synonyms.build(kb.synonyms))
        # Out-of-scope keywords: Japanese ones match anywhere, Latin ones as whole words.
        self._oos = [(t, [T.text_form(T.fold(k)) for k in t.keywords if not k.isascii()],
                      re.compile(r"\b(?:" + "|".join(re.escape(T.fold(k)) for k in t.keywords if k.isascii()) + r")\b")
                      if any(k.isascii() for k in t.keywords) else None)
                     for t in kb.out_of_scope]
        self._pending: list[dict] = []     # question-log rows not yet written (database away)
        self._lock = threading.Lock()

    @classmethod
    def load(cls, settings: Settings | None = None, *, engine: Engine | None = None) -> "Desk":
        """Load knowledge (raises KnowledgeError on a broken base) and prepare the database."""
        settings = settings or get_settings()
        kb = load_knowledge(settings.knowledge_dir)
        if engine is None:
            engine = get_engine(settings.database_url)
        with_retry(lambda: init_db(engine), what="database set-up")
        return cls(kb, engine=engine)

    # ---- answering -------------------------------------------------------------------------
    def answer(self, question: str, *, asker: str | None = None, place: str | None = None,
               surface: str = "cli", lang: str | None = None) -> Reply:
        reply, folded = self._decide(question if isinstance(question, str) else "", lang)
        if self.log_questions:
            reply = self._log(reply, folded, surface=surface, asker=asker, place=place)
        return reply

    def _decide(self, question: str, lang: str | None) -> tuple[Reply, str]:
        q = T.clean(question)
        lang = lang if lang in ("ja", "en") else T.detect_lang(q)
        if not q:
            return self._message("empty", q, lang), ""
        if len(q) > T.MAX_QUERY_CHARS:
            return self._message("too_long", q, lang, n=len(q), max=T.MAX_QUERY_CHARS), ""
        folded = T.fold(q[: T.MATCH_CHARS])
        if not T.has_words(folded):
            return self._message("no_words", q, lang), folded

        topic = self._out_of_scope(folded)
        cands, folded = self.index.search(q[: T.MATCH_CHARS], k=5)
        if topic is not None:
            text = topic.reply.get(lang) + "\n" + MESSAGES["out_of_scope_tail"][lang]
            return Reply("decline", q, lang, text, score=cands[0].score if cands else 0.0,
                         handoff=True), folded
        if not cands or cands[0].score < SUGGEST_AT:
            return Reply("decline", q, lang, MESSAGES["decline"][lang],
                         score=cands[0].score if cands else 0.0, handoff=True), folded
        top = cands[0]
        if top.score >= ANSWER_AT and self._clear_winner(cands):
            r = self.reply_for_entry(top.key, lang, question=q, score=top.score)
            return r, folded
        sugg = tuple(Link(c.key, self.kb.entries[c.key].title.get(lang), c.score)
                     for c in cands[:3] if c.score >= SUGGEST_AT * 0.8)
        return Reply("suggest", q, lang, MESSAGES["suggest"][lang], score=top.score,
                     suggestions=sugg, handoff=True), folded

    def _clear_winner(self, cands: list[Candidate]) -> bool:
        """False when the top two are a near-tie between unrelated entries at modest confidence:
        then a "did you mean" serves the asker better than a coin toss."""
        if len(cands) < 2:
            return True
        top, runner = cands[0], cands[1]
        if top.score >= 0.6 or top.score - runner.score >= CLEAR_MARGIN or top.alias > runner.alias:
            return True
        a, b = self.kb.entries[top.key], self.kb.entries[runner.key]
        return runner.key in a.related or top.key in b.related

    def _out_of_scope(self, folded: str):
        form = T.text_form(folded)
        for topic, keys, latin in self._oos:
            if any(k and k in form for k in keys) or (latin is not None and latin.search(folded)):
                return topic
        return None

    def _message(self, key: str, q: str, lang: str, **fmt) -> Reply:
        return Reply("invalid", q[:200], lang, MESSAGES[key][lang].format(**fmt))

    def reply_for_entry(self, entry_id: str, lang: str = "ja", *, question: str = "",
                        score: float = 1.0) -> Reply:
        """One entry as an answer (also used when a button opens an entry)."""
        e = self.kb.entries[entry_id]
        lang = "en" if lang == "en" and e.answer.en else "ja"
        related = tuple(Link(r, self.kb.entries[r].title.get(lang)) for r in e.related[:3])
        return Reply("answer", question, lang, e.answer.get(lang).strip(), title=e.title.get(lang),
                     entry_id=e.id, entry_kind=e.kind, score=score, source=self.kb.cite(e, lang), related=related)

    def open_entry(self, entry_id: str, lang: str = "ja", *, question: str = "", asker: str | None = None,
                   place: str | None = None, surface: str = "button") -> Reply:
        """An entry opened from a button (related, did-you-mean, catalogue): logged like an
        answer, so it gets a question id and can be rated."""
        reply = self.reply_for_entry(entry_id, lang, question=question or self.kb.entries[entry_id].title.get(lang))
        if self.log_questions:
            reply = self._log(reply, T.fold(reply.question), surface=surface, asker=asker, place=place)
        return reply

    # ---- question log and feedback -----------------------------------------------------------
    def _log(self, reply: Reply, folded: str, *, surface: str, asker: str | None,
             place: str | None) -> Reply:
        row = {"asked_at": utcnow(), "surface": surface[:32], "asker": (asker or None) and asker[:64],
               "place": (place or None) and place[:64], "question": reply.question[:4000],
               "normalized": folded[:1000], "lang": reply.lang, "kind": reply.kind,
               "entry_id": reply.entry_id, "score": float(reply.score)}
        with self._lock:
            batch, self._pending = self._pending + [row], []
        try:
            ids = with_retry(lambda: self._write_logs(batch), attempts=2, what="question log")
        except Exception as e:  # database away: keep the rows, answer anyway
            log.warning("question log not written (%s); %d row(s) kept for later", type(e).__name__, len(batch))
            with self._lock:
                self._pending = batch + self._pending
            return reply
        return replace(reply, log_id=ids[-1])

    def _write_logs(self, rows: list[dict]) -> list[int]:
        """Insert rows in one transaction (a plain Core insert: this is on every answer's path)."""
        table = QuestionLog.__table__
        with self.engine.begin() as conn:
            return [conn.execute(insert(table).values(**r)).inserted_primary_key[0] for r in rows]

    def flush_logs(self) -> int:
        """Write question-log rows kept while the database was away; returns how many."""
        with self._lock:
            batch, self._pending = self._pending, []
        if batch:
            try:
                with_retry(lambda: self._write_logs(batch), what="question log")
            except Exception:
                with self._lock:
                    self._pending = batch + self._pending
                raise
        return len(batch)

    def record_feedback(self, question_id: int, user_id: str, helpful: bool) -> None:
        """Store 👍/👎 for a logged question; a second click by the same user replaces the first."""
        def write() -> None:
            with session_scope(self.engine) as s:
                q = s.get(QuestionLog, question_id)
                if q is None:
                    raise KeyError(f"no question {question_id}")
                fb = s.exec(select(Feedback).where(Feedback.question_id == question_id,
                                                   Feedback.user_id == user_id)).first()
                if fb is None:
                    s.add(Feedback(question_id=question_id, entry_id=q.entry_id, user_id=user_id,
                                   helpful=helpful))
                else:
                    fb.helpful, fb.at = helpful, utcnow()
                    s.add(fb)
        with_retry(write, what="feedback")

    def gaps(self, limit: int = 20) -> list[dict]:
        """Most frequent unanswered or low-confidence questions, grouped by their folded form."""
        weak = (QuestionLog.kind != "answer") | (QuestionLog.score < LOW_CONFIDENCE)
        with session_scope(self.engine) as s:
            rows = s.exec(
                select(QuestionLog.normalized, func.count(), func.max(QuestionLog.asked_at),
                       func.min(QuestionLog.question), func.max(QuestionLog.score))
                .where(weak, QuestionLog.kind != "invalid")
                .group_by(QuestionLog.normalized)
                .order_by(func.count().desc(), func.max(QuestionLog.asked_at).desc())
                .limit(limit)).all()
        out = []
        for norm, n, last, example, best in rows:
            cands, _ = self.index.search(example, k=1)
            out.append({"question": example, "count": n, "last_asked": last, "best_score": best,
                        "nearest": cands[0].key if cands else None})
        return out


def _index_doc(e: Entry) -> IndexDoc:
    titles = [e.title.ja] + ([e.title.en] if e.title.en else [])
    names = titles + list(e.aliases)
    places = [e.municipality.ja] + ([e.municipality.en] if e.municipality.en else []) if e.municipality else []
    body = [e.answer.ja] + ([e.answer.en] if e.answer.en else [])
    return IndexDoc(key=e.id, kind=e.kind, names=names + places, n_titles=len(titles), tags=list(e.tags),
                    body=body, places=places)


_desk: Desk | None = None
_desk_lock = threading.Lock()


def get_desk() -> Desk:
    """The process-wide Desk, loaded on first use."""
    global _desk
    if _desk is None:
        with _desk_lock:
            if _desk is None:
                _desk = Desk.load()
    return _desk


def set_desk(desk: Desk | None) -> None:
    """Install a Desk (tests, alternative settings); None forgets the current one."""
    global _desk
    _desk = desk
