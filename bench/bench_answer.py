"""Answer latency of the matcher: the shipped knowledge base and synthetic ones of 10,000 and
100,000 entries, beside a naive baseline (rapidfuzz `process.extractOne` with `WRatio` over each
entry's raw text) measured in the same process. Pinned to one core.

    .venv/bin/python bench/bench_answer.py [--sizes 10000 100000] [--rounds 5]

Goals (issue #2): p99 under 2 ms on the shipped base, under 50 ms at 100,000 entries.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
            "related": [],
        })
    return Knowledge(entries=entries, docs=kb.docs, root=kb.root, synonyms=kb.synonyms,
                     out_of_scope=kb.out_of_scope)


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


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})   # one core
    kb = load_knowledge(get_settings().knowledge_dir)
    qs = questions()
    print(f"{len(qs)} questions; one core; times in ms per question")
    print(f"{'knowledge base':>16} {'build s':>8} {'ours p50':>9} {'ours p99':>9} "
          f"{'naive p50':>10} {'naive p99':>10} {'p50 ratio':>10}")
    for label, k in [("shipped", kb)] + [(f"synthetic {n:,}", None) for n in args.sizes]:
        if k is None:
            k = synthetic(kb, int(label.split()[1].replace(",", "")))
        t = time.perf_counter()
        desk = Desk(k, engine=None)          # matching and decision only; no question log
        build = time.perf_counter() - t
        desk.answer("warm up")
        ours = time_calls(desk.answer, qs, args.rounds if len(k.entries) < 50_000 else 1)
        texts = [f"{e.title.ja} {e.title.en or ''} {' '.join(e.aliases)} {e.answer.ja}" for e in k.entries.values()]
        sample = qs if len(texts) < 1000 else qs[: max(5, 3000 * 20 // len(texts))]
        naive = time_calls(lambda q: process.extractOne(q, texts, scorer=fuzz.WRatio), sample, 1)
        print(f"{label:>16} {build:8.1f} {statistics.median(ours):9.3f} {pct(ours, 99):9.3f} "
              f"{statistics.median(naive):10.3f} {pct(naive, 99):10.3f} "
              f"{statistics.median(naive) / statistics.median(ours):9.1f}x", flush=True)
        del desk
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
