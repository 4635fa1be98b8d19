"""Core tables: the question log and answer feedback."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class QuestionLog(SQLModel, table=True):
    """Every question asked, from any surface, with what the engine decided."""

    __tablename__ = "question_log"
    id: int | None = Field(default=None, primary_key=True)
    asked_at: datetime = Field(default_factory=utcnow, index=True)
    surface: str = Field(max_length=32)           # cli, console, slack-mention, slack-dm, slack-command …
    asker: str | None = Field(default=None, max_length=64)
    place: str | None = Field(default=None, max_length=64)
    question: str = Field(sa_column=Column(Text, nullable=False))
    normalized: str = Field(sa_column=Column(Text, nullable=False), default="")
    lang: str = Field(max_length=8)
    kind: str = Field(max_length=16)              # answer | suggest | decline | invalid
    entry_id: str | None = Field(default=None, max_length=80, index=True)
    score: float = 0.0


class Feedback(SQLModel, table=True):
    """👍 / 👎 on an answer; one vote per (question, user), the latest click wins."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("question_id", "user_id", name="uq_feedback_question_user"),)
    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="question_log.id", index=True)
    entry_id: str | None = Field(default=None, max_length=80, index=True)
    user_id: str = Field(max_length=64)
    helpful: bool
    at: datetime = Field(default_factory=utcnow)
