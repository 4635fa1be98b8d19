"""What a message asks of the desk: a learned intent classifier, applied before the answer decision.

    cleaned message (greetings and closings around it stripped)
      → features: its sentence embedding (bot/semantic.py), the embedding of the same message with
        the entry names it contains replaced by 〇 (so 「〇〇の事例はある?」 is judged by how it
        asks, not by the topic it names), and a few similarity signals (how close each intent's
        example sentences and the best knowledge entry come, how the retrieval scored it)
      → a multinomial logistic regression over CLASSES
      → the intent is taken when its probability is at least `take_at`, or at least the lower
        `lean_at` when the knowledge answer would not be confident or is the entry the intent's
        reply already contains (`lean_allowed`); else the message goes on to the knowledge
        answer (bot/engine.py).

The coefficients and the threshold are fitted offline on our own labelled messages (training
split only) by bench/fit_intent.py and stored in bot/intent.json; at run time this is numpy
(two sentence encodings, one matrix product, a softmax). The threshold was chosen on
cross-validated predictions for precision: a wrong intent costs more than an answer from
knowledge, which is what the message gets when no intent is sure enough.

Classes: `answer` (a knowledge question) and `out_of_scope` are never taken here (the answer
engine handles them); `contact` asks for the desk's contact details proper (phone, e-mail, web
page, hours); `desk` asks where or which the desk is (answered from the knowledge entry about the
desk, plus the contact when configured; its reply's intent is `contact`); `pleasantry` is a
greeting or a closing that the stripping of greetings (bot/text.py) leaves words of ("Great, bye.",
「今日はこのへんで失礼します」): the reply is the greeting or the thanks.
"""
from __future__ import annotations

import json
import logging
import math
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot import conversation as C
from bot import text as T
from bot.retrieval import top_mean, mask_names

log = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).with_name("intent.json")
CLASSES = ["answer", "out_of_scope", "handoff", "timing", "cases", "propose", "remind", "contact", "desk",
           "pleasantry"]
NOT_TAKEN = ("answer", "out_of_scope")
INTENT_DOCS = ("handoff", "timing", "cases", "propose", "remind", "contact")   # knowledge/intents.yaml
ENTRY_KINDS = ("calendar", "method", "case", "howto", "term", "context")
# Kinds of specific fact a message can ask for (bot/facts.py): a question for a figure or a date
# the knowledge lacks is answered in part by the engine, not by an intent's general reply.
FACT_KINDS = ("amount", "contact", "date", "month", "duration", "count")
# The kinds of entry the message's wording leans to (bot/matching.py `cued_kinds`: 「いつ」, 「事例」,
# 「どうすれば」, 「とは」): how it asks, whatever the topic.
CUE_KINDS = ("calendar", "case", "howto", "term")
EXTRA_FEATURES = ([f"i_sem:{k}" for k in INTENT_DOCS] + [f"i_masked:{k}" for k in INTENT_DOCS]
                  + [f"i_lex:{k}" for k in INTENT_DOCS]
                  + ["e_alias", "e_lex", "e_sem_q", "e_sem_b", "e_cued", "e_rank_p", "p_right", "asks_named"]
                  + [f"top_is:{k}" for k in ENTRY_KINDS]
                  + ["oos_sem", "place_named", "masked_changed", "english", "log_chars", "segments"]
                  + [f"nn_max:{c}" for c in CLASSES] + [f"nn_top3:{c}" for c in CLASSES]
                  + [f"nn_masked:{c}" for c in CLASSES]
                  + [f"asks:{k}" for k in FACT_KINDS] + [f"top_lacks:{k}" for k in FACT_KINDS]
                  + [f"cues:{k}" for k in CUE_KINDS])
NN_TOP = 3
NAMED = 0.9          # a name signal this strong: the message names the entry (bot/matching.py)


