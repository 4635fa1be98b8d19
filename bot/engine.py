"""The answer engine: one path for every question, from any surface, to a plain `Reply`.

    message → checks (empty, too long, no words) → Slack markup, greetings and closings stripped
            → retrieval (bot/retrieval.py: lexical + semantic signals over entries and
              out-of-scope topics) → ranker and calibrated decision (bot/decision.py)
            → answer | honest partial answer | did-you-mean | decline (hand-off to the staff)
            → log → Reply

The knowledge base is loaded and indexed once per process (`Desk.load`, by the entry point); questions are logged
to the database; a log write that fails (database away) is kept, bounded, and written later,
so the asker still gets the answer and the log loses nothing it can keep.
"""
from __future__ import annotations

import atexit
import logging
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import func, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import select

from bot import conversation as C
from bot import facts
from bot import intent as I
from bot import text as T
from bot.i18n import t
from bot.config import Settings, get_settings
from bot.db import ensure_database, get_engine, session_scope, with_retry
from bot.decision import PSEUDO_KINDS, DecisionModel, decider_vector, default_model, gate_vector, ranker_matrix
from bot.kana import kana_words
from bot.spelling import english_words
from bot.knowledge import Entry, Knowledge, OutOfScopeTopic, load_knowledge
from bot.matching import IndexDoc, Synonyms, cued_kinds
from bot.models import Feedback, QuestionLog, utcnow
from bot.reply import Link, Reply
from bot.retrieval import Features, Retriever, SemDoc, rows_of
from bot.semantic import DIM, Encoder

log = logging.getLogger(__name__)

LOW_CONFIDENCE = 0.60     # answered below this counts as low-confidence in `kb gaps`
MAX_PENDING = 1000        # question-log rows kept in memory while the database is away
OOS_PREFIX = "oos:"
NAMED = 0.9               # a name signal this strong: the message names the entry (bot/matching.py)
INTENT_PREFIX = "intent:"

# The engine's texts are in the message catalogue (bot/messages/*.yaml, keys "answer.*").

# Out-of-scope questions from our training data that fit no curated topic are scored as this one.
OTHER_TOPIC = OutOfScopeTopic(
    id="other", examples=["(learned examples only)"] * 4,
    reply={"ja": "このご質問は、公民連携デスクの資料に含まれていない内容のようです。",
           "en": "That seems to be outside what the partnership desk's material covers."})
EXEMPLARS_FILE = Path(__file__).with_name("exemplars.json")


