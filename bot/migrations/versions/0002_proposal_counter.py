"""Per-fiscal-year proposal counter (collision-free reference numbers).

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("desk_proposal_counter"):
        return                        # made by create_all before this migration existed
    op.create_table(
        "desk_proposal_counter",
        sa.Column("fiscal_year", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("last", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    op.drop_table("desk_proposal_counter")
