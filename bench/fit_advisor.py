"""Fit the idea advisor's scorers (bot/advisor.json) on the development part of our labelled ideas
(tests/data/ideas.jsonl) and our labelled city challenges (tests/data/idea_challenges.jsonl), with
cross-validation; the held-back fifth of the ideas is never used here.

    .venv/bin/python bench/fit_advisor.py            # fit, save bot/advisor.json, report
    .venv/bin/python bench/fit_advisor.py --dry-run  # fit and report, save nothing
    .venv/bin/python bench/fit_advisor.py --nested   # also the whole procedure by nested CV
    .venv/bin/python bench/fit_advisor.py --by-writer  # also: fit on the other writers' ideas, judge each one's

Logistic regressions over the features of bot/advisor_features.py:
- method: P(a desk officer would name this method for the idea), per (idea, method entry), with
  each method's base rate (one-hot identities: how often desk officers name it);
- case:   P(this precedent fits the idea), per (idea, case entry), given the out-of-fold method
  probabilities (does the precedent's own method fit the idea);
- near:   P(any recorded precedent fits the idea), per idea, from the out-of-fold case and method
  scores, how often desk officers recorded no precedent for ideas with the idea's likeliest
  methods, how much the nearest labelled ideas vote for precedents at all and whether they
  vote for the precedents the case scorer ranks high (bot/advisor.near_vector); two thresholds on leave-one-out predictions: `near_at`, from
  which the nearest precedents are shown, maximises the share of ideas judged right (a fitting
  precedent among the first five, or none shown when none fits); `close_at` (≥ near_at), from
  which they are called close, maximises the balanced accuracy of that flag (with a precedent:
  called close with a fitting one shown; without: not called close). In between the advisor says
  "no close precedent recorded" and shows the nearest ones for reference. The case and near
  scorers' standardised features are clipped to ±CLIP_Z. Both thresholds are chosen per language of
  the idea (NEAR_BY_LANG: an English idea is less alike to the mostly Japanese entries; with one
  pooled threshold English ideas with a precedent were told "none" more often, Japanese ones
  without shown some more often), over the ideas in that language, with the pooled ones kept for
  a language with too few;
- challenge: P(the idea could answer this city challenge), per (idea, challenge), from the
  challenge's own features (CHALLENGE_FEATURES); folds grouped by challenge, so the threshold is
  the one that works for challenges the fit has not seen (staff write new ones).
Both the method and the case scorer see the vote of the nearest labelled ideas
(advisor_features.IdeaNeighbours); an idea never votes for itself, and inside a fold only the
fold's training ideas vote. The development ideas become the shipped model's neighbours.
Regularisation strengths are chosen by cross-validation grouped by idea; ties go to the stronger.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import ideas  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402

from bot.advisor import NEAR_FEATURES, near_vector  # noqa: E402
from bot.advisor_features import (CASE_FEATURES, CHALLENGE_FEATURES, METHOD_FEATURES, NEIGHBOURS,  # noqa: E402
                                  IdeaNeighbours, case_norms)
from bot.text import detect_lang  # noqa: E402
from bot.decision import Logistic  # noqa: E402
from bot.retrieval import _segments  # noqa: E402

FOLDS = 5
CS = (0.1, 0.3, 1.0, 3.0)
CLIP_Z = 4.0                  # the case and near scorers' standardised features clipped to ±4 (fit_lr);
                              # chosen by nested CV and by writer (unclipped and ±3, ±5 did worse)
NONE_SMOOTHING = 2.0          # a method's share of "no precedent" ideas, pulled toward the overall share
CHALLENGES = ROOT / "tests" / "data" / "idea_challenges.jsonl"
SHOWN_CHALLENGES = 3          # = bot.advisor.N_CHALLENGES
NEAR_BY_LANG = True           # near_at and close_at per language of the idea (nested CV 86.0→87.3%, by writer
                              # pooled 87.8→87.8%, with the English questions on the case entries)
MIN_LANG_IDEAS = 40           # a language with fewer training ideas uses the pooled thresholds


def fit_lr(X, y, C: float, raw: int = 0, clip: float | None = None) -> Logistic:
    """A logistic regression on standardised features; the last `raw` columns (one-hot method
    identities) are left as they are, so that their weights are plain logits per method. `clip`:
    standardised features are clipped to ±clip, in the fit and when scoring (a lexical coverage
    of 1.0 on a one-line idea is twenty standard deviations out; unclipped, one such feature
    decides the case scorer's logit and with it the "near" decision)."""
    X = np.asarray(X, dtype=np.float64)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    if raw:
        mean[-raw:], scale[-raw:] = 0.0, 1.0
    Z = (X - mean) / scale
    if clip is not None:
        Z = np.clip(Z, -clip, clip)
    lr = LogisticRegression(C=C, max_iter=5000, class_weight="balanced")
    lr.fit(Z, y)
    return Logistic(lr.coef_[0], float(lr.intercept_[0]), mean, scale, clip)


def loo(X, y, C: float, clip: float | None = None) -> np.ndarray:
    p = np.zeros(len(y))
    for i in range(len(y)):
        tr = np.arange(len(y)) != i
        p[i] = fit_lr(X[tr], y[tr], C, clip=clip).prob(X[i:i + 1])[0]
    return p


def middle_of_best(cands: list[float], scores: list[float]) -> float:
    """Among equally good thresholds, the middle of the best run (away from both edges)."""
    run = [t for t, s in zip(cands, scores) if s == max(scores)]
    return run[len(run) // 2]


def thresholds(p) -> list[float]:
    ps = sorted(set(float(x) for x in p))
    return [0.0] + [(a + b) / 2 for a, b in zip(ps, ps[1:])] + [1.0]


# ---- the data ---------------------------------------------------------------------------------

@dataclass
class Data:
    items: list[dict]
    mf0: list[np.ndarray]          # per idea: (methods, base method features)
    cf0: list[np.ndarray]          # per idea: (cases, base case features)
    W: np.ndarray                  # per idea: the whole text's vector
    texts: list[str]               # per idea: the whole text as matched (what a neighbour keeps)
    m_ids: list[str]
    c_ids: list[str]
    index: object                  # the advisor's IdeaIndex (case links, challenge features)
    ivs: list
    langs: list[str]               # per idea: the language its text is in (as the advisor detects it)

    def ym(self, i: int) -> np.ndarray:
        return np.asarray([int(m in self.items[i]["methods"]) for m in self.m_ids])

    def yc(self, i: int) -> np.ndarray:
        return np.asarray([int(c in self.items[i]["cases"]) for c in self.c_ids])


def featurise(advisor, items) -> Data:
    ivs, texts, langs = [], [], []
    for it in items:
        core = advisor.clean(it["text"])
        ivs.append(advisor.index.encode(core))
        texts.append(_segments(core)[0])
        langs.append(detect_lang(core))
    base = [advisor.index.base(iv) for iv in ivs]
    return Data(items, [b[0] for b in base], [b[1] for b in base], np.vstack([iv.q[0] for iv in ivs]), texts,
                [e.id for e in advisor.index.methods], [e.id for e in advisor.index.cases], advisor.index, ivs, langs)


def neighbours(d: Data, pool: list[int]) -> IdeaNeighbours:
    return IdeaNeighbours(d.W[pool], [d.items[i]["methods"] for i in pool], [d.items[i]["cases"] for i in pool],
                          d.m_ids, d.c_ids, NEIGHBOURS)


def votes(d: Data, pool: list[int], ids) -> dict:
    """The neighbours' votes for ideas `ids`, from the ideas of `pool` (an idea never for itself)."""
    nb, at = neighbours(d, pool), {i: k for k, i in enumerate(pool)}
    return {i: nb.vote(d.W[i], exclude=at.get(i)) for i in ids}


# ---- the whole procedure on some training ideas ------------------------------------------------------

def _folds(tr: list[int]):
    tr = np.asarray(tr)
    for k in range(FOLDS):
        yield list(tr[np.arange(len(tr)) % FOLDS != k]), list(tr[np.arange(len(tr)) % FOLDS == k])


def _oof(tr, make_X, y_of, C, raw=0, clip=None) -> dict:
    out = {}
    for a, b in _folds(tr):
        m = fit_lr(np.vstack([make_X(i) for i in a]), np.concatenate([y_of(i) for i in a]), C, raw, clip)
        for i in b:
            out[i] = m.prob(make_X(i))
    return out


def _top(p, ids, k):
    return [ids[j] for j in np.argsort(-p, kind="stable")[:k]]


def method_none_rates(d: Data, tr: list[int]) -> np.ndarray:
    """Per method: the share of the training ideas a desk officer gave it for which no precedent
    was recorded (smoothed toward the share over all ideas) — the near decision's third feature."""
    none = np.asarray([not d.items[i]["cases"] for i in tr], dtype=float)
    prior = float(none.mean()) if len(none) else 0.0
    out = np.zeros(len(d.m_ids))
    for k, m in enumerate(d.m_ids):
        sel = np.asarray([m in d.items[i]["methods"] for i in tr], dtype=bool)
        out[k] = (none[sel].sum() + NONE_SMOOTHING * prior) / (sel.sum() + NONE_SMOOTHING)
    return out


def balanced_flag(items: list[dict], found: list[bool], p: list[float], t: float) -> float:
    """The flag "a close precedent is recorded" at threshold t, judged per class and averaged (so
    that it does not depend on how many of our ideas have no precedent): ideas with one are right
    when called close with a fitting one among the first five, ideas without when not called close."""
    w = [f and q >= t for it, f, q in zip(items, found, p) if it["cases"]]
    n = [q < t for it, q in zip(items, p) if not it["cases"]]
    return (float(np.mean(w)) if w else 0.0) / 2 + (float(np.mean(n)) if n else 0.0) / 2


@dataclass
class Fitted:
    method: Logistic               # over METHOD_FEATURES + one-hot method identities
    case: Logistic
    near: Logistic
    near_at: float
    pool: list[int]
    info: dict
    none_rate: np.ndarray = None   # per method (method_none_rates)
    close_at: float = 0.5          # ≥ near_at: from here the shown precedents are called close
    norms: dict = None             # case_norms over the training ideas, per language
    by_lang: dict = None           # lang → (near_at, close_at) where a language has its own (NEAR_BY_LANG)

    def at(self, lang: str) -> tuple[float, float]:
        return (self.by_lang or {}).get(lang, (self.near_at, self.close_at))

    def predict(self, d: Data, i: int, vote=None):
        """(method probabilities, case probabilities, precedents shown?, called close?)"""
        mv, cv = vote if vote is not None else votes(d, self.pool, [i])[i]
        nm = len(d.m_ids)
        pm = self.method.prob(np.hstack([d.index.method_features(d.mf0[i], mv), np.eye(nm)]))
        cf = d.index.case_features(d.cf0[i], pm, cv, self.norms[d.langs[i]])
        pc = self.case.prob(cf)
        pn = float(self.near.prob([near_vector(pm, pc, d.index.without_precedent, self.none_rate, cv)])[0])
        near_at, close_at = self.at(d.langs[i])
        return pm, pc, pn >= near_at, pn >= max(near_at, close_at)


def fit_ideas(d: Data, tr: list[int]) -> Fitted:
    """Method, case and near scorers, every choice made on the ideas `tr` alone."""
    nm = len(d.m_ids)
    V = votes(d, tr, tr)
    mX = lambda i: np.hstack([d.index.method_features(d.mf0[i], V[i][0]), np.eye(nm)])  # noqa: E731
    m_cv = {}
    for C in CS:
        o = _oof(tr, mX, d.ym, C, nm)
        m_cv[C] = (float(np.mean([ideas.method_hit(d.items[i], _top(o[i], d.m_ids, 3)) for i in tr])), o)
    Cm = max(CS, key=lambda C: (m_cv[C][0], -C))
    pm = m_cv[Cm][1]
    norms = case_norms([d.cf0[i] for i in tr], [d.langs[i] for i in tr])
    cX = lambda i: d.index.case_features(d.cf0[i], pm[i], V[i][1], norms[d.langs[i]])  # noqa: E731
    with_case = [i for i in tr if d.items[i]["cases"]]
    c_cv = {}
    for C in CS:
        o = _oof(tr, cX, d.yc, C, clip=CLIP_Z)
        found = [bool(set(d.items[i]["cases"]) & set(_top(o[i], d.c_ids, 5))) for i in with_case]
        c_cv[C] = (float(np.mean(found)) if found else 0.0, o)
    Cc = max(CS, key=lambda C: (c_cv[C][0], -C))
    pc = c_cv[Cc][1]
    # "Is any precedent near" from out-of-fold scores, so it sees them as they are on new ideas.
    # (The method shares of "no precedent" come from all of `tr`: one number per method, each
    # from a dozen ideas or more.)
    none_rate = method_none_rates(d, tr)
    Xn = np.asarray([near_vector(pm[i], pc[i], d.index.without_precedent, none_rate, V[i][1]) for i in tr])
    yn = np.asarray([int(bool(d.items[i]["cases"])) for i in tr])
    found = [bool(set(d.items[i]["cases"]) & set(_top(pc[i], d.c_ids, 5))) for i in tr]
    items = [d.items[i] for i in tr]
    n_cv = {}
    langs = [d.langs[i] for i in tr]

    def pick(sel, p):
        """near_at and close_at over the ideas `sel` (positions in tr): (hits, near_at, close_at)."""
        ps = [p[k] for k in sel]
        cands = thresholds(ps)
        hits = [sum(ideas.case_hit(d.items[tr[k]], _top(pc[tr[k]], d.c_ids, 5) if p[k] >= t else []) for k in sel)
                for t in cands]
        at = middle_of_best(cands, hits)
        # Called close from close_at (≥ at): the flag's balanced accuracy over the same predictions.
        up = [t for t in cands if t >= at]
        its, fs = [items[k] for k in sel], [found[k] for k in sel]
        close_at = middle_of_best(up, [balanced_flag(its, fs, ps, t) for t in up])
        return max(hits), at, close_at

    for C in CS:
        p = loo(Xn, yn, C, clip=CLIP_Z)
        hits, at, close_at = pick(range(len(tr)), p)
        own = {}
        if NEAR_BY_LANG:
            for lang in ("ja", "en"):
                sel = [k for k, g in enumerate(langs) if g == lang]
                if len(sel) >= MIN_LANG_IDEAS:
                    own[lang] = pick(sel, p)
            hits = sum(own[g][0] for g in own) + sum(
                ideas.case_hit(d.items[tr[k]], _top(pc[tr[k]], d.c_ids, 5) if p[k] >= at else [])
                for k, g in enumerate(langs) if g not in own)
        n_cv[C] = (hits / len(tr), at, close_at, {g: v[1:] for g, v in own.items()})
    Cn = max(CS, key=lambda C: (n_cv[C][0], -C))
    info = {"method_C": Cm, "case_C": Cc, "near_C": Cn, "close_at": round(n_cv[Cn][2], 4),
            "cv_method_top3": round(m_cv[Cm][0], 4), "cv_case_found": round(c_cv[Cc][0], 4),
            "cv_precedent_right": round(n_cv[Cn][0], 4),
            "cv_by_C": {"method": {str(C): round(v[0], 4) for C, v in m_cv.items()},
                        "case_found": {str(C): round(v[0], 4) for C, v in c_cv.items()},
                        "precedent_right": {str(C): round(v[0], 4) for C, v in n_cv.items()}}}
    return Fitted(fit_lr(np.vstack([mX(i) for i in tr]), np.concatenate([d.ym(i) for i in tr]), Cm, nm),
                  fit_lr(np.vstack([cX(i) for i in tr]), np.concatenate([d.yc(i) for i in tr]), Cc, clip=CLIP_Z),
                  fit_lr(Xn, yn, Cn, clip=CLIP_Z), n_cv[Cn][1], list(tr), info, none_rate, n_cv[Cn][2], norms,
                  n_cv[Cn][3])


def judge(d: Data, f: "Fitted", te: list[int]) -> list[tuple]:
    """Per idea: (method hit, precedent judged right — a fitting one among the five shown, or none
    shown when none fits —, has a recorded precedent, a fitting one among the five best whether
    shown or not, shown, called close, labelled English)."""
    rows = []
    for i in te:
        pm, pc, show, close = f.predict(d, i)
        it = d.items[i]
        top5 = _top(pc, d.c_ids, 5)
        rows.append((ideas.method_hit(it, _top(pm, d.m_ids, 3)), ideas.case_hit(it, top5 if show else []),
                     bool(it["cases"]), bool(set(it["cases"]) & set(top5)), show, close, it["lang"] == "en"))
    return rows


def summary(rows: list[tuple]) -> dict:
    a = np.asarray(rows, dtype=float)
    w, n = a[:, 2] == 1, a[:, 2] == 0
    return {"ideas": len(a), "method": float(a[:, 0].mean()), "precedent": float(a[:, 1].mean()),
            "with_precedent": float(a[w, 1].mean()), "without": float(a[n, 1].mean()),
            # the flag no_precedent: ideas with one called close (with a fitting one shown), ideas without
            # not called close (nothing shown, or the nearest shown for reference)
            "with_close": float((a[w, 1] * a[w, 5]).mean()), "without_flag": float(1 - a[n, 5].mean()),
            "ranked": float(a[w, 3].mean()),
            # the precedent figure by the idea's labelled language
            **{f"precedent_{lang}": float(a[sel, 1].mean()) if sel.any() else float("nan")
               for lang, sel in (("ja", a[:, 6] == 0), ("en", a[:, 6] == 1))}}


def by_writer(d: Data, ids: list[int]) -> dict:
    """Fit on the other writers' development ideas, judge one writer's (each writer in turn)."""
    out, pooled = {}, []
    for w in ideas.WRITERS:
        tr = [i for i in ids if ideas.writer(d.items[i]) != w]
        te = [i for i in ids if ideas.writer(d.items[i]) == w]
        if not te:
            continue
        rows = judge(d, fit_ideas(d, tr), te)
        out[w], pooled = summary(rows), pooled + rows
    if pooled:
        out["all (pooled)"] = summary(pooled)
    return out


def nested(d: Data, ids: list[int], repeats: int = 3) -> dict:
    """Outer folds over ideas: the whole procedure on the rest, the fold's ideas judged."""
    rows = []
    for r in range(repeats):
        order = list(np.random.default_rng(r).permutation(ids)) if r else list(ids)
        for tr, te in _folds(order):
            rows += judge(d, fit_ideas(d, tr), te)
    return {**summary(rows), "ideas": len(ids), "repeats": repeats}


# ---- city challenges ------------------------------------------------------------------------------

def load_challenges(path: Path = CHALLENGES) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def challenge_features(advisor, d: Data, chs: list[dict]) -> np.ndarray:
    """(ideas, challenges, CHALLENGE_FEATURES)."""
    from bot.advisor import challenge_texts
    from bot.text import detect_lang

    texts = [challenge_texts(c["title"], c["description"], c["desired_outcome"]) for c in chs]
    rows = [(advisor.index.encoder.encode(t), detect_lang(" ".join(t))) for t in texts]
    return np.asarray([[d.index.challenge_stats(iv, *r) for r in rows] for iv in d.ivs])


def challenge_judge(P: np.ndarray, Y: np.ndarray, at: float) -> dict:
    """Per idea at most three challenges from `at`: pair precision and recall, and the share of
    ideas judged right (one that fits shown, or none shown when none fits)."""
    tp = fp = fn = right = 0
    for p, y in zip(P, Y):
        shown = {j for j in np.argsort(-p, kind="stable")[:SHOWN_CHALLENGES] if p[j] >= at}
        gold = set(np.flatnonzero(y))
        tp, fp, fn = tp + len(shown & gold), fp + len(shown - gold), fn + len(gold - shown)
        right += bool(shown & gold) if gold else not shown
    return {"precision": tp / max(tp + fp, 1), "recall": tp / max(tp + fn, 1), "right": right / max(len(P), 1)}


def fit_challenges(F: np.ndarray, Y: np.ndarray) -> tuple[Logistic, float, dict]:
    """F: (ideas, challenges, features) for training ideas only. Out-of-fold probabilities with
    folds grouped by challenge; C and the threshold chosen on them."""
    nI, nC, nf = F.shape
    best = None
    for C in CS:
        P = np.zeros((nI, nC))
        for tr, te in GroupKFold(min(FOLDS, nC)).split(np.arange(nC), groups=np.arange(nC)):
            m = fit_lr(F[:, tr].reshape(-1, nf), Y[:, tr].ravel(), C)
            P[:, te] = m.prob(F[:, te].reshape(-1, nf)).reshape(nI, len(te))
        cands = [float(t) for t in np.round(np.linspace(0.05, 0.99, 95), 2)]
        scores = [challenge_judge(P, Y, t)["right"] for t in cands]
        at = middle_of_best(cands, scores)
        if best is None or max(scores) > best[0]:
            best = (max(scores), C, at, challenge_judge(P, Y, at))
    _, C, at, cv = best
    return fit_lr(F.reshape(-1, nf), Y.ravel(), C), at, {"challenge_C": C, **{f"cv_challenge_{k}": round(v, 4)
                                                                              for k, v in cv.items()}}


def challenge_labels(items: list[dict], chs: list[dict]) -> np.ndarray:
    return np.asarray([[int(it["id"] in c["ideas"]) for c in chs] for it in items])


# ---- main -----------------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--nested", action="store_true",
                    help="also estimate the whole procedure (choices included) by nested cross-validation")
    ap.add_argument("--by-writer", action="store_true",
                    help="also fit on the other writers' development ideas and judge each one's (bench/ideas.writer)")
    args = ap.parse_args()
    from bot.advisor import MODEL_FILE, Advisor, AdvisorModel, default_model
    from bot.engine import Desk

    advisor = Advisor(Desk.load(), model=default_model())
    dev = ideas.load("dev")
    d = featurise(advisor, dev)
    ids = list(range(len(dev)))
    f = fit_ideas(d, ids)
    chs = load_challenges()
    ch_ids = [i for i, it in enumerate(dev) if ideas.challenge_labelled(it)]
    ch_model, ch_at, ch_info = fit_challenges(challenge_features(advisor, d, chs)[ch_ids],
                                              challenge_labels([dev[i] for i in ch_ids], chs))
    # Proposals "alike" (the staff card, bot/proposals/connections.py): more similar than 99% of the
    # pairs of different ideas in our set (their whole-text vectors).
    cross = (d.W @ d.W.T)[np.triu_indices(len(dev), 1)]
    similar_at = round(float(np.quantile(cross, 0.99)), 4)

    print(f"development ideas: {len(dev)} (held back, not used: {len(ideas.load('held'))}); "
          f"city challenges: {len(chs)}, fitted on the {len(ch_ids)} development ideas labelled for them")
    cv = f.info["cv_by_C"]
    print("method C → cross-validated top-3 hit: " + ", ".join(f"{C}: {v:.1%}" for C, v in cv["method"].items()))
    print("case   C → cross-validated fitting precedent in the first five (ideas with one): "
          + ", ".join(f"{C}: {v:.1%}" for C, v in cv["case_found"].items()))
    print("near   C → cross-validated precedent judged right: "
          + ", ".join(f"{C}: {v:.1%}" for C, v in cv["precedent_right"].items()))
    print(f"challenges (folds grouped by challenge): C={ch_info['challenge_C']}, shown from {ch_at:.2f}: idea judged "
          f"right {ch_info['cv_challenge_right']:.1%}, precision {ch_info['cv_challenge_precision']:.1%}, "
          f"recall {ch_info['cv_challenge_recall']:.1%}")
    info = {"dev_ideas": len(dev), "neighbours_k": NEIGHBOURS, **{k: v for k, v in f.info.items() if k != "cv_by_C"},
            **ch_info, "similar_at": similar_at, "challenges": len(chs)}
    line = lambda n: (f"method top-3 {n['method']:.1%}, precedent judged right {n['precedent']:.1%} "  # noqa: E731
                      f"(ideas with one {n['with_precedent']:.1%}, without {n['without']:.1%}; "
                      f"flag: with one called close {n['with_close']:.1%}, without said so {n['without_flag']:.1%}; "
                      f"precedent ja {n['precedent_ja']:.1%}, en {n['precedent_en']:.1%})")
    if args.nested:
        n = nested(d, ids)
        print(f"nested cross-validation ({n['repeats']} × {FOLDS} folds, every choice made inside the training "
              f"folds): {line(n)}")
        info.update({"nested_method_top3": round(n["method"], 4), "nested_precedent_right": round(n["precedent"], 4)})
    if args.by_writer:
        for w, n in by_writer(d, ids).items():
            who = "each writer's, pooled," if w == "all (pooled)" else f"the {w} writer's"
            print(f"fitted on the other writers' ideas, judged on {who} {n['ideas']}: {line(n)}")
    print(f"chosen: method C={f.info['method_C']}, case C={f.info['case_C']}, near C={f.info['near_C']}, "
          f"near_at={f.near_at:.3f}, close_at={f.close_at:.3f}, challenge_at={ch_at:.3f}, similar_at={similar_at:.3f}"
          + "".join(f"; {g}: near_at={a:.3f}, close_at={c:.3f}" for g, (a, c) in (f.by_lang or {}).items()))

    k = len(METHOD_FEATURES)
    # The one-hot columns are raw (mean 0, scale 1): their weights are logits added per method.
    method = Logistic(f.method.coef[:k], f.method.intercept, f.method.mean[:k], f.method.scale[:k])
    prior = {i: round(float(c), 4) for i, c in zip(d.m_ids, f.method.coef[k:])}
    labelled = [{"id": it["id"], "text": t, "methods": it["methods"], "cases": it["cases"]}
                for it, t in zip(dev, d.texts)]
    method_none = {i: round(float(r), 4) for i, r in zip(d.m_ids, f.none_rate)}
    case_norm = {lang: {c: [round(float(x), 5) for x in f.norms[lang][:, k]] for k, c in enumerate(d.c_ids)}
                 for lang in f.norms}
    model = AdvisorModel(method, prior, f.case, f.near, f.near_at, ch_model, ch_at, labelled, info,
                         close_at=f.close_at, method_none=method_none, case_norm=case_norm,
                         near_by_lang={g: [float(a), float(c)] for g, (a, c) in (f.by_lang or {}).items()})
    for name, names, lr in (("method", METHOD_FEATURES, model.method), ("case", CASE_FEATURES, model.case),
                            ("near", NEAR_FEATURES, model.near), ("challenge", CHALLENGE_FEATURES, model.challenge)):
        print(f"{name} weights: " + ", ".join(f"{n}={c:+.2f}" for n, c in zip(names, lr.coef)))
    print("method priors: " + ", ".join(f"{i}={c:+.2f}" for i, c in sorted(prior.items(), key=lambda x: -x[1])))
    if args.dry_run:
        return 0
    MODEL_FILE.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
