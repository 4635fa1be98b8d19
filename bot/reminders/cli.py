"""`deskbot reminders preview|run-due|history|subscribe|unsubscribe|subscribers` and `deskbot clock`."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta

LEASE = timedelta(seconds=20)      # = bot.reminders.delivery.LEASE (not imported: --help stays fast)


def add_commands(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("reminders", help="budget-calendar reminders: preview, run-due, history, subscribers")
    rs = r.add_subparsers(dest="reminders_command", metavar="REMINDERS_COMMAND", required=True)

    p = rs.add_parser("preview", help="every reminder of a fiscal year with its final date, time and text")
    p.add_argument("--fiscal-year", type=_fiscal_year, help="fiscal year (April–March, named by its start year); "
                                                             "default: the current one")
    p.add_argument("--lang", choices=["ja", "en"], default="ja")
    p.add_argument("--json", action="store_true", help="machine-readable, both languages")
    p.set_defaults(func=cmd_preview)

    p = rs.add_parser("run-due", help="deliver what is due now (or at --now)")
    p.add_argument("--now", type=_iso, help="ISO-8601 time to act as now (no zone = the calendar's zone)")
    p.add_argument("--console", action="store_true", help="print instead of posting to Slack")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--wait", type=float, default=60.0,
                   help="wait up to this many seconds for rows rescheduled after a 429 (default 60)")
    p.add_argument("--lease-seconds", type=float, default=LEASE.total_seconds(),
                   help="how long a claimed row is ours before another process may take it over; "
                        "renewed while we work (default %(default)g)")
    p.add_argument("--retry-base", type=float, default=2.0, help="first retry delay after a 5xx, seconds")
    p.add_argument("--grace-days", type=float, help="default: REMINDER_GRACE_DAYS (3)")
    p.set_defaults(func=cmd_run_due)

    p = rs.add_parser("history", help="what fell due, and how many were sent, missed or failed")
    p.add_argument("--limit", type=int, default=30)
    p.add_argument("--failures", action="store_true", help="list failed and missed deliveries instead")
    p.set_defaults(func=cmd_history)

    p = rs.add_parser("subscribe", help="subscribe a channel (C…) or user (U…) (ops)")
    p.add_argument("target_id")
    p.add_argument("--kind", choices=["channel", "user"], help="default: from the id (U…/W… = user)")
    p.add_argument("--lang", choices=["ja", "en"], default="ja")
    p.set_defaults(func=cmd_subscribe)

    p = rs.add_parser("unsubscribe", help="unsubscribe a channel or user (ops)")
    p.add_argument("target_id")
    p.set_defaults(func=cmd_unsubscribe)

    p = rs.add_parser("subscribers", help="list subscribers")
    p.add_argument("--all", action="store_true", help="include switched-off ones")
    p.set_defaults(func=cmd_subscribers)

    p = sub.add_parser("clock", help="run the reminder scheduler (blocking; the Procfile's clock process)")
    p.add_argument("--interval", type=_positive_seconds, default=60.0, help="seconds between wake-ups (> 0)")
    p.set_defaults(func=cmd_clock)


FISCAL_YEARS = range(2000, 2200)       # what the calendar, the holidays and date arithmetic cover


def _fiscal_year(s: str) -> int:
    try:
        fy = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{s!r} is not a year: expected e.g. 2027") from None
    if fy not in FISCAL_YEARS:
        raise argparse.ArgumentTypeError(
            f"{fy} is out of range: expected a fiscal year from {FISCAL_YEARS.start} to {FISCAL_YEARS.stop - 1}")
    return fy


def _positive_seconds(s: str) -> float:
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{s!r} is not a number of seconds") from None
    if not v > 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"{s} must be a positive number of seconds (e.g. 60)")
    return v


def _iso(s: str) -> datetime:
    try:
        return datetime.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 time: {s!r}") from None


def _engine():
    from bot.db import get_engine, init_db, with_retry

    engine = get_engine()
    with_retry(lambda: init_db(engine), what="init_db")
    return engine


def cmd_preview(args) -> int:
    from bot.config import get_settings
    from bot.fiscal import calendar_for, fiscal_year_of
    from bot.i18n import t
    from bot.reminders.rules import occurrences_for, render, title, when

    cal = calendar_for(get_settings())
    fy = args.fiscal_year or fiscal_year_of(datetime.now(cal.tz).date())
    occs = occurrences_for(cal, fy)
    if args.json:
        print(json.dumps([{
            "reminder_id": o.reminder_id, "occurrence": o.occurrence, "fiscal_year": o.fiscal_year,
            "kind": o.kind, "milestone": o.milestone.id, "event_date": o.event_date.isoformat(),
            "fire_at": o.fire_at.isoformat(), "moved_because": o.moved_because,
            "deadline": o.deadline.isoformat() if o.deadline else None,
            "title": {"ja": title(o, "ja"), "en": title(o, "en")},
            "text": {"ja": render(o, "ja"), "en": render(o, "en")},
        } for o in occs], ensure_ascii=False, indent=2))
        return 0
    print(f"FY{fy} ({cal.path}): {len(occs)} reminders\n")
    for o in occs:
        moved = ""
        if o.moved_because:
            day = f"{o.event_date:%m/%d}" if args.lang == "en" else f"{o.event_date.month}/{o.event_date.day}"
            moved = t("reminder.preview.moved", args.lang, date=day, reason=o.moved_because)
        print(f"■ {when(o, args.lang)}  {o.reminder_id}  {title(o, args.lang)}{moved}")
        print("  " + render(o, args.lang).replace("\n", "\n  ") + "\n")
    return 0


def cmd_run_due(args) -> int:
    from bot.config import get_settings
    from bot.fiscal import calendar_for
    from bot.reminders.delivery import ConsoleSender, run_due
    from bot.senders import ConsoleSenders

    settings = get_settings()
    senders = getattr(args, "senders", None) or ConsoleSenders()   # the entry point's (bot/cli.py)
    sender = ConsoleSender() if args.console else senders.reminders(settings)
    grace = timedelta(days=args.grace_days if args.grace_days is not None else settings.reminder_grace_days)
    report = run_due(args.now, engine=_engine(), calendar=calendar_for(settings), sender=sender, grace=grace,
                     staff_channel=settings.desk_staff_channel, workers=args.workers,
                     lease=timedelta(seconds=args.lease_seconds), retry_base=args.retry_base,
                     wait_for_retries=args.wait, name="run-due")
    print(report.summary())
    for f in report.missed:
        print(f"missed (past grace, not sent): {f.reminder_id} {f.occurrence} → {f.subscribers} subscriber(s)")
    return 1 if report.errors else 0


def cmd_history(args) -> int:
    from bot.reminders import ledger

    engine = _engine()
    if args.failures:
        for r in ledger.failures(engine, limit=args.limit):
            print(f"{r['state']:7s} {r['reminder_id']} {r['occurrence']} → {r['target_id']}  "
                  f"attempts {r['attempts']}  {r['last_error'] or ''}")
        return 0
    from bot.config import get_settings
    from bot.fiscal import calendar_for

    tz = calendar_for(get_settings()).tz
    rows = ledger.history(engine, limit=args.limit)
    if not rows:
        print("no reminder has fallen due yet")
    for h in rows:
        states = ", ".join(f"{k} {v}" for k, v in sorted(h["states"].items())) or "no subscribers"
        print(f"{h['due_at'].astimezone(tz):%Y-%m-%d %H:%M}  {h['reminder_id']:34s} {h['occurrence']}  "
              f"{h['status']:6s}  {states}")
    return 0


def cmd_subscribe(args) -> int:
    from bot.reminders.subscriptions import subscribe

    kind = args.kind or ("user" if args.target_id[:1] in "UW" else "channel")
    changed = subscribe(_engine(), args.target_id, kind=kind, lang=args.lang, by="cli")
    print(f"{args.target_id}: {'subscribed' if changed else 'already subscribed'} ({kind}, {args.lang})")
    return 0


def cmd_unsubscribe(args) -> int:
    from bot.reminders.subscriptions import unsubscribe

    print(f"{args.target_id}: {'unsubscribed' if unsubscribe(_engine(), args.target_id, by='cli') else 'was not subscribed'}")
    return 0


def cmd_subscribers(args) -> int:
    from bot.reminders.subscriptions import list_subscriptions

    subs = list_subscriptions(_engine(), active_only=not args.all)
    for s in subs:
        print(f"{s.target_id:14s} {s.kind:7s} {s.lang}  {'on ' if s.active else 'off'}  since {s.subscribed_at:%Y-%m-%d %H:%M UTC}")
    print(f"{len(subs)} subscriber(s)", file=sys.stderr)
    return 0


def cmd_clock(args) -> int:
    from bot.reminders.scheduler import run_clock

    run_clock(interval_seconds=args.interval, senders=getattr(args, "senders", None))
    return 0
