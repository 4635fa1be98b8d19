"""Schema migrations (Alembic, scripts in bot/migrations/versions/): `deskbot db upgrade`,
`deskbot db current`, and `init_db`'s first step.

- `upgrade(engine)` brings a database to the newest revision: an empty one gets every table; a
  database made by `create_all` before migrations existed (tables, no `alembic_version`) keeps
  its tables and rows, gets whatever tables it lacks, and is marked as at the baseline; then any
  later revisions run. On PostgreSQL an advisory lock makes concurrent upgrades (a release step
  and a process starting) take turns.
- `current(engine)` is the revision a database is at (None: never migrated).
"""
from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)
logging.getLogger("alembic").setLevel(logging.WARNING)   # its INFO lines are per step; ours say what changed

SCRIPTS = Path(__file__).resolve().parent / "migrations"
_LOCK_KEY = 0x6465736B626F74          # "deskbot": pg_advisory_lock key for upgrades


def _config(connection: Connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(SCRIPTS))
    cfg.attributes["connection"] = connection
    return cfg


@lru_cache(maxsize=1)
def head() -> str:
    """The newest revision in bot/migrations/versions."""
    from alembic.script import ScriptDirectory

    cfg = _config(None)  # type: ignore[arg-type]
    return ScriptDirectory.from_config(cfg).get_current_head()


def current(engine: Engine) -> str | None:
    """The revision `engine`'s database is at, or None if it was never migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Migrate `engine`'s database to `revision`; returns (revision before, revision after)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        before = MigrationContext.configure(conn).get_current_revision()
        if before == head() and revision == "head":
            return before, before                  # the common case at start-up: one query
        if before is None and inspect(conn).get_table_names():
            log.info("database has tables but no migration history (made by create_all): "
                     "adopting it at the baseline revision, keeping every row")
        command.upgrade(_config(conn), revision)
        after = MigrationContext.configure(conn).get_current_revision()
    if before != after:
        log.info("database schema migrated from %s to %s", before or "nothing", after)
    return before, after


# ---- `deskbot db …` -----------------------------------------------------------------------------

def add_commands(sub) -> None:
    db = sub.add_parser("db", help="database schema: upgrade (run before web and clock start), current")
    dbsub = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    p = dbsub.add_parser("upgrade", help="migrate DATABASE_URL's database to the newest schema (keeps every row)")
    p.set_defaults(func=cmd_upgrade)
    p = dbsub.add_parser("current", help="the schema revision DATABASE_URL's database is at")
    p.set_defaults(func=cmd_current)
    p = dbsub.add_parser("revision", help="developers: write a new revision from the models (autogenerate; read it after)")
    p.add_argument("-m", "--message", required=True, help="what changed")
    p.set_defaults(func=cmd_revision)


def cmd_upgrade(args) -> int:
    from bot.db import get_engine

    before, after = upgrade(get_engine())
    if before == after:
        print(f"database schema up to date (revision {after})")
    else:
        print(f"database schema migrated: {before or 'none'} → {after}")
    return 0


def cmd_current(args) -> int:
    from bot.db import get_engine

    rev = current(get_engine())
    newest = head()
    state = "up to date" if rev == newest else f"behind: run `deskbot db upgrade` (newest {newest})"
    print(f"{rev or 'none (never migrated)'} — {state}")
    return 0 if rev == newest else 1


def cmd_revision(args) -> int:
    from alembic import command

    from bot.db import get_engine

    engine = get_engine()
    upgrade(engine)                       # autogenerate compares the models with a database at head
    with engine.begin() as conn:
        command.revision(_config(conn), message=args.message, autogenerate=True)
    return 0
