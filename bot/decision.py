"""The learned part of answering: a ranker over candidates and a calibrated answer decision.

Both are logistic regressions fitted on our own labelled questions (tests/data/, training part
only) by `bench/fit_decision.py`, which stores their coefficients and the chosen thresholds in
`bot/decision.json`; at run time this is a dot product and a sigmoid (numpy only).

- ranker: P(this candidate is a right document for the message) from its features
  (bot.retrieval.Features, plus its kind); candidates are ordered by it.
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


def ranker_vector(f: Features) -> list[float]:
    """A candidate's features as the ranker sees them."""
    # Out-of-scope topics and intents compete on the same signals as entries, with no prior of
    # their own: a topic wins only where its examples match the message better than any entry.
    return f.vector() + [f.sem * max(f.lex, f.alias), float(f.kind == "case")]


RANKER_FEATURES = FEATURE_NAMES + ["sem_x_lex", "is_case"]

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

    def logit(self, x) -> np.ndarray:
        x = (np.asarray(x, dtype=np.float64) - self.mean) / self.scale
        return x @ self.coef + self.intercept

    def prob(self, x) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(x)))

    def to_json(self) -> dict:
        return {"coef": self.coef.tolist(), "intercept": float(self.intercept),
                "mean": self.mean.tolist(), "scale": self.scale.tolist()}

    @classmethod
    def from_json(cls, d: dict) -> "Logistic":
        return cls(np.asarray(d["coef"]), float(d["intercept"]), np.asarray(d["mean"]), np.asarray(d["scale"]))


@dataclass
class DecisionModel:
    ranker: Logistic
    decider: Logistic
    answer_at: float        # P(right) at or above: answer
    suggest_at: float       # between this and answer_at: did you mean
    info: dict
    gate: Logistic | None = None     # P(the message asks for the best intent), see GATE_FEATURES
    gate_at: float = 1.01            # take the intent at or above this (never, without a gate)

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "DecisionModel":
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        if d.get("ranker_features") != RANKER_FEATURES or d.get("decider_features") != DECIDER_FEATURES:
            raise ValueError(f"{path} was fitted for other features; rerun bench/fit_decision.py")
        gate = Logistic.from_json(d["gate"]) if d.get("gate") and d.get("gate_features") == GATE_FEATURES else None
        return cls(Logistic.from_json(d["ranker"]), Logistic.from_json(d["decider"]),
                   float(d["answer_at"]), float(d["suggest_at"]), d.get("info", {}),
                   gate, float(d.get("gate_at", 1.01)) if gate is not None else 1.01)

    def save(self, path: Path = MODEL_FILE) -> None:
        d = {"ranker_features": RANKER_FEATURES, "decider_features": DECIDER_FEATURES,
             "ranker": self.ranker.to_json(), "decider": self.decider.to_json(),
             "answer_at": self.answer_at, "suggest_at": self.suggest_at, "info": self.info,
             "gate_features": GATE_FEATURES, "gate": self.gate.to_json() if self.gate else None,
             "gate_at": self.gate_at}
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
