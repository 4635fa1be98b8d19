"""The idea advisor (課題整理): a company describes its idea in free text, the desk answers with
the partnership methods that fit, the nearest precedents, the open city challenges it could
answer, the timing from the budget calendar, what to prepare, and the desk staff.

    idea (ja/en, a sentence to a few paragraphs)
      → checks (empty, too long, no words, only a greeting) → greetings / Slack markup stripped
      → the answer engine's sentence encoder, once for the idea's segments
      → similarity features per method / case entry, and the votes of the nearest labelled ideas
        (bot/advisor_features.py)
      → fitted scorers (bot/advisor.json, bench/fit_advisor.py): the 3 best methods; the 5 nearest
        precedents if one is "close" (P(near) ≥ close_at); if the advisor is unsure (near_at ≤
        P(near) < close_at), an honest "no close precedent recorded" with the 5 nearest shown for
        reference; below near_at, "no close precedent recorded" alone (both thresholds fitted on
        our labelled ideas, per language of the idea); open city challenges by their own scorer, fitted
        on labelled challenges (tests/data/idea_challenges.jsonl) with a cross-validated threshold
      → timing from the budget calendar (bot/fiscal.py) and whether the top methods need new budget
      → next steps from the how-to entries' `prepare` lines; the desk staff hand-off
      → logged like a question (surface "idea") → `IdeaResult`, rendered by every surface

Every reason is built from the knowledge entry's curated fields (`fits`, `needs_budget`,
`brings`, a case's municipality, first answer sentence and methods); nothing is invented.
No Slack code here.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np

from bot import text as T
from bot.advisor_features import (CASE_FEATURES, CHALLENGE_FEATURES, METHOD_FEATURES, NEIGHBOURS, IdeaIndex,
                                  IdeaNeighbours)
from bot.decision import Logistic
from bot.fiscal import BudgetCalendar
from bot.i18n import t
from bot.reply import Reply

log = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).with_name("advisor.json")
MAX_IDEA_CHARS = 3000      # = the proposal summary's limit (bot/proposals/validation.SUMMARY_MAX)
N_METHODS, N_CASES, N_CHALLENGES, N_STEPS = 3, 5, 3, 3
STEP_ENTRIES = ("prepare-proposal", "how-to-propose")    # how-to entries with `prepare` lines
SURFACE = "idea"

_EMOJI_CODE = __import__("re").compile(r":[a-z0-9_+'-]+:", __import__("re").I)


def _plain(text: str) -> str:
    """Slack markup as a person reads it, without emoji codes such as :tada: (no words there)."""
    return _EMOJI_CODE.sub(" ", T.slack_plain(text))


# ---- the result ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class MethodAdvice:
    id: str
    title: str
    why: str
    needs_budget: str            # yes | no | depends
    score: float


@dataclass(frozen=True)
class CaseAdvice:
    id: str
    title: str
    municipality: str
    what: str                    # what they did: the first sentence of the entry's answer
    methods: tuple[str, ...]     # titles of the method(s) used
    score: float

    @property
    def why(self) -> str:
        return self.what


@dataclass(frozen=True)
class ChallengeAdvice:
    id: int
    title: str
    score: float


@dataclass(frozen=True)
class IdeaResult:
    kind: str                    # advice | invalid
    idea: str                    # the idea as given (line breaks kept; see Advisor.as_given)
    lang: str
    message: str                 # the intro line, or what was wrong with the input
    methods: tuple[MethodAdvice, ...] = ()
    cases: tuple[CaseAdvice, ...] = ()   # the precedents shown: close ones, or the nearest "for reference"
    no_precedent: bool = False            # no close precedent recorded (cases empty, or shown for reference)
    challenges: tuple[ChallengeAdvice, ...] = ()
    timing: str = ""
    next_steps: tuple[str, ...] = ()
    handoff: str = ""
    on: date | None = None       # the date the timing is for
    budget_year: int | None = None
    needs_budget: str = "unsure"  # what the timing assumed: yes | no | unsure
    log_id: int | None = None

    @property
    def ok(self) -> bool:
        return self.kind == "advice"

    @property
    def precedents(self) -> str:
        """How the shown precedents stand: "close", "reference" (none is close; the nearest shown
        for reference) or "none" (none shown)."""
        return "reference" if self.no_precedent and self.cases else "none" if not self.cases else "close"

    def record(self) -> dict:
        """What a proposal keeps of the advice it was given (bot/proposals: `advice` column)."""
        return {"on": self.on.isoformat() if self.on else None, "lang": self.lang,
                "methods": [m.id for m in self.methods], "cases": [c.id for c in self.cases],
                "precedents": self.precedents,
                "challenges": [c.id for c in self.challenges], "needs_budget": self.needs_budget,
                "budget_year": self.budget_year}

    def to_json(self) -> dict:
        """One `deskbot idea --json` line."""
        from bot.render import render_idea

        return {"methods": [{"id": m.id, "title": m.title, "why": m.why} for m in self.methods],
                "cases": [{"id": c.id, "title": c.title, "municipality": c.municipality, "why": c.why}
                          for c in self.cases],
                "challenges": [{"id": c.id, "title": c.title} for c in self.challenges],
                "timing": self.timing, "next_steps": list(self.next_steps), "text": render_idea(self),
                "kind": self.kind, "lang": self.lang, "idea": self.idea, "no_precedent": self.no_precedent,
                "precedents": self.precedents if self.ok else "none",
                "budget_year": self.budget_year, "handoff": self.ok}


# ---- the scorers --------------------------------------------------------------------------------

NEAR_FEATURES = ["best_case_logit", "no_precedent_method_gap", "method_none_share", "neighbour_precedent_vote",
                 "vote_agreement"]
BEST_LOGIT_CLIP = 6.0      # the best precedent's logit counts up to ±6: a word of a case's title repeated in a
                           # one-line idea gives logits of 10 and more that say nothing more about "near"


def _logit(p):
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def near_vector(pm: np.ndarray, pc: np.ndarray, without_precedent: np.ndarray,
                none_rate: np.ndarray | None = None, case_vote: np.ndarray | None = None) -> list[float]:
    """The idea-level features of "is any recorded precedent near": how sure the best precedent
    is (the case scorer already sees the labelled neighbours' vote; clipped to ±BEST_LOGIT_CLIP),
    whether the leading method is one no precedent is linked to (its logit minus the best linked
    method's), how often desk officers recorded no precedent for ideas they gave the idea's
    three likeliest methods (`none_rate` per method, from the labelled ideas, weighted by the
    methods' probabilities), and how much the nearest labelled ideas vote for precedents at all
    (the sum of `case_vote`, IdeaNeighbours.vote: each neighbour's cosine² / k times the number of
    precedents a desk officer gave it — low when the nearest labelled ideas had none, or are all
    far from this one), and whether the neighbours vote for the precedents the case scorer ranks
    high (`vote_agreement`, the cosine of `pc` and `case_vote`; by itself higher for ideas with a
    precedent — 0.86 against 0.69 on average over our development ideas — but fitted beside the
    best logit and the summed vote its weight is small and negative: the case scorer's logit
    already carries the neighbours' vote, and this damps it being counted twice; with it the
    near decision generalised better to a writer left out, bench/fit_advisor.py --by-writer).
    Their weight on "any precedent" (not counting how many) did a little
    worse by nested CV. The best precedent's margin, raw cosines, the second-best
    logit, the neighbours' share of "none", the best precedent's whole-text z-score and method
    agreement, the precedents' theme tags (cosines and z-scores) and how often the first-ranked
    precedent came first for ideas with none were tried and did not carry over between idea
    writers (nested CV and by writer, bench/fit_advisor.py); so were (with the sixth writer's
    ideas) the column z-score (advisor_features.case_norms) of the best precedent, its "what they
    did" z-score, the largest column z-score over all precedents and an English-idea indicator:
    none beat this set on both nested CV and by writer."""
    best = float(np.clip(_logit(pc.max()), -BEST_LOGIT_CLIP, BEST_LOGIT_CLIP))
    gap = 0.0
    if without_precedent.any() and (~without_precedent).any():
        gap = float(_logit(pm[without_precedent].max()) - _logit(pm[~without_precedent].max()))
    share = 0.0
    if none_rate is not None and len(pm):
        top = np.argsort(-pm, kind="stable")[:3]
        share = float(pm[top] @ np.asarray(none_rate)[top] / max(float(pm[top].sum()), 1e-9))
    vote = float(np.sum(case_vote)) if case_vote is not None else 0.0
    agree = 0.0
    if case_vote is not None and len(pc):
        cv = np.asarray(case_vote, dtype=np.float64)
        agree = float(pc @ cv / (np.linalg.norm(pc) * np.linalg.norm(cv) + 1e-9))
    return [best, gap, share, vote, agree]


@dataclass
class AdvisorModel:
    method: Logistic             # over METHOD_FEATURES
    method_prior: dict           # method id → logit added (how often desk officers name it)
    case: Logistic               # over CASE_FEATURES
    near: Logistic               # over NEAR_FEATURES: P(a recorded precedent fits the idea)
    near_at: float               # … from which the nearest precedents are shown
    challenge: Logistic          # over CHALLENGE_FEATURES: P(the idea could answer the challenge)
    challenge_at: float          # … and the probability from which a challenge is shown
    neighbours: list = field(default_factory=list)   # labelled ideas: {"id", "text", "methods", "cases"}
    info: dict = field(default_factory=dict)
    close_at: float | None = None  # P(near) from which the shown precedents are called close (≥ near_at);
                                   # between the two they are shown "for reference" (None: = near_at)
    method_none: dict = field(default_factory=dict)  # method id → share of labelled ideas with it and no precedent
    case_norm: dict = field(default_factory=dict)    # lang → case id → [whole mean, SD, what mean, SD]
                                                     # over the labelled ideas (advisor_features.case_norms)
    # lang → [near_at, close_at] fitted on the labelled ideas in that language (an English idea is
    # less alike to the mostly Japanese knowledge, so the same P(near) means another thing there);
    # a language without its own uses near_at and close_at.
    near_by_lang: dict = field(default_factory=dict)

    @property
    def close_from(self) -> float:
        return max(self.near_at, self.close_at if self.close_at is not None else self.near_at)

    def thresholds(self, lang: str) -> tuple[float, float]:
        """(P(near) from which precedents are shown, from which they are called close) for an idea
        in `lang`."""
        if lang in self.near_by_lang:
            near_at, close_at = (float(x) for x in self.near_by_lang[lang])
            return near_at, max(near_at, close_at)
        return self.near_at, self.close_from

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "AdvisorModel":
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        if (d.get("method_features") != METHOD_FEATURES or d.get("case_features") != CASE_FEATURES
                or d.get("near_features") != NEAR_FEATURES or d.get("challenge_features") != CHALLENGE_FEATURES):
            raise ValueError(f"{path} was fitted for other features; rerun bench/fit_advisor.py")
        return cls(Logistic.from_json(d["method"]), dict(d.get("method_prior", {})), Logistic.from_json(d["case"]),
                   Logistic.from_json(d["near"]), float(d["near_at"]), Logistic.from_json(d["challenge"]),
                   float(d["challenge_at"]), list(d.get("neighbours", [])), d.get("info", {}),
                   float(d["close_at"]) if d.get("close_at") is not None else None, dict(d.get("method_none", {})),
                   dict(d.get("case_norm", {})), dict(d.get("near_by_lang", {})))

    def to_json(self) -> dict:
        return {"method_features": METHOD_FEATURES, "case_features": CASE_FEATURES, "near_features": NEAR_FEATURES,
                "challenge_features": CHALLENGE_FEATURES,
                "method": self.method.to_json(), "method_prior": self.method_prior, "case": self.case.to_json(),
                "near": self.near.to_json(), "near_at": self.near_at, "close_at": self.close_at,
                "near_by_lang": self.near_by_lang,
                "method_none": self.method_none, "case_norm": self.case_norm, "challenge": self.challenge.to_json(),
                "challenge_at": self.challenge_at, "info": self.info, "neighbours": self.neighbours}


def default_model() -> AdvisorModel:
    """Before the first fit (and for the fitting script itself): rank by the best cosines."""
    def lr(names: list[str], weights: dict[str, float], b: float = -3.0) -> Logistic:
        coef = np.asarray([weights.get(n, 0.0) for n in names])
        return Logistic(coef, b, np.zeros(len(names)), np.ones(len(names)) * 0.1)
    return AdvisorModel(lr(METHOD_FEATURES, {"fits_max": 1.0, "names_max": 0.5}), {},
                        lr(CASE_FEATURES, {"names_max": 1.0, "body_max": 0.5}),
                        lr(NEAR_FEATURES, {"best_case_logit": 0.1}, 0.0), 0.5,
                        lr(CHALLENGE_FEATURES, {"whole": 1.0, "whole_z": 1.0}), 0.5, [], {"fitted": False})


def _load_model() -> AdvisorModel:
    try:
        return AdvisorModel.load()
    except (OSError, ValueError, KeyError) as e:
        log.warning("no fitted idea advisor (%s); using the default weights", e)
        return default_model()


# ---- the advisor --------------------------------------------------------------------------------

class Advisor:
    """Built once per process on the answer engine's `Desk` (its knowledge, encoder and log)."""

    def __init__(self, desk, *, calendar: BudgetCalendar | None = None, model: AdvisorModel | None = None,
                 cache_dir: Path | None = None):
        from bot.config import get_settings

        self.desk = desk
        self.kb = desk.kb
        self._calendar = calendar
        cache_dir = cache_dir if cache_dir is not None else get_settings().cache_dir
        self.model = model or _load_model()
        # Next-step lines from the how-to entries, each embedded once to pick the most relevant.
        self.steps: list[tuple[str, str, str]] = []          # (entry id, ja, en)
        for eid in STEP_ENTRIES:
            e = self.kb.entries.get(eid)
            if e is not None and e.prepare:
                self.steps += [(eid, ja, en) for ja, en in zip(e.prepare.ja, e.prepare.en)]
        labelled = [n for n in self.model.neighbours if isinstance(n, dict) and n.get("text")]
        # The step lines and the labelled ideas are embedded with the methods' `fits`, in one cached call.
        self.index = IdeaIndex(desk.retriever, self.kb.entries, cache_dir,
                               extra_texts=[s[1] for s in self.steps] + [n["text"] for n in labelled])
        self._step_vecs = self.index.extra[:len(self.steps)]
        self.neighbours = IdeaNeighbours(self.index.extra[len(self.steps):],
                                         [list(n.get("methods", [])) for n in labelled],
                                         [list(n.get("cases", [])) for n in labelled],
                                         [e.id for e in self.index.methods], [e.id for e in self.index.cases],
                                         int(self.model.info.get("neighbours_k", NEIGHBOURS)))
        self._neighbour_at = {n.get("id"): k for k, n in enumerate(labelled) if n.get("id")}
        rates = self.model.method_none
        self.none_rate = (np.asarray([float(rates.get(e.id, np.mean(list(rates.values())))) for e in self.index.methods])
                          if rates else None)
        # Per language: how each precedent's cosines run over the labelled ideas, (4, cases); a
        # precedent the fit did not see gets the average of the others.
        self.case_norm = {}
        for lang, per in (self.model.case_norm or {}).items():
            known = np.asarray([per[e.id] for e in self.index.cases if e.id in per], dtype=np.float64)
            if len(known):
                self.case_norm[lang] = np.asarray([per.get(e.id, known.mean(axis=0)) for e in self.index.cases],
                                                  dtype=np.float64).T
        # each method's `fits` lines by language, for the reason shown
        self._fits = [{"ja": list(e.fits.ja), "en": list(e.fits.en)} if e.fits else {"ja": [], "en": []}
                      for e in self.index.methods]
        self._challenge_vecs: dict[str, tuple[np.ndarray, str]] = {}
        self._lock = threading.Lock()

    @property
    def calendar(self) -> BudgetCalendar:
        if self._calendar is None:
            from bot.fiscal import default_calendar

            return default_calendar()
        return self._calendar

    def today(self) -> date:
        return datetime.now(self.calendar.tz).date()

    # -- input --
    @staticmethod
    def clean(text: str) -> str:
        """The idea as matched: Slack markup and emoji codes (:tada:), greetings and closings stripped."""
        core, _ = T.strip_pleasantries(_plain(T.clean(text if isinstance(text, str) else "")))
        return core

    @staticmethod
    def as_given(text: str) -> str:
        """The idea as the person wrote it (NFKC, line breaks kept, other control characters
        dropped): what is logged, shown back and pre-filled into a proposal."""
        import re
        import unicodedata

        s = unicodedata.normalize("NFKC", text if isinstance(text, str) else "").replace("\r\n", "\n")
        s = re.sub(r"[\ud800-\udfff]", "\ufffd", s)
        return re.sub(r"[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\ufeff]", " ", s).strip()

    def _invalid(self, key: str, idea: str, lang: str, **fmt) -> IdeaResult:
        return IdeaResult("invalid", idea[:200], lang, t("idea_advice." + key, lang, **fmt))

    def check(self, text: str, lang: str | None = None) -> IdeaResult | str:
        """The cleaned idea, or an `invalid` result saying what is wrong with the input."""
        q = T.clean(text if isinstance(text, str) else "")
        lang = lang if lang in ("ja", "en") else T.detect_lang(q)
        if not q:
            return self._invalid("empty", q, lang)
        if len(q) > MAX_IDEA_CHARS:
            return self._invalid("too_long", q, lang, n=len(q), max=MAX_IDEA_CHARS)
        if not T.has_words(T.fold(q[: T.MATCH_CHARS])):
            return self._invalid("no_words", q, lang)
        core, pleasantry = T.strip_pleasantries(_plain(q))
        if not core:
            return self._invalid("greeting" if pleasantry else "no_words", q, lang)
        if not T.has_words(T.fold(core[: T.MATCH_CHARS])):
            return self._invalid("no_words", q, lang)
        return core

    # -- the advice --
    def advise(self, text: str, *, on: date | None = None, lang: str | None = None, challenges=None,
               asker: str | None = None, place: str | None = None, surface: str = SURFACE,
               log: bool = True, leave_out: str | None = None) -> IdeaResult:
        """Advice for one idea. `challenges`: open city challenges (`ChallengeView`s); None reads
        them from the desk's database. Logged like a question (surface "idea") unless `log=False`.
        `leave_out`: the id of a labelled idea that must not vote (scoring our own labelled ideas)."""
        checked = self.check(text, lang)
        if isinstance(checked, IdeaResult):
            result = checked
        else:
            lang = lang if lang in ("ja", "en") else T.detect_lang(checked)
            if challenges is None:
                challenges = self._open_challenges(on)
            result = self._advise(checked, lang, on or self.today(), challenges, leave_out)
            from dataclasses import replace

            result = replace(result, idea=self.as_given(text)[:MAX_IDEA_CHARS])
        if log and self.desk.log_questions:
            result = self._log(result, asker=asker, place=place, surface=surface)
        return result

    def scores(self, idea: str, leave_out: str | None = None):
        """(method probabilities, case probabilities, P(a precedent is near), the idea's vectors)
        for a cleaned idea."""
        iv = self.index.encode(idea)
        mf0, cf0 = self.index.base(iv)
        mv, cv = self.neighbours.vote(iv.q[0], exclude=self._neighbour_at.get(leave_out))
        m = self.model
        prior = np.asarray([m.method_prior.get(e.id, 0.0) for e in self.index.methods])
        pm = 1.0 / (1.0 + np.exp(-(m.method.logit(self.index.method_features(mf0, mv)) + prior)))
        cf = self.index.case_features(cf0, pm, cv, self.case_norm.get(T.detect_lang(idea)))
        pc = m.case.prob(cf)
        p_near = float(m.near.prob([near_vector(pm, pc, self.index.without_precedent, self.none_rate, cv)])[0]) \
            if len(pc) else 0.0
        return pm, pc, p_near, iv

    def _advise(self, idea: str, lang: str, on: date, challenges, leave_out: str | None = None) -> IdeaResult:
        pm, pc, p_near, iv = self.scores(idea, leave_out)
        m_order = np.argsort(-pm, kind="stable")
        methods = tuple(self._method(int(i), float(pm[i]), iv, lang) for i in m_order[:N_METHODS])
        c_order = np.argsort(-pc, kind="stable")
        # From near_at the nearest precedents are shown; from close_at they are called close. In
        # between the advisor is unsure: it says no close precedent is recorded (no_precedent) and
        # shows the nearest ones for reference.
        near_at, close_from = self.model.thresholds(T.detect_lang(idea))
        shown = len(pc) > 0 and p_near >= near_at
        close = shown and p_near >= close_from
        cases = tuple(self._case(int(i), float(pc[i]), lang) for i in c_order[:N_CASES]) if shown else ()
        chs = self._challenges(iv, challenges)
        no_budget = [self._method(int(i), float(pm[i]), iv, lang) for i in m_order
                     if self.index.methods[int(i)].needs_budget == "no"]
        timing, budget_year, nb = self._timing(on, methods, no_budget, lang)
        return IdeaResult("advice", idea, lang, t("idea_advice.intro", lang), methods=methods, cases=cases,
                          no_precedent=not close, challenges=chs, timing=timing,
                          next_steps=self._next_steps(iv, lang), handoff=t("idea_advice.handoff", lang),
                          on=on, budget_year=budget_year, needs_budget=nb)

    def _method(self, i: int, p: float, iv, lang: str) -> MethodAdvice:
        e = self.index.methods[i]
        title = e.title.get(lang)
        f = self._fits[i]
        use = "en" if lang == "en" and f["en"] else "ja"
        fit = ""
        if f[use]:
            start = self.index.fits.starts[i] + (len(f["ja"]) if use == "en" else 0)
            sims = self.index.fits.V[start:start + len(f[use])] @ iv.q[0]
            fit = f[use][int(np.argmax(sims))]
        nb = t("idea_advice.budget." + (e.needs_budget if e.needs_budget in ("yes", "no", "depends") else "depends"), lang)
        brings = e.brings.get(lang) if e.brings else ""
        if lang == "en":
            why = (f"Suits {fit}; " if fit else "") + nb + (f"; you bring {brings}." if brings else ".")
        else:
            why = (f"「{fit}」に向く手法。" if fit else "") + nb + (f"。企業側が用意するもの: {brings}" if brings else "。")
        return MethodAdvice(e.id, title, why, e.needs_budget or "depends", p)

    def _case(self, i: int, p: float, lang: str) -> CaseAdvice:
        e = self.index.cases[i]
        lang_e = "en" if lang == "en" and e.answer.en else "ja"
        methods = tuple(self.kb.entries[m].title.get(lang) for m in e.methods if m in self.kb.entries)
        return CaseAdvice(e.id, e.title.get(lang), e.municipality.get(lang) if e.municipality else "",
                          T.first_sentence(e.answer.get(lang_e)), methods, p)

    # -- challenges --
    def _open_challenges(self, on: date | None):
        engine = getattr(self.desk, "engine", None)
        if engine is None:
            return []
        from bot.proposals.service import list_challenges

        try:
            return list_challenges(engine, today=on or self.today())
        except Exception as e:  # noqa: BLE001 — the advice stands without the challenge list
            log.warning("idea advisor: city challenges not read (%s)", type(e).__name__)
            return []

    def _challenge_rows(self, c) -> tuple[np.ndarray, str]:
        """A challenge's row vectors and language (cached by its text)."""
        texts = challenge_texts(c.title, c.description, c.desired_outcome)
        key = hashlib.sha1(json.dumps(texts, ensure_ascii=False).encode()).hexdigest()
        with self._lock:
            hit = self._challenge_vecs.get(key)
        if hit is None:
            hit = (self.index.encoder.encode(texts).astype(np.float32), T.detect_lang(" ".join(texts)))
            with self._lock:
                if len(self._challenge_vecs) > 1000:
                    self._challenge_vecs.clear()
                self._challenge_vecs[key] = hit
        return hit

    def challenge_probs(self, iv, challenges) -> np.ndarray:
        """P(the idea could answer the challenge), from its own features (CHALLENGE_FEATURES: a
        challenge has no example questions, so it is not scored like a precedent), fitted on our
        labelled challenges."""
        if not challenges:
            return np.zeros(0)
        X = np.asarray([self.index.challenge_stats(iv, *self._challenge_rows(c)) for c in challenges])
        return self.model.challenge.prob(X)

    def _challenges(self, iv, challenges) -> tuple[ChallengeAdvice, ...]:
        p = self.challenge_probs(iv, challenges)
        order = [int(i) for i in np.argsort(-p, kind="stable") if p[i] >= self.model.challenge_at]
        return tuple(ChallengeAdvice(challenges[i].id, challenges[i].title, float(p[i])) for i in order[:N_CHALLENGES])

    # -- timing --
    def _timing(self, on: date, methods: tuple[MethodAdvice, ...], no_budget: list[MethodAdvice],
                lang: str) -> tuple[str, int, str]:
        from bot.proposals.advice import day_name, fy_name, month_name, timing_advice

        top = methods[0] if methods else None
        nb = {"yes": "yes", "no": "no"}.get(top.needs_budget if top else "", "unsure")
        a = timing_advice(on, nb, lang, self.calendar)
        w = a.window
        en = lang == "en"
        span = (f"{day_name(w.start, lang)} – {day_name(w.end, lang)}" if en else
                f"{day_name(w.start, lang)}〜{day_name(w.end, lang)}")
        fy = fy_name(a.budget_year, lang)
        steps = ""
        if a.request and a.passage:
            steps = (f" (budget request in {month_name(a.request.start, lang)}, council decision in "
                     f"{month_name(a.passage.start, lang)})" if en else
                     f"({month_name(a.request.start, lang)}に予算要求、{month_name(a.passage.start, lang)}に議会で決定)")
        if a.state == "inside":
            left = (w.end - on).days + 1
            lead = (f"Today ({day_name(on, lang)}) is inside the proposal window for new projects ({span}, "
                    f"{left} day(s) left): a proposal that needs new city budget can still reach the {fy} budget{steps}."
                    if en else
                    f"本日({day_name(on, lang)})は新規事業の提案時期({span}、残り{left}日)の中です。"
                    f"新たな予算が必要な提案も、今なら{fy}の予算に間に合う可能性があります{steps}。")
        elif a.state == "before":
            lead = (f"The proposal window for new projects runs {span}: a proposal that needs new city budget, made "
                    f"then, can reach the {fy} budget{steps}." if en else
                    f"新規事業の提案時期は{span}です。新たな予算が必要な提案は、この時期に出せば{fy}の予算に"
                    f"間に合う可能性があります{steps}。")
        else:
            lead = (f"This year's proposal window has closed: a proposal that needs new city budget goes into the next "
                    f"window ({span}) and can reach the {fy} budget{steps}." if en else
                    f"今年度の新規事業の提案時期は終わりました。新たな予算が必要な提案は次の提案時期({span})に"
                    f"出すことになり、{fy}の予算からです{steps}。")
        parts = [lead]
        name = (lambda t: t if not en or t[:2].isupper() else t[0].lower() + t[1:])
        if top is not None:
            top = MethodAdvice(top.id, name(top.title), top.why, top.needs_budget, top.score)
            if top.needs_budget == "no":
                parts.append(f"A {top.title} needs no new city budget, so it need not wait for this cycle." if en else
                             f"{top.title}は市の新たな予算を必要としないので、予算の時期を待たずに始められます。")
            elif top.needs_budget == "yes":
                parts.append(f"A {top.title} needs new city budget, so this calendar applies." if en else
                             f"{top.title}には市の新たな予算が必要なので、このスケジュールに沿って進めます。")
            else:
                parts.append(f"Whether a {top.title} needs city budget depends on the scheme; if it does, this "
                             f"calendar applies." if en else
                             f"{top.title}に市の予算が要るかは内容しだいで、要る場合はこのスケジュールに沿います。")
        others = [name(m.title) for m in no_budget if top is None or m.id != top.id][:2]
        if others and (top is None or top.needs_budget != "no" or a.state != "inside"):
            names = ", ".join(others) if en else "、".join(others)
            parts.append(f"Meanwhile, routes that need no new city budget: {names}." if en else
                         f"それまでの間も、新たな予算の要らない進め方({names})で始められます。")
        return (" " if en else "").join(parts), a.budget_year, nb

    # -- next steps --
    def _next_steps(self, iv, lang: str) -> tuple[str, ...]:
        if not self.steps:
            return ()
        sims = self._step_vecs @ iv.q[0]
        first = 0                                       # the first line of the first entry: always
        rest = [int(i) for i in np.argsort(-sims, kind="stable") if int(i) != first][: N_STEPS - 1]
        pick = [first] + sorted(rest)
        return tuple(self.steps[i][2] if lang == "en" else self.steps[i][1] for i in pick)

    # -- the question log --
    def _log(self, r: IdeaResult, *, asker, place, surface: str) -> IdeaResult:
        from dataclasses import replace

        if r.ok:
            kind = "partial" if r.no_precedent else "answer"
            top = r.methods[0] if r.methods else None
            reply = Reply(kind, r.idea, r.lang, r.message, entry_id=top.id if top else None,
                          entry_kind="method", score=top.score if top else 0.0)
        else:
            reply = Reply("invalid", r.idea, r.lang, r.message)
        logged = self.desk.log_reply(reply, T.fold(r.idea[: T.MATCH_CHARS]), surface=surface, asker=asker, place=place)
        return replace(r, log_id=logged.log_id)


def challenge_texts(title: str, description: str, desired_outcome: str) -> list[str]:
    """The rows a city challenge is embedded as: its title, then the sentences of its description
    and desired outcome (at most 20)."""
    body = [p for p in T.sentences(f"{description}\n{desired_outcome}") if len(p) >= 4]
    return [title or (body[0] if body else "")] + body[:20]


# The proposal form's method choices (bot/proposals/validation.METHODS) by the entry that explains
# each; PPP shares the PFI/PPP choice.
def _choice_of_entry() -> dict[str, str]:
    from bot.proposals.validation import METHODS

    out = {c.entry_id: k for k, c in METHODS.items() if c.entry_id}
    if "pfi_ppp" in METHODS:
        out.setdefault("ppp", "pfi_ppp")
    return out


def method_choice(method_ids: list[str]) -> str:
    """The proposal form's method for advised methods (best first): the first that the form
    offers, else "unsure"."""
    choices = _choice_of_entry()
    return next((choices[m] for m in method_ids if m in choices), "unsure")


_advisors: dict[int, Advisor] = {}
_advisor_lock = threading.Lock()


def advisor_for(desk) -> Advisor:
    """One Advisor per Desk (built on first use: a few milliseconds over the desk's index)."""
    with _advisor_lock:
        a = _advisors.get(id(desk))
        if a is None or a.desk is not desk:
            a = _advisors[id(desk)] = Advisor(desk)
        return a
