"""Schema migrations (bot/migrate.py, bot/migrations/): an empty database, a database made by the
old `create_all` that holds data, `deskbot db upgrade` / `db current` — on SQLite and PostgreSQL."""
from __future__ import annotations

import importlib
from datetime import datetime, timezone

from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from bot.db import MODEL_MODULES, init_db, session_scope
from bot.migrate import current, head, upgrade


def _models():
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return SQLModel.metadata


def test_an_empty_database_gets_every_table_and_matches_the_models(empty_db):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    assert current(empty_db.engine) is None
    assert upgrade(empty_db.engine) == (None, head())
    with empty_db.engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        assert set(_models().tables) <= tables
        # the migrations and the models describe the same schema: a model change needs a revision
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), _models())
    assert diff == [], diff
    assert upgrade(empty_db.engine) == (head(), head())          # again: nothing to do


def _fill(engine) -> dict[str, list]:
    """Rows in several tables, as the running bot writes them; returns what was written."""
    from bot.dedupe import ProcessedEvent
    from bot.models import Feedback, QuestionLog
    from bot.proposals.models import Department
    from bot.reminders.models import ReminderSubscription

    now = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    with session_scope(engine) as s:
        q = QuestionLog(asked_at=now, surface="slack", asker="U1", place="C1", question="PFIとは",
                        normalized="pfiとは", lang="ja", kind="answer", entry_id="pfi", score=0.9)
        s.add(q)
        s.flush()
        s.add(Feedback(question_id=q.id, user_id="U1", entry_id="pfi", helpful=True))
        s.add(ProcessedEvent(event_id="Ev1", status="done", claimed_at=now, expires_at=now))
        s.add(ReminderSubscription(target_id="C1", kind="channel", lang="ja", updated_by="U1"))
        s.add(Department(name="企画課"))
    return _dump(engine)


def _dump(engine) -> dict[str, list]:
    with engine.connect() as c:
        return {t: [tuple(r) for r in c.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
                for t in ("question_log", "feedback", "processed_event", "reminder_subscription", "desk_department")}


def test_a_create_all_database_holding_data_is_upgraded_without_losing_any(empty_db, cli):
    SQLModel.metadata.create_all(empty_db.engine, tables=[t for n, t in _models().tables.items() if n != "desk_outbox"])
    before = _fill(empty_db.engine)                 # an older create_all database: no desk_outbox yet
    assert all(before.values())
    proc = cli("db", "upgrade", DATABASE_URL=empty_db.url)
    assert proc.returncode == 0, proc.stderr
    assert f"→ {head()}" in proc.stdout
    assert _dump(empty_db.engine) == before        # every row kept, unchanged
    with empty_db.engine.connect() as conn:
        assert "desk_outbox" in inspect(conn).get_table_names()   # the missing table was added
    assert current(empty_db.engine) == head()
    again = cli("db", "upgrade", DATABASE_URL=empty_db.url)
    assert again.returncode == 0 and "up to date" in again.stdout
    init_db(empty_db.engine)                        # the processes' start-up path: a no-op now
    assert _dump(empty_db.engine) == before


def test_db_current_says_whether_an_upgrade_is_due(empty_db, cli):
    proc = cli("db", "current", DATABASE_URL=empty_db.url)
    assert proc.returncode == 1 and "deskbot db upgrade" in proc.stdout
    assert cli("db", "upgrade", DATABASE_URL=empty_db.url).returncode == 0
    proc = cli("db", "current", DATABASE_URL=empty_db.url)
    assert proc.returncode == 0 and proc.stdout.startswith(head()) and "up to date" in proc.stdout


def test_init_db_migrates_a_new_database(empty_db):
    init_db(empty_db.engine)
    assert current(empty_db.engine) == head()
