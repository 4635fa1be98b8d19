"""Fit the idea advisor's scorers (bot/advisor.json) on the development part of our labelled ideas
(tests/data/ideas.jsonl), with cross-validation; the held-back fifth is never used here.

    .venv/bin/python bench/fit_advisor.py            # fit, save bot/advisor.json, report
    .venv/bin/python bench/fit_advisor.py --dry-run  # fit and report, save nothing

Two logistic regressions over the similarity features of bot/advisor_features.py:
- method: P(a desk officer would name this method for the idea), per (idea, method entry);
- case:   P(this precedent fits the idea), per (idea, case entry).
- near:   P(any recorded precedent fits the idea), per idea, from the out-of-fold case and
          method scores (bot/advisor.near_vector); its threshold is chosen on leave-one-out
          predictions to maximise the share of ideas judged right (a fitting precedent among the
          first five, or "no close precedent" when none fits).
The method scorer also learns each method's base rate (one-hot identities: how often desk
officers name it). City challenges are scored by the case scorer's cosine-only variant (fitted
on the same labels) and shown when they score at least the median out-of-fold probability of the
fitting precedents (like a typical fitting precedent).
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

import ideas  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402

from bot.advisor import NEAR_FEATURES  # noqa: E402
from bot.advisor_features import CASE_FEATURES, METHOD_FEATURES  # noqa: E402
from bot.decision import Logistic  # noqa: E402

FOLDS = 5
CS = (0.1, 0.3, 1.0, 3.0)


def fit_lr(X, y, C: float, raw: int = 0) -> Logistic:
    """A logistic regression on standardised features; the last `raw` columns (one-hot method
    identities) are left as they are, so that their weights are plain logits per method."""
    X = np.asarray(X, dtype=np.float64)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    if raw:
        mean[-raw:], scale[-raw:] = 0.0, 1.0
    lr = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    lr.fit((X - mean) / scale, y)
    return Logistic(lr.coef_[0], float(lr.intercept_[0]), mean, scale)


def featurise(advisor, items):
    """Per idea: (method features, case features)."""
    return [advisor.index.features(advisor.index.encode(advisor.clean(it["text"]))) for it in items]


def stack(feats, items, which: int, ids: list[str], gold_key: str):
    X, y, g = [], [], []
    for n, (f, it) in enumerate(zip(feats, items)):
        X.append(f[which])
        y += [int(i in it[gold_key]) for i in ids]
        g += [n] * len(ids)
    return np.vstack(X), np.asarray(y), np.asarray(g)


def oof(X, y, g, C: float, raw: int = 0) -> np.ndarray:
    """Out-of-fold probabilities, folds grouped by idea."""
    p = np.zeros(len(y))
    for tr, te in GroupKFold(FOLDS).split(X, y, g):
        p[te] = fit_lr(X[tr], y[tr], C, raw).prob(X[te])
    return p


def per_idea(p, k: int, n: int) -> np.ndarray:
    return p[k * n:(k + 1) * n]


def method_score(p, items, ids) -> float:
    n = len(ids)
    return float(np.mean([ideas.method_hit(it, [ids[j] for j in np.argsort(-per_idea(p, k, n), kind="stable")])
                          for k, it in enumerate(items)]))


def case_lists(pc, items, ids, shown) -> list[list[str]]:
    n = len(ids)
    return [[ids[j] for j in np.argsort(-per_idea(pc, k, n), kind="stable")[:5]] if shown[k] else []
            for k in range(len(items))]


def case_score(pc, items, ids, shown) -> float:
    return float(np.mean([ideas.case_hit(it, c) for it, c in zip(items, case_lists(pc, items, ids, shown))]))


def best_threshold(p_near, pc, items, ids) -> float:
    """The threshold on P(near) that judges most ideas right; among equally good ones, the middle
    of the best run (away from both edges)."""
    ps = sorted(set(float(x) for x in p_near))
    cands = [0.0] + [(a + b) / 2 for a, b in zip(ps, ps[1:])] + [1.0]
    scores = [case_score(pc, items, ids, p_near >= t) for t in cands]
    run = [t for t, s in zip(cands, scores) if s == max(scores)]
    return run[len(run) // 2]


def near_rows(pm, pc, Xc, n_m, n_c, n_items, without):
    from bot.advisor import near_vector

    return np.asarray([near_vector(per_idea(pm, k, n_m), per_idea(pc, k, n_c), Xc[k * n_c:(k + 1) * n_c], without)
                       for k in range(n_items)])


def loo(X, y, C: float) -> np.ndarray:
    p = np.zeros(len(y))
    for i in range(len(y)):
        tr = np.arange(len(y)) != i
        p[i] = fit_lr(X[tr], y[tr], C).prob(X[i:i + 1])[0]
    return p


def challenge_threshold(pc, y) -> float:
    """The median out-of-fold probability of the fitting precedents: a city challenge is shown
    when it scores like a typical fitting precedent."""
    return float(np.median(pc[np.asarray(y) == 1]))


def fit_all(feats, items, m_ids, c_ids, without):
    """The whole procedure on `items`: (method model with priors, case model, near model, near_at)."""
    nm, nc = len(m_ids), len(c_ids)
    Xm, ym, gm = stack(feats, items, 0, m_ids, "methods")
    Xm = np.hstack([Xm, np.tile(np.eye(nm), (len(items), 1))])
    Xc, yc, gc = stack(feats, items, 1, c_ids, "cases")
    m_cv = {C: (method_score(p := oof(Xm, ym, gm, C, nm), items, m_ids), p) for C in CS}
    Cm = max(CS, key=lambda C: (m_cv[C][0], -C))
    c_cv = {C: (case_score(p := oof(Xc, yc, gc, C), items, c_ids, np.ones(len(items), bool)), p) for C in CS}
    Cc = max(CS, key=lambda C: (c_cv[C][0], -C))
    Xn = near_rows(m_cv[Cm][1], c_cv[Cc][1], Xc, nm, nc, len(items), without)
    yn = np.asarray([int(bool(it["cases"])) for it in items])
    best = None
    for C in CS:
        p = loo(Xn, yn, C)
        t = best_threshold(p, c_cv[Cc][1], items, c_ids)
        sc = case_score(c_cv[Cc][1], items, c_ids, p >= t)
        if best is None or sc > best[0]:
            best = (sc, C, t)
    return fit_lr(Xm, ym, Cm, nm), fit_lr(Xc, yc, Cc), fit_lr(Xn, yn, best[1]), best[2]


def nested(feats, items, m_ids, c_ids, without, folds: int = FOLDS) -> tuple[float, float]:
    """Outer folds over ideas: fit everything on the rest, judge the fold's ideas."""
    nm = len(m_ids)
    m_hits, c_hits = [], []
    idx = np.arange(len(items))
    for k in range(folds):
        te = idx[idx % folds == k]
        tr = idx[idx % folds != k]
        mm, cm, nmod, near_at = fit_all([feats[i] for i in tr], [items[i] for i in tr], m_ids, c_ids, without)
        for i in te:
            mf, cf = feats[i]
            pm = mm.prob(np.hstack([mf, np.eye(nm)]))
            pc = cm.prob(cf)
            p_near = nmod.prob([__import__("bot.advisor", fromlist=["near_vector"]).near_vector(pm, pc, cf, without)])[0]
            m_hits.append(ideas.method_hit(items[i], [m_ids[j] for j in np.argsort(-pm, kind="stable")]))
            shown = [c_ids[j] for j in np.argsort(-pc, kind="stable")[:5]] if p_near >= near_at else []
            c_hits.append(ideas.case_hit(items[i], shown))
    return float(np.mean(m_hits)), float(np.mean(c_hits))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--nested", action="store_true",
                    help="also estimate the whole procedure (choices included) by nested cross-validation")
    args = ap.parse_args()
    from bot.advisor import MODEL_FILE, Advisor, AdvisorModel, default_model
    from bot.engine import Desk

    advisor = Advisor(Desk.load(), model=default_model())
    dev = ideas.load("dev")
    feats = featurise(advisor, dev)
    m_ids = [e.id for e in advisor.index.methods]
    c_ids = [e.id for e in advisor.index.cases]
    nm, nc = len(m_ids), len(c_ids)
    Xm, ym, gm = stack(feats, dev, 0, m_ids, "methods")
    Xm = np.hstack([Xm, np.tile(np.eye(nm), (len(dev), 1))])          # + one-hot: each method's base rate
    Xc, yc, gc = stack(feats, dev, 1, c_ids, "cases")

    # C chosen by cross-validated hit rate (grouped by idea); ties go to the stronger regularisation.
    m_cv = {C: (method_score(p := oof(Xm, ym, gm, C, nm), dev, m_ids), p) for C in CS}
    Cm = max(CS, key=lambda C: (m_cv[C][0], -C))
    c_cv = {C: (case_score(p := oof(Xc, yc, gc, C), dev, c_ids, np.ones(len(dev), bool)), p) for C in CS}
    Cc = max(CS, key=lambda C: (c_cv[C][0], -C))
    pm, pc = m_cv[Cm][1], c_cv[Cc][1]
    # "Is any precedent near" from out-of-fold scores, so it sees them as they are on new ideas.
    Xn = near_rows(pm, pc, Xc, nm, nc, len(dev), advisor.index.without_precedent)
    yn = np.asarray([int(bool(it["cases"])) for it in dev])
    n_cv = {}
    for C in CS:
        p = loo(Xn, yn, C)
        t = best_threshold(p, pc, dev, c_ids)
        n_cv[C] = (case_score(pc, dev, c_ids, p >= t), t)
    Cn = max(CS, key=lambda C: (n_cv[C][0], -C))
    near_at = n_cv[Cn][1]
    # City challenges: the case scorer on the cosine features only (a challenge has no lexical
    # index entry and no linked methods), fitted on the same labels; shown from the median
    # out-of-fold probability of the fitting precedents.
    cos = slice(0, 6)
    ch_at = challenge_threshold(oof(Xc[:, cos], yc, gc, Cc), yc)
    # Proposals "alike" (the staff card, bot/proposals/connections.py): more similar than 99% of the
    # pairs of different ideas in our set (their whole-text vectors).
    W = np.vstack([advisor.index.encode(advisor.clean(it["text"])).q[0] for it in dev])
    cross = (W @ W.T)[np.triu_indices(len(dev), 1)]
    similar_at = round(float(np.quantile(cross, 0.99)), 4)

    print(f"development ideas: {len(dev)} (held back, not used: {len(ideas.load('held'))})")
    print("method C → cross-validated top-3 hit: " + ", ".join(f"{C}: {v[0]:.1%}" for C, v in m_cv.items()))
    print("case   C → cross-validated top-5 hit (always listing five): "
          + ", ".join(f"{C}: {v[0]:.1%}" for C, v in c_cv.items()))
    print("near   C → cross-validated precedent judged right: " + ", ".join(f"{C}: {v[0]:.1%}" for C, v in n_cv.items()))
    if args.nested:
        nm_, nc_ = nested(feats, dev, m_ids, c_ids, advisor.index.without_precedent)
        print(f"nested cross-validation (every choice made inside the training folds): method top-3 {nm_:.1%}, "
              f"precedent judged right {nc_:.1%}")
    print(f"chosen: method C={Cm}, case C={Cc}, near C={Cn}, near_at={near_at:.3f}, challenge_at={ch_at:.3f}, "
          f"similar_at={similar_at:.3f}")

    mm = fit_lr(Xm, ym, Cm, nm)
    k = len(METHOD_FEATURES)
    # The one-hot columns are raw (mean 0, scale 1): their weights are logits added per method.
    method = Logistic(mm.coef[:k], mm.intercept, mm.mean[:k], mm.scale[:k])
    prior = {i: round(float(c), 4) for i, c in zip(m_ids, mm.coef[k:])}
    model = AdvisorModel(method, prior, fit_lr(Xc, yc, Cc), fit_lr(Xn, yn, Cn), near_at, fit_lr(Xc[:, cos], yc, Cc), ch_at,
                         {"dev_ideas": len(dev), "method_C": Cm, "case_C": Cc, "near_C": Cn,
                          "cv_method_top3": round(m_cv[Cm][0], 4), "cv_case_top5": round(n_cv[Cn][0], 4),
                          "similar_at": similar_at})
    for name, names, lr in (("method", METHOD_FEATURES, model.method), ("case", CASE_FEATURES, model.case),
                            ("near", NEAR_FEATURES, model.near)):
        print(f"{name} weights: " + ", ".join(f"{f}={c:+.2f}" for f, c in zip(names, lr.coef)))
    print("method priors: " + ", ".join(f"{i}={c:+.2f}" for i, c in sorted(prior.items(), key=lambda x: -x[1])))
    if args.dry_run:
        return 0
    MODEL_FILE.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
