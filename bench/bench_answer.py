"""Answer latency (matching + decision, no question-log write): the shipped knowledge base and
synthetic ones of 10,000 and 100,000 entries, beside two baselines over the same entries'
raw text, measured in the same process, pinned to one core:
- naive: rapidfuzz `process.extractOne(q, texts, scorer=WRatio)` (on the shipped base timed in
  turn with ours, question by question, over the same rounds);
- BM25: rank_bm25's BM25Okapi over character bigrams (Latin words whole).

    .venv/bin/python bench/bench_answer.py [--sizes 10000 100000] [--rounds 5]

A second row on the shipped base times e-mail-style messages of several sentences (each sentence
is scored as well as the whole). Synthetic bases use stand-in entry vectors of the real shape (encoding 100,000 entries takes
long); every question is encoded for real. Goals (issue #8): on the shipped base mean ≤ 6 ms and
p99 ≤ the naive p99; at 10,000 and 100,000 entries p99 ≥ 20× faster than naive.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rank_bm25 import BM25Okapi  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from bot.config import get_settings  # noqa: E402
from bot.engine import Desk  # noqa: E402
from bot.knowledge import Knowledge, Localized, load_knowledge  # noqa: E402


def questions() -> list[str]:
    qs = []
    for f in (ROOT.parent / "shared/eval/dev_questions.jsonl", ROOT / "tests/data/paraphrases.jsonl"):
        if f.exists():
            qs += [json.loads(l)["q"] for l in f.read_text(encoding="utf-8").splitlines() if l.strip()]
    return qs


def long_messages(n: int = 120) -> list[str]:
    """E-mail-style messages of several sentences (our labelled sets' "long" style, every split:
    only timed here), the shape of many real Slack messages: each sentence is scored too."""
    qs = []
    for f in sorted((ROOT / "tests/data").glob("eval_*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                it = json.loads(line)
                if it.get("style") == "long":
                    qs.append(it["q"])
    return qs[:n]


def synthetic(kb: Knowledge, n: int, seed: int = 7) -> Knowledge:
    """n entries made from the real ones: titles and aliases recombined with place names,
    answers stitched from sentences of three random entries (realistic Japanese/English text)."""
    rnd = random.Random(seed)
    base = list(kb.entries.values())
    places = sorted({e.municipality.ja for e in base if e.municipality}) + ["東市", "西町", "南村", "北区"]
    sentences_ja = [s for e in base for s in e.answer.ja.split("。") if s.strip()]
    sentences_en = [s for e in base if e.answer.en for s in e.answer.en.split(". ") if s.strip()]
    entries = {}
    for i in range(n):
        b = rnd.choice(base)
        place = rnd.choice(places)
        eid = f"s{i}-{b.id}"[:80]
        ja = "。".join(rnd.sample(sentences_ja, 4)) + "。"
        en = ". ".join(rnd.sample(sentences_en, 3)) + "."
        entries[eid] = b.model_copy(update={
            "id": eid,
            "title": Localized(ja=f"{place}の{b.title.ja}", en=f"{b.title.en or ''} in {place}"),
            "aliases": [f"{place}{a}" for a in b.aliases[:3]],
            "answer": Localized(ja=ja, en=en),
            "questions": list(b.questions[:2]),
            "related": [],
        })
    return Knowledge(entries=entries, docs=kb.docs, root=kb.root, synonyms=kb.synonyms,
                     out_of_scope=kb.out_of_scope)


def bigrams(text: str) -> list[str]:
    t = text.lower()
    return re.findall(r"[a-z0-9]+", t) + [t[i:i + 2] for i in range(len(t) - 1) if not t[i:i + 2].isascii()]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def time_calls(fn, qs: list[str], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        for q in qs:
            t = time.perf_counter()
            fn(q)
            out.append((time.perf_counter() - t) * 1000)
    return out


def time_pairs(fn_a, fn_b, qs: list[str], rounds: int) -> tuple[list[float], list[float]]:
    a, b = [], []
    for _ in range(rounds):
        for q in qs:
            t = time.perf_counter()
            fn_a(q)
            t1 = time.perf_counter()
            fn_b(q)
            a.append((t1 - t) * 1000)
            b.append((time.perf_counter() - t1) * 1000)
    return a, b


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})   # one core
    kb = load_knowledge(get_settings().knowledge_dir)
    qs, long_qs = questions(), long_messages()
    print(f"{len(qs)} questions (development set and paraphrases; 'long': {len(long_qs)} e-mail-style"
          f" messages of our own sets); one core; times in ms per question")
    print(f"{'knowledge base':>16} {'build s':>8} {'ours mean':>9} {'p50':>6} {'p99':>6} {'naive p50':>9} {'p99':>7}"
          f" {'bm25 p50':>8} {'p99':>7} {'p99 ratio':>9} {'semantic MB':>11} {'peak RSS MB':>11}")
    runs = [("shipped", kb, qs), ("shipped, long", kb, long_qs)] + [(f"synthetic {n:,}", None, qs) for n in args.sizes]
    for label, k, batch in runs:
        if k is None:
            k = synthetic(kb, int(label.split()[1].replace(",", "")))
        t = time.perf_counter()
        # matching and decision only; no question log
        desk = Desk(k, engine=None, stand_in_vectors=k is not kb)
        build = time.perf_counter() - t
        desk.warm()             # as `deskbot serve` does before its workers answer
        texts = [f"{e.title.ja} {e.title.en or ''} {' '.join(e.aliases)} {e.answer.ja}" for e in k.entries.values()]
        naive_one = lambda q: process.extractOne(q, texts, scorer=fuzz.WRatio)  # noqa: E731
        sample = batch if len(texts) < 1000 else batch[: max(5, 3000 * 20 // len(texts))]
        if len(texts) < 1000:
            # Same questions, same rounds, each question timed for both in turn: a slow spell of
            # the machine falls on both, and both p99s rest on as many samples.
            ours, naive = time_pairs(desk.answer, naive_one, batch, args.rounds)
        else:       # naive is too slow for every question on the large bases: a sample of them
            ours = time_calls(desk.answer, batch, args.rounds if len(k.entries) < 50_000 else 1)
            naive = time_calls(naive_one, sample, 1)
        bm25 = BM25Okapi([bigrams(x) for x in texts])
        bm = time_calls(lambda q: int(bm25.get_scores(bigrams(q)).argmax()), sample, 1)
        r = desk.retriever
        sem_mb = (r.vectors.nbytes + (r.centroids.nbytes if r.centroids is not None else 0)) / 2**20
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{label:>16} {build:8.1f} {statistics.mean(ours):9.2f} {statistics.median(ours):6.2f} {pct(ours, 99):6.2f}"
              f" {statistics.median(naive):9.2f} {pct(naive, 99):7.1f} {statistics.median(bm):8.2f} {pct(bm, 99):7.1f}"
              f" {pct(naive, 99) / pct(ours, 99):8.1f}x {sem_mb:11.0f} {rss:11.0f}", flush=True)
        del desk
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