@dataclass
class IntentModel:
    classes: list[str]
    coef: np.ndarray          # (n_classes, n_features)
    intercept: np.ndarray     # (n_classes,)
    mean: np.ndarray
    scale: np.ndarray
    take_at: float            # take the best class (if an intent) at or above this probability
    info: dict = field(default_factory=dict)
    # Labelled messages of our training data (class, text): how close a message comes to each
    # class's examples is part of its features (with knowledge/intents.yaml's examples).
    neighbours: list[tuple[str, str]] = field(default_factory=list)

    @property
    def lean_at(self) -> float:
        """A second, lower threshold (`lean_allowed`), chosen with take_at by bench/fit_intent.py
        and stored in info; lean_at = take_at (or none stored) is off."""
        return min(float(self.info.get("lean_at", self.take_at)), self.take_at)

    def probs(self, x: np.ndarray) -> np.ndarray:
        z = ((np.asarray(x, dtype=np.float64) - self.mean) / self.scale) @ self.coef.T + self.intercept
        z = z - z.max(axis=-1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=-1, keepdims=True)

    def to_json(self) -> dict:
        r = lambda a: np.round(np.asarray(a, dtype=np.float64), 6).tolist()  # noqa: E731
        return {"classes": self.classes, "extra_features": EXTRA_FEATURES, "embedding_dim": _dim(),
                "coef": r(self.coef), "intercept": r(self.intercept), "mean": r(self.mean), "scale": r(self.scale),
                "take_at": self.take_at, "info": self.info, "neighbours": [list(x) for x in self.neighbours]}

    @classmethod
    def from_json(cls, d: dict) -> "IntentModel":
        if d.get("extra_features") != EXTRA_FEATURES or d.get("embedding_dim") != _dim():
            raise ValueError("fitted for other features; rerun bench/fit_intent.py")
        m = cls(list(d["classes"]), np.asarray(d["coef"]), np.asarray(d["intercept"]), np.asarray(d["mean"]),
                np.asarray(d["scale"]), float(d["take_at"]), d.get("info", {}),
                [(c, t) for c, t in d.get("neighbours", [])])
        if m.coef.shape != (len(m.classes), len(m.mean)):
            raise ValueError("coefficients of the wrong shape")
        return m

    def save(self, path: Path = MODEL_FILE) -> None:
        Path(path).write_text(json.dumps(self.to_json(), ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "IntentModel":
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))


def _dim() -> int:
    from bot.semantic import DIM

    return DIM


_model: IntentModel | None = None
_model_missing = False
_model_lock = threading.Lock()


def get_model() -> IntentModel | None:
    """The fitted classifier (bot/intent.json), loaded once; None when there is none (then the
    engine falls back to its older intent gate)."""
    global _model, _model_missing
    if _model is None and not _model_missing:
        with _model_lock:
            if _model is None and not _model_missing:
                try:
                    _model = IntentModel.load()
                except (OSError, ValueError, KeyError) as e:
                    log.warning("no fitted intent classifier (%s); using the intent gate", e)
                    _model_missing = True
    return _model


@dataclass
class Neighbours:
    """Example messages as vectors, each with its class."""

    vectors: np.ndarray       # (n, DIM)
    labels: np.ndarray        # (n,) indices into CLASSES

    def __post_init__(self):
        # Rows side by side by class, so that per-class maxima and means are one reduction each.
        order = np.argsort(self.labels, kind="stable")
        self.sorted_labels = self.labels[order]
        self.lens = np.bincount(self.labels, minlength=len(CLASSES))
        self.vectors_t = np.ascontiguousarray(self.vectors[order].T)     # (DIM, n): the faster product

    @classmethod
    def build(cls, desk, labelled: list[tuple[str, str]]) -> "Neighbours":
        """`labelled` (class, text) plus the intents' example sentences of the knowledge base."""
        from bot.config import get_settings
        from bot.semantic import cached_vectors

        pairs = [(c, t) for c, t in labelled if c in CLASSES]
        pairs += [(it.id, x) for it in desk.kb.intents if it.id in CLASSES for x in it.examples]
        texts = [t[: T.MATCH_CHARS] for _, t in pairs]
        vecs = cached_vectors(desk.retriever.encoder, texts, get_settings().cache_dir) if texts else \
            np.zeros((0, _dim()), dtype=np.float32)
        return cls(np.asarray(vecs, dtype=np.float32), np.asarray([CLASSES.index(c) for c, _ in pairs], dtype=np.int64))

    def features(self, v: np.ndarray, vm: np.ndarray, exclude_self: bool) -> list[float]:
        """Per class: the best cosine of the message to its examples, the mean of its NN_TOP best,
        and the best of the masked message (rows identical to the message left out when fitting)."""
        # Two matrix-vector products on the transposed rows (BLAS's two-column matrix product is
        # slower than both), one when the message names nothing (vm is v).
        s = v @ self.vectors_t
        sm = s if vm is v else vm @ self.vectors_t
        lens = self.lens
        if exclude_self:
            keep = s <= 0.999
            s, sm = s[keep], sm[keep]
            lens = np.bincount(self.sorted_labels[keep], minlength=len(CLASSES))
        starts = np.concatenate(([0], np.cumsum(lens)[:-1]))
        top3 = top_mean(s, starts, lens, NN_TOP)
        best, masked = np.zeros(len(CLASSES)), np.zeros(len(CLASSES))
        some = lens > 0
        if some.any():        # (reduceat over the non-empty classes' starts: each runs to the next)
            best[some] = np.maximum.reduceat(s, starts[some])
            masked[some] = np.maximum.reduceat(sm, starts[some])
        best, top3, masked = best.tolist(), top3.tolist(), masked.tolist()
        return best + top3 + masked


