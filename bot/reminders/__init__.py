"""Budget-calendar reminders: rules → occurrences → ledger → delivery through a small sender.

The pieces: `rules` (what is due when, and its text), `models` (tables), `subscriptions`,
`ledger` (exactly-once bookkeeping), `delivery` (senders, `run_due`), `scheduler` (APScheduler
wake-ups), `command` (`/desk remind …`), `cli` (`deskbot reminders …`, `deskbot clock`).
"""
from bot.reminders.command import remind_command
from bot.reminders.delivery import ConsoleSender, Sender, run_due
from bot.reminders.rules import next_reminders, occurrences_for, render
from bot.reminders.scheduler import start_background_scheduler
from bot.reminders.subscriptions import is_subscribed, subscribe, unsubscribe

__all__ = ["remind_command", "ConsoleSender", "Sender", "run_due", "next_reminders",
           "occurrences_for", "render", "start_background_scheduler", "is_subscribed", "subscribe",
           "unsubscribe"]
