"""Remote sources a sync pulls sessions from, the webhooks this server sends and receives, the sessions deleted for
good (so that a sync learns they are gone), on each session the source it came from and when it went from there, and
the people credited on sessions

Revision ID: 0022
Revises: 0021
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'remote_sources',
        sa.Column('pk', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('base_url', sa.Text(), nullable=False),
        sa.Column('token_encrypted', sa.Text(), nullable=False),
        sa.Column('webhook_secret_encrypted', sa.Text(), nullable=True),
        sa.Column('filters', sa.JSON(), nullable=False),
        sa.Column('every_minutes', sa.Integer(), nullable=True),
        sa.Column('paused', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('synced_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_sync_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_job_pk', sa.Integer(), nullable=True),
        sa.Column('breaker_state', sa.String(length=20), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('last_error_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['last_job_pk'], ['jobs.pk'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('pk'),
        sa.UniqueConstraint('name'),
    )
    op.create_table(
        'received_webhooks',
        sa.Column('source_pk', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=200), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['source_pk'], ['remote_sources.pk'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('source_pk', 'message_id'),
    )
    op.create_index('ix_received_webhooks_received_at', 'received_webhooks', ['received_at'], unique=False)
    op.create_table(
        'webhook_subscriptions',
        sa.Column('pk', sa.Integer(), nullable=False),
        sa.Column('url', sa.Text(), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('secret_encrypted', sa.Text(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('disabled_reason', sa.Text(), nullable=True),
        sa.Column('failing_since', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by', sa.String(length=200), nullable=False),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('pk'),
    )
    op.create_table(
        'webhook_deliveries',
        sa.Column('pk', sa.Integer(), nullable=False),
        sa.Column('subscription_pk', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.String(length=100), nullable=False),
        sa.Column('event', sa.String(length=40), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('response_code', sa.Integer(), nullable=True),
        sa.Column('response_ms', sa.Integer(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['subscription_pk'], ['webhook_subscriptions.pk'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('pk'),
    )
    op.create_index('ix_webhook_deliveries_subscription_pk', 'webhook_deliveries', ['subscription_pk', 'pk'],
                    unique=False)
    op.create_index('ix_webhook_deliveries_due', 'webhook_deliveries', ['status', 'next_attempt_at'], unique=False)
    op.create_table(
        'purged_sessions',
        sa.Column('id', sa.String(length=200), nullable=False),
        sa.Column('purged_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_purged_sessions_purged_at', 'purged_sessions', ['purged_at'], unique=False)
    op.create_table(
        'credits',
        sa.Column('session_pk', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=1000), nullable=False),
        sa.Column('role', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['session_pk'], ['sessions.pk'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('session_pk', 'position'),
        sqlite_with_rowid=False,
    )
    op.create_index('ix_credits_name', 'credits', ['name'], unique=False)
    op.create_index('ix_credits_role', 'credits', ['role'], unique=False)
    op.add_column('sessions', sa.Column('remote_source_pk', sa.Integer(), nullable=True))
    op.add_column('sessions', sa.Column('gone_at_source_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_sessions_remote_source_pk', 'sessions', ['remote_source_pk'], unique=False)


def downgrade():
    op.drop_index('ix_sessions_remote_source_pk', table_name='sessions')
    with op.batch_alter_table('sessions') as batch:
        batch.drop_column('gone_at_source_at')
        batch.drop_column('remote_source_pk')
    op.drop_index('ix_credits_role', table_name='credits')
    op.drop_index('ix_credits_name', table_name='credits')
    op.drop_table('credits')
    op.drop_index('ix_purged_sessions_purged_at', table_name='purged_sessions')
    op.drop_table('purged_sessions')
    op.drop_index('ix_webhook_deliveries_due', table_name='webhook_deliveries')
    op.drop_index('ix_webhook_deliveries_subscription_pk', table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_table('webhook_subscriptions')
    op.drop_index('ix_received_webhooks_received_at', table_name='received_webhooks')
    op.drop_table('received_webhooks')
    op.drop_table('remote_sources')
