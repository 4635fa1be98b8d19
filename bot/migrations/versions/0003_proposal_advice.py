"""The advice a proposal was given (idea advisor): desk_proposal.advice, JSON text, nullable.

Revision ID: 0003
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    cols = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("desk_proposal")}
    if "advice" not in cols:          # absent unless create_all made the table after the model gained it
        with op.batch_alter_table("desk_proposal") as batch:
            batch.add_column(sa.Column("advice", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("desk_proposal") as batch:
        batch.drop_column("advice")
