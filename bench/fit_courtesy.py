"""Fit the courtesy-sentence model (bot/courtesy.json): is a sentence only a greeting, an
introduction, thanks, a closing or a signature, or part of what is asked?

    .venv/bin/python bench/fit_courtesy.py            # fit, save bot/courtesy.json, report
    .venv/bin/python bench/fit_courtesy.py --dry-run  # fit and report, save nothing

Courtesy (positive) sentences: the wrappings writers put around questions — the built-in ones of
bench/eval_wrapped.py and tests/data/wrappers_*.json except HELD_OUT (never read here: it
measures what the model does on a writer it has not seen, with bench/eval_wrapped.py) — and the
training part's conversation messages labelled greeting or thanks.
Content (negative) sentences: the training part's questions and messages (the answer sets but
their long and greeting styles, the conversation's other intents but unknown; of several
sentences, those the rules leave whole, such as context about the asker), the knowledge entries'
example questions, the intents' and the out-of-scope topics' examples.
Validation parts are never read.

Cross-validation holds out one writer's wrappings at a time (with a sixth of the content), so
the figures say how the model does on wrappings by someone else. C and the threshold are chosen on
those out-of-fold probabilities: the threshold is the lowest at which at most MAX_CONTENT_RATE of
content sentences would be taken for courtesy (dropping part of a question costs more than
keeping a greeting, which the rules and the decision mostly cope with).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import evalsets  # noqa: E402
from eval_wrapped import WRAPS  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from bot import courtesy  # noqa: E402
from bot import text as T  # noqa: E402

HELD_OUT = "wrappers_e.json"
NGRAMS = (1, 3)
C_GRID = (1.0, 3.0, 10.0, 30.0)
MAX_CONTENT_RATE = 0.002
FOLDS = 6


def sentences_of(text: str) -> list[str]:
    return [s for s in T.sentences(T.slack_plain(T.clean(text, keep_lines=True))) if any(ch.isalnum() for ch in s)]


def wrapping_sentences(wraps: dict) -> list[str]:
    """The sentences of a wrapper set's prefixes and suffixes ({"ja": [[before, after], …], "en": …})."""
    return [s for pairs in wraps.values() for pair in pairs for part in pair for s in sentences_of(part)]


def courtesy_sentences() -> list[tuple[str, str]]:
    """(sentence, group): group is the writer's set, so a fold holds out one writer."""
    sets = {"builtin": WRAPS}
    for f in sorted((evalsets.DATA).glob("wrappers_*.json")):
        if f.name != HELD_OUT:
            sets[f.stem] = json.loads(f.read_text(encoding="utf-8"))
    out = [(s, name) for name, wraps in sets.items() for s in wrapping_sentences(wraps)]
    for it in evalsets.load_conversation("train"):
        if it["intent"] in ("greeting", "thanks"):
            out += [(s, "conversation") for s in sentences_of(it["q"])]
    return out


def content_sentences() -> list[tuple[str, str]]:
    """(sentence, id) of one-sentence questions and examples."""
    texts = []
    for it in evalsets.load("train"):
        if it["style"] not in ("long", "greeting"):
            texts.append((it["q"], it["id"]))
    for it in evalsets.load_conversation("train"):
        if it["intent"] not in ("greeting", "thanks", "unknown"):
            texts.append((it["q"], it["id"]))
    for f in sorted((ROOT / "knowledge" / "entries").glob("*/*.yaml")):
        d = yaml.safe_load(f.read_text(encoding="utf-8"))
        for i, q in enumerate(d.get("questions") or []):
            texts.append((q, f"{f.stem}:{i}"))
    for name in ("intents.yaml", "out_of_scope.yaml"):
        d = yaml.safe_load((ROOT / "knowledge" / name).read_text(encoding="utf-8"))
        for block in d.get("intents") or d.get("topics") or []:
            for i, q in enumerate(block.get("examples") or []):
                texts.append((q, f"{block['id']}:{i}"))
    out = []
    for text, ident in texts:
        ss = sentences_of(text)
        if len(ss) == 1:
            out.append((ss[0], ident))
        else:
            # Of a message of several sentences, those the rules leave whole: context about the
            # asker (「うちは社会人の学び直し講座をやっている会社です」 "We missed August.") is
            # part of what is asked, though it reads like an introduction.
            out += [(x, ident) for x in ss if T.strip_pleasantries(x)[0] == x.strip()]
    return out


def fold_of(key: str) -> int:
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % FOLDS


