"""Score the idea advisor on our labelled ideas (tests/data/ideas.jsonl): the development part
(what bench/fit_advisor.py fitted on; in-sample) and the held-back fifth (never fitted or tuned on).

    .venv/bin/python bench/eval_ideas.py            # both parts, by language
    .venv/bin/python bench/eval_ideas.py --misses   # also list the ideas judged wrong

- method: a method a desk officer would name is among the first three;
- precedent: a fitting precedent is among the first five, or, for an idea with none recorded,
  the advisor says "no close precedent recorded" (lists none);
- timing: every advice carries timing text.
"""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import ideas  # noqa: E402

ON = date(2026, 6, 1)       # a fixed date: the figures must not depend on the day they are run


def score(advisor, items) -> dict:
    rows = []
    for it in items:
        r = advisor.advise(it["text"], on=ON, challenges=[], log=False)
        m_ok = ideas.method_hit(it, [m.id for m in r.methods])
        c_ok = ideas.case_hit(it, [c.id for c in r.cases])
        rows.append({"item": it, "result": r, "method": m_ok, "case": c_ok, "timing": bool(r.timing)})
    return {"rows": rows}


def share(rows, key, pred=lambda r: True) -> tuple[int, int]:
    sel = [r for r in rows if pred(r)]
    return sum(r[key] for r in sel), len(sel)


def fmt(hit_n: tuple[int, int]) -> str:
    h, n = hit_n
    return f"{h / n:6.1%} ({h}/{n})" if n else "     — (0/0)"


def report(name: str, rows: list[dict], misses: bool) -> None:
    print(f"{name}: {len(rows)} ideas")
    print(f"  method among first 3   {fmt(share(rows, 'method'))}")
    print(f"  precedent among first 5 {fmt(share(rows, 'case'))}")
    for lang in ("ja", "en"):
        lr = lambda r, lang=lang: r["item"]["lang"] == lang
        print(f"    {lang}: method {fmt(share(rows, 'method', lr))}  precedent {fmt(share(rows, 'case', lr))}")
    none = lambda r: not r["item"]["cases"]
    print(f"    no precedent recorded → said so: {fmt(share(rows, 'case', none))}; "
          f"with one → found: {fmt(share(rows, 'case', lambda r: not none(r)))}")
    print(f"  timing advice present  {fmt(share(rows, 'timing'))}")
    if misses:
        for r in rows:
            if not (r["method"] and r["case"]):
                it, res = r["item"], r["result"]
                print(f"    ✗ {it['id']} method={'ok' if r['method'] else 'MISS'} case={'ok' if r['case'] else 'MISS'}"
                      f"  got {[m.id for m in res.methods]} {[c.id for c in res.cases] or 'none'}"
                      f"  want {it['methods']} {it['cases'] or 'none'}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--misses", action="store_true")
    args = ap.parse_args()
    from bot.advisor import Advisor
    from bot.engine import Desk

    advisor = Advisor(Desk.load())
    report("development (fitted on: in-sample; cross-validated figures: bench/fit_advisor.py)",
           score(advisor, ideas.load("dev"))["rows"], args.misses)
    report("held back (never fitted or tuned on)", score(advisor, ideas.load("held"))["rows"], args.misses)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
