"""One-shot start-up: a whole `deskbot ask "PFIとは"` process, this checkout beside a baseline
checkout (an older commit with its own .venv), alternating runs in the same session.

    git worktree add --detach /tmp/baseline <commit> && make -C /tmp/baseline .venv/.installed
    .venv/bin/python bench/bench_startup.py --baseline /tmp/baseline [--runs 10]

Prints wall time (median, max) and peak resident memory (max RSS of the process) for each.
The first run of each side warms the disk caches (and, for this checkout, the model and vector
cache under var/cache/) and is not counted.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one(repo: Path, question: str) -> tuple[float, float]:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{repo / 'var' / 'bench-startup.sqlite3'}")
    t = time.perf_counter()
    p = subprocess.Popen([str(repo / ".venv" / "bin" / "deskbot"), "ask", question], cwd=repo, env=env,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{repo}: deskbot ask failed")
    return wall, usage.ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--baseline", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--question", default="PFIとは")
    args = ap.parse_args()
    sides = {"this checkout": ROOT, "baseline": args.baseline.resolve()}
    for repo in sides.values():
        one(repo, args.question)                       # warm-up, not counted
    res: dict[str, list[tuple[float, float]]] = {k: [] for k in sides}
    for _ in range(args.runs):
        for name, repo in sides.items():
            res[name].append(one(repo, args.question))
    print(f"deskbot ask {args.question!r}, {args.runs} runs each, alternating")
    print(f"{'':>14} {'median s':>9} {'max s':>7} {'peak RSS MB':>12}")
    for name, rs in res.items():
        walls = [w for w, _ in rs]
        print(f"{name:>14} {statistics.median(walls):9.2f} {max(walls):7.2f} {max(m for _, m in rs):12.0f}")
    base = statistics.median(w for w, _ in res["baseline"])
    print(f"ratio (median): {statistics.median(w for w, _ in res['this checkout']) / base:.2f}× the baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
