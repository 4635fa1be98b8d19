"""Core sub-commands: kb check / list / gaps, ask, chat, run."""
from __future__ import annotations

import argparse
import sys

from bot.config import get_settings
from bot.knowledge import KnowledgeError, load_knowledge
from bot.fiscal import load_knowledge_and_calendar


def add_commands(sub: argparse._SubParsersAction) -> None:
    kb = sub.add_parser("kb", help="knowledge base: check, list, gaps")
    kbsub = kb.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    p = kbsub.add_parser("check", help="validate every knowledge file")
    p.set_defaults(func=cmd_kb_check)
    p = kbsub.add_parser("list", help="list the entries")
    p.add_argument("--kind", help="only this kind")
    p.set_defaults(func=cmd_kb_list)
    p = kbsub.add_parser("gaps", help="most frequent unanswered or low-confidence questions")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(func=cmd_kb_gaps)
    _add_ask_commands(sub)


def cmd_kb_check(args) -> int:
    root = get_settings().knowledge_dir
    try:
        kb = load_knowledge_and_calendar(root, get_settings().calendar_file)  # + knowledge/calendar.yaml
    except KnowledgeError as e:
        for p in e.problems:
            print(p, file=sys.stderr)
        print(f"{len(e.problems)} problem(s) in {root}", file=sys.stderr)
        return 1
    by_kind: dict[str, int] = {}
    for e in kb.entries.values():
        by_kind[e.kind] = by_kind.get(e.kind, 0) + 1
    counts = ", ".join(f"{k} {n}" for k, n in sorted(by_kind.items()))
    print(f"{len(kb.entries)} entries ok ({counts})")
    return 0


def cmd_kb_list(args) -> int:
    try:
        kb = load_knowledge(get_settings().knowledge_dir)
    except KnowledgeError as e:
        print(e, file=sys.stderr)
        return 1
    for e in sorted(kb.entries.values(), key=lambda e: (e.kind, e.id)):
        if args.kind and e.kind != args.kind:
            continue
        print(f"{e.kind:9s} {e.id:40s} {e.title.ja}")
    return 0


# ---- asking ---------------------------------------------------------------------------------
def _add_ask_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ask", help='answer one question: deskbot ask "QUESTION" (or --json - for stdin)')
    p.add_argument("question", help='the question, or "-" to read one question per line from stdin')
    p.add_argument("--json", action="store_true", help="print one JSON object per question")
    p.add_argument("--lang", choices=["ja", "en"], help="force the reply language")
    p.add_argument("--explain", action="store_true", help="also show the top candidates and their signals")
    p.set_defaults(func=cmd_ask)
    p = sub.add_parser("chat", help="interactive console over the same engine")
    p.set_defaults(func=cmd_chat)
    p = sub.add_parser("run", help="run the bot: Slack if tokens are set, else the local console")
    p.set_defaults(func=cmd_run)


def _load_desk():
    """The shared Desk, or None after printing why the knowledge base is broken."""
    from bot.engine import get_desk

    try:
        return get_desk()
    except KnowledgeError as e:
        for p in e.problems:
            print(p, file=sys.stderr)
        print("deskbot: refusing to start on a broken knowledge base "
              f"({len(e.problems)} problem(s); run `deskbot kb check`)", file=sys.stderr)
        return None


def cmd_ask(args) -> int:
    import io
    import json

    from bot.render import render_text

    desk = _load_desk()
    if desk is None:
        return 1
    # stdin as UTF-8 whatever the locale, invalid bytes replaced (a strict decoder would stop the run)
    questions = (io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
                 if args.question == "-" else [args.question])
    for line in questions:
        q = line.rstrip("\r\n") if args.question == "-" else line
        reply = desk.answer(q, surface="cli", lang=args.lang)
        if args.json:
            print(json.dumps(reply.to_json(), ensure_ascii=False), flush=True)
        else:
            print(render_text(reply), flush=True)
        if args.explain:
            cands, folded = desk.index.search(q, k=5)
            print(f"  [folded] {folded}", file=sys.stderr)
            for c in cands:
                print(f"  [{c.score:.3f}] {c.key:32s} coverage={c.coverage:.3f} alias={c.alias:.2f}", file=sys.stderr)
    return 0


def cmd_chat(args) -> int:
    from bot.render import render_text

    desk = _load_desk()
    if desk is None:
        return 1
    from bot.console import run_console

    return run_console(desk, render_text)


def cmd_run(args) -> int:
    """Slack (Socket Mode with SLACK_APP_TOKEN, HTTP with a signing secret) or the console.

    The single-process setups (console, Socket Mode) run the reminder clock in-process; HTTP mode
    leaves it to the separate `clock` process (see Procfile).
    """
    settings = get_settings()
    desk = _load_desk()
    if desk is None:
        return 1
    if settings.slack_bot_token and settings.slack_app_token:
        from bot.reminders import start_background_scheduler
        from handlers.app import run_socket_mode

        scheduler = start_background_scheduler(settings)
        try:
            run_socket_mode(settings, desk=desk)
        finally:
            scheduler.shutdown(wait=False)
        return 0
    if settings.slack_bot_token and settings.slack_signing_secret:
        from handlers.app import serve_http

        return serve_http(settings) or 0
    from bot.console import run_console
    from bot.render import render_text

    return run_console(desk, render_text, with_scheduler=True)


def cmd_kb_gaps(args) -> int:
    desk = _load_desk()
    if desk is None:
        return 1
    rows = desk.gaps(limit=args.limit)
    if not rows:
        print("no unanswered or low-confidence questions logged yet")
    for r in rows:
        nearest = r["nearest"] or "-"
        print(f"{r['count']:4d}×  best {r['best_score']:.2f}  nearest {nearest:28s}  {r['question'][:80]}")
    return 0
