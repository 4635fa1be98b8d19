"""The learned part of answering: a ranker over candidates and a calibrated answer decision.

Both are fitted on our own labelled questions (tests/data/, training part only) by
`bench/fit_decision.py`, which stores them and the chosen thresholds in `bot/decision.json`; at
run time this is numpy only (the ranker's trees are walked as arrays, the decider is a dot
product and a sigmoid).

- ranker: P(this candidate is a right document for the message) from its features and how they
  stand against the message's other candidates (`ranker_matrix`): gradient-boosted trees
  (scikit-learn's HistGradientBoostingClassifier, exported as `Trees`), because the signals
  interact (cross-validated top-1 on the training part: a logistic regression 90.4%, the trees
  92.6%); candidates are ordered by it.
- decider: P(the best candidate is right) from the top candidate's ranker score, its signals,
  the margin to the best unrelated runner-up, how close the best out-of-scope topic came, and
  the message's shape. Thresholds on it were chosen on cross-validated predictions for
  precision: a wrong confident answer costs more than a "did you mean".
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.retrieval import FEATURE_NAMES, Features

MODEL_FILE = Path(__file__).with_name("decision.json")
PSEUDO_KINDS = ("oos", "intent")


def ranker_matrix(cands: list[Features]) -> np.ndarray:
    """The candidates of one message as the ranker sees them: each one's own features, and how
    it stands against the message's other candidates (the gap to the best and 1/rank of each
    signal: a name hit or a meaning that is the message's best counts for more than its value)."""
    if not cands:
        return np.zeros((0, len(RANKER_FEATURES)))
    own = np.array([f.vector() + [f.sem * max(f.lex, f.alias), float(f.kind == "case"),
                                  float(f.alias >= 0.8), f.lex * f.alias] for f in cands], dtype=np.float64)
    rel = []
    for attr in ("alias", "sem_k", "sem_q", "sem_b"):
        v = np.array([getattr(f, attr) for f in cands], dtype=np.float64)
        rank = np.empty(len(v))
        rank[np.argsort(-v, kind="stable")] = np.arange(len(v))
        rel += [v - v.max(), 1.0 / (1.0 + rank)]
    return np.column_stack([own] + rel)


# Out-of-scope topics and intents compete on the same signals as entries, with no prior of their
# own: a topic wins only where its examples match the message better than any entry.
RANKER_FEATURES = FEATURE_NAMES + ["sem_x_lex", "is_case", "name_hit", "lex_x_alias",
                                   "alias_gap", "alias_rank", "sem_k_gap", "sem_k_rank",
                                   "sem_q_gap", "sem_q_rank", "sem_b_gap", "sem_b_rank"]

# The intent gate: does the message ask for something other than knowledge (a person, timing, a
# list of cases, the form, reminders, the contact)? Judged on how it asks: the best intent's
# meaning with and without the entry names it contains, against the best entry's signals.
GATE_FEATURES = ["i_sem", "i_masked", "i_lex", "i_margin", "e_alias", "e_lex", "e_sem", "i_minus_e", "masked_minus_e"]


def gate_vector(cands: list[Features]) -> tuple[str | None, list[float]]:
    """(the best intent's key, the gate's features) for a message's candidates."""
    intents = sorted((f for f in cands if f.kind == "intent"), key=lambda f: -max(f.sem_q, f.sem_masked))
    if not intents:
        return None, []
    i = intents[0]
    second = max(intents[1].sem_q, intents[1].sem_masked) if len(intents) > 1 else 0.0
    entries = [f for f in cands if f.kind not in PSEUDO_KINDS]
    e_alias = max((f.alias for f in entries), default=0.0)
    e_lex = max((f.lex for f in entries), default=0.0)
    e_sem = max((f.sem_q for f in entries), default=0.0)
    im = max(i.sem_q, i.sem_masked)
    return i.key, [i.sem_q, im, i.lex, im - second, e_alias, e_lex, e_sem, i.sem_q - e_sem, im - e_sem]


DECIDER_FEATURES = ["rank_logit", "margin", "lex", "alias", "sem_q", "sem_b", "oos_sem", "oos_gap",
                    "segments", "english", "agree"]


def decider_vector(top: Features, top_logit: float, runner_logit: float | None, best_oos: Features | None,
                   segments: int, english: bool, agree: bool) -> list[float]:
    margin = top_logit - runner_logit if runner_logit is not None else 4.0
    oos_sem = max(best_oos.sem_q, best_oos.sem_b) if best_oos else 0.0
    return [top_logit, min(margin, 4.0), top.lex, top.alias, top.sem_q, top.sem_b, oos_sem,
            max(top.sem_q, top.sem_b) - oos_sem, math.log(segments), float(english), float(agree)]


@dataclass
class Logistic:
    coef: np.ndarray
    intercept: float
    mean: np.ndarray
    scale: np.ndarray
    clip: float | None = None      # standardised features clipped to ±clip (as when fitted), if set

    def logit(self, x) -> np.ndarray:
        x = (np.asarray(x, dtype=np.float64) - self.mean) / self.scale
        if self.clip is not None:
            x = np.clip(x, -self.clip, self.clip)
        return x @ self.coef + self.intercept

    def prob(self, x) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(x)))

    def to_json(self) -> dict:
        d = {"coef": self.coef.tolist(), "intercept": float(self.intercept),
             "mean": self.mean.tolist(), "scale": self.scale.tolist()}
        if self.clip is not None:
            d["clip"] = float(self.clip)
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Logistic":
        clip = d.get("clip")
        return cls(np.asarray(d["coef"]), float(d["intercept"]), np.asarray(d["mean"]), np.asarray(d["scale"]),
                   float(clip) if clip is not None else None)


