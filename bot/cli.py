"""The `deskbot` command line (also `python -m bot`).

Feature modules add their own sub-commands: each module in COMMAND_MODULES has
`add_commands(subparsers)`, and every parser sets `func(args) -> int`.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

# Feature modules that contribute sub-commands (in the order they show in --help).
COMMAND_MODULES = ["bot.cli_core", "bot.advisor_cli", "bot.proposals.cli", "bot.reminders.cli", "handlers.cli"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="deskbot", description="公民連携デスク bot")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from bot.config import get_settings

    # UTF-8 out, whatever the terminal says, so Japanese never crashes a pipe.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    logging.basicConfig(level=get_settings().log_level.upper(),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:          # `deskbot ask … | head`: the reader left; not an error
        sys.stderr.close()
        return 0
