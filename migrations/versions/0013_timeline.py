"""What sits on a session's timeline and beside it: events (markers, notes), media files and attachments, with each
session's counts of them

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa

OPEN_NOTE = sa.text("kind = 'note' AND status = 'open' AND deleted_at IS NULL")
WITH_OPEN_NOTES = sa.text("open_note_count > 0 AND deleted_at IS NULL")
WITH_MISSING_MEDIA = sa.text("missing_media_count > 0 AND deleted_at IS NULL")


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'events',
        sa.Column('pk', sa.Integer(), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('session_pk', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=50), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('t_sec', sa.Float(), nullable=False),
        sa.Column('end_sec', sa.Float(), nullable=True),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('label', sa.String(length=1000), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('track', sa.String(length=1000), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=True),
        sa.Column('attributes', sa.JSON(), nullable=True),
        sa.Column('author', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['session_pk'], ['sessions.pk'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('pk'),
        sa.UniqueConstraint('id'),
    )
    op.create_index('ix_events_session_pk_t_sec', 'events', ['session_pk', 't_sec'])
    op.create_index('ix_events_open_notes', 'events', ['session_pk'], sqlite_where=OPEN_NOTE,
                    postgresql_where=OPEN_NOTE)
    op.create_table(
        'media_files',
        sa.Column('session_pk', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('path', sa.Text(), nullable=False),
        sa.Column('name', sa.String(length=1000), nullable=True),
        sa.Column('offline', sa.Boolean(), nullable=True),
        sa.Column('exists', sa.Boolean(), nullable=True),
        sa.Column('size_bytes', sa.BigInteger(), nullable=True),
        sa.Column('missing', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['session_pk'], ['sessions.pk'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('session_pk', 'position'),
        sqlite_with_rowid=False,
    )
    op.add_column('sessions', sa.Column('event_counts', sa.JSON(), nullable=True))
    for column in ('open_note_count', 'media_count', 'missing_media_count', 'attachment_count'):
        op.add_column('sessions', sa.Column(column, sa.Integer(), server_default='0', nullable=False))
    op.create_table(
        'attachments',
        sa.Column('pk', sa.Integer(), nullable=False),
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('session_pk', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=1000), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('content_type', sa.String(length=200), nullable=False),
        sa.Column('size_bytes', sa.BigInteger(), nullable=False),
        sa.Column('author', sa.String(length=200), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('analysis', sa.JSON(), nullable=True),
        sa.Column('analysis_error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['session_pk'], ['sessions.pk'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('pk'),
        sa.UniqueConstraint('id'),
    )
    op.create_index('ix_attachments_session_pk', 'attachments', ['session_pk'])
    op.create_index('ix_attachments_sha256', 'attachments', ['sha256'])
    op.create_index('ix_sessions_open_notes', 'sessions', ['created_at'], sqlite_where=WITH_OPEN_NOTES,
                    postgresql_where=WITH_OPEN_NOTES)
    op.create_index('ix_sessions_missing_media', 'sessions', ['created_at'], sqlite_where=WITH_MISSING_MEDIA,
                    postgresql_where=WITH_MISSING_MEDIA)


def downgrade():
    op.drop_index('ix_sessions_missing_media', table_name='sessions')
    op.drop_index('ix_sessions_open_notes', table_name='sessions')
    with op.batch_alter_table('sessions') as batch:
        batch.drop_column('attachment_count')
        batch.drop_column('missing_media_count')
        batch.drop_column('media_count')
        batch.drop_column('open_note_count')
        batch.drop_column('event_counts')
    op.drop_table('attachments')
    op.drop_table('media_files')
    op.drop_index('ix_events_open_notes', table_name='events')
    op.drop_index('ix_events_session_pk_t_sec', table_name='events')
    op.drop_table('events')
