"""Idea advisor latency on the shipped knowledge base, beside the answer path, in the same process,
pinned to one core.

    .venv/bin/python bench/bench_idea.py [--rounds 5]

- idea: `Advisor.advise()` on every idea of tests/data/ideas.jsonl (a sentence to a paragraph,
  ja and en) with five open city challenges to compare against (their vectors cached after the
  first round, as in a running process), without the question-log write;
- answer: `Desk.answer()` on the same texts (the answer engine's path, no log write), for scale.
Goal (issue #13): an idea answered in under 50 ms on one core (p99 shown too).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import get_settings  # noqa: E402
from bot.engine import Desk  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402
from bot.proposals.service import ChallengeView  # noqa: E402

CHALLENGES = [
    ChallengeView(1, "高齢者のフレイル予防", "健康福祉課", "外出や運動の機会が減った高齢者の心身の衰えを防ぎたい。",
                  "継続して参加できる仕組みと効果の見える化", None, "bench"),
    ChallengeView(2, "公共交通の空白地域の移動手段", "交通政策課", "バス路線の廃止で移動が難しい地域がある。",
                  "予約型の乗合交通などで日常の移動を支える", None, "bench"),
    ChallengeView(3, "窓口の待ち時間の短縮", "市民課", "繁忙期に窓口で長い待ち時間が生じている。",
                  "書かない窓口などで手続きを短く", None, "bench"),
    ChallengeView(4, "公共施設の老朽化対策", "資産経営課", "築40年を超える施設が多く、更新費用が課題。",
                  "民間の資金とノウハウを生かした再整備", None, "bench"),
    ChallengeView(5, "農業の担い手不足", "農政課", "高齢化で耕作放棄地が増えている。", "スマート農業で少ない人手でも営農を続ける",
                  None, "bench"),
]


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    from bot.advisor import Advisor

    ideas = [json.loads(l)["text"] for l in (ROOT / "tests/data/ideas.jsonl").read_text(encoding="utf-8").splitlines()
             if l.strip()]
    t0 = time.perf_counter()
    desk = Desk(load_knowledge(get_settings().knowledge_dir), engine=None)
    t1 = time.perf_counter()
    advisor = Advisor(desk)
    t2 = time.perf_counter()
    on = date(2026, 6, 1)
    for text in ideas[:3]:                      # warm-up (and the challenge vectors cached)
        advisor.advise(text, on=on, challenges=CHALLENGES, log=False)
        desk.answer(text)
    idea_ms, answer_ms = [], []
    for _ in range(args.rounds):
        for text in ideas:
            a = time.perf_counter()
            advisor.advise(text, on=on, challenges=CHALLENGES, log=False)
            b = time.perf_counter()
            desk.answer(text)
            c = time.perf_counter()
            idea_ms.append((b - a) * 1000)
            answer_ms.append((c - b) * 1000)
    print(f"one core; {len(ideas)} ideas × {args.rounds} rounds; desk build {t1 - t0:.2f} s, advisor build "
          f"{(t2 - t1) * 1000:.0f} ms")
    print(f"{'path':8s} {'mean':>8s} {'p50':>8s} {'p99':>8s} {'max':>8s}")
    for name, xs in (("idea", idea_ms), ("answer", answer_ms)):
        print(f"{name:8s} {statistics.mean(xs):6.1f}ms {pct(xs, 50):6.1f}ms {pct(xs, 99):6.1f}ms {max(xs):6.1f}ms")
    ok = pct(idea_ms, 99) < 50
    print(f"goal: an idea under 50 ms on one core — p99 {pct(idea_ms, 99):.1f} ms {'✔' if ok else '✘'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
