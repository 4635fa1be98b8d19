"""Score the idea advisor on our labelled ideas (tests/data/ideas.jsonl): the development part
(what bench/fit_advisor.py fitted on; in-sample) and the held-back fifth (never fitted or tuned on).

    .venv/bin/python bench/eval_ideas.py            # both parts, by language; city challenges
    .venv/bin/python bench/eval_ideas.py --misses   # also list the ideas judged wrong
    .venv/bin/python bench/eval_ideas.py --cv       # also the development part cross-validated

- method: a method a desk officer would name is among the first three;
- precedent: a fitting precedent is among the first five, or, for an idea with none recorded,
  the advisor says "no close precedent recorded" (lists none);
- timing: every advice carries timing text;
- city challenges (tests/data/idea_challenges.jsonl, all 30 open at once): per idea at most three
  shown; precision and recall over (idea, challenge) pairs, and the share of ideas judged right
  (one that fits shown, or none shown when none fits). The challenges themselves were fitted on
  with the development ideas, so on the held-back ideas only the ideas are new.
- --cv: the development ideas the way new ideas meet the model: nested cross-validation (every
  choice made inside the training folds, three shuffles), and fitted on one writer's ideas and
  judged on the other's (bench/ideas.writer). The plain development figures are in-sample (the
  weights were fitted on these ideas), though each idea is left out of the labelled neighbours
  that vote for it, as it was when the weights were fitted.
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
        # a labelled idea never votes for itself (it would on the development part)
        r = advisor.advise(it["text"], on=ON, challenges=[], log=False, leave_out=it["id"])
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


def report_challenges(advisor, items: list[dict], chs: list[dict]) -> None:
    import numpy as np
    from fit_advisor import challenge_judge, challenge_labels

    from bot.proposals.service import ChallengeView

    views = [ChallengeView(k, c["title"], c["department"], c["description"], c["desired_outcome"], None, "eval")
             for k, c in enumerate(chs)]
    P = np.asarray([advisor.challenge_probs(advisor.index.encode(advisor.clean(it["text"])), views) for it in items])
    j = challenge_judge(P, challenge_labels(items, chs), advisor.model.challenge_at)
    print(f"  city challenges ({len(chs)} open): idea judged right {j['right']:.1%}, "
          f"precision {j['precision']:.1%}, recall {j['recall']:.1%}")


def report_cv() -> None:
    from fit_advisor import by_writer, featurise, nested

    from bot.advisor import Advisor, default_model
    from bot.engine import Desk

    dev = ideas.load("dev")
    d = featurise(Advisor(Desk.load(), model=default_model()), dev)
    ids = list(range(len(dev)))
    line = lambda n: (f"method {n['method']:.1%}, precedent {n['precedent']:.1%} (with one {n['with_precedent']:.1%}, "  # noqa: E731
                      f"none recorded {n['without']:.1%})")
    n = nested(d, ids)
    print(f"development, cross-validated ({n['repeats']} shuffles × 5 folds, nested): {n['ideas']} ideas: {line(n)}")
    for w, n in by_writer(d, ids).items():
        print(f"development, {w} writer's {n['ideas']} ideas, fitted on the other's: {line(n)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--misses", action="store_true", help="list the ideas judged wrong")
    ap.add_argument("--cv", action="store_true",
                    help="also cross-validate the development part (nested, and by writer; about a minute)")
    args = ap.parse_args()
    from fit_advisor import load_challenges

    from bot.advisor import Advisor
    from bot.engine import Desk

    advisor = Advisor(Desk.load())
    chs = load_challenges()
    dev, held = ideas.load("dev"), ideas.load("held")
    report("development (fitted on; each idea left out of the labelled neighbours)", score(advisor, dev)["rows"],
           args.misses)
    report_challenges(advisor, dev, chs)
    if args.cv:
        report_cv()
    report("held back (never fitted or tuned on)", score(advisor, held)["rows"], args.misses)
    report_challenges(advisor, held, chs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