_neighbours: dict[tuple[int, int], Neighbours] = {}


def neighbours_for(desk, model: IntentModel) -> Neighbours:
    """The model's example messages encoded once per process and knowledge base."""
    key = (id(desk.retriever), id(model))
    nb = _neighbours.get(key)
    if nb is None:
        with _model_lock:
            nb = _neighbours.get(key)
            if nb is None:
                nb = _neighbours[key] = Neighbours.build(desk, model.neighbours)
    return nb


def features(desk, core: str, analysis, neighbours: Neighbours, exclude_self: bool = False) -> np.ndarray:
    """The classifier's input for a cleaned message and the engine's analysis of it.
    `exclude_self` (fitting only): example rows identical to the message do not count, so a
    training sentence is not scored against itself."""
    r = desk.retriever
    cands = [f for f, _ in analysis.ranked]
    message = core[: T.MATCH_CHARS]
    if getattr(analysis, "qvec", None) is not None:     # the retrieval's own vectors: no re-encoding
        v = analysis.qvec
        vm = analysis.masked_vec if analysis.masked_vec is not None else v
        changed = float(analysis.masked_vec is not None)
    else:
        masked = mask_names(r.docs, message, cands)
        vecs = r.encoder.encode([message] if masked is None else [message, masked]).astype(np.float32)
        v, vm = vecs[0], vecs[-1]
        changed = float(len(vecs) > 1)
    by_key = {f.key: f for f in cands}
    i_sem, i_masked = _intent_doc_sims(r, v, vm, exclude_self)
    i_lex = [by_key["intent:" + k].lex if "intent:" + k in by_key else 0.0 for k in INTENT_DOCS]
    top = analysis.top
    entries = [(f, p) for f, p in analysis.ranked if f.kind not in ("intent", "oos")]
    e_alias = max((f.alias for f, _ in entries), default=0.0)
    e_lex = max((f.lex for f, _ in entries), default=0.0)
    e_sem_q = max((f.sem_q for f, _ in entries), default=0.0)
    e_sem_b = max((f.sem_b for f, _ in entries), default=0.0)
    e_rank_p = entries[0][1] if entries else 0.0
    asks_named = float(top is not None and top.cued and top.alias >= NAMED)
    top_is = [float(top is not None and top.kind == k) for k in ENTRY_KINDS]
    oos_sem = max((f.sem_q for f, _ in analysis.ranked if f.kind == "oos"), default=0.0)
    place = float(_names_a_place(desk, message))
    extra = (i_sem + i_masked + i_lex
             + [e_alias, e_lex, e_sem_q, e_sem_b, float(top.cued) if top else 0.0, e_rank_p, analysis.p_right, asks_named]
             + top_is + [oos_sem, place, changed, float(T.detect_lang(message) == "en"),
                         math.log1p(len(message)), math.log(max(1, analysis.segments))]
             + neighbours.features(v, vm, exclude_self) + _fact_features(desk, message, top)
             + _cue_features(message))
    return np.concatenate([v.astype(np.float64), vm.astype(np.float64), np.asarray(extra, dtype=np.float64)])


def _fact_features(desk, message: str, top) -> list[float]:
    """Which kinds of specific fact the message asks for, and which of them its best entry lacks."""
    from bot import facts
    from bot.engine import entry_lacks

    folded = T.fold(message)
    asked = set(facts.asked(folded))
    lacks = set(entry_lacks(folded, desk.kb.entries[top.key])) if top is not None and asked else set()
    return [float(k in asked) for k in FACT_KINDS] + [float(k in lacks) for k in FACT_KINDS]


def _cue_features(message: str) -> list[float]:
    from bot.matching import cued_kinds

    cued = cued_kinds(T.fold(message))
    return [float(k in cued) for k in CUE_KINDS]


