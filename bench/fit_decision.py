"""Fit the ranker and the answer decision (bot/decision.json) on the training part of our own
labelled questions, with cross-validation; report training (cross-validated) and validation
figures separately.

    .venv/bin/python bench/fit_decision.py            # fit, save bot/decision.json, report
    .venv/bin/python bench/fit_decision.py --dry-run  # fit and report, save nothing
    .venv/bin/python bench/fit_decision.py --seeds 5  # the ranker as the mean of 5 seeds' trees

Needs scikit-learn (the `train` extra: pip install -e '.[train]'); the bot itself needs only
numpy at run time. The validation part (a fixed fifth, by a hash of each item's id) is never
used for fitting or for choosing thresholds.

Thresholds: on out-of-fold probabilities, `answer_at` maximises (right answers − COST × wrong
answers), a wrong confident answer costing COST right ones; `suggest_at` is the lowest
probability from which the right entry is among the three suggestions at least half the time.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import evalsets  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402

from bot.config import get_settings  # noqa: E402
from bot.decision import (DECIDER_FEATURES, PSEUDO_KINDS, RANKER_FEATURES,  # noqa: E402
                          DecisionModel, Logistic, Trees, default_model, gate_vector, ranker_matrix)
from bot.engine import EXEMPLARS_FILE, Desk, analysis_of  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402

COST = 2.0          # a wrong answer costs this many right ones
FOLDS = 5
C = 1.0


core_of = evalsets.core_of      # a question as Desk._decide matches it


def gold_of(it: dict) -> set[str]:
    return set(it["entries"])


def fit_lr(X, y, weight=None) -> Logistic:
    X = np.asarray(X, dtype=np.float64)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=C, max_iter=2000)
    lr.fit((X - mean) / scale, y, sample_weight=weight)
    return Logistic(lr.coef_[0], float(lr.intercept_[0]), mean, scale)


# The ranker: boosted trees (the signals interact: a strong name hit outweighs a closer meaning
# elsewhere, but only when that meaning is not far off). Settings chosen once on the training
# part's cross-validated top-1 (depth 4 × 100 trees kept it while costing a fraction of deeper
# forests), never per question.
TREES = dict(max_iter=100, learning_rate=0.1, max_depth=4, min_samples_leaf=20, l2_regularization=1.0,
             random_state=0)


SEEDS = 1           # models averaged (see fit_trees); --seeds


def fit_trees(X, y, seeds: int | None = None) -> Trees:
    """HistGradientBoostingClassifiers, exported as flat arrays for bot.decision.Trees.

    With more than one seed, that many models (each early-stopped on its own random tenth) are
    averaged: their trees are put side by side with every leaf and the baseline divided by the
    number of models, so the logit is the models' mean and bot.decision.Trees walks them as one."""
    seeds = SEEDS if seeds is None else seeds
    X = np.asarray(X, dtype=np.float64)
    feature, threshold, left, right, value, roots = [], [], [], [], [], []
    depth, baseline = 0, 0.0
    for seed in range(seeds):
        m = HistGradientBoostingClassifier(**{**TREES, "random_state": seed}).fit(X, y)
        baseline += float(np.ravel(m._baseline_prediction)[0]) / seeds
        for (pred,) in m._predictors:
            nodes, base = pred.nodes, len(feature)
            roots.append(base)
            for k, nd in enumerate(nodes):
                leaf = bool(nd["is_leaf"])
                feature.append(0 if leaf else int(nd["feature_idx"]))
                threshold.append(np.inf if leaf else float(nd["num_threshold"]))
                left.append(base + k if leaf else base + int(nd["left"]))
                right.append(base + k if leaf else base + int(nd["right"]))
                value.append(float(nd["value"]) / seeds if leaf else 0.0)
            depth = max(depth, int(nodes["depth"].max()))
    return Trees(np.array(feature), np.array(threshold), np.array(left), np.array(right), np.array(value),
                 np.array(roots), baseline, depth)


