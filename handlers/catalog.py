"""The knowledge lists for `/desk methods` and `/desk cases` live in the core (bot/catalog.py),
so that the console lists exactly what Slack lists."""
from bot.catalog import cases, find_cases, methods  # noqa: F401
