"""Fan one reminder out to 5,000 subscribers against a local Slack stub that answers 429
(Retry-After 0 or 1) to a share of calls; print throughput, duplicates and losses.

Two runs in the same process, each against a fresh stub with the same 429 share and seed:
- ledger:   `run_due` (delivery ledger, claims, per-row bookkeeping) with N worker threads;
- baseline: a naive fan-out without the ledger: the same N threads calling chat.postMessage
            through slack_sdk with its stock RateLimitErrorRetryHandler (no record of anything,
            so a crash or a second clock would resend or lose; shown for the cost of the ledger).

    .venv/bin/python bench/bench_reminders.py [--subscribers 5000] [--share 0.05] [--workers 8]
                                              [--database-url postgresql://…]

Loopback only; a SQLite file in a temporary folder unless --database-url is given (PostgreSQL:
a schema of its own, dropped afterwards).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from slack_stub import SlackStub  # noqa: E402

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 8, 24, 9, 1, tzinfo=JST)          # close-7 of FY2026 fell due at 09:00
SUBSCRIBED = datetime(2026, 8, 18, 12, tzinfo=JST)
KEY = "proposal-window.close-7@FY2026#{}"


def make_db(url: str | None, tmp: Path):
    from sqlalchemy import text
    from sqlmodel import create_engine

    from bot.db import init_db, make_engine, normalise_url

    schema = None
    if url:
        schema = "bench_" + uuid.uuid4().hex[:10]
        admin = create_engine(normalise_url(url))
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        engine = create_engine(normalise_url(url), pool_size=16, max_overflow=8,
                               connect_args={"options": f"-csearch_path={schema}"})
    else:
        engine = make_engine(f"sqlite:///{tmp / 'bench.sqlite3'}")
    init_db(engine)
    return engine, schema


def drop_db(engine, url: str | None, schema: str | None) -> None:
    from sqlalchemy import text
    from sqlmodel import create_engine

    from bot.db import normalise_url

    engine.dispose()
    if schema:
        admin = create_engine(normalise_url(url))
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def new_stub(share: float, seed: int) -> SlackStub:
    stub = SlackStub(seed=seed, fail_method="chat.postMessage").start()
    stub.rate_limit_share = share
    stub.retry_after_choices = (0, 1)
    return stub


def tally(stub: SlackStub, targets: list[str], keyed: bool) -> dict:
    """Duplicates and losses as Slack saw them: by ledger key, or by channel for the baseline."""
    if keyed:
        got = stub.delivered_keys()
        want = [KEY.format(t) for t in targets]
    else:
        got = Counter(m["channel"] for m in stub.posts())
        want = targets
    return {"delivered": sum(1 for w in want if got[w] >= 1),
            "duplicates": sum(got[w] - 1 for w in want if got[w] > 1),
            "losses": sum(1 for w in want if got[w] == 0),
            "429s": stub.answers[("chat.postMessage", 429)],
            "posts": len(stub.calls_of("chat.postMessage"))}


def run_ledger(args, targets, tmp: Path) -> dict:
    from bot.config import Settings
    from bot.fiscal import load_calendar
    from bot.reminders.delivery import run_due
    from bot.reminders.models import ReminderDelivery, ReminderSubscription
    from handlers.senders import SlackSender

    engine, schema = make_db(args.database_url, tmp)
    stub = new_stub(args.share, args.seed)
    try:
        with engine.begin() as c:
            c.execute(ReminderSubscription.__table__.insert(), [
                dict(target_id=t, kind="channel", lang="ja", active=True, subscribed_at=SUBSCRIBED,
                     updated_at=SUBSCRIBED) for t in targets])
        sender = SlackSender.from_settings(Settings(_env_file=None, slack_bot_token="xoxb-bench",
                                                    slack_api_url=stub.api_url))
        cal = load_calendar(ROOT / "knowledge")
        t0 = time.perf_counter()
        report = run_due(NOW, engine=engine, calendar=cal, sender=sender, grace=timedelta(days=3),
                         workers=args.workers, wait_for_retries=30.0, max_seconds=110.0, name="bench")
        elapsed = time.perf_counter() - t0
        from sqlalchemy import select

        with engine.connect() as c:
            states = Counter(c.execute(select(ReminderDelivery.__table__.c.state)).scalars())
        out = tally(stub, targets, keyed=True) | {"seconds": elapsed, "ledger": dict(states),
                                                   "retried": report.retried}
    finally:
        stub.stop()
        drop_db(engine, args.database_url, schema)
    return out


def run_baseline(args, targets) -> dict:
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    from bot.fiscal import load_calendar
    from bot.reminders.rules import occurrences_for, render

    stub = new_stub(args.share, args.seed)
    client = WebClient(token="xoxb-bench", base_url=stub.api_url,
                       retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)])
    occ = next(o for o in occurrences_for(load_calendar(ROOT / "knowledge"), 2026)
               if o.reminder_id == "proposal-window.close-7")
    text = render(occ, "ja")
    errors = Counter()

    def post(t: str) -> None:
        try:
            client.chat_postMessage(channel=t, text=text, unfurl_links=False, unfurl_media=False)
        except Exception as e:  # noqa: BLE001 — a naive loop just moves on (a loss)
            errors[type(e).__name__] += 1

    try:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            list(pool.map(post, targets))
        elapsed = time.perf_counter() - t0
        out = tally(stub, targets, keyed=False) | {"seconds": elapsed, "errors": dict(errors)}
    finally:
        stub.stop()
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--subscribers", type=int, default=5000)
    p.add_argument("--share", type=float, default=0.05, help="share of posts answered 429 (default 0.05)")
    p.add_argument("--workers", type=int, default=8)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--database-url", help="PostgreSQL URL (default: a temporary SQLite file)")
    args = p.parse_args()

    import logging
    logging.basicConfig(level=logging.ERROR)
    targets = [f"C{i:06d}" for i in range(args.subscribers)]
    backend = "postgresql" if args.database_url else "sqlite"
    print(f"fan-out of one reminder to {len(targets)} subscribers, {args.workers} workers, "
          f"{args.share:.0%} of posts answered 429 (Retry-After 0 or 1), database {backend}\n")
    with tempfile.TemporaryDirectory() as tmp:
        ledger = run_ledger(args, targets, Path(tmp))
    base = run_baseline(args, targets)

    def line(name, r):
        rate = r["delivered"] / r["seconds"] if r["seconds"] else 0.0
        print(f"{name:9s} {r['seconds']:7.2f} s  {rate:8.1f} msg/s  delivered {r['delivered']:5d}  "
              f"duplicates {r['duplicates']}  losses {r['losses']}  (posts {r['posts']}, 429s {r['429s']})")
        return rate

    r1 = line("ledger", ledger)
    r0 = line("baseline", base)
    print(f"\nledger states: {ledger['ledger']}")
    if base.get("errors"):
        print(f"baseline errors (lost): {base['errors']}")
    print(f"throughput ratio ledger/baseline: {r1 / r0:.2f}" if r0 else "")
    ok = ledger["duplicates"] == 0 and ledger["losses"] == 0 and ledger["ledger"] == {"sent": len(targets)}
    print("ledger: zero duplicates, zero losses" if ok else "LEDGER RUN HAD DUPLICATES OR LOSSES")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