@dataclass
class Trees:
    """Gradient-boosted trees fitted by scikit-learn (HistGradientBoostingClassifier in
    bench/fit_decision.py) and exported as flat arrays, so that answering needs numpy only.

    The nodes of all trees are numbered in one array; every tree is walked at once, one level
    per step: a row goes left when its feature value is ≤ the node's threshold; a leaf points
    to itself, so rows that reach one early stay there."""

    feature: np.ndarray      # (nodes,) int: the split's feature (leaves: 0)
    threshold: np.ndarray    # (nodes,) float (leaves: +inf)
    left: np.ndarray         # (nodes,) int: global index of the child
    right: np.ndarray
    value: np.ndarray        # (nodes,) float: a leaf's contribution to the logit (else 0)
    roots: np.ndarray        # (trees,) int: each tree's root
    baseline: float
    depth: int

    def logit(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            x = x[None, :]
        flat = x.ravel()
        row_off = (np.arange(len(x)) * x.shape[1])[:, None]
        node = np.broadcast_to(self.roots, (len(x), len(self.roots)))
        for _ in range(self.depth):
            xv = flat.take(row_off + self.feature.take(node))
            node = np.where(xv <= self.threshold.take(node), self.left.take(node), self.right.take(node))
        return self.value.take(node).sum(axis=1) + self.baseline

    def prob(self, x) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(x)))

    def to_json(self) -> dict:
        return {"type": "trees", "feature": self.feature.tolist(),
                "threshold": [t if np.isfinite(t) else None for t in self.threshold.tolist()],
                "left": self.left.tolist(), "right": self.right.tolist(), "value": self.value.tolist(),
                "roots": self.roots.tolist(), "baseline": self.baseline, "depth": self.depth}

    @classmethod
    def from_json(cls, d: dict) -> "Trees":
        thr = np.array([np.inf if t is None else t for t in d["threshold"]], dtype=np.float64)
        return cls(np.asarray(d["feature"], dtype=np.int64), thr, np.asarray(d["left"], dtype=np.int64),
                   np.asarray(d["right"], dtype=np.int64), np.asarray(d["value"], dtype=np.float64),
                   np.asarray(d["roots"], dtype=np.int64), float(d["baseline"]), int(d["depth"]))


def model_from_json(d: dict):
    return Trees.from_json(d) if d.get("type") == "trees" else Logistic.from_json(d)


@dataclass
class DecisionModel:
    ranker: "Logistic | Trees"
    decider: Logistic
    answer_at: float        # P(right) at or above: answer
    suggest_at: float       # between this and answer_at: did you mean
    info: dict
    gate: Logistic | None = None     # P(the message asks for the best intent), see GATE_FEATURES
    gate_at: float = 1.01            # take the intent at or above this (never, without a gate)
    intent_at: float = 0.0           # the ranker's best is an intent: take it from this probability

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "DecisionModel":
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        if d.get("ranker_features") != RANKER_FEATURES or d.get("decider_features") != DECIDER_FEATURES:
            raise ValueError(f"{path} was fitted for other features; rerun bench/fit_decision.py")
        gate = Logistic.from_json(d["gate"]) if d.get("gate") and d.get("gate_features") == GATE_FEATURES else None
        return cls(model_from_json(d["ranker"]), Logistic.from_json(d["decider"]),
                   float(d["answer_at"]), float(d["suggest_at"]), d.get("info", {}),
                   gate, float(d.get("gate_at", 1.01)) if gate is not None else 1.01,
                   float(d.get("intent_at", 0.0)))

    def save(self, path: Path = MODEL_FILE) -> None:
        d = {"ranker_features": RANKER_FEATURES, "decider_features": DECIDER_FEATURES,
             "ranker": self.ranker.to_json(), "decider": self.decider.to_json(),
             "answer_at": self.answer_at, "suggest_at": self.suggest_at, "info": self.info,
             "gate_features": GATE_FEATURES, "gate": self.gate.to_json() if self.gate else None,
             "gate_at": self.gate_at, "intent_at": self.intent_at}
        Path(path).write_text(json.dumps(d, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def default_model() -> DecisionModel:
    """Hand-set weights used only before the first fit (and by the fitting script's first pass):
    rank by the two signals, answer on clear agreement."""
    nr = len(RANKER_FEATURES)
    coef = np.zeros(nr)
    coef[RANKER_FEATURES.index("lex")] = 2.0
    coef[RANKER_FEATURES.index("sem_q")] = 2.0
    coef[RANKER_FEATURES.index("sem_b")] = 1.0
    ranker = Logistic(coef, -3.0, np.zeros(nr), np.ones(nr) * 0.25)
    nd = len(DECIDER_FEATURES)
    dc = np.zeros(nd)
    dc[DECIDER_FEATURES.index("rank_logit")] = 1.0
    dc[DECIDER_FEATURES.index("margin")] = 0.5
    decider = Logistic(dc, 0.0, np.zeros(nd), np.ones(nd))
    return DecisionModel(ranker, decider, 0.6, 0.35, {"fitted": False})
