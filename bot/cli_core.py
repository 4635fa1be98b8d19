"""Core sub-commands: kb check / list / gaps, ask, chat, run."""
from __future__ import annotations

import argparse
import sys

from bot.config import get_settings
from bot.knowledge import KINDS, KnowledgeError, load_knowledge
from bot.fiscal import load_knowledge_and_calendar
from bot.i18n import t


def add_commands(sub: argparse._SubParsersAction) -> None:
    kb = sub.add_parser("kb", help="knowledge base: check, list, gaps")
    kbsub = kb.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    p = kbsub.add_parser("check", help="validate every knowledge file")
    p.set_defaults(func=cmd_kb_check)
    p = kbsub.add_parser("list", help="list the entries")
    p.add_argument("--kind", help="only this kind")
    p.set_defaults(func=cmd_kb_list)
    p = kbsub.add_parser("new", help="write a commented template for a new entry: kb new KIND ID")
    p.add_argument("kind", choices=list(KINDS))
    p.add_argument("id")
    p.set_defaults(func=cmd_kb_new)
    p = kbsub.add_parser("gaps", help="most frequent unanswered or low-confidence questions")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(func=cmd_kb_gaps)
    _add_ask_commands(sub)
    ho = sub.add_parser("handoffs", help="hand-offs to the desk staff: list the open ones")
    hos = ho.add_subparsers(dest="handoffs_command", metavar="HANDOFFS_COMMAND", required=True)
    p = hos.add_parser("list", help="the hand-offs not yet done, oldest first, with their age")
    p.add_argument("--lang", choices=["ja", "en"], default="ja")
    p.set_defaults(func=cmd_handoffs_list)


def cmd_kb_check(args) -> int:
    from bot.i18n import MESSAGES_DIR, catalogue_problems

    root = get_settings().knowledge_dir
    _, msg_problems = catalogue_problems()          # bot/messages/{ja,en}.yaml: same keys, same placeholders
    for p in msg_problems:
        print(p, file=sys.stderr)
    try:
        kb, _ = load_knowledge_and_calendar(root, get_settings().calendar_file)  # + knowledge/calendar.yaml
    except KnowledgeError as e:
        for p in e.problems:
            print(p, file=sys.stderr)
        print(f"{len(e.problems)} problem(s) in {root}", file=sys.stderr)
        if msg_problems:
            print(f"{len(msg_problems)} problem(s) in {MESSAGES_DIR}", file=sys.stderr)
        return 1
    if msg_problems:
        print(f"{len(msg_problems)} problem(s) in {MESSAGES_DIR}", file=sys.stderr)
        return 1
    by_kind: dict[str, int] = {}
    for e in kb.entries.values():
        by_kind[e.kind] = by_kind.get(e.kind, 0) + 1
    counts = ", ".join(f"{k} {n}" for k, n in sorted(by_kind.items()))
    print(f"{len(kb.entries)} entries ok ({counts})")
    return 0


TEMPLATE = """\
# A new {kind} entry. Fill in every field, then run `deskbot kb check` (knowledge/README.md).
# Facts, figures and names come from the documents in ../shared/seeds/; the sentences are yours.
id: {id}                      # = the file name
kind: {kind}                  # = the folder name
title:
  ja: タイトル
  en: Title
aliases: []                   # other names people type (kana, English, short forms)
tags: []
answer:
  ja: |
    最初の一文で答えを言い切る。続けて詳しく(資料にあることだけ)。
  en: |
    The answer in the first sentence, then the details (only what the documents say).
# background:                 # general knowledge the documents do not state, shown as such
#   ja: …
#   en: …
{extra}related: []                   # ids of other entries
sources:                      # the document and section this rests on (knowledge/sources.yaml)
  - doc: 000_efd51e46be534f43.txt
    section: "⑩ 首長LIVE「首長に聞く!これからの官民共創まちづくり」"
questions:                    # 5–12 questions a real asker would type, in your own words:
  - 概念の名前を出さずに状況を説明する質問      # one that describes the situation
  - 短い質問?                                   # one short or casual
  - An English question?                       # one in English
  - 特定の事実を聞く質問
  - 別の言い方の質問
"""
_EXTRA = {
    "case": "municipality: {ja: 〇〇市, en: X City}\nmethods: []                   # ids of the method entries used\n",
    "method": ("fits:                         # situations this method serves (the idea advisor)\n"
               "  ja: [状況1, 状況2]\n  en: [situation 1, situation 2]\n"
               "needs_budget: depends        # yes | no | depends: does the city need new budget?\n"
               "brings: {ja: 企業が用意するもの, en: what the company brings}\n"),
}