def noise_items(n: int = 60, seed: int = 3) -> list[dict]:
    """Keyboard mashes and random strings, labelled out of scope: the decision must learn that a
    message with no words of the domain is not a question about it."""
    import random
    import string

    rnd = random.Random(seed)
    kana = "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
    out = []
    for i in range(n):
        if i % 4 == 3:      # a bare acronym-like string ("CE", "QXR")
            q = "".join(rnd.choice(string.ascii_uppercase) for _ in range(rnd.randint(2, 3)))
        elif i % 3 == 0:
            q = "".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(4, 14)))
        elif i % 3 == 1:
            q = " ".join("".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(2, 7)))
                         for _ in range(rnd.randint(2, 4)))
        else:
            q = "".join(rnd.choice(kana) for _ in range(rnd.randint(3, 10)))
        out.append({"id": f"noise{i}", "q": q, "entries": [], "expect": [], "fallback": True, "partial": False,
                    "style": "noise", "lang": "en" if q.isascii() else "ja"})
    return out


def exemplars(items: list[dict]) -> dict[str, list[tuple[str, str]]]:
    """Training questions as labelled examples of the docs they belong to: in-scope ones of
    their right entries, out-of-scope ones of the catch-all topic (bot.engine.OTHER_TOPIC)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for it in items:
        core = core_of(it["q"])
        if not core:
            continue
        keys = ["oos:other"] if it["fallback"] and not it["partial"] else it["entries"]
        if it.get("style") == "conversation" and not keys[0].startswith("intent:"):
            continue     # the conversation set's knowledge questions stay out of the exemplars
        for k in keys:
            out.setdefault(k, []).append((it["id"], core[:300]))
    return out


class Prepared:
    """Candidates and their features for every item, retrieved once; an item's own example row
    is left out when it is scored (leave-one-out), so no item finds itself."""

    def __init__(self, desk: Desk, items: list[dict]):
        self.desk = desk
        self.items = [it for it in items if core_of(it["q"])]
        self.retr = []
        for it in self.items:
            desk.retriever.leave_out = it["id"]
            self.retr.append(desk.retriever.retrieve(core_of(it["q"])))
        desk.retriever.leave_out = None

    def ranker_rows(self, idx):
        X, y, g = [], [], []
        for k in idx:
            it, r = self.items[k], self.retr[k]
            gold = gold_of(it)
            X += ranker_matrix(r.candidates).tolist()
            for f in r.candidates:
                y.append(int(f.key in gold or (it["fallback"] and not it["partial"] and f.kind == "oos")))
                g.append(k)
        return X, y, g

    def intent_serves(self, key: str, it: dict) -> bool:
        """Whether taking intent `key` answers the item right: its own label, or what the intent's
        reply carries (timing includes where today falls in the calendar entry's cycle; propose
        answers with how-to-propose)."""
        gold = gold_of(it)
        if key in gold:
            return True
        if it["fallback"]:
            return False
        kinds = {self.desk.kb.entries[g].kind for g in gold if g in self.desk.kb.entries}
        return (key == "intent:timing" and "calendar" in kinds) or (key == "intent:propose" and "how-to-propose" in gold)

    def gate_rows(self, idx):
        """Per item: (features, whether its right document is the best intent)."""
        rows = []
        for k in idx:
            key, x = gate_vector(self.retr[k].candidates)
            if key is not None:
                rows.append((k, x, int(self.intent_serves(key, self.items[k]))))
        return rows

    def decider_rows(self, idx, ranker: Logistic):
        """Per item whose best candidate is an entry: (features, is that entry right)."""
        kb = self.desk.kb
        rows = []
        for k in idx:
            it, r = self.items[k], self.retr[k]
            if not r.candidates or any(g.startswith("intent:") for g in it["entries"]):
                continue      # intents are routed by the ranker; the decision is about entries
            a = analysis_of(kb, r, core_of(it["q"]), ranker, None)
            if a.top is None or a.ranked[0][0].kind in PSEUDO_KINDS:
                continue                     # an intent or out of scope: taken before any decision
            top, x = a.top, a.features
            entries = [(f, q) for f, q in a.ranked if f.kind not in PSEUDO_KINDS]
            right = (not it["fallback"] or it["partial"]) and top.key in gold_of(it)
            top3 = [f.key for f, _ in entries[:3]]
            rows.append((k, x, int(right), bool(gold_of(it) & set(top3)) and not (it["fallback"] and not it["partial"])))
        return rows


def bootstrap_utility(p: np.ndarray, right: np.ndarray, seed: int,
                      gain: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(thresholds, mean utility of taking p ≥ t over 200 bootstrap resamples), utility = right
    ones − COST × wrong ones (or the given per-item `gain`). The utility is flat near its top, so
    its argmax on one set of cross-validated predictions jumps with small changes; the mean over
    resamples does not."""
    ts = np.unique(np.round(p, 3))
    gain = np.where(right, 1.0, -COST) if gain is None else gain
    rng = np.random.default_rng(seed)
    mean_u = np.zeros(len(ts))
    for _ in range(200):
        s = rng.integers(0, len(p), len(p))
        # the gains of the resampled items at or above each threshold (p rounded as ts is)
        pos = np.searchsorted(ts, np.round(p[s], 3), side="right") - 1     # the highest t ≤ p
        mean_u += np.cumsum(np.bincount(pos, weights=gain[s], minlength=len(ts))[::-1])[::-1]
    return ts, mean_u


