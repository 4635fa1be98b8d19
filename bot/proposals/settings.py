"""Settings of the proposal desk (environment variables, like bot/config.py)."""
from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class ProposalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    proposal_stale_days: int = 14           # no status change for this long → nudge the staff channel
    proposal_staff_cache_seconds: int = 300  # how long the staff channel's member list is trusted
    proposal_outbox_max_backoff: int = 3600  # seconds between retries, at most


@lru_cache(maxsize=1)
def get_proposal_settings() -> ProposalSettings:
    return ProposalSettings()