def _intent_doc_sims(r, v: np.ndarray, vm: np.ndarray, exclude_self: bool) -> tuple[list[float], list[float]]:
    """Per intent of INTENT_DOCS: the best cosine of the message (v) and of its masked form (vm)
    to the intent's example sentences in the knowledge base; 0 for an intent it lacks."""
    layout = r.__dict__.get("_intent_rows")
    if layout is None:        # once per retriever: the intents' rows side by side
        at = {d.key: i for i, d in enumerate(r.docs)}
        spans = [(int(r.name_start[at[k]]), int(r.body_start[at[k]])) if k in at else None
                 for k in ("intent:" + x for x in INTENT_DOCS)]
        rows = np.concatenate([np.arange(a, b) for a, b in (sp for sp in spans if sp)] or [np.zeros(0, int)])
        starts, n = [], 0
        for sp in spans:
            starts.append(n if sp else None)
            n += (sp[1] - sp[0]) if sp else 0
        layout = r.__dict__["_intent_rows"] = (np.ascontiguousarray(r.vectors[rows].T), starts,
                                               [sp[1] - sp[0] if sp else 0 for sp in spans])
    mat_t, starts, lens = layout
    # Two matrix-vector products on the rows laid out column-wise: BLAS's two-column product is
    # several times slower than both together (bench_answer).
    s = v @ mat_t
    both = np.stack([s, s if vm is v else vm @ mat_t], axis=1)
    if exclude_self:
        own = both[:, 0] > 0.999
        both = np.where(own[:, None], -1.0, both)
    sem, masked = [], []
    for a, n in zip(starts, lens):
        if a is None or n == 0:
            sem.append(0.0), masked.append(0.0)
        else:
            sem.append(float(both[a:a + n, 0].max())), masked.append(float(both[a:a + n, 1].max()))
    return sem, masked


def _names_a_place(desk, message: str) -> bool:
    """Whether the message names the municipality of a recorded case in Japanese (a feature of
    the fitted classifier: kept as fitted; `names_a_case_place` also reads English names)."""
    from bot.conversation import _case_index, _place_named

    folded = T.text_form(T.fold(message))
    q = T.fold(message)
    return any(_place_named(ja, folded, message, q) for ja, _ in _case_index(desk.kb).municipalities)


def names_a_case_place(desk, message: str) -> bool:
    """Whether the message names the municipality of a recorded case, in Japanese or in English
    ("Fuchu's")."""
    from bot.conversation import _case_index, _places_named

    return bool(_places_named(_case_index(desk.kb).municipalities, T.text_form(T.fold(message)), message))


# A place named as a speaker's office (「磐田市長が言っていた…」「川西市の副市長」 "the Iwata mayor"):
# the message is about what that person said, not a request for the place's list of cases.
_SPEAKER = re.compile(
    r"[\u3040-\u30ff\u4e00-\u9fff々]{1,6}?(?:市|町|村|県)?の?(?:副)?(?:市長|町長|村長|知事|首長)"
    r"|\b[a-z]+(?: city)?(?:'s)? (?:deputy |vice )?(?:mayor|governor)\b"
    r"|\b(?:deputy |vice )?(?:mayor|governor) of [a-z]+(?: city| prefecture)?\b")
_ASKS_CASES = re.compile(r"事例|実例|先行例|取り?組|実績|記録|一覧|\bcases?\b|\bexamples?\b|\bprecedents?\b"
                         r"|\bcase stud|\bdone\b|\brecords?\b")


def place_only_as_speaker(desk, message: str) -> bool:
    """Whether every recorded case place the message names is named as a speaker's office, and it
    asks for no cases: 「磐田市長が言ってた『汗のかき損』って?」 asks what the mayor said."""
    folded = T.fold(message)
    if _ASKS_CASES.search(folded) or not _SPEAKER.search(folded):
        return False
    return names_a_case_place(desk, message) and not names_a_case_place(desk, _SPEAKER.sub(" ", folded))


def classify(desk, core: str, analysis, model: IntentModel | None = None) -> tuple[str, float, dict[str, float]]:
    """(the most probable class, its probability, every class's probability)."""
    model = model or get_model()
    p = model.probs(features(desk, core, analysis, neighbours_for(desk, model))[None, :])[0]
    k = int(np.argmax(p))
    return model.classes[k], float(p[k]), dict(zip(model.classes, map(float, p)))