def choose_thresholds(p: np.ndarray, right: np.ndarray, top3: np.ndarray) -> tuple[float, float]:
    ts, mean_u = bootstrap_utility(p, right, seed=0)
    best_t = float(ts[int(np.argmax(mean_u))]) if len(ts) else 0.5
    # Lower the suggestion threshold while the questions just below it (a window of the 10
    # nearest) still have the right entry among the three suggestions at least half the time.
    order = np.argsort(-p)
    below = [k for k in order if p[k] < best_t]
    suggest_at = best_t
    for j in range(len(below)):
        window = below[j:j + 10]
        if len(window) < 10 or top3[window].mean() < 0.5:
            break
        suggest_at = float(p[below[j]])
    return best_t, suggest_at


GATE_AT_FOR_CV = 0.5     # the conversation figure in the folds (the stored gate_at is chosen below)


def choose_gate(p: np.ndarray, y: np.ndarray) -> float:
    """The gate's threshold for the same utility as answers (a wrong take costs COST), averaged
    over bootstrap resamples of the out-of-fold predictions (training data only)."""
    if not len(p):
        return 1.01
    ts, mean_u = bootstrap_utility(p, y, seed=1)
    return float(ts[int(np.argmax(mean_u))]) if mean_u.max() > 0 else 1.01


INNER_FOLDS = 3


def inner_decider_rows(prep: Prepared, idx) -> list:
    """Decider rows for the items `idx`, each scored by a ranker fitted without it."""
    idx = np.asarray(list(idx))
    rows = []
    for itr, ite in GroupKFold(n_splits=INNER_FOLDS).split(idx, groups=idx):
        X, y, _ = prep.ranker_rows(idx[itr])
        rows += prep.decider_rows(idx[ite], fit_trees(X, y))
    return rows


