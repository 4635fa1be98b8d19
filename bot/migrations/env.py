"""Alembic environment: run by `bot.migrate` (deskbot db upgrade / current), which passes the
connection in `config.attributes["connection"]`; the models' metadata is the target (for
`alembic revision --autogenerate` when writing a new migration: see bot/migrations/README.md)."""
from __future__ import annotations

import importlib

from alembic import context
from sqlmodel import SQLModel

from bot.db import MODEL_MODULES

for _name in MODEL_MODULES:
    importlib.import_module(_name)

connection = context.config.attributes.get("connection")
if connection is None:                       # the plain `alembic` command: DATABASE_URL's database
    from bot.db import get_engine

    connection = get_engine().connect()

context.configure(connection=connection, target_metadata=SQLModel.metadata,
                  render_as_batch=True,          # SQLite: ALTER TABLE through table copies
                  compare_type=True)
with context.begin_transaction():
    context.run_migrations()
