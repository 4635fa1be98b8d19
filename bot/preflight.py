"""Checks the CLI runs before a command starts, so that operator mistakes end in one line
(`deskbot: …`, exit 2) instead of a traceback or a process that fails every minute.

- `settings_or_error()`: the settings, or one line per wrong variable (`PORT=abc`, `LOG_LEVEL=…`).
- `database_problem(url)`: a DATABASE_URL that cannot work (not a URL, an unknown database, a
  SQLite file in a folder that does not exist — the default `var/` is created), or None.
- `unreachable(url)`: one connection attempt (5 s connect timeout); why it failed, or None.
- `check_calendar(settings)`: the budget calendar loads, else OperatorError naming the file.

Nothing here retries or waits: those are the job of the processes themselves.
"""
from __future__ import annotations

from pathlib import Path

from bot.errors import OperatorError

EXPECTED_URL = "expected sqlite:///path/to/file.sqlite3 or postgresql://user:password@host:5432/dbname"


def _env_name(loc) -> str:
    return "_".join(str(p) for p in loc).upper() or "a setting"


def settings_or_error():
    """`get_settings()`, or OperatorError naming every invalid variable on one line."""
    from pydantic import ValidationError

    from bot.config import get_settings

    try:
        return get_settings()
    except ValidationError as e:
        parts = []
        for err in e.errors():
            name = _env_name(err.get("loc", ()))
            value = err.get("input")
            shown = f"={value!r}" if isinstance(value, (str, int, float)) else ""
            msg = err.get("msg", "invalid").removeprefix("Value error, ")
            parts.append(f"{name}{shown} is not valid: {msg}")
        raise OperatorError("; ".join(parts)) from None


def redacted(url: str) -> str:
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 — not a URL at all: show it, it holds nothing parseable
        return url


def database_problem(url: str) -> str | None:
    """Why DATABASE_URL cannot work as written, or None (creates the default var/ folder)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from bot.config import ROOT
    from bot.db import normalise_url

    try:
        u = make_url(normalise_url(url))
    except (ArgumentError, ValueError):
        return f"DATABASE_URL={url!r} is not a database URL: {EXPECTED_URL}"
    try:
        u.get_dialect()
    except NoSuchModuleError:
        return f"DATABASE_URL={redacted(url)!r} names an unknown database {u.drivername!r}: {EXPECTED_URL}"
    except ImportError as e:
        return f"DATABASE_URL={redacted(url)!r}: its driver is not installed ({e.name or e})"
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:" \
            and not u.database.startswith("file:"):
        folder = Path(u.database).expanduser().resolve().parent
        if not folder.is_dir():
            if folder == (ROOT / "var").resolve():
                folder.mkdir(parents=True, exist_ok=True)      # the default location
            else:
                return (f"DATABASE_URL={url!r}: the folder {folder} does not exist "
                        "(create it, or fix the path: a typo would start an empty database elsewhere)")
    return None


def unreachable(url: str, timeout: int = 5) -> str | None:
    """One connection attempt; why it failed (one line), or None."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError, SQLAlchemyError
    from sqlalchemy.pool import NullPool

    from bot.db import normalise_url

    norm = normalise_url(url)
    args = {"connect_timeout": timeout} if make_url(norm).get_backend_name() == "postgresql" else {}
    engine = create_engine(norm, poolclass=NullPool, connect_args=args)
    try:
        with engine.connect():
            return None
    except DBAPIError as e:
        reason = str(e.orig).strip().splitlines()[0] if e.orig is not None else type(e).__name__
        return f"cannot connect to the database at DATABASE_URL={redacted(url)!r}: {reason}"
    except (SQLAlchemyError, OSError) as e:
        return f"cannot connect to the database at DATABASE_URL={redacted(url)!r}: {str(e).splitlines()[0]}"
    finally:
        engine.dispose()


def check_database(settings) -> None:
    """OperatorError unless DATABASE_URL is well-formed and answers."""
    problem = database_problem(settings.database_url) or unreachable(settings.database_url)
    if problem:
        raise OperatorError(problem)


def check_database_url(settings) -> None:
    """OperatorError unless DATABASE_URL is well-formed (no connection attempt)."""
    problem = database_problem(settings.database_url)
    if problem:
        raise OperatorError(problem)


def check_calendar(settings) -> None:
    """OperatorError unless the budget calendar (CALENDAR_FILE, else knowledge/calendar.yaml) loads."""
    from bot.fiscal import CalendarError, calendar_path, load_calendar

    path = calendar_path(settings.knowledge_dir, settings.calendar_file)
    try:
        load_calendar(settings.knowledge_dir, settings.calendar_file)
    except CalendarError as e:
        first = e.problems[0] if e.problems else "unreadable"
        more = f" (+{len(e.problems) - 1} more)" if len(e.problems) > 1 else ""
        raise OperatorError(f"the budget calendar {path} is broken: {first}{more}; "
                            "fix it (`deskbot kb check` lists every problem)") from None
