"""baseline: every table as `SQLModel.metadata.create_all` made it before migrations

The schema of main at 2026-12-01 (bot/models.py, bot/dedupe.py, bot/reminders/models.py,
bot/proposals/models.py). Frozen: later model changes get their own revision.

Revision ID: 0001
Revises: 
Create Date: 2026-12-01 09:36:20.722467
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A database made by `create_all` before migrations existed already has some or all of
    # these tables (with their data): only the missing ones are created, nothing is altered.
    bind = op.get_bind()

    def missing(table: str) -> bool:
        return not sa.inspect(bind).has_table(table)

    if missing('desk_department'):
        op.create_table('desk_department',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('name')
        )

    if missing('processed_event'):
        op.create_table('processed_event',
        sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('event_id')
        )
        with op.batch_alter_table('processed_event', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_processed_event_expires_at'), ['expires_at'], unique=False)

    if missing('question_log'):
        op.create_table('question_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('asked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('surface', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('asker', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('place', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('normalized', sa.Text(), nullable=False),
        sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('entry_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column('score', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('question_log', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_question_log_asked_at'), ['asked_at'], unique=False)
            batch_op.create_index(batch_op.f('ix_question_log_entry_id'), ['entry_id'], unique=False)

    if missing('reminder_delivery'):
        op.create_table('reminder_delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reminder_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('occurrence', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('target_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('uncertain', sa.Boolean(), nullable=False),
        sa.Column('next_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('lease_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('first_attempt_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('message_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reminder_id', 'occurrence', 'target_id', name='uq_reminder_delivery')
        )
        with op.batch_alter_table('reminder_delivery', schema=None) as batch_op:
            batch_op.create_index('ix_reminder_delivery_state_next', ['state', 'next_attempt_at'], unique=False)

    if missing('reminder_occurrence'):
        op.create_table('reminder_occurrence',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reminder_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column('occurrence', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('subscribers', sa.Integer(), nullable=False),
        sa.Column('recorded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reminder_id', 'occurrence', name='uq_reminder_occurrence')
        )

    if missing('reminder_subscription'):
        op.create_table('reminder_subscription',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('target_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('subscribed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('target_id')
        )

    if missing('desk_challenge'):
        op.create_table('desk_challenge',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('desired_outcome', sa.Text(), nullable=False),
        sa.Column('open_until', sa.Date(), nullable=True),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['desk_department.id'], ),
        sa.PrimaryKeyConstraint('id')
        )

    if missing('feedback'):
        op.create_table('feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('entry_id', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('helpful', sa.Boolean(), nullable=False),
        sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['question_log.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('question_id', 'user_id', name='uq_feedback_question_user')
        )
        with op.batch_alter_table('feedback', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_feedback_entry_id'), ['entry_id'], unique=False)
            batch_op.create_index(batch_op.f('ix_feedback_question_id'), ['question_id'], unique=False)

    if missing('desk_proposal'):
        op.create_table('desk_proposal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('fiscal_year', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column('submitter', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('team_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column('organisation', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('contact_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('challenge_id', sa.Integer(), nullable=True),
        sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('needs_budget', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('submitted_on', sa.Date(), nullable=False),
        sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('nudged_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('staff_channel', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column('staff_ts', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.ForeignKeyConstraint(['challenge_id'], ['desk_challenge.id'], ),
        sa.ForeignKeyConstraint(['department_id'], ['desk_department.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('fiscal_year', 'seq', name='uq_desk_proposal_fy_seq'),
        sa.UniqueConstraint('idempotency_key', name='uq_desk_proposal_idempotency'),
        sa.UniqueConstraint('ref')
        )
        with op.batch_alter_table('desk_proposal', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_desk_proposal_status'), ['status'], unique=False)
            batch_op.create_index(batch_op.f('ix_desk_proposal_submitter'), ['submitter'], unique=False)

    if missing('desk_outbox'):
        op.create_table('desk_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=True),
        sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['proposal_id'], ['desk_proposal.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('dedupe_key', name='uq_desk_outbox_dedupe')
        )
        with op.batch_alter_table('desk_outbox', schema=None) as batch_op:
            batch_op.create_index('ix_desk_outbox_due', ['sent_at', 'next_attempt_at'], unique=False)
            batch_op.create_index(batch_op.f('ix_desk_outbox_proposal_id'), ['proposal_id'], unique=False)

    if missing('desk_proposal_event'):
        op.create_table('desk_proposal_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('field', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('old', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column('new', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('by', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['proposal_id'], ['desk_proposal.id'], ),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('desk_proposal_event', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_desk_proposal_event_proposal_id'), ['proposal_id'], unique=False)

    if missing('desk_proposal_note'):
        op.create_table('desk_proposal_note',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('proposal_id', sa.Integer(), nullable=False),
        sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['proposal_id'], ['desk_proposal.id'], ),
        sa.PrimaryKeyConstraint('id')
        )
        with op.batch_alter_table('desk_proposal_note', schema=None) as batch_op:
            batch_op.create_index(batch_op.f('ix_desk_proposal_note_proposal_id'), ['proposal_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('desk_proposal_note', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_proposal_note_proposal_id'))

    op.drop_table('desk_proposal_note')
    with op.batch_alter_table('desk_proposal_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_proposal_event_proposal_id'))

    op.drop_table('desk_proposal_event')
    with op.batch_alter_table('desk_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_outbox_proposal_id'))
        batch_op.drop_index('ix_desk_outbox_due')

    op.drop_table('desk_outbox')
    with op.batch_alter_table('desk_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_proposal_submitter'))
        batch_op.drop_index(batch_op.f('ix_desk_proposal_status'))

    op.drop_table('desk_proposal')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_question_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_entry_id'))

    op.drop_table('feedback')
    op.drop_table('desk_challenge')
    op.drop_table('reminder_subscription')
    op.drop_table('reminder_occurrence')
    with op.batch_alter_table('reminder_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_reminder_delivery_state_next')

    op.drop_table('reminder_delivery')
    with op.batch_alter_table('question_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_log_entry_id'))
        batch_op.drop_index(batch_op.f('ix_question_log_asked_at'))

    op.drop_table('question_log')
    with op.batch_alter_table('processed_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processed_event_expires_at'))

    op.drop_table('processed_event')
    op.drop_table('desk_department')
