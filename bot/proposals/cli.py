"""`deskbot advise …` and `deskbot proposals export|list …`."""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("advise", help="timing advice for a proposal made on a date (budget calendar)")
    p.add_argument("--date", type=_advice_date, default=None, help="YYYY-MM-DD (default: today)")
    p.add_argument("--needs-budget", choices=["yes", "no", "unsure"], default="unsure")
    p.add_argument("--lang", choices=["ja", "en"], default="ja")
    p.set_defaults(func=cmd_advise)

    pr = sub.add_parser("proposals", help="company proposals: list, export")
    prs = pr.add_subparsers(dest="proposals_command", metavar="PROPOSALS_COMMAND", required=True)
    p = prs.add_parser("list", help="list proposals, newest first")
    p.add_argument("--status", help="only this status (e.g. 検討中 or reviewing)")
    p.add_argument("--keyword", help="only proposals mentioning this")
    p.set_defaults(func=cmd_list)
    p = prs.add_parser("export", help="export every proposal with its history")
    p.add_argument("--format", choices=["csv"], default="csv")
    p.add_argument("--output", "-o", type=Path, help="file to write (default: standard output)")
    p.add_argument("--header", choices=["ja", "en"], default="ja", help="column names")
    p.add_argument("--include-notes", action="store_true", help="add the staff's internal notes")
    p.add_argument("--no-bom", action="store_true", help="plain UTF-8 (no byte-order mark for Excel)")
    p.set_defaults(func=cmd_export)
    p = prs.add_parser("nudge", help="queue the stale-proposal nudge now (normally the scheduler does)")
    p.add_argument("--days", type=int, help="no status change for this many days (default: setting)")
    p.set_defaults(func=cmd_nudge)
    p = prs.add_parser("deliver", help="send waiting staff posts and notices to Slack (cron or the scheduler)")
    p.add_argument("--nudge", action="store_true", help="queue the stale-proposal nudge first")
    p.add_argument("--all", action="store_true", help="retry every waiting message now, whatever its backoff")
    p.set_defaults(func=cmd_deliver)


ADVICE_YEARS = range(2000, 2199)      # the calendar's fiscal years reach one year past the date


def _advice_date(s: str) -> date:
    try:
        d = date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{s!r} is not a date: expected YYYY-MM-DD") from None
    if d.year not in ADVICE_YEARS:
        raise argparse.ArgumentTypeError(
            f"{s} is out of range: expected a date from {ADVICE_YEARS.start}-01-01 to {ADVICE_YEARS.stop - 1}-12-31")
    return d


def _engine():
    from bot.db import get_engine, init_db

    engine = get_engine()
    init_db(engine)
    return engine


def cmd_advise(args) -> int:
    from bot.config import get_settings
    from bot.fiscal import CalendarError, calendar_for
    from bot.proposals.advice import timing_advice
    from bot.proposals.service import local_date

    try:
        a = timing_advice(args.date or local_date(), args.needs_budget, args.lang, calendar=calendar_for(get_settings()))
    except CalendarError as e:
        print(e, file=sys.stderr)
        return 1
    print(a.text)
    return 0


def cmd_list(args) -> int:
    from bot.proposals import status as st
    from bot.proposals.service import list_proposals
    from bot.proposals.staff import Actor
    from bot.proposals.text import one_line

    try:
        status = st.parse(args.status) if args.status else None
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    rows = list_proposals(_engine(), Actor("cli:local", is_staff=True), status=status, keyword=args.keyword)
    for v in rows:
        print(one_line(v))
    print(f"{len(rows)} proposal(s)", file=sys.stderr)
    return 0


def cmd_export(args) -> int:
    from bot.config import get_settings
    from bot.proposals.export import to_csv
    from bot.proposals.service import all_proposals

    from bot.errors import OperatorError

    if args.output and not args.output.parent.is_dir():
        raise OperatorError(f"--output {args.output}: the folder {args.output.parent} does not exist "
                            "(create it first, or write elsewhere)")
    rows = all_proposals(_engine())
    text = to_csv(rows, tz=get_settings().timezone, header=args.header, include_notes=args.include_notes)
    if args.output:
        try:
            args.output.write_text(text, encoding="utf-8" if args.no_bom else "utf-8-sig", newline="")
        except OSError as e:
            raise OperatorError(f"--output {args.output}: cannot write the file ({e.strerror})") from None
        print(f"{len(rows)} proposal(s) written to {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_nudge(args) -> int:
    from bot.proposals.service import nudge_stale

    refs = nudge_stale(_engine(), days=args.days)
    print(f"nudge queued for {len(refs)} proposal(s): {', '.join(refs)}" if refs else "nothing to nudge")
    return 0


def cmd_deliver(args) -> int:
    from bot.config import get_settings
    from bot.proposals.outbox import pending, run_outbox_job
    from bot.senders import ConsoleSenders

    engine = _engine()
    senders = getattr(args, "senders", None) or ConsoleSenders()   # the entry point's (bot/cli.py)
    send = senders.outbox(get_settings())
    if send is None:
        print("SLACK_BOT_TOKEN is not set: nothing can be delivered", file=sys.stderr)
        return 1
    run_outbox_job(engine, send, nudge=args.nudge, force=args.all)
    left = pending(engine)
    print(f"{len(left)} message(s) still waiting" if left else "outbox empty")
    return 0 if not left else 3