# When no intent is sure enough, whether the ranker may still route the message to an intent whose
# example sentences match it best (bot/engine.py): "agree" — only to the intent the classifier ranks
# first; "keep" — always; "drop" — never (chosen by bench/fit_intent.py's cross-validation).
RANKED_INTENTS = "agree"


# What a message asking how to propose names in some form (the proposal, an idea, the form, a
# partnership …); nearly every `propose` message of our sets does, kana typed or English misspelt
# ones included, once bot/text.py `message_core` has given their words back.
_PROPOSING = re.compile(
    r"提案|テイアン|ていあん|企画|持ち込|持込|売り込|アイデア|アイディア|案を|連携|協定|協働|共創|フォーム|様式|テンプレ|雛形|ひな形|ひながた|書式|申請書|提出|応募|エントリー|相談"
    r"|\bpropos|\bpitch|\bideas?\b|\bsubmi|\bforms?\b|\btemplate|\bpartner|\bcollaborat|\bsuggest|\bput (?:it )?forward|\bsend (?:it|this|them) in|\bin writing|\bplans?\b|\bconcept")


def decide(desk, core: str, analysis, message: str | None = None):
    """(the intent to take for this message or None, the analysis the knowledge answer goes on
    with). Without a fitted classifier: the engine's older gate (bot/decision.py `gate_vector`).
    `message`: the whole message `core` was taken from (greetings and courtesy included)."""
    model = get_model()
    if model is None:
        asks_named = analysis.top is not None and analysis.top.cued and analysis.top.alias >= NAMED
        if analysis.gate_key is not None and analysis.gate_p >= desk.model.gate_at and not asks_named:
            return analysis.gate_key.split(":", 1)[1], analysis
        return None, analysis
    if not analysis.ranked:
        return None, analysis
    from dataclasses import replace

    name, p, probs = classify(desk, core, analysis, model)
    analysis = replace(analysis, intent_p=probs)
    if name == "propose" and not any(_PROPOSING.search(T.fold(x)) for x in (core, message or "")):
        # Applying for a resident's service (「粗大ごみの申し込みはどこで?」「補助金の申し込み方法」)
        # reads like asking for the form, but proposes nothing: the next class likeliest instead.
        # (`message`: the whole message, the sentences taken off as courtesy included.)
        name = max((k for k in probs if k != "propose"), key=probs.get)
        p = probs[name]
    if name not in NOT_TAKEN and not _partial_first(desk, core, analysis, name) and (
            p >= model.take_at or (p >= model.lean_at and lean_allowed(desk, core, analysis, name))):
        return name, analysis
    second = _intent_over_decline(desk, core, analysis, model, name, probs)
    if second is not None:
        return second, analysis
    if _asks_for_a_list_of_places(core) and probs.get("cases", 0.0) >= model.lean_at \
            and not _partial_first(desk, core, analysis, "cases"):
        return "cases", analysis
    policy = model.info.get("ranked_intents", RANKED_INTENTS)
    if policy == "keep":
        return None, analysis
    ranked = [(f, q) for f, q in analysis.ranked
              if f.kind != "intent" or (policy == "agree" and f.key == "intent:" + name)]
    return None, replace(analysis, ranked=ranked)


def _intent_over_decline(desk, core: str, analysis, model: IntentModel, name: str, probs: dict) -> str | None:
    """The classifier finds a knowledge question likeliest, but the knowledge answer would be a
    did-you-mean or a decline (no entry likely enough to answer with), while an intent comes close
    behind (「うちのセンサー技術で橋の点検を効率化できると思っていて、正式に提案したいのですが…」,
    「ドローン配送の実証を市とやりたいのですが、今から持ち込むと何年度の予算に?」): that intent,
    at the lean threshold, when it is also likelier than out of scope."""
    if name != "answer" or analysis.top is None or analysis.p_right >= desk.model.answer_at:
        return None
    best, p = best_intent(probs)
    if best is None or p < model.lean_at or p <= probs.get("out_of_scope", 0.0):
        return None
    return None if _partial_first(desk, core, analysis, best) else best