def fit(prep: Prepared) -> tuple[DecisionModel, dict]:
    n = len(prep.items)
    groups = np.arange(n)
    oof_rows, decider_oof = [], []
    gate_oof: list[tuple[float, int]] = []
    first_intent: list[tuple[float, int]] = []
    conv_hits: list[bool] = []
    gkf = GroupKFold(n_splits=FOLDS)
    for tr, te in gkf.split(groups, groups=groups):
        X, y, _ = prep.ranker_rows(tr)
        ranker = fit_trees(X, y)
        # The decider learns from ranker scores of questions the ranker has not seen (an inner
        # split of the training folds): boosted trees score their own training rows too well.
        dtr = inner_decider_rows(prep, tr)
        decider = fit_lr([r[1] for r in dtr], [r[2] for r in dtr])
        for row in prep.decider_rows(te, ranker):
            decider_oof.append(row)
            k, x, right, top3 = row
            oof_rows.append((k, float(decider.prob([x])[0]), right, top3))
        g_tr = prep.gate_rows(tr)
        gate = fit_lr([r[1] for r in g_tr], [r[2] for r in g_tr])
        gate_p = {k: float(gate.prob([x])[0]) for k, x, _ in prep.gate_rows(te)}
        gate_oof += [(gate_p[k], y) for k, _, y in prep.gate_rows(te)]
        for k in te:                   # the ranker's best is an intent: how sure must it be?
            r = prep.retr[k]
            if r.candidates:
                pr = ranker.prob(ranker_matrix(r.candidates))
                best = r.candidates[int(np.argmax(pr))]
                if best.kind == "intent":
                    first_intent.append((float(pr.max()), int(prep.intent_serves(best.key, prep.items[k]))))
        for k in te:                   # conversation messages: is the first candidate the right doc?
            it, r = prep.items[k], prep.retr[k]
            if it.get("set") != "conversation" or not r.candidates:
                continue
            pr = ranker.prob(ranker_matrix(r.candidates))
            best = r.candidates[int(np.argmax(pr))]
            gk, _ = gate_vector(r.candidates)
            if gk is not None and gate_p.get(k, 0.0) >= GATE_AT_FOR_CV:
                best = next(f for f in r.candidates if f.key == gk)
            gold = gold_of(it)
            conv_hits.append(best.key in gold if gold else best.kind == "oos")
    p = np.array([r[1] for r in oof_rows])
    right = np.array([bool(r[2]) for r in oof_rows])
    top3 = np.array([r[3] for r in oof_rows])
    answer_at, suggest_at = choose_thresholds(p, right, top3)
    gp = np.array([g for g, _ in gate_oof])
    gy = np.array([y for _, y in gate_oof], dtype=bool)
    gate_at = choose_gate(gp, gy)
    fp = np.array([p_ for p_, _ in first_intent])
    fy = np.array([y_ for _, y_ in first_intent], dtype=bool)
    intent_at = choose_gate(fp, fy)
    print(f"  ranker's best is an intent: {len(fp)} items, {fy.sum()} served; intent_at={intent_at:.3f}")
    for th in (0.3, 0.4, 0.5, 0.6, 0.7):
        tk = gp >= th
        print(f"  gate {th}: taken {tk.sum()} precision {gy[tk].mean() if tk.any() else 0:.3f} recall {tk[gy].mean():.3f} (positives {gy.sum()})")
    X, y, _ = prep.ranker_rows(range(n))
    ranker = fit_trees(X, y)
    decider = fit_lr([r[1] for r in decider_oof], [r[2] for r in decider_oof])   # out-of-fold ranker scores
    g_all = prep.gate_rows(range(n))
    gate = fit_lr([r[1] for r in g_all], [r[2] for r in g_all])
    took = gp >= gate_at
    ans = p >= answer_at
    info = {"fitted": True, "train_items": n, "cost": COST, "folds": FOLDS,
            "cv_answered": int(ans.sum()), "cv_answer_precision": round(float(right[ans].mean()), 4) if ans.any() else None,
            "cv_right_top": round(float(right.mean()), 4),
            "cv_conversation_first": round(float(np.mean(conv_hits)), 4) if conv_hits else None,
            "gate_at": gate_at, "intent_at": intent_at, "cv_gate_taken": int(took.sum()),
            "cv_gate_precision": round(float(gy[took].mean()), 4) if took.any() else None,
            "cv_gate_recall": round(float(took[gy].mean()), 4) if gy.any() else None}
    return DecisionModel(ranker, decider, answer_at, suggest_at, info, gate, gate_at, intent_at), info


def main() -> int:
    global SEEDS
    ap = argparse.ArgumentParser()
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--seeds", type=int, default=SEEDS, help="ranker models averaged (default %(default)s)")
    args = ap.parse_args()
    SEEDS = max(1, args.seeds)
    kb = load_knowledge(get_settings().knowledge_dir)
    train = evalsets.load("train") + evalsets.conversation_as_training("train") + noise_items()
    learned = exemplars([it for it in train if it["style"] != "noise"])
    desk = Desk(kb, engine=None, model=default_model(), learned=learned)
    prep = Prepared(desk, train)
    model, info = fit(prep)
    print("fitted on", info["train_items"], "training items;", info)
    print(f"thresholds: answer_at={model.answer_at:.3f} suggest_at={model.suggest_at:.3f}")
    print("ranker:", f"{len(model.ranker.roots)} boosted trees over", len(RANKER_FEATURES), "features")
    print("decider:", dict(zip(DECIDER_FEATURES, np.round(model.decider.coef, 2))))
    if not args.dry_run:
        model.save()
        EXEMPLARS_FILE.write_text(json.dumps({"note": "training-split questions (tests/data/), written by bench/fit_decision.py",
                                              "docs": {k: [q for _, q in v] for k, v in sorted(learned.items())}},
                                             ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        print("saved bot/decision.json and bot/exemplars.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
