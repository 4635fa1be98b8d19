"""Score the engine on our own labelled questions, training and validation parts apart.

    .venv/bin/python bench/eval_answers.py [--split val|train|all] [--show-fail] [--by style|lang|set]
    .venv/bin/python bench/eval_answers.py --file eval_g.jsonl [--by lang] [--show-fail]

`--file NAME` scores one file under tests/data/ whole (no split), e.g. a held-out set nothing is
fitted on; without it the fitting sets are scored by split, as before.

Judged as ../shared/eval/score.py judges: an in-scope question is right when it is answered and
the answer holds every expected fact (`right`); `entry` also asks for one of the labelled
entries; an out-of-scope one (or a specific the knowledge does not hold) when it is not answered.
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import evalsets  # noqa: E402

from bot.config import get_settings  # noqa: E402
from bot.engine import Desk  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402


def run(desk: Desk, items: list[dict]) -> list[tuple[dict, dict]]:
    return [(it, desk.answer(it["q"]).to_json()) for it in items]


def run_cmd(cmd: str, items: list[dict]) -> list[tuple[dict, dict]]:
    import json
    import shlex
    import subprocess

    stdin = "".join(it["q"].replace("\n", " ") + "\n" for it in items)
    out = subprocess.run(shlex.split(cmd), input=stdin, capture_output=True, text=True, check=True).stdout
    return list(zip(items, (json.loads(l) for l in out.splitlines() if l.strip())))


def report(results, by: str = "style", title: str = "") -> dict:
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    tot = {"in": [0, 0, 0], "out": [0, 0]}
    for it, rep in results:
        ok = evalsets.judge(it, rep) if it["fallback"] else (rep.get("answered") is True and evalsets.facts_present(it, rep.get("answer")))
        entry_ok = (not it["fallback"]) and rep.get("answered") is True and (not it["entries"] or rep.get("entry_id") in it["entries"])
        key = it.get(by, "?") if not it["fallback"] else ("partial" if it["partial"] else "oos") + f"/{it['lang']}"
        g = groups[key]
        g[0] += ok
        g[1] += entry_ok
        g[2] += 1
        if it["fallback"]:
            tot["out"][0] += ok
            tot["out"][1] += 1
        else:
            tot["in"][0] += ok
            tot["in"][1] += entry_ok and ok
            tot["in"][2] += 1
    print(f"== {title} ({len(results)} questions)")
    for k in sorted(groups):
        ok, eok, n = groups[k]
        print(f"  {k:24s} {ok:4d}/{n:<4d} {100 * ok / n:5.1f}%")
    i_ok, i_eok, i_n = tot["in"]
    o_ok, o_n = tot["out"]
    fig = {"in_scope_right": i_ok / i_n if i_n else 0, "in_scope_right_entry": i_eok / i_n if i_n else 0,
           "out_of_scope_declined": o_ok / o_n if o_n else 0, "n_in": i_n, "n_out": o_n}
    print(f"  in scope answered right {i_ok}/{i_n} = {100 * fig['in_scope_right']:.1f}%"
          f" (right entry too: {100 * fig['in_scope_right_entry']:.1f}%);"
          f" out of scope declined {o_ok}/{o_n} = {100 * fig['out_of_scope_declined']:.1f}%")
    return fig


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="val", choices=["val", "train", "all"])
    ap.add_argument("--by", default="style")
    ap.add_argument("--show-fail", action="store_true")
    ap.add_argument("--file", help="score only this file under tests/data/ (all of it, no split), e.g. eval_g.jsonl")
    ap.add_argument("--cmd", help="score another bot instead: a command reading questions on stdin and "
                                  "printing `ask --json` lines (e.g. an older checkout's .venv/bin/deskbot ask --json -)")
    args = ap.parse_args()
    if args.file and not (evalsets.DATA / args.file).is_file():
        ap.error(f"no such file under {evalsets.DATA}: {args.file}")
    desk = None if args.cmd else Desk(load_knowledge(get_settings().knowledge_dir), engine=None)
    if args.file:
        runs = [(f"{args.file}, all items", evalsets.load(None, files=(args.file,)))]
    else:
        splits = ["train", "val"] if args.split == "all" else [args.split]
        runs = [(f"{sp} split", evalsets.load(sp)) for sp in splits]
    for name, items in runs:
        res = run(desk, items) if desk else run_cmd(args.cmd, items)
        report(res, args.by, f"{name}, by {args.by}")
        if args.by != "lang":
            report(res, "lang", f"{name}, by lang")
        if args.show_fail:
            for it, rep in res:
                ok = evalsets.judge(it, rep) if it["fallback"] else (rep.get("answered") is True and evalsets.facts_present(it, rep.get("answer")))
                if not ok:
                    print(f"FAIL {it['id']} [{it.get('style')}] {it['q'][:90]!r}\n     want {it['entries']} {it['expect']}"
                          f" fallback={it['fallback']}\n     got {rep.get('answered')} {rep.get('entry_id')}"
                          f" {rep.get('score')} {(rep.get('answer') or '')[:70]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
