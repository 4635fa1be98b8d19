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
COMMAND_MODULES = ["bot.cli_core", "bot.migrate", "bot.advisor_cli", "bot.proposals.cli", "bot.reminders.cli", "handlers.cli"]


class _Parser(argparse.ArgumentParser):
    """A usage mistake is one line (`deskbot clock: argument --interval: … (see --help)`), exit 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="deskbot", description="公民連携デスク bot")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_commands(sub)
    return parser


# What each command needs checked before it starts (bot/preflight.py), by command path.
# "db": DATABASE_URL well-formed and answering; "db-url": well-formed only (the process itself
# waits for a database that is away, or `ask` answers without one); "calendar": the budget
# calendar loads. Commands not listed need none of these.
PREFLIGHT: dict[tuple[str, ...], tuple[str, ...]] = {
    ("run",): ("db-url", "calendar"),
    ("serve",): ("db-url", "calendar"),
    ("clock",): ("db-url", "calendar"),
    ("reminders", "preview"): ("calendar",),
    ("reminders",): ("db", "calendar"),
    ("kb", "gaps"): ("db",),
    ("proposals",): ("db",),
    ("db",): ("db",),
}


def _command_path(args) -> tuple[str, ...]:
    path = [args.command]
    for attr in ("kb_command", "reminders_command", "proposals_command", "db_command"):
        if getattr(args, attr, None):
            path.append(getattr(args, attr))
    return tuple(path)


def preflight(args, settings) -> None:
    """Run the checks PREFLIGHT names for this command (OperatorError on the first failure)."""
    from bot import preflight as pf

    path = _command_path(args)
    checks = PREFLIGHT.get(path) or PREFLIGHT.get(path[:1]) or ()
    if "db" in checks:
        pf.check_database(settings)
    elif "db-url" in checks:
        pf.check_database_url(settings)
    if "calendar" in checks:
        pf.check_calendar(settings)


def setup_logging(settings, stream=None) -> logging.Handler:
    """One handler on the root logger, writing to stderr, through the redacting filter
    (bot/logsafe.py: no token, secret or response_url is ever written, whichever library logs)."""
    from bot.logsafe import install, settings_secrets

    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    install([handler], settings_secrets(settings))
    handler.name = "deskbot"
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.name == "deskbot"]:   # main() run again in-process
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    return handler


def _senders():
    """The Slack implementations of the core's senders (handlers/senders.py; slack_sdk is
    imported only when one is built)."""
    from handlers.senders import SlackSenders

    return SlackSenders()


def main(argv: list[str] | None = None) -> int:
    from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

    from bot.errors import OperatorError
    from bot.preflight import redacted, settings_or_error

    # UTF-8 out, whatever the terminal says, so Japanese never crashes a pipe.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    try:
        settings = settings_or_error()
    except OperatorError as e:
        print(f"deskbot: {e}", file=sys.stderr)
        return e.exit_code
    setup_logging(settings)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    args.senders = _senders()        # the composition root: Slack's senders for the commands that deliver
    try:
        preflight(args, settings)
        return int(args.func(args) or 0)
    except OperatorError as e:       # a wrong setting, file or value: one line, no traceback
        print(f"deskbot: {e}", file=sys.stderr)
        return e.exit_code
    except (OperationalError, DBAPIError, ArgumentError) as e:    # the database went away mid-command
        reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
        print(f"deskbot: database error at DATABASE_URL={redacted(settings.database_url)!r}: {reason}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:          # `deskbot ask … | head`: the reader left; not an error
        sys.stderr.close()
        return 0
