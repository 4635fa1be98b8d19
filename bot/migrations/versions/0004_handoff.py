"""Hand-offs to the desk staff as records (bot/handoffs.py): one row per question.

Revision ID: 0004
Revises: 0003
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

S = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("handoff"):
        return                        # made by create_all before this migration existed
    op.create_table(
        "handoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", S(length=80), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asker", S(length=64), nullable=True),
        sa.Column("clicked_by", S(length=64), nullable=True),
        sa.Column("place", S(length=64), nullable=True),
        sa.Column("surface", S(length=32), nullable=False),
        sa.Column("lang", S(length=8), nullable=False),
        sa.Column("answer_seen", sa.Text(), nullable=False),
        sa.Column("question_log_id", sa.Integer(), nullable=True),
        sa.Column("status", S(length=8), nullable=False),
        sa.Column("owner", S(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("card_state", S(length=8), nullable=False),
        sa.Column("card_channel", S(length=64), nullable=True),
        sa.Column("card_ts", S(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_handoff_key"),
    )
    op.create_index("ix_handoff_question_log_id", "handoff", ["question_log_id"])
    op.create_index("ix_handoff_status", "handoff", ["status"])
    op.create_index("ix_handoff_created_at", "handoff", ["created_at"])


def downgrade() -> None:
    op.drop_table("handoff")
