"""`deskbot idea`: the idea advisor from the command line.

    deskbot idea "TEXT"                              advice as a person reads it
    deskbot idea --json [--date YYYY-MM-DD] -        one idea per line on stdin, one JSON line each
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date


def _date(s: str) -> date:
    try:
        return date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {s!r}") from None


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("idea", help='advice on an idea: deskbot idea "TEXT" (or --json - for one idea per line on stdin)')
    p.add_argument("text", help='the idea, or "-" to read one idea per line from stdin')
    p.add_argument("--json", action="store_true", help="print one JSON object per idea")
    p.add_argument("--date", type=_date, help="the date the timing is for (default: today in the city's time zone)")
    p.add_argument("--lang", choices=["ja", "en"], help="force the reply language")
    p.set_defaults(func=cmd_idea)


def cmd_idea(args) -> int:
    from bot.advisor import advisor_for
    from bot.cli_core import _load_desk, _stdin_lines
    from bot.fiscal import CalendarError
    from bot.render import render_idea

    desk = _load_desk()
    if desk is None:
        return 1
    advisor = advisor_for(desk)
    lines = _stdin_lines() if args.text == "-" else [args.text]
    try:
        for line in lines:
            text = line.rstrip("\r\n") if args.text == "-" else line
            if args.text == "-" and not text.strip() and not args.json:
                continue
            r = advisor.advise(text, on=args.date, lang=args.lang, surface="idea", asker="cli")
            print(json.dumps(r.to_json(), ensure_ascii=False) if args.json else render_idea(r), flush=True)
    except CalendarError as e:
        print(e, file=sys.stderr)
        return 1
    return 0
