"""The Slack app (Bolt): listeners per surface, each package with `register(app)`.

    handlers/app.py       build_app(), run_socket_mode(); web.py: serve_http() (gunicorn, gunicorn_conf.py)
    handlers/events/      app_mention, message.im (answered once: bot/dedupe.py)
    handlers/commands/    /desk and its sub-command registry
    handlers/actions/     buttons: open entry, 👍/👎, hand-off to the desk staff, screens
    handlers/views/       App Home and the screens (help, calendar, methods, cases, modals)
    handlers/proposals/   the proposal desk: form, staff modals, cards, outbox sender (one file each)
    handlers/blocks.py    Reply → Block Kit (slack_sdk.models; Slack's limits checked on build)

Listeners only translate Slack payloads into (question, asker, place, language), call the core
(`bot.engine.Desk`), render and send; no business rules live here.
"""
from __future__ import annotations


def register(app) -> None:
    from handlers import actions, commands, events, proposals, views

    events.register(app)
    commands.register(app)
    actions.register(app)
    views.register(app)
    proposals.register(app)