def fit(xs: list[str], ys: np.ndarray, c: float):
    vec = TfidfVectorizer(analyzer="char", ngram_range=NGRAMS, lowercase=False, sublinear_tf=True, min_df=2)
    m = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    m.fit(vec.fit_transform(xs), ys)
    return vec, m


def threshold_at(p_content: np.ndarray) -> float:
    """The lowest threshold at which at most MAX_CONTENT_RATE of content scores reach it."""
    k = int(MAX_CONTENT_RATE * len(p_content))
    return float(np.sort(p_content)[::-1][k]) + 1e-6


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--show", action="store_true", help="print the content sentences taken for courtesy out of fold")
    args = ap.parse_args()
    pos, neg = courtesy_sentences(), content_sentences()
    # A sentence in both (「ありがとうございます」 closing a question) counts as courtesy only.
    pos_text = {courtesy.normalise(s) for s, _ in pos}
    neg = [(s, g) for s, g in neg if courtesy.normalise(s) not in pos_text]
    xs = [courtesy.normalise(s) for s, _ in pos] + [courtesy.normalise(s) for s, _ in neg]
    ys = np.array([1] * len(pos) + [0] * len(neg))
    writers = sorted({g for _, g in pos})
    # Fold k holds out writer k (positives) and a hash-sixth of the content.
    fold = np.array([writers.index(g) % FOLDS for _, g in pos] + [fold_of(g) for _, g in neg])
    print(f"{len(pos)} courtesy sentences from {len(writers)} writers' sets ({', '.join(writers)}; "
          f"{HELD_OUT} held out), {len(neg)} content sentences; {FOLDS} folds, one writer out each")
    best = None
    for c in C_GRID:
        oof = np.zeros(len(xs))
        for k in range(FOLDS):
            tr, te = fold != k, fold == k
            vec, m = fit([x for x, t in zip(xs, tr) if t], ys[tr], c)
            oof[te] = m.predict_proba(vec.transform([x for x, t in zip(xs, te) if t]))[:, 1]
        th = threshold_at(oof[ys == 0])
        recall = float((oof[ys == 1] >= th).mean())
        print(f"  C={c:<5g} out-of-fold: courtesy recall {recall:.3f} at threshold {th:.3f} "
              f"(content taken for courtesy ≤ {MAX_CONTENT_RATE:.1%})")
        if best is None or recall > best[0]:
            best = (recall, c, th, oof)
    recall, c, th, oof = best
    for k, w in enumerate(writers):
        sel = (fold == k) & (ys == 1)
        print(f"    writer {w:<14} held out: {int((oof[sel] >= th).sum())}/{int(sel.sum())} courtesy sentences recognised")
    if args.show:
        for i in np.flatnonzero((ys == 0) & (oof >= th)):
            print(f"    content taken for courtesy ({oof[i]:.2f}): {xs[i]!r}")
    vec, m = fit(xs, ys, c)
    held_file = evalsets.DATA / HELD_OUT
    if held_file.exists():      # (measured only: nothing above was chosen on it)
        held = [courtesy.normalise(s) for s in wrapping_sentences(json.loads(held_file.read_text(encoding="utf-8")))]
        p_held = m.predict_proba(vec.transform(held))[:, 1]
        print(f"held-out writer {HELD_OUT}: {int((p_held >= th).sum())}/{len(held)} courtesy sentences recognised")
    vocab = vec.vocabulary_
    features = sorted(([g, float(vec.idf_[j]), float(m.coef_[0][j])] for g, j in vocab.items()), key=lambda r: r[0])
    data = {"about": "bot/courtesy.py; fitted by bench/fit_courtesy.py", "ngram_range": list(NGRAMS),
            "C": c, "threshold": th, "intercept": float(m.intercept_[0]), "features": features,
            "cv": {"courtesy_recall": round(recall, 4), "max_content_rate": MAX_CONTENT_RATE,
                   "courtesy_sentences": len(pos), "content_sentences": len(neg), "held_out": HELD_OUT}}
    # The run-time arithmetic must agree with scikit-learn's.
    ours = courtesy.Model(data)
    theirs = m.predict_proba(vec.transform(xs))[:, 1]
    diff = max(abs(ours.probability(x) - p) for x, p in zip(xs, theirs))
    print(f"chosen C={c:g}, threshold {th:.3f}; {len(features)} n-grams; run-time vs scikit-learn max |Δp| = {diff:.2e}")
    if diff > 1e-6:
        print("run-time probabilities differ from scikit-learn's: not saved", file=sys.stderr)
        return 1
    if not args.dry_run:
        courtesy.MODEL_FILE.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"saved {courtesy.MODEL_FILE.relative_to(ROOT)} ({courtesy.MODEL_FILE.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
