"""How the core's messages leave the process: the senders the composition root passes in.

The core defines what it needs (a reminder `bot.reminders.delivery.Sender`, an outbox
`bot.proposals.outbox.Sender`) and never builds a Slack client itself. The entry point that
starts a process (`bot/cli.py`; `run` in `bot/cli_core.py`) hands a `Senders` to the commands
that deliver: `handlers.senders.SlackSenders` (Slack when a bot token is configured) there,
`ConsoleSenders` (print reminders, keep proposal messages in the outbox) everywhere else.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.proposals.outbox import Sender as OutboxSender
    from bot.reminders.delivery import Sender as ReminderSender


class Senders(Protocol):
    def reminders(self, settings) -> "ReminderSender":
        """The sender reminders go out through."""

    def outbox(self, settings) -> "OutboxSender | None":
        """The proposal outbox's sender, or None (messages wait in the outbox)."""


class ConsoleSenders:
    """Without Slack: reminders are printed, proposal messages wait in the outbox."""

    def reminders(self, settings) -> "ReminderSender":
        from bot.reminders.delivery import ConsoleSender

        return ConsoleSender()

    def outbox(self, settings) -> "OutboxSender | None":
        return None