# A request for several municipalities or a list of them, in so many words (「…している自治体を一覧に
# して」「どこがありますか」 "Which cities have used …"), not "which city did it" (one case).
_LIST_OF_PLACES = re.compile(
    r"(?:自治体|市町村|市町|市区町村|役所|都市|まち|町|市|事例|例|ところ)(?:の例)?(?:を|は)?、?(?:一覧|リストアップ|リスト化|並べ|列挙|全部|すべて|いくつか)"
    r"|一覧(?:に|で|を)|リストアップ|どこが(?:あります|ある|ありますか)|どこか(?:載って|あります|ある\?)|(?:ほか|他)にどこ"
    r"|(?:自治体|市町村|市区町村)(?:の)?(?:例|事例|実例)(?:って|は|とか|が)?(?:あります|ある\?|ありません|ないです|ない\?)"
    r"|\b(?:which|what) (?:other )?(?:cities|municipalities|towns|local governments|councils|places)\b|\bany (?:cities|municipalities|towns)\b"
    r"|\ba list\b|\blist (?:the|all|of|them|some)\b")


def _asks_for_a_list_of_places(core: str) -> bool:
    return _LIST_OF_PLACES.search(T.fold(core)) is not None


def best_intent(probs: dict[str, float] | None) -> tuple[str | None, float]:
    """The likeliest class that is an intent (not `answer` nor `out_of_scope`) and its
    probability; (None, 0.0) without probabilities."""
    intents = {k: v for k, v in (probs or {}).items() if k not in NOT_TAKEN}
    if not intents:
        return None, 0.0
    best = max(intents, key=intents.get)
    return best, intents[best]


# The knowledge entry an intent's reply already contains (bot/conversation.py).
REPLY_ENTRY = {"desk": C.DESK_ENTRY, "propose": C.HOWTO_ENTRY}


def lean_allowed(desk, core: str, analysis, name: str) -> bool:
    """Whether an intent below `take_at` but at least `lean_at` may be taken: the knowledge answer
    is not confident (it would be a did-you-mean or a decline), or its best entry is the one the
    intent's reply already contains (and holds what the message asks for), so that taking the
    intent loses nothing of the knowledge answer."""
    if analysis.ranked and analysis.ranked[0][0].kind == "oos":
        # The ranker puts a topic the desk does not handle first (「町内会の来年度予算案は?」 is no
        # question of the city's budget year): the classifier unsure, the decline stands.
        return False
    if name == "handoff":
        # A person asked for about a topic the knowledge answers (「PFIの件で担当者とすり合わせたい
        # ので、つないでいただけますか」): the hand-off, whose reply links that entry (bot/engine.py);
        # unless that entry is the desk's own, which says how to reach its staff (「デスクに相談したい」).
        return analysis.top is None or analysis.top.key != C.DESK_ENTRY or analysis.p_right < desk.model.answer_at
    if analysis.top is None or analysis.p_right < desk.model.answer_at:
        return True
    if REPLY_ENTRY.get(name) != analysis.top.key:
        return False
    from bot.engine import entry_lacks

    return not entry_lacks(T.fold(core), desk.kb.entries[analysis.top.key])


GENERAL_REPLIES = ("timing", "cases")   # intents whose reply is general information, not a specific


def _partial_first(desk, core: str, analysis, name: str) -> bool:
    """A message the answer engine knows the topic of for sure but whose specific (a date, an
    amount, a count …, bot/facts.py) its knowledge lacks gets the engine's honest partial answer
    rather than an intent's general reply (「今年度の査定は12月の何日から?」 is not answered by
    the budget cycle)."""
    # The topic needs to be only as sure as a did-you-mean: the partial reply does not answer, it
    # says what is known and offers the staff (「みんチャレ参加者の平均年齢は?」 is no case list).
    if name not in GENERAL_REPLIES or analysis.top is None or analysis.p_right < desk.model.suggest_at:
        return False
    from bot.engine import entry_lacks

    lacking = entry_lacks(T.fold(core), desk.kb.entries[analysis.top.key])
    # What the reply answers itself: "when" and the months of every step from the calendar
    # (timing), how many cases and when they were (the case list). About the proposal window, the
    # timing reply also states its exact first and last day and the days left (「提案の締切は何月
    # 何日?」"How many days until the window shuts?"); other steps it gives by month only.
    own = {"timing": {"when", "month"}, "cases": {"count", "when"}}[name]
    if name == "timing" and analysis.top.key == _window_entry(desk):
        own = own | {"date", "count"}
    return bool([k for k in lacking if k not in own])


def _window_entry(desk) -> str | None:
    """The knowledge entry of the configured calendar's proposal window."""
    from bot.config import get_settings
    from bot.fiscal import calendar_for

    return calendar_for(desk.settings or get_settings()).spec.window.entry


def choose(desk, core: str, analysis) -> str | None:
    """The intent to take for this message, or None."""
    return decide(desk, core, analysis)[0]
