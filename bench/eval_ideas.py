"""Score the idea advisor on our labelled ideas (tests/data/ideas.jsonl): the development part
(what bench/fit_advisor.py fitted on; in-sample) and the held-back fifth (never fitted or tuned on).

    .venv/bin/python bench/eval_ideas.py            # both parts, by language; city challenges
    .venv/bin/python bench/eval_ideas.py --misses   # also list the ideas judged wrong
    .venv/bin/python bench/eval_ideas.py --cv       # also the development part cross-validated

- method: a method a desk officer would name is among the first three;
- precedent: a fitting precedent is among the first five shown, or, for an idea with none
  recorded, none is shown (the JSON's `cases` is empty). Between "near" and "close" the advisor
  shows the nearest ones for reference under "no close precedent recorded" (`no_precedent: true`,
  `precedents: "reference"`); this figure counts those as shown. The flag is judged too: an idea
  with a precedent is right when called close (`no_precedent: false`) with a fitting one shown,
  one without when `no_precedent` is true (nothing shown, or shown for reference);
- timing: every advice carries timing text;
- city challenges (tests/data/idea_challenges.jsonl, all 30 open at once; over the ideas labelled
  for them, i0001–i0150: bench/ideas.challenge_labelled): per idea at most three
  shown; precision and recall over (idea, challenge) pairs, and the share of ideas judged right
  (one that fits shown, or none shown when none fits). The challenges themselves were fitted on
  with the development ideas, so on the held-back ideas only the ideas are new.
- --cv: the development ideas the way new ideas meet the model: nested cross-validation (every
  choice made inside the training folds, three shuffles), and fitted on the other writers' ideas
  and judged on one writer's, for each writer in turn and pooled (bench/ideas.writer). The plain development
  figures are in-sample (the weights were fitted on these ideas), though each idea is left out of
  the labelled neighbours that vote for it, as it was when the weights were fitted.
- --dev-only: leave the held-back part out (while developing; its figures are for the end).
- --writer NAME: score only that writer's ideas (bench/ideas.writer), development and held-back
  parts together, totals only (no misses: part of them are held back) — a new writer's ideas
  scored once with the model as shipped, before anything is changed for them.
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
        close = ideas.case_hit(it, [c.id for c in r.cases]) and not r.no_precedent if it["cases"] else r.no_precedent
        rows.append({"item": it, "result": r, "method": m_ok, "case": c_ok, "flag": close, "timing": bool(r.timing)})
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
    print(f"    no precedent recorded → none shown: {fmt(share(rows, 'case', none))}; "
          f"with one → found among those shown: {fmt(share(rows, 'case', lambda r: not none(r)))}")
    print(f"    the flag no_precedent: none recorded → said no close one: {fmt(share(rows, 'flag', none))}; "
          f"with one → called close, a fitting one shown: {fmt(share(rows, 'flag', lambda r: not none(r)))}")
    ref = [r for r in rows if r["result"].precedents == "reference"]
    print(f"    shown for reference (no close one; the nearest shown): {len(ref)} ideas, "
          f"{sum(bool(r['item']['cases']) for r in ref)} of them with a recorded precedent, "
          f"{sum(r['case'] for r in ref if r['item']['cases'])} found")
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
    items = [it for it in items if ideas.challenge_labelled(it)]
    P = np.asarray([advisor.challenge_probs(advisor.index.encode(advisor.clean(it["text"])), views) for it in items])
    j = challenge_judge(P, challenge_labels(items, chs), advisor.model.challenge_at)
    print(f"  city challenges ({len(chs)} open; the {len(items)} ideas labelled for them): idea judged right {j['right']:.1%}, "
          f"precision {j['precision']:.1%}, recall {j['recall']:.1%}")


def report_cv() -> None:
    from fit_advisor import by_writer, featurise, nested

    from bot.advisor import Advisor, default_model
    from bot.engine import Desk

    dev = ideas.load("dev")
    d = featurise(Advisor(Desk.load(), model=default_model()), dev)
    ids = list(range(len(dev)))
    line = lambda n: (f"method {n['method']:.1%}, precedent {n['precedent']:.1%} (with one {n['with_precedent']:.1%}, "  # noqa: E731
                      f"none recorded {n['without']:.1%}; flag: with one called close {n['with_close']:.1%}, "
                      f"none recorded said so {n['without_flag']:.1%}; with one, a fitting one among the five best "
                      f"whether shown or not {n['ranked']:.1%})")
    n = nested(d, ids)
    print(f"development, cross-validated ({n['repeats']} shuffles × 5 folds, nested): {n['ideas']} ideas: {line(n)}")
    for w, n in by_writer(d, ids).items():
        who = "every writer's (pooled)" if w == "all (pooled)" else f"{w} writer's"
        print(f"development, {who} {n['ideas']} ideas, fitted on the others': {line(n)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--misses", action="store_true", help="list the ideas judged wrong")
    ap.add_argument("--dev-only", action="store_true",
                    help="leave the held-back part out (while developing: its figures are for the end)")
    ap.add_argument("--cv", action="store_true",
                    help="also cross-validate the development part (nested, and by writer; about a minute)")
    ap.add_argument("--writer", choices=ideas.WRITERS,
                    help="score only this writer's ideas, both parts together, totals only")
    args = ap.parse_args()
    from fit_advisor import load_challenges

    from bot.advisor import Advisor
    from bot.engine import Desk

    advisor = Advisor(Desk.load())
    chs = load_challenges()
    if args.writer:
        mine = [it for it in ideas.load() if ideas.writer(it) == args.writer]
        n_held = sum(it["split"] == "held" for it in mine)
        report(f"the {args.writer} writer's ideas ({len(mine) - n_held} development, {n_held} held back; "
               f"each left out of the labelled neighbours)", score(advisor, mine)["rows"], False)
        return 0
    dev, held = ideas.load("dev"), ideas.load("held")
    report("development (fitted on; each idea left out of the labelled neighbours)", score(advisor, dev)["rows"],
           args.misses)
    report_challenges(advisor, dev, chs)
    if args.cv:
        report_cv()
    if args.dev_only:
        return 0
    report("held back (never fitted or tuned on)", score(advisor, held)["rows"], args.misses)
    report_challenges(advisor, held, chs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