def cmd_kb_new(args) -> int:
    import re

    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,79}", args.id):
        print(f"deskbot: entry id {args.id!r}: use lower-case letters, digits and hyphens (e.g. city-pool-pfi)",
              file=sys.stderr)
        return 2
    path = get_settings().knowledge_dir / "entries" / args.kind / f"{args.id}.yaml"
    if path.exists():
        print(f"deskbot: {path} already exists", file=sys.stderr)
        return 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TEMPLATE.format(kind=args.kind, id=args.id, extra=_EXTRA.get(args.kind, "")), encoding="utf-8")
    print(f"wrote {path}; edit it, then run `deskbot kb check`")
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
    p.add_argument("--date", metavar="YYYY-MM-DD", help="answer as of this date (timing, calendar answers)")
    p.set_defaults(func=cmd_ask)
    p = sub.add_parser("chat", help="interactive console over the same engine")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="answer as of this date (timing, calendar answers)")
    p.set_defaults(func=cmd_chat)
    p = sub.add_parser("run", help="run the bot: Slack if tokens are set, else the local console")
    p.set_defaults(func=cmd_run)


def _load_desk(*, without_database: bool = False):
    """The command's Desk (knowledge, index, question log), or None after printing why the
    knowledge base is broken.

    `without_database`: if DATABASE_URL is mistyped or does not answer, say so in one line on
    stderr and return a Desk that answers without logging questions (`ask`, `chat`)."""
    from bot.engine import Desk

    try:
        if without_database:
            from bot.preflight import database_problem, unreachable

            url = get_settings().database_url
            problem = database_problem(url) or unreachable(url)
            if problem:
                print(f"deskbot: {problem}; answering anyway, but the question could not be logged", file=sys.stderr)
                return Desk(load_knowledge(get_settings().knowledge_dir), engine=None)
        return Desk.load(get_settings())
    except KnowledgeError as e:
        for p in e.problems:
            print(p, file=sys.stderr)
        print("deskbot: refusing to start on a broken knowledge base "
              f"({len(e.problems)} problem(s); run `deskbot kb check`)", file=sys.stderr)
        return None


