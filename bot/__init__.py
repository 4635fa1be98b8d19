"""deskbot core: knowledge, matching, calendar, reminders, proposals, storage, CLI (no Slack).

`bot.engine.Desk.answer(question, ...)` is the one path every surface takes; see bot/engine.py.
"""