def load_exemplars(path: Path = EXEMPLARS_FILE) -> dict[str, list[tuple[str, str]]]:
    """doc key → [(tag, question)]: labelled training questions (bench/fit_decision.py)."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: [("", q) for q in qs] for k, qs in data.get("docs", {}).items()}


_encoders: dict[str, Encoder] = {}
_encoder_lock = threading.Lock()


def shared_encoder(cache_dir: Path | None) -> Encoder:
    """One sentence encoder per process (the model's weights are memory-mapped from the cache)."""
    key = str(cache_dir)
    with _encoder_lock:
        if key not in _encoders:
            _encoders[key] = Encoder.load(cache_dir)
        return _encoders[key]


@dataclass
class Analysis:
    """How the engine saw a message (also what `ask --explain` shows)."""

    core: str                      # the message without greetings and Slack markup
    folded: str
    ranked: list[tuple[Features, float]]    # candidates with their ranker probability, best first
    p_right: float                 # the decider's probability that the best in-scope entry is right
    top: Features | None           # the best in-scope entry
    oos: Features | None           # the best out-of-scope topic
    features: list[float]          # the decider's input
    segments: int = 1
    gate_key: str | None = None    # the best intent and the gate's P(the message asks for it)
    gate_p: float = 0.0
    qvec: np.ndarray | None = None        # the retrieval's vectors of the message, and of it with
    masked_vec: np.ndarray | None = None  # the entry names masked (reused by bot/intent.py)
    intent_p: dict[str, float] | None = None   # the intent classifier's probabilities (bot/intent.py)


# A question comparing two things (「違いは」「どう違う」「比べて」, "difference between", "compare", "vs").
# Both named: a name signal this strong is the name itself, in the message (bot/matching.py
# `_alias_signals`: an exact name scores 0.8 or more, a fuzzy one less).
COMPARED_NAMED = 0.8
_COMPARES = re.compile(r"違い|違う|違います|異なる|比べ|比較|差は|\bdiffer|\bcompar|\bversus\b|\bvs\b\.?")


class Desk:
    """The knowledge base, its index and the question log, shared by every surface."""

    def __init__(self, kb: Knowledge, *, engine: Engine | None = None, log_questions: bool = True,
                 encoder: Encoder | None = None, cache_dir: Path | None = None,
                 model: DecisionModel | None = None, stand_in_vectors: bool = False,
                 learned: dict[str, list[tuple[str, str]]] | None = None):
        """`stand_in_vectors`: random entry vectors of the real shape instead of encoding every
        entry (benchmarks of synthetic bases only; questions are still encoded for real).
        `learned`: doc key → [(tag, question)] labelled questions from our training data
        (default: bot/exemplars.json, written by bench/fit_decision.py)."""
        self.kb = kb
        self.engine = engine
        self.log_questions = log_questions and engine is not None
        if cache_dir is None:
            cache_dir = get_settings().cache_dir
        learned = load_exemplars() if learned is None else learned
        docs, sem_docs = [], []
        for e in kb.entries.values():
            docs.append(_index_doc(e))
            sem_docs.append(_sem_doc(e))
        self.topics: dict[str, OutOfScopeTopic] = {}
        for t in list(kb.out_of_scope) + [OTHER_TOPIC]:
            self.topics[OOS_PREFIX + t.id] = t
            docs.append(IndexDoc(key=OOS_PREFIX + t.id, kind="oos", names=[], n_titles=0, tags=[], body=[],
                                 questions=list(t.examples)))
            sem_docs.append(SemDoc(names=list(t.examples), body=[t.reply.ja] + ([t.reply.en] if t.reply.en else [])))
        for it in kb.intents:
            docs.append(IndexDoc(key=INTENT_PREFIX + it.id, kind="intent", names=[], n_titles=0, tags=[], body=[],
                                 questions=list(it.examples)))
            sem_docs.append(SemDoc(names=list(it.examples), body=list(it.examples[:1])))
        for d, sd in zip(docs, sem_docs):
            sd.learned = list(learned.get(d.key, ()))
        vectors = None
        if stand_in_vectors:
            rng = np.random.default_rng(7)
            vectors = rng.standard_normal((rows_of(sem_docs, [d.key for d in docs]), DIM), dtype=np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        self.retriever = Retriever(docs, sem_docs, Synonyms.build(kb.synonyms),
                                   encoder or shared_encoder(cache_dir),
                                   # a benchmark's stand-in base is built each time, never cached
                                   cache_dir=None if stand_in_vectors else cache_dir, vectors=vectors)
        self.index = self.retriever.lex
        # The knowledge's words by their kana reading, for messages typed all in kana (bot/kana.py;
        # not for a benchmark's synthetic base)
        self.kana = None if stand_in_vectors else kana_words(kb, cache_dir)
        self.english = None if stand_in_vectors else english_words(kb)    # mistyped English (bot/spelling.py)
        self.model = model or _load_model()
        self._pending: list[dict] = []     # question-log rows not yet written (database away)
        self._lock = threading.Lock()
        self.settings: Settings | None = None   # contact, calendar (set by load(); else the process's)

    @classmethod
    def load(cls, settings: Settings | None = None, *, engine: Engine | None = None) -> "Desk":
        """Load knowledge (raises KnowledgeError on a broken base) and prepare the database."""
        settings = settings or get_settings()
        kb = load_knowledge(settings.knowledge_dir)
        if engine is None:
            engine = get_engine(settings.database_url)
        ensure_database(engine)
        desk = cls(kb, engine=engine, cache_dir=settings.cache_dir)
        desk.settings = settings
        atexit.register(desk.flush_logs_quietly)
        return desk

    # ---- answering -------------------------------------------------------------------------
    def answer(self, question: str, *, asker: str | None = None, place: str | None = None,
               surface: str = "cli", lang: str | None = None, today: date | None = None) -> Reply:
        """`today`: answer as of this date (timing); default today in the calendar's time zone."""
        try:
            reply, folded = self._decide(question if isinstance(question, str) else "", lang, today)
        except Exception:  # noqa: BLE001 — a bug must cost one answer, never a traceback to the asker
            log.exception("answering failed")
            lang = lang if lang in ("ja", "en") else T.detect_lang(T.clean(question) if isinstance(question, str) else "")
            reply, folded = Reply("decline", (question or "")[:4000] if isinstance(question, str) else "", lang,
                                  t("answer.decline", lang), handoff=True, intent="unknown"), ""
        if self.log_questions:
            reply = self._log(reply, folded, surface=surface, asker=asker, place=place)
        return reply

    # Messages that reach each lazily built part once (the intent classifier and its examples,
    # the budget calendar, the case index, a long message's segments).
    WARM_UP = ("予算要求は何月ですか", "和光市の事例を教えて", "担当の方と話したい",
               "We would like to propose an idea. What should we prepare, and when is the deadline?")

    def warm(self) -> None:
        """Build what answering builds on first use, so that no asker's first question pays for
        it (long-running processes call this once, before forking their workers)."""
        for q in self.WARM_UP:
            self._decide(q, None)
        known_text(self.kb)     # the whole base's text: a case list's place check reads it
        import bot.fiscal       # noqa: F401  (timing replies; imports the holiday tables)
        if self.english is not None:
            self.english.warm()

    def analyse(self, core: str) -> Analysis:
        """Retrieve, rank and score a cleaned message (no greeting, no Slack markup)."""
        r = self.retriever.retrieve(core)
        return analysis_of(self.kb, r, core, self.model.ranker, self.model.decider, self.model.gate)

    def _decide(self, question: str, lang: str | None, today: date | None = None) -> tuple[Reply, str]:
        reply, folded = self._decide_message(question, lang, today)
        if reply.kind in ("suggest", "decline") and reply.intent in ("answer", "unknown"):
            # A message of several sentences that no entry answers for sure: the sentence that asks,
            # judged on its own, may be (context before it, 「静岡でIT会社をやっています。」 "We are a
            # small firm in Shizuoka.", can pull the whole message away from it). Taken only when
            # it is a knowledge answer (or an honest partial one) past the answer threshold.
            part = self._asking_sentence(question)
            if part is not None:
                alt, alt_folded = self._decide_message(part, lang or reply.lang, today)
                if alt.kind == "partial" or (alt.kind == "answer" and alt.entry_id is not None
                                             and alt.score >= self.model.answer_at):
                    return replace(alt, question=reply.question), alt_folded
        return reply, folded

    def _asking_sentence(self, question: str) -> str | None:
        """The sentence(s) of a message of several that ask (else its last one); None for one."""
        core = T.message_core(T.clean(question, keep_lines=True), self.kana, self.english)[0]
        parts = T.sentences(core)
        if len(parts) < 2:
            return None
        part = facts.asking_part(core)
        return part if part != core else parts[-1]

    def _decide_message(self, question: str, lang: str | None, today: date | None = None) -> tuple[Reply, str]:
        q = T.clean(question)
        asked_lang = lang if lang in ("ja", "en") else None
        lang = asked_lang or T.detect_lang(q)
        if not q:
            return self._message("empty", q, lang), ""
        if len(q) > T.MAX_QUERY_CHARS:
            return self._message("too_long", q, lang, n=len(q), max=T.MAX_QUERY_CHARS), ""
        folded = T.fold(q[: T.MATCH_CHARS])
        if not T.has_words(folded):
            return self._message("no_words", q, lang), folded
        core, pleasantry, romaji = T.message_core(T.clean(question, keep_lines=True), self.kana, self.english)
        if not core:
            if pleasantry:
                # Nothing but a greeting or thanks: one in Latin script is English even as one
                # word ("thanks!", "Hello"), which detect_lang leaves to the Japanese default.
                if asked_lang is None and not T.is_japanese(q) and any("a" <= ch.lower() <= "z" for ch in q):
                    lang = "en"
                return Reply("greeting", q, lang, t("answer." + pleasantry, lang), intent=pleasantry), folded
            return self._message("no_words", q, lang), folded
        if T.only_fillers(core):         # 「うーん」 "hmm": nothing asked yet (Latin script: English)
            if asked_lang is None and not T.is_japanese(q):
                lang = "en"
            return self._message("filler", q, lang), folded
        if romaji:                       # Japanese typed in romaji: matched (and answered) as Japanese
            lang = asked_lang or "ja"
        a = self.analyse(core)
        folded = a.folded or folded
        best = a.ranked[0][0] if a.ranked else None
        # An intent the classifier is sure of (bot/intent.py: learned from how the message asks,
        # so 「PFIとは」 stays a definition and 「PFIの事例は?」 is a list of cases).
        # Unsure, it may still leave the ranker's best intent in (bot/intent.py RANKED_INTENTS).
        owner = self._owner_topic(core, a)
        if owner is not None:
            return self._decline_topic(owner, q, lang, a), folded
        ranker_first = a.ranked[0][0].key if a.ranked else None    # (before intents are narrowed)
        taken, a = I.decide(self, core, a, q)
        speaker = I.place_only_as_speaker(self, core)
        if taken == "cases" and speaker:
            taken = None
        if taken is not None:
            return self._intent(taken, q, core, lang, a, today), folded
        best = a.ranked[0][0] if a.ranked else None
        if (best is not None and best.kind == "intent" and a.ranked[0][1] >= self.model.intent_at
                and not (best.key == INTENT_PREFIX + "cases" and speaker)):
            return self._intent(best.key[len(INTENT_PREFIX):], q, core, lang, a, today), folded
        if best is not None and best.kind == "oos" and self._cases_elsewhere(core, a):
            return self._intent("cases", q, core, lang, a, today), folded
        # Only the learned catch-all ranked first, while the message names an entry of ours that the
        # decider finds likely enough to offer (「指定管理者制度で図書館を運営する場合、開館時間は事業者が決められますか」):
        # two models disagree, so neither a decline as foreign to the desk nor an answer, but the
        # entry offered (a did-you-mean: not answered, the staff offered). Unless the entry is
        # background (a context or term entry, not a way to partner) and the intent classifier is
        # sure the message is foreign too: 「マイナンバーカードを失くしたので再発行したい」 names the
        # card and asks a resident's procedure.
        if (best is not None and best.key == OOS_PREFIX + OTHER_TOPIC.id and a.top is not None
                and a.top.alias >= I.NAMED and a.p_right >= self.model.suggest_at
                and not (a.top.kind in ("context", "term") and self._foreign_for_sure(a))
                and not any(f.kind == "oos" and f.key != best.key and p >= 0.5 for f, p in a.ranked)):
            return self._suggest(q, lang, a), folded
        if best is not None and best.kind == "oos":
            topic = self.topics[best.key]
            if topic is OTHER_TOPIC:      # learned catch-all: point to a curated topic that also fits
                curated = next(((f, p) for f, p in a.ranked if f.kind == "oos" and f.key != best.key), None)
                if curated is not None and curated[1] >= 0.5:
                    topic = self.topics[curated[0].key]
            return self._decline_topic(topic, q, lang, a), folded
        if a.p_right < self.model.answer_at and not speaker and self._cases_of_named_place(core, a, ranker_first):
            return self._intent("cases", q, core, lang, a, today), folded
        if a.top is None or a.p_right < self.model.suggest_at:
            return Reply("decline", q, lang, t("answer.decline", lang), score=a.p_right, handoff=True,
                         intent="unknown"), folded
        if a.p_right >= self.model.answer_at:
            e = self.kb.entries[a.top.key]
            if e.kind == "case" and self._place_cases_asked(core, a, e):
                return self._intent("cases", q, core, lang, a, today), folded
            missing = entry_lacks(a.folded, e)
            if missing:
                e, missing = self._holder_of_asked(a, e, missing)
            # A municipality the knowledge never mentions, asked about (「浜松市のPFIの実績は?」):
            # what the bot knows of the topic, and that the place is not in its knowledge.
            missing += [f"place:{p}" for p in self.unknown_places(core, e)]
            desk_contact = self._desk_contact(e, missing, a.folded, q, lang)
            if desk_contact is not None:
                return desk_contact, folded
            if missing:
                return self._partial(e, missing, q, lang, a.p_right), folded
            reply = self.reply_for_entry(e.id, lang, question=q, score=a.p_right)
            reply = self._also(reply, a, lang)
            if e.kind == "calendar":     # a calendar answer also says where today falls
                reply = self._with_today(reply, lang, today)
            return reply, folded
        return self._suggest(q, lang, a), folded

    def _holder_of_asked(self, a: Analysis, e: Entry, missing: list[str]) -> tuple[Entry, list[str]]:
        """The best entry lacks the kind of fact asked for (「人数も含めて教えて」): a runner-up the
        ranker is about as sure of (its probability passes the answer threshold too) that holds
        it answers instead (the Ehime case with its head count rather than the general idea)."""
        for f, p in a.ranked[1:]:
            if p < self.model.answer_at:
                break
            if f.kind in PSEUDO_KINDS or f.key == e.id:
                continue
            other = self.kb.entries[f.key]
            if not entry_lacks(a.folded, other):
                return other, []
        return e, missing

    def _suggest(self, q: str, lang: str, a: Analysis) -> Reply:
        """Did you mean: the three best entries, and the offer of the desk staff."""
        sugg = tuple(Link(f.key, self.kb.entries[f.key].title.get(lang), p)
                     for f, p in [(f, p) for f, p in a.ranked if f.kind not in PSEUDO_KINDS][:3])
        return Reply("suggest", q, lang, t("answer.suggest", lang), score=a.p_right,
                     suggestions=sugg, handoff=True)

    def _intent(self, intent: str, q: str, core: str, lang: str, a: Analysis, today: date | None) -> Reply:
        """A conversational intent (knowledge/intents.yaml) → its reply (bot/conversation.py)."""
        settings = self.settings or get_settings()
        if intent == "timing":
            from bot.fiscal import calendar_for

            cal = calendar_for(settings)
            return C.timing(q, lang, today or C.today_in(cal.spec.timezone), cal)
        if intent == "cases":
            return C.cases(self, core, lang, a)
        if intent == "propose":
            # 「提案の採択率は?」"Is there a fee to propose?": about proposing, but asking for a figure
            # the how-to does not hold: the honest partial answer, not the how-to as if it answered.
            how = self.kb.entries.get(C.HOWTO_ENTRY)
            if how is not None:
                lacks = [k for k in entry_lacks(a.folded, how) if k in ("amount", "count", "date")]
                if lacks:         # (the form stays offered: they do want to propose)
                    return replace(self._partial(how, lacks, q, lang, a.p_right), actions=("propose",))
            return C.propose(self, q, lang, a)
        if intent == "remind":
            return C.remind(q, lang)
        if intent in ("contact", "desk") and C.DESK_ENTRY in self.kb.entries:
            # 「仙台市の公民連携の窓口は?」: another city's desk is not ours, and not in the knowledge.
            desk_e = self.kb.entries[C.DESK_ENTRY]
            elsewhere = self.unknown_places(core, desk_e)
            if elsewhere:
                return self._partial(desk_e, [f"place:{p}" for p in elsewhere], q, lang, a.p_right)
        if intent == "contact":
            return C.contact(q, lang, settings)
        if intent == "desk":          # where / which the desk is: the entry about it, and its contact
            return C.desk_where(self, q, lang, settings)
        if intent == "pleasantry":    # a greeting or closing with words the stripping leaves
            kind = T.pleasantry_kind(q)
            return Reply("greeting", q, lang, t("answer." + kind, lang), intent=kind)
        reply = C.handoff(q, lang)
        if a.top is not None and (a.p_right >= self.model.answer_at or a.top.alias >= COMPARED_NAMED):
            # about a topic the knowledge answers, or names: that entry to open while they wait
            e = self.kb.entries[a.top.key]
            reply = replace(reply, related=(Link(e.id, e.title.get(lang), a.p_right),))
        return reply

    def _foreign_for_sure(self, a: Analysis) -> bool:
        """The intent classifier finds the message out of scope, sure enough to take an intent."""
        model = I.get_model()
        probs = a.intent_p or {}
        return model is not None and probs.get("out_of_scope", 0.0) >= model.take_at \
            and max(probs, key=probs.get) == "out_of_scope"

    def _decline_topic(self, topic: OutOfScopeTopic, q: str, lang: str, a: Analysis) -> Reply:
        text = topic.reply.get(lang) + "\n" + t("answer.out_of_scope_tail", lang)
        return Reply("decline", q, lang, text, score=a.p_right, handoff=True, intent="out_of_scope")

    def _owner_topic(self, core: str, a: Analysis) -> OutOfScopeTopic | None:
        """A budget or a proposal of someone other than the city (「PTAの来年度予算はいつまでに
        決めれば?」「上司に改善案を出したい」): the out-of-scope topic that names that owner
        (`owners` in knowledge/out_of_scope.yaml), when the message names neither the city nor an
        entry of ours. Its wording reads like a question of the budget calendar or of how to
        propose, which the signals alone take it for."""
        folded = a.folded or T.fold(core)
        if not _BUDGET_OR_PROPOSAL.search(folded) or _THE_CITY.search(folded):
            return None
        if a.top is not None and a.top.alias >= I.NAMED:
            return None
        for topic in self.topics.values():
            if any(_owner_named(o, folded) for o in topic.owners):
                return topic
        return None

    def _cases_elsewhere(self, core: str, a: Analysis) -> bool:
        """「仙台市の公民連携の事例はありますか」: cases of a municipality the knowledge never
        mentions read as out of scope, but the honest reply is the case list's "none recorded for
        仙台市" with the closest recorded ones (not answered either way): when the message names
        such a place and, of the intents, the classifier puts cases first."""
        if I.best_intent(a.intent_p)[0] != "cases":
            return False
        return bool(self.unknown_places(core, None))

    def _cases_of_named_place(self, core: str, a: Analysis, ranker_first: str | None = None) -> bool:
        """「和光市ってどんなことをやってるの?」: no entry answers it with confidence, but it names
        the municipality of recorded cases and, of the intents, the classifier puts cases first:
        that place's cases, rather than a decline or a did-you-mean (unless it asks for a specific
        fact, which the case list does not hold, or the classifier finds it likelier foreign to
        the desk than a case list: 「府中市のごみの出し方」)."""
        best, p_cases = I.best_intent(a.intent_p)
        if best != "cases" or facts.asked(a.folded or T.fold(core)):
            return False
        # (unless the classifier is unsure of that and the ranker puts the case list first: 「Tell
        # me about Fuchu's challenge program」, where "challenge program" alone sounds foreign)
        p_oos = (a.intent_p or {}).get("out_of_scope", 0.0)
        unsure = p_oos < getattr(I.get_model(), "take_at", 0.0) and ranker_first == INTENT_PREFIX + "cases"
        if p_oos >= p_cases and not unsure:
            return False
        return I.names_a_case_place(self, core)

    def _place_cases_asked(self, core: str, a: Analysis, e: Entry) -> bool:
        """「船橋市の事例は何がありますか」「丸亀市についてはどんな記録がありますか」: the best entry
        is a case, but the message asks what is recorded for a place rather than for that case
        (it names nothing of the case but a municipality of recorded cases, asks in the words of
        a case list and for no specific fact): that place's cases, however few."""
        folded = a.folded or T.fold(core)
        if facts.asked(folded) or not _ASKS_WHAT_IS_RECORDED.search(folded):
            return False
        ci = C._case_index(self.kb)
        named = C._places_named(ci.municipalities, folded, core)
        # (one place, and the best case is one of its own: 「愛媛の市の取り組み」 that describes 西条市's
        # case is about that case)
        if len(named) != 1 or next(iter(named)) not in C._places_of(e):
            return False
        names = [T.fold(n) for n in next(iter(named.values())).values() if n]
        names += [n[:-1] for n in names if n.endswith("市")]          # 船橋市 → 船橋 too
        # (an alias of the case found in the message that is not the place's own name: 「わぴあ」)
        specific = [al for al in map(T.fold, e.aliases) if al and al in folded
                    and not any(n and (n in al or al in n) for n in names)]
        return not specific

    def _also(self, reply: Reply, a: Analysis, lang: str) -> Reply:
        """A message of several sentences can ask two things (「導入した自治体は? また受講者は
        どう集めた?」): when a second entry is as likely right as an answer needs to be, its
        answer follows the first one's. A comparison of two things the message names (「PFIとPPPの
        違いは?」) is answered with both."""
        compares = a.top.alias >= COMPARED_NAMED and bool(_COMPARES.search(a.folded or ""))
        if a.segments < 2 and not compares:
            return reply
        others = [(f, p) for f, p in a.ranked if f.kind not in PSEUDO_KINDS and f.key not in (a.top.key, reply.entry_id)]
        # (the second thing compared is named in the message: its name is the evidence, whatever
        # the decider makes of it as an answer of its own)
        named = next(((f, p) for f, p in others if f.alias >= COMPARED_NAMED), None) if compares else None
        second = named if named is not None else (others[0] if others else None)
        if second is None or (second is not named and second[1] < self.model.answer_at):
            return reply
        other = self.reply_for_entry(second[0].key, lang)
        head = t("answer.also", lang, title=other.title)
        links = (Link(second[0].key, other.title, second[1]),) + tuple(r for r in reply.related if r.entry_id != second[0].key)
        return replace(reply, text=reply.text + "\n\n" + head + "\n" + other.text, related=links[:3])

    def _with_today(self, reply: Reply, lang: str, today: date | None) -> Reply:
        from bot.fiscal import calendar_for

        cal = calendar_for(self.settings or get_settings())
        t = C.timing(reply.question, lang, today or C.today_in(cal.spec.timezone), cal)
        today_part = t.text.split("\n\n", 1)[1] if "\n\n" in t.text else t.text
        return replace(reply, text=reply.text + "\n\n" + today_part, intent="timing", actions=("propose", "remind"))

    def unknown_places(self, message: str, e: Entry | None, loose: bool = False) -> list[str]:
        """The municipalities the message asks about that the knowledge never mentions (bot/facts.py
        `unknown_places`; a typo of the place of `e`, the best entry, is not one), sorted.
        `loose`: a message asking for cases ("any cases from Kobe?") names a place by "from X" too."""
        near = facts.places_of_entry(e) if e is not None else frozenset()
        text = unicodedata.normalize("NFKC", message)
        part = facts.asking_part(text)
        found = facts.unknown_places(part, *known_text(self.kb), near=near, loose=loose)
        if not found and loose and part != text and not facts.places_named(part, loose=True):
            # A list asked for in a sentence of its own names its place in another sentence about
            # cases (「宇都宮市で企業と組んだ事例を探しています。記録にあれば一覧でください」); where the
            # asker is from ("We are based in Osaka.") is not a place asked about.
            about_cases = " ".join(x for x in T.sentences(text) if "case" in cued_kinds(T.fold(x)))
            found = facts.unknown_places(about_cases, *known_text(self.kb), near=near, loose=loose)
        return sorted(found)

    def _desk_contact(self, e: Entry, missing: list[str], folded: str, q: str, lang: str) -> Reply | None:
        """A question about the desk itself that asks for its contact details or its hours (「デスクの
        電話番号は?」「デスクは土日も開いていますか」): the entry about the desk holds neither, but
        the contact configured in the settings is knowledge we hold, so the reply is the contact.
        None configured (or another entry, or nothing of the kind asked): None, the answer as before
        (the honest partial answer for a phone number, e-mail …)."""
        if e.id != C.DESK_ENTRY or any(m.startswith("place:") for m in missing):   # another city's desk
            return None
        settings = self.settings or get_settings()
        held = dict(C.contact_fields(settings))
        if not (("contact" in missing and held) or (facts.asks_hours(folded) and "hours" in held)):
            return None
        return C.contact(q, lang, settings)

    def _partial(self, e: Entry, missing: list[str], q: str, lang: str, score: float) -> Reply:
        """What the bot knows of the topic in one line, that the specific asked for is not in its
        knowledge, and the offer of the desk staff."""
        lang_e = "en" if lang == "en" and e.answer.en else "ja"
        first = T.first_sentence(e.answer.get(lang_e))
        what = ("・" if lang == "ja" else " / ").join(
            t("answer.fact.place", lang, place=facts.place_label(m[6:]))
            if m.startswith("place:") else t("answer.fact." + m, lang) for m in missing)
        text = first + "\n" + t("answer.partial", lang, what=what)
        return Reply("partial", q, lang, text, title=e.title.get(lang_e), entry_id=e.id, entry_kind=e.kind,
                     score=score, source=self.kb.cite(e, lang_e),
                     suggestions=(Link(e.id, e.title.get(lang_e), score),), handoff=True)

    def _message(self, key: str, q: str, lang: str, **fmt) -> Reply:
        return Reply("invalid", q[:200], lang, t("answer." + key, lang, **fmt), intent="unknown")

    def closest(self, text: str, kind: str, n: int = 3, exclude: set[str] | frozenset = frozenset()) -> list[Entry]:
        """The `n` entries of one kind closest in meaning to `text` (e.g. the cases nearest a method)."""
        sims = self.retriever.semantic(text)
        order = np.argsort(-sims, kind="stable")
        out = []
        for i in order.tolist():
            d = self.retriever.docs[i]
            if d.kind == kind and d.key not in exclude:
                out.append(self.kb.entries[d.key])
                if len(out) == n:
                    break
        return out

    def reply_for_entry(self, entry_id: str, lang: str = "ja", *, question: str = "",
                        score: float = 1.0) -> Reply:
        """One entry as an answer (also used when a button opens an entry)."""
        e = self.kb.entries[entry_id]
        lang = "en" if lang == "en" and e.answer.en else "ja"
        related = tuple(Link(r, self.kb.entries[r].title.get(lang)) for r in e.related[:3])
        text = e.answer.get(lang).strip()
        if e.background:      # general knowledge the documents do not state, labelled as such
            text += "\n" + t("answer.background", lang, text=e.background.get(lang).strip())
        title = e.title.get(lang)
        if e.kind == "calendar":   # months as the configured calendar has them (CALENDAR_FILE)
            text, title = self._follow_calendar(text), self._follow_calendar(title)
        return Reply("answer", question, lang, text, title=title,
                     entry_id=e.id, entry_kind=e.kind, score=score, source=self.kb.cite(e, lang), related=related)

    def _follow_calendar(self, text: str) -> str:
        """Calendar entries are written for the shipped calendar; a city's own CALENDAR_FILE
        changes the months they state (bot/calendar_text.py)."""
        settings = self.settings or get_settings()
        if not getattr(settings, "calendar_file", None):
            return text
        from bot import calendar_text
        from bot.fiscal import CalendarError, calendar_for

        try:
            shipped = calendar_for(settings.model_copy(update={"calendar_file": None}))
            configured = calendar_for(settings)
        except CalendarError as e:
            log.error("budget calendar unavailable: %s", "; ".join(e.problems[:3]))
            return text
        return calendar_text.follow(text, "ja", shipped, configured)

    def open_entry(self, entry_id: str, lang: str = "ja", *, question: str = "", asker: str | None = None,
                   place: str | None = None, surface: str = "button") -> Reply:
        """An entry opened from a button (related, did-you-mean, catalogue): logged like an
        answer, so it gets a question id and can be rated."""
        reply = self.reply_for_entry(entry_id, lang, question=question or self.kb.entries[entry_id].title.get(lang))
        if self.log_questions:
            reply = self._log(reply, T.fold(reply.question), surface=surface, asker=asker, place=place)
        return reply

    # ---- question log and feedback -----------------------------------------------------------
    # Each row is written on its own: a row the database refuses is cleaned or dropped with a
    # warning and never blocks the others; rows kept while the database is away are bounded
    # (MAX_PENDING, oldest dropped with a warning), retried with the next answer or by the clock
    # (`flush_logs`), and flushed at exit. After a connection failure, writes pause for
    # RETRY_AFTER seconds so that answers do not wait on a database that is away.
    RETRY_AFTER = 5.0

    def _log(self, reply: Reply, folded: str, *, surface: str, asker: str | None,
             place: str | None) -> Reply:
        row = _clean_row({"asked_at": utcnow(), "surface": surface[:32], "asker": (asker or None) and asker[:64],
                          "place": (place or None) and place[:64], "question": reply.question[:4000],
                          "normalized": folded[:1000], "lang": reply.lang, "kind": reply.kind,
                          "entry_id": reply.entry_id, "score": float(reply.score)})
        with self._lock:
            self._pending.append(row)
            if len(self._pending) > MAX_PENDING:
                dropped = len(self._pending) - MAX_PENDING
                del self._pending[:dropped]
                log.warning("question log: %d kept row(s) dropped (database away too long)", dropped)
        ids = self._write_pending()
        return replace(reply, log_id=ids[id(row)]) if id(row) in ids else reply

    def log_reply(self, reply: Reply, folded: str, *, surface: str, asker: str | None = None,
                  place: str | None = None) -> Reply:
        """Log a reply another feature made (the idea advisor) like an answered question."""
        if not self.log_questions:
            return reply
        return self._log(reply, folded, surface=surface, asker=asker, place=place)

    def _write_pending(self) -> dict[int, int]:
        """Write the kept rows one by one; returns {id(row): question id} for those written."""
        if time.monotonic() < getattr(self, "_paused_until", 0.0):
            return {}
        with self._lock:
            batch, self._pending = self._pending, []
        written: dict[int, int] = {}
        table = QuestionLog.__table__
        for k, row in enumerate(batch):
            try:
                with self.engine.begin() as conn:
                    written[id(row)] = conn.execute(insert(table).values(**row)).inserted_primary_key[0]
            except (OperationalError, DBAPIError) as e:
                if isinstance(e, OperationalError) or e.connection_invalidated:   # database away
                    rest = batch[k:]
                    with self._lock:
                        self._pending = rest + self._pending
                    self._paused_until = time.monotonic() + self.RETRY_AFTER
                    log.warning("question log not written (%s); %d row(s) kept for later",
                                type(e).__name__, len(self._pending))
                    return written
                log.warning("question log: a row was refused (%s) and dropped", type(e).__name__)
            except Exception as e:  # noqa: BLE001 — a bad row must never cost the answer
                log.warning("question log: a row could not be written (%s) and was dropped", type(e).__name__)
        return written

    def flush_logs(self) -> int:
        """Write question-log rows kept while the database was away; returns how many are left."""
        if not self.log_questions:
            return 0
        self._paused_until = 0.0
        self._write_pending()
        with self._lock:
            return len(self._pending)

    def flush_logs_quietly(self) -> None:
        """At exit: one last try for the kept rows; say what could not be written."""
        try:
            left = self.flush_logs()
        except Exception:  # noqa: BLE001 — exiting anyway
            left = len(self._pending)
        if left:
            log.warning("question log: %d row(s) could not be written before exit", left)

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
            a = self.analyse(T.strip_pleasantries(T.slack_plain(T.clean(example)))[0] or example)
            out.append({"question": example, "count": n, "last_asked": last, "best_score": best,
                        "nearest": a.top.key if a.top else None})
        return out


# Asking what cases or records there are, whatever they are about (「事例は何がありますか」
# 「どんな記録がありますか」「取り組みがあれば教えて」 "what examples are there from …").
_ASKS_WHAT_IS_RECORDED = re.compile(
    r"(?:事例|実例|取り?組み?|記録)(?:は|って|には|で|に)?(?:何|なに|どんな(?:もの)?|どういう(?:もの)?)(?:が|か)?(?:あり|ある)"
    r"|(?:どんな|どういう|どのような)(?:事例|取り?組み?|記録|情報)(?:が|を)"
    r"|(?:事例|取り?組み?)(?:が|を)?(?:あれば|の一覧|を教えて|を知りたい)"
    r"|\bwhat (?:examples|cases|case studies|precedents)\b|\b(?:examples|cases|case studies) (?:from|in|of)\b"
    r"|\bwhat do you have (?:on|about)\b|\bwhat (?:has|have) [\w' ]{1,30} done\b")


def _index_doc(e: Entry) -> IndexDoc:
    titles = [e.title.ja] + ([e.title.en] if e.title.en else [])
    names = titles + list(e.aliases)
    places = [e.municipality.ja] + ([e.municipality.en] if e.municipality.en else []) if e.municipality else []
    body = [e.answer.ja] + ([e.answer.en] if e.answer.en else [])
    return IndexDoc(key=e.id, kind=e.kind, names=names + places, n_titles=len(titles), tags=list(e.tags),
                    body=body, places=places, questions=list(e.questions))


def _sem_doc(e: Entry) -> SemDoc:
    names = [e.title.ja] + ([e.title.en] if e.title.en else []) + [a for a in e.aliases if len(a) >= 3]
    return SemDoc(names=names + list(e.questions), body=[e.answer.ja] + ([e.answer.en] if e.answer.en else []))


def analysis_of(kb: Knowledge, r, core: str, ranker, decider, gate=None) -> Analysis:
    """Rank a retrieval's candidates and score the best entry, and (with `gate`) how likely the
    message asks for its best intent (shared with bench/fit_decision.py, which passes the models
    of its cross-validation folds)."""
    if not r.candidates:
        return Analysis(core, r.folded, [], 0.0, None, None, [], len(r.segments), qvec=r.qvec, masked_vec=r.masked_vec)
    gate_key, gate_p = None, 0.0
    if gate is not None:
        gate_key, gx = gate_vector(r.candidates)
        gate_p = float(gate.prob([gx])[0]) if gate_key is not None else 0.0
    probs = ranker.prob(ranker_matrix(r.candidates))
    order = np.argsort(-probs, kind="stable")
    ranked = [(r.candidates[i], float(probs[i])) for i in order]
    entries = [(f, p) for f, p in ranked if f.kind not in PSEUDO_KINDS]
    oos = next((f for f, _ in ranked if f.kind == "oos"), None)
    if not entries:
        return Analysis(core, r.folded, ranked, 0.0, None, oos, [], len(r.segments), gate_key, gate_p,
                        r.qvec, r.masked_vec)
    top, p_top = entries[0]
    related = set(kb.entries[top.key].related)
    runner = next((p for f, p in entries[1:] if f.key not in related
                   and top.key not in kb.entries[f.key].related), None)
    by_lex = max(entries, key=lambda fp: fp[0].lex)[0]
    by_sem = max(entries, key=lambda fp: fp[0].sem)[0]
    x = decider_vector(top, _logit(p_top), _logit(runner) if runner is not None else None, oos,
                       len(r.segments), T.detect_lang(core) == "en", by_lex.key == by_sem.key == top.key)
    p_right = float(decider.prob([x])[0]) if decider is not None else 0.0
    return Analysis(core, r.folded, ranked, p_right, top, oos, x, len(r.segments), gate_key, gate_p,
                    r.qvec, r.masked_vec)


def known_text(kb: Knowledge) -> tuple[str, frozenset[str]]:
    """Everything the knowledge base says, its names included (NFKC, lower case), and the places
    it names, once per base: where a place a question names is looked for (bot/facts.py
    `unknown_places`)."""
    known = kb.__dict__.get("_known_text")
    if known is None:
        parts = []
        for e in kb.entries.values():
            parts += [entry_text(e), e.title.ja, e.title.en or "", *e.aliases]
            if e.municipality:
                parts += [e.municipality.ja, e.municipality.en or ""]
        text = unicodedata.normalize("NFKC", "\n".join(parts))
        known = kb.__dict__["_known_text"] = (text.lower(), frozenset(facts.places_named(text)))
    return known


# What `Desk._owner_topic` looks for: a budget, a proposal or a partnership, and the city (or its government).
_BUDGET_OR_PROPOSAL = re.compile(r"予算|提案|企画|改善案|案を|提携|協定|契約|\bbudget|\bpropos|\bpitch|\bpartner|\balliance|\bagreement|\bcontract")
_THE_CITY = re.compile(r"(?<![都])市(?!場|販|況)|町(?!内)|村(?!人)|県|自治体|行政|役所|役場|公共|官民|公民|首長|議会"
                       r"|\b(?:city|cities|towns?|villages?|prefectures?|mayors?|municipal\w*|local governments?|public sector|council)\b")


def _owner_named(owner: str, folded: str) -> bool:
    o = T.fold(owner)
    return re.search(rf"(?<![a-z]){re.escape(o)}(?![a-z])", folded) is not None if o.isascii() else o in folded


def entry_text(e: Entry) -> str:
    """Everything an entry says (both languages, answer and background): where a fact is looked for."""
    parts = [e.answer.ja, e.answer.en or ""]
    if e.background:
        parts += [e.background.ja, e.background.en or ""]
    return "\n".join(parts)


def entry_lacks(folded_question: str, e: Entry) -> list[str]:
    """The kinds of fact the question asks for that the entry does not hold (bot/facts.py). The
    budget calendar comes round every year: a calendar entry holds "when is the next one"."""
    missing = facts.missing(folded_question, entry_text(e))
    return [m for m in missing if m != "upcoming"] if e.kind == "calendar" else missing


def _clean_row(row: dict) -> dict:
    """Text the database could refuse made safe: NUL dropped, lone surrogates replaced."""
    out = {}
    for k, v in row.items():
        if isinstance(v, str):
            v = v.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
        out[k] = v
    return out


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return float(np.log(p / (1 - p)))


def _load_model() -> DecisionModel:
    try:
        return DecisionModel.load()
    except (OSError, ValueError, KeyError) as e:
        log.warning("no fitted decision model (%s); using the default weights", e)
        return default_model()
