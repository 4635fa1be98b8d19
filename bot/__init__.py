"""deskbot core: knowledge, matching, calendar, reminders, proposals, storage, CLI (no Slack listeners).

`bot.answer(question, ...)` is the one path every surface takes; see bot/engine.py.
"""


def answer(question: str, **kwargs):
    from bot.engine import get_desk

    return get_desk().answer(question, **kwargs)
