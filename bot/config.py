"""Settings, read once from the environment (and an optional `.env` in the working directory).

Secrets are kept as `SecretStr` so that a settings object printed or logged never shows them.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Storage: an embedded SQLite file by default; any SQLAlchemy URL (postgresql://…) otherwise.
    database_url: str = f"sqlite:///{ROOT / 'var' / 'deskbot.sqlite3'}"
    knowledge_dir: Path = ROOT / "knowledge"
    cache_dir: Path = ROOT / "var" / "cache"        # the encoder's unpacked weights and entry vectors
    timezone: str = "Asia/Tokyo"
    calendar_file: Path | None = None              # budget calendar; relative to knowledge_dir (default calendar.yaml)
    reminder_grace_days: float = 3.0               # missed reminders younger than this are still sent

    # Slack (all optional: without tokens the bot runs as a local console).
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None       # xapp-…: Socket Mode
    slack_signing_secret: SecretStr | None = None  # HTTP mode request verification
    slack_api_url: str | None = None               # Web API base URL override (GovSlack, test stub)
    desk_staff_channel: str | None = None          # channel id where hand-offs and proposals go
    desk_staff_user_ids: str = ""                  # comma-separated extra staff user ids
    port: int = 3000
    slack_retry_backoff: float = 0.5               # s before the first retry of a 5xx or dropped connection (doubles)

    # The desk as users should reach it. Nothing invented ships as a default: with none set, the
    # bot says the contact is not configured and offers the staff hand-off.
    city_name: str = ""                            # e.g. 磐田市
    desk_name: str = ""                            # e.g. 磐田市公民連携デスク (default: 〈city〉公民連携デスク)
    desk_contact_phone: str = ""
    desk_contact_email: str = ""
    desk_contact_url: str = ""
    desk_contact_hours: str = ""

    # Database limits (seconds), so that a database that is away costs seconds, not minutes
    # (bot/db.py; PostgreSQL unless noted).
    db_connect_timeout: int = 3        # libpq connect_timeout (TCP connect, start-up, authentication); ≥ 2
    db_statement_timeout: float = 5    # the server gives up on a statement
    db_wait_timeout: float = 6         # the client gives up waiting for any answer (a stalled network)
    db_pool_timeout: float = 3         # waiting for a free pooled connection
    db_answer_timeout: float = 2       # the answer path's own database work (event claim, question log)
    db_stall_pause: float = 5          # after a timeout, answer-path calls fail at once for this long
    db_sqlite_busy: float = 30         # SQLite: waiting for another process's write lock

    log_level: str = "INFO"

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, v: str) -> str:
        if v.strip().upper() not in LOG_LEVELS:
            raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}")
        return v.strip().upper()

    @field_validator("slack_retry_backoff")
    @classmethod
    def _backoff_range(cls, v: float) -> float:
        if not 0 <= v <= 60:
            raise ValueError("expected seconds from 0 to 60")
        return v

    @field_validator("db_connect_timeout")
    @classmethod
    def _connect_range(cls, v: int) -> int:
        if not 2 <= v <= 600:
            raise ValueError("expected whole seconds from 2 to 600 (libpq's least is 2)")
        return v

    @field_validator("db_statement_timeout", "db_wait_timeout", "db_pool_timeout", "db_answer_timeout",
                     "db_stall_pause", "db_sqlite_busy")
    @classmethod
    def _seconds_range(cls, v: float) -> float:
        if not 0.1 <= v <= 3600:
            raise ValueError("expected seconds from 0.1 to 3600")
        return v

    @field_validator("port")
    @classmethod
    def _port_range(cls, v: int) -> int:
        if not 0 <= v <= 65535:
            raise ValueError("expected a TCP port number from 1 to 65535")
        return v

    @property
    def staff_user_ids(self) -> set[str]:
        return {u.strip() for u in self.desk_staff_user_ids.split(",") if u.strip()}


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