def parse_date(value: str | None):
    """`--date YYYY-MM-DD` → a date (None when not given); a bad one → one clear line, exit 2."""
    from datetime import date

    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        print(f"deskbot: --date {value!r}: not a date; use YYYY-MM-DD (e.g. 2026-09-01)", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_ask(args) -> int:
    import json

    from bot.render import render_text

    on = parse_date(args.date)
    desk = _load_desk(without_database=True)
    if desk is None:
        return 1
    questions = _stdin_lines() if args.question == "-" else [args.question]
    for line in questions:
        q = line.rstrip("\r\n") if args.question == "-" else line
        reply = desk.answer(q, surface="cli", lang=args.lang, today=on)
        if args.json:
            print(json.dumps(reply.to_json(), ensure_ascii=False), flush=True)
        else:
            print(render_text(reply), flush=True)
        if args.explain:
            print(explain(desk, q), file=sys.stderr)
    return 0


def _stdin_lines():
    """Questions from stdin, one per line; bytes that are not UTF-8 become U+FFFD, never a crash."""
    import io

    buf = getattr(sys.stdin, "buffer", None)
    return io.TextIOWrapper(buf, encoding="utf-8", errors="replace") if buf is not None else sys.stdin


def explain(desk, question: str) -> str:
    """Both signals per candidate, the decision's features and why it fell as it did."""
    from bot import intent as I
    from bot import text as T
    from bot.decision import DECIDER_FEATURES
    from bot.engine import entry_lacks

    q = T.clean(question)[: T.MAX_QUERY_CHARS]
    core, pleasantry, _ = T.message_core(T.clean(question, keep_lines=True)[: T.MAX_QUERY_CHARS], desk.kana, desk.english)
    lines = [f"  [message] {core[:120]!r}" + (f" (stripped: {pleasantry})" if pleasantry else "")]
    if not core:
        return "\n".join(lines)
    a = desk.analyse(core)
    lines.append(f"  [folded] {a.folded[:120]}   segments={a.segments}")
    lines.append("  rank  p(right)  lex   cov   alias  sem_q  sem_b  doc")
    for n, (f, p) in enumerate(a.ranked[:6], 1):
        lines.append(f"  {n:>4}  {p:7.3f}  {f.lex:.3f} {f.coverage:.3f} {f.alias:.2f}   {f.sem_q:.3f}  {f.sem_b:.3f}  {f.key}")
    if a.features:
        lines.append("  decision features: " + ", ".join(f"{k}={v:.3f}" for k, v in zip(DECIDER_FEATURES, a.features)))
    m = desk.model
    # The intent step as the engine takes it (bot/intent.py decide): the fitted classifier, or
    # without one the older gate.
    model = I.get_model()
    taken = None
    if model is not None and a.ranked:
        taken, a = I.decide(desk, core, a, question)        # (it keeps every class's probability)
        name, p = max(a.intent_p.items(), key=lambda kv: kv[1])
        note = " (the knowledge lacks the specific asked: its partial answer first)" \
            if name in I.GENERAL_REPLIES and p >= model.lean_at and I._partial_first(desk, core, a, name) else ""
        lines.append(f"  intent classifier: {name} P={p:.3f} (takes it at ≥ {model.take_at:.3f},"
                     f" leans at ≥ {model.lean_at:.3f}){note}")
    elif a.gate_key is not None:
        lines.append(f"  intent gate: {a.gate_key} P={a.gate_p:.3f} (takes it at ≥ {m.gate_at:.3f})")
        if a.gate_p >= m.gate_at:
            taken = a.gate_key.split(":", 1)[1]
    best = a.ranked[0][0] if a.ranked else None
    if taken is not None:
        why = f"intent: {taken}"
    elif best is not None and best.kind == "intent" and a.ranked[0][1] >= m.intent_at:
        why = f"intent: {best.key} ranks first"
    elif best is not None and best.kind == "oos":
        why = f"out of scope: topic {best.key} beats every entry"
    elif a.top is None:
        why = "decline: no candidate"
    elif a.p_right >= m.answer_at:
        e = desk.kb.entries[a.top.key]
        miss = entry_lacks(a.folded, e)
        why = (f"partial: asks for {', '.join(miss)}, which {a.top.key} does not hold" if miss else
               f"answer: P(right)={a.p_right:.3f} ≥ answer_at={m.answer_at:.3f}")
    elif a.p_right >= m.suggest_at:
        why = f"did you mean: suggest_at={m.suggest_at:.3f} ≤ P(right)={a.p_right:.3f} < answer_at={m.answer_at:.3f}"
    else:
        why = f"decline: P(right)={a.p_right:.3f} < suggest_at={m.suggest_at:.3f}"
    lines.append(f"  → {why}")
    return "\n".join(lines)


def cmd_chat(args) -> int:
    from bot.render import render_text

    from bot.console import log_to_file, run_console

    on = parse_date(args.date)
    log_to_file(get_settings().cache_dir.parent / "console.log")    # console mode: logs off the prompt from the start
    desk = _load_desk(without_database=True)
    if desk is None:
        return 1
    return run_console(desk, render_text, today=on)


def cmd_run(args) -> int:
    """Slack (Socket Mode with SLACK_APP_TOKEN, HTTP with a signing secret) or the console.

    The single-process setups (console, Socket Mode) run the reminder clock in-process; HTTP mode
    leaves it to the separate `clock` process (see Procfile).
    """
    settings = get_settings()
    if settings.slack_bot_token and (settings.slack_app_token or settings.slack_signing_secret):
        from handlers.app import check_slack

        check_slack(settings)        # a refused token or an unreachable Slack: one line, exit 2
    desk = _load_desk()
    if desk is None:
        return 1
    if settings.slack_bot_token and settings.slack_app_token:
        from bot.reminders import start_background_scheduler
        from handlers.app import run_socket_mode
        from handlers.senders import SlackSenders

        scheduler = start_background_scheduler(settings, senders=SlackSenders())
        try:
            run_socket_mode(settings, desk=desk)
        finally:
            scheduler.shutdown(wait=False)
        return 0
    if settings.slack_bot_token and settings.slack_signing_secret:
        from handlers.web import serve_http

        return serve_http(settings, desk=desk) or 0
    from bot.console import run_console
    from bot.render import render_text

    from handlers.senders import SlackSenders

    return run_console(desk, render_text, with_scheduler=True, senders=SlackSenders())


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


def cmd_handoffs_list(args) -> int:
    from bot import handoffs
    from bot.db import get_engine, init_db, with_retry

    engine = get_engine()
    with_retry(lambda: init_db(engine), what="database set-up")
    rows = handoffs.list_open(engine, limit=200)
    if not rows:
        print(t("desk.handoffs_none", args.lang))
        return 0
    for h in rows:
        print(handoffs.summary_line(h, args.lang))
    return 0
