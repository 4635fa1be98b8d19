"""Slash commands. `/desk` and its sub-command registry live in `desk.py`; every other module in
this package is imported here so that its `@subcommand(...)` registrations take effect (drop a
`remind.py` or `propose.py` in this folder and it is part of `/desk`)."""
from __future__ import annotations

import importlib
import pkgutil

from slack_bolt import App


def load_subcommand_modules() -> list[str]:
    names = ["handlers.commands.desk"] + sorted(
        f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__) if m.name != "desk")
    for name in names:
        importlib.import_module(name)
    return names


def register(app: App) -> None:
    load_subcommand_modules()
    from handlers.commands import desk

    desk.register(app)
