"""The `/desk` slash command: a small registry of sub-commands, and the dispatcher.

Adding a sub-command from another module (e.g. `handlers/commands/remind.py`) — every module in
this package is imported by `handlers.commands.register`, so a new file is enough:

    from handlers.commands.desk import Call, Out, subcommand

    @subcommand("remind", summary="command.remind")      # a key in bot/messages/*.yaml
    def remind(call: Call) -> Out:
        ...
        return Out(text="…", blocks=[...])

A sub-command runs inside the acknowledgement (Slack shows its `Out` at once) unless it is
registered with `slow=True`: then Slack gets an empty ack and the function runs right after in a
lazy listener, its `Out` going to the command's response_url. Use `slow=True` for anything that
may take more than a few hundred milliseconds (database writes, Web API calls).
A name is registered once (twice is a ValueError).

`/desk QUESTION` (no sub-command) asks the answer engine. A single lower-case word that is not
a sub-command is asked too; when the engine cannot answer it, it was most likely a mistyped
sub-command and the help is shown. Close typos (`calender`, `case`) run the intended one.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from slack_bolt import App

from bot.db import quick
from handlers.blocks import message_payload
from handlers.deps import Deps, deps_of
from handlers.send import respond_to
from bot.i18n import detect_lang, t
from handlers.views.screens import as_message, calendar_blocks, cases_blocks, help_blocks, methods_blocks

log = logging.getLogger(__name__)

COMMAND = "/desk"
TYPO_SCORE = 80          # rapidfuzz ratio at which a word is taken for a mistyped sub-command


@dataclass
class Call:
    """One `/desk` invocation, translated out of the Slack payload."""
    name: str                # the sub-command ("" for a question)
    args: str                # the rest of the text
    lang: str                # language for UI strings (answers pick their own)
    user_id: str
    channel_id: str | None
    deps: Deps
    client: object           # slack_sdk WebClient, for sub-commands that open modals etc.
    trigger_id: str | None
    bot_user_id: str | None
    payload: dict = field(repr=False, default_factory=dict)


@dataclass
class Out:
    text: str
    blocks: list[dict] | None = None
    in_channel: bool = False


@dataclass
class Subcommand:
    name: str
    run: Callable[[Call], Out]
    summary: str | None = None      # a message key (bot/messages/*.yaml) for the help's "more commands" list
    slow: bool = False


SUBCOMMANDS: dict[str, Subcommand] = {}
BUILTIN = ("help", "calendar", "methods", "cases")   # described in the help text itself


def subcommand(name: str, *, summary: str | None = None, slow: bool = False):
    """Register `fn(call) -> Out` as `/desk NAME`; `summary` is a message key (a KeyError now if unknown)."""
    if summary is not None:
        t(summary, "ja")
        t(summary, "en")

    def deco(fn: Callable[[Call], Out]) -> Callable[[Call], Out]:
        old = SUBCOMMANDS.get(name)
        if old is not None and old.run is not fn:
            raise ValueError(f"/desk {name} is registered twice")
        SUBCOMMANDS[name] = Subcommand(name, fn, summary, slow)
        return fn
    return deco


# ---- parsing ----------------------------------------------------------------------------------

def parse(text: str | None) -> tuple[str | None, str, str]:
    """(sub-command name or None for a question, its arguments, the whole text)."""
    text = re.sub(r"\s+", " ", (text or "").replace("\u3000", " ")).strip()
    if not text:
        return "help", "", text
    first, _, rest = text.partition(" ")
    word = first.lower()
    if word in SUBCOMMANDS:
        return word, rest.strip(), text
    if re.fullmatch(r"[a-z][a-z-]{2,}", word):
        best = max(SUBCOMMANDS, key=lambda n: fuzz.ratio(word, n), default=None)
        if best and fuzz.ratio(word, best) >= TYPO_SCORE:
            return best, rest.strip(), text
    return None, text, text


def extra_help(lang: str) -> list[tuple[str, str]]:
    return [(s.name, t(s.summary, lang))
            for s in SUBCOMMANDS.values() if s.summary and s.name not in BUILTIN]


def help_out(call: Call, note: str | None = None) -> Out:
    return Out(*as_message(help_blocks(call.lang, call.bot_user_id, extra_help(call.lang), note),
                           t("desk.help_title", call.lang)))


# ---- the built-in sub-commands ----------------------------------------------------------------

@subcommand("help")
def _help(call: Call) -> Out:
    return help_out(call)


@subcommand("calendar")
def _calendar(call: Call) -> Out:
    blocks = calendar_blocks(call.deps.settings, call.lang)
    return Out(*as_message(blocks, blocks[0].text.text if hasattr(blocks[0], "text") else t("desk.cal_none", call.lang)))


@subcommand("methods")
def _methods(call: Call) -> Out:
    return Out(*as_message(methods_blocks(call.deps.desk.kb, call.lang), t("desk.methods_title", call.lang)))


@subcommand("cases")
def _cases(call: Call) -> Out:
    return Out(*as_message(cases_blocks(call.deps.desk.kb, call.args or None, call.lang),
                           t("desk.cases_title", call.lang)))


def ask(call: Call) -> Out:
    """`/desk QUESTION`: the answer engine, rendered as Block Kit."""
    with quick():            # its database work (the question log) waits seconds at most
        reply = call.deps.desk.answer(call.args, asker=call.user_id, place=call.channel_id, surface="slack-command")
    if reply.kind in ("decline", "invalid") and re.fullmatch(r"[a-z][a-z-]*", call.args):
        return help_out(call, note=t("desk.unknown_sub", call.lang, name=call.args))   # a mistyped sub-command, most likely
    text, blocks = message_payload(reply)
    return Out(text, blocks)


# ---- the listener -----------------------------------------------------------------------------

def _call(command: dict, context, client) -> tuple[Call, Subcommand | None]:
    name, args, whole = parse(command.get("text"))
    call = Call(name=name or "", args=args, lang=detect_lang(args if name else whole),
                user_id=command.get("user_id", ""), channel_id=command.get("channel_id"),
                deps=deps_of(context), client=client, trigger_id=command.get("trigger_id"),
                bot_user_id=context.get("bot_user_id"), payload=command)
    return call, SUBCOMMANDS.get(name) if name else None


def ack_desk(ack, command, context, client):
    """Fast sub-commands answer inside the ack; questions and slow ones are acked empty."""
    call, sub = _call(command, context, client)
    if sub is None or sub.slow:
        ack()
        return
    try:
        out = sub.run(call)
    except Exception:  # noqa: BLE001 — the user sees a short message, the log the traceback
        log.exception("/desk %s failed", call.name)
        ack(text=t("desk.error", call.lang))
        return
    ack(text=out.text, blocks=out.blocks, response_type="in_channel" if out.in_channel else "ephemeral")


def run_desk_later(command, context, client):
    """Lazy part: the answer engine and slow sub-commands, answered via response_url."""
    call, sub = _call(command, context, client)
    if sub is not None and not sub.slow:
        return                                  # already answered in the ack
    try:
        out = ask(call) if sub is None else sub.run(call)
    except Exception:  # noqa: BLE001
        log.exception("/desk %s failed", call.name or "question")
        out = Out(t("desk.error", call.lang))
    if not respond_to(command.get("response_url"), text=out.text, blocks=out.blocks,
                      ephemeral=not out.in_channel, what=f"/desk {call.name or 'question'}"):
        # The answer could not be delivered; one short try so the user isn't left in silence.
        respond_to(command.get("response_url"), text=t("desk.post_failed", call.lang), what="error notice")


def register(app: App) -> None:
    app.command(COMMAND)(ack=ack_desk, lazy=[run_desk_later])
