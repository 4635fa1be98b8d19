"""Score the desk's conversation on our own labelled messages (tests/data/conversation.jsonl),
training and validation parts apart.

    .venv/bin/python bench/eval_conversation.py [--split val|train|all] [--show-fail]
    .venv/bin/python bench/eval_conversation.py --ids-from 1009     # only c1009 … , scored whole
    .venv/bin/python bench/eval_conversation.py --file NEW.jsonl     # another file, scored whole

`--ids-from N` keeps the messages whose id number is N or more (a fresh writer's batch, appended
to the set) and `--file` reads another file of the same schema; either scores its messages whole,
both parts together (`--split` then narrows it, e.g. `--split train --show-fail` lists only the
training part's failures: never look at validation items' failures).

A message passes when the reply's intent is the labelled one, `answered` is as labelled, every
expected fact is in the text (timing is answered as of the item's date), and for case lists at
least one labelled case is among the items.
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import evalsets  # noqa: E402

from bot.config import get_settings  # noqa: E402
from bot.engine import Desk  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402


EXAMPLE_CONTACT = {"desk_contact_phone": "000-0000-0000 (example)", "desk_contact_email": "desk@example.jp",
                   "desk_contact_url": "https://example.jp/desk", "desk_contact_hours": "9:00–17:00 (example)"}


def passes(it: dict, rep: dict) -> bool:
    if rep.get("intent") != it["intent"]:
        return False
    if rep.get("answered") is not it.get("answered", True):
        return False
    if not evalsets.facts_present(it, rep.get("answer") or ""):
        return False
    if it["intent"] == "cases" and it["entries"] and rep.get("answered"):
        return bool({i["entry_id"] for i in rep.get("items", [])} & set(it["entries"]))
    if it["intent"] == "answer" and it["entries"] and rep.get("answered"):
        return rep.get("entry_id") in it["entries"]
    return True


def _id_number(key: str) -> int:
    digits = "".join(ch for ch in key if ch.isdigit())
    return int(digits) if digits else -1


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default=None, choices=["val", "train", "all", "whole"],
                    help="default: val; with --ids-from or --file: whole")
    ap.add_argument("--show-fail", action="store_true")
    ap.add_argument("--ids-from", type=int, default=None, metavar="N", help="only ids numbered N or more")
    ap.add_argument("--file", default=None, help="score this file (same schema) instead")
    args = ap.parse_args()
    subset = args.ids_from is not None or args.file is not None
    if args.split is None:
        args.split = "whole" if subset else "val"
    if subset and args.show_fail and args.split != "train":
        ap.error("--show-fail on a fresh batch lists training failures only: add --split train")
    desk = Desk(load_knowledge(get_settings().knowledge_dir), engine=None)
    # The labels expect a desk whose contact is configured (a city that set DESK_CONTACT_*);
    # without it, the contact intent says so and offers the staff (tests/test_conversation.py).
    settings = get_settings()
    if not any((settings.desk_contact_phone, settings.desk_contact_email, settings.desk_contact_url)):
        settings = settings.model_copy(update=EXAMPLE_CONTACT)
    desk.settings = settings
    for sp in (["train", "val"] if args.split == "all" else [args.split]):
        items = evalsets.load_conversation(None if sp == "whole" else sp, path=args.file)
        if args.ids_from is not None:
            items = [it for it in items if _id_number(it["id"]) >= args.ids_from]
        by = defaultdict(lambda: [0, 0])
        ok_all = 0
        parts = {"train": 0, "val": 0}
        for it in items:
            d = date.fromisoformat(it["date"]) if it.get("date") else None
            rep = desk.answer(it["q"], today=d).to_json()
            ok = passes(it, rep)
            ok_all += ok
            parts[it["split"]] += ok
            by[it["intent"]][0] += ok
            by[it["intent"]][1] += 1
            if args.show_fail and not ok:
                print(f"FAIL {it['id']} [{it['intent']}] {it['q'][:80]!r} date={it.get('date')}\n"
                      f"     want answered={it.get('answered')} {it['entries'][:3]} {it['expect']}\n"
                      f"     got {rep['intent']} answered={rep['answered']} {rep['entry_id']} "
                      f"{[i['entry_id'] for i in rep['items']][:3]} {rep['answer'][:80]!r}")
        print(f"== {sp} split ({len(items)} messages)")
        for k in sorted(by):
            print(f"  {k:14s} {by[k][0]:3d}/{by[k][1]:<3d}")
        print(f"  all {ok_all}/{len(items)} = {100 * ok_all / max(1, len(items)):.1f}%")
        if sp == "whole":     # totals by part (validation: the total only)
            for part in ("train", "val"):
                n = sum(1 for it in items if it["split"] == part)
                print(f"  {part} part {parts[part]}/{n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
