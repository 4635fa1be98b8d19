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
