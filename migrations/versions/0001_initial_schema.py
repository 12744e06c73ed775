"""The initial schema: sessions, tags, tracks, plugins, instances, usage rollup, sources, meta.

Revision ID: 0001
Revises:
"""
from alembic import op
import sqlalchemy as sa


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('meta',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_meta'))
    )
    op.create_table('plugins',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=4100), nullable=False),
    sa.Column('product_key', sa.String(length=2100), nullable=False),
    sa.Column('name', sa.String(length=1000), nullable=False),
    sa.Column('vendor', sa.String(length=1000), nullable=True),
    sa.Column('version', sa.String(length=1000), nullable=True),
    sa.Column('format', sa.String(length=1000), nullable=True),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_plugins')),
    sa.UniqueConstraint('id', name=op.f('uq_plugins_id'))
    )
    op.create_index('ix_plugins_product_key', 'plugins', ['product_key'], unique=False)
    op.create_index('ix_plugins_vendor', 'plugins', ['vendor'], unique=False)
    op.create_table('sessions',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.Text(), nullable=False),
    sa.Column('name', sa.String(length=1000), nullable=False),
    sa.Column('artist', sa.String(length=1000), nullable=True),
    sa.Column('project', sa.String(length=1000), nullable=True),
    sa.Column('path', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sample_rate', sa.Integer(), nullable=True),
    sa.Column('bit_depth', sa.Integer(), nullable=True),
    sa.Column('bpm', sa.Float(), nullable=True),
    sa.Column('key', sa.String(length=1000), nullable=True),
    sa.Column('duration_seconds', sa.Float(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('daw', sa.String(length=1000), nullable=True),
    sa.Column('daw_version', sa.String(length=1000), nullable=True),
    sa.Column('template', sa.String(length=1000), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_favorite', sa.Boolean(), nullable=False),
    sa.Column('is_test', sa.Boolean(), nullable=False),
    sa.Column('is_complete', sa.Boolean(), nullable=False),
    sa.Column('rating', sa.String(length=20), nullable=True),
    sa.Column('attributes', sa.JSON(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_sessions')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_sessions_fingerprint')),
    sa.UniqueConstraint('id', name=op.f('uq_sessions_id'))
    )
    op.create_index('ix_sessions_artist_created_at', 'sessions', ['artist', 'created_at'], unique=False)
    op.create_index('ix_sessions_created_at', 'sessions', ['created_at'], unique=False)
    op.create_index('ix_sessions_daw_created_at', 'sessions', ['daw', 'created_at'], unique=False)
    op.create_index('ix_sessions_deleted_at', 'sessions', ['deleted_at'], unique=False)
    op.create_index('ix_sessions_project_created_at', 'sessions', ['project', 'created_at'], unique=False)
    op.create_table('session_plugins',
    sa.Column('session_pk', sa.Integer(), nullable=False),
    sa.Column('plugin_pk', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('track_count', sa.Integer(), nullable=False),
    sa.Column('session_created_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['plugin_pk'], ['plugins.pk'], name=op.f('fk_session_plugins_plugin_pk_plugins')),
    sa.ForeignKeyConstraint(['session_pk'], ['sessions.pk'], name=op.f('fk_session_plugins_session_pk_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_pk', 'plugin_pk', name=op.f('pk_session_plugins')),
    sqlite_with_rowid=False
    )
    op.create_index('ix_session_plugins_plugin_pk_created_at', 'session_plugins', ['plugin_pk', 'session_created_at'], unique=False)
    op.create_table('sources',
    sa.Column('session_pk', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('path', sa.Text(), nullable=True),
    sa.Column('ingested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('extractor', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['session_pk'], ['sessions.pk'], name=op.f('fk_sources_session_pk_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_pk', 'position', name=op.f('pk_sources')),
    sqlite_with_rowid=False
    )
    op.create_table('tags',
    sa.Column('session_pk', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['session_pk'], ['sessions.pk'], name=op.f('fk_tags_session_pk_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_pk', 'name', name=op.f('pk_tags')),
    sqlite_with_rowid=False
    )
    op.create_index('ix_tags_name', 'tags', ['name'], unique=False)
    op.create_table('tracks',
    sa.Column('session_pk', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=1000), nullable=False),
    sa.Column('type', sa.String(length=1000), nullable=True),
    sa.Column('format', sa.String(length=1000), nullable=True),
    sa.Column('state', sa.String(length=1000), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['session_pk'], ['sessions.pk'], name=op.f('fk_tracks_session_pk_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_pk', 'position', name=op.f('pk_tracks')),
    sqlite_with_rowid=False
    )
    op.create_table('track_plugins',
    sa.Column('session_pk', sa.Integer(), nullable=False),
    sa.Column('track_position', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('plugin_pk', sa.Integer(), nullable=False),
    sa.Column('slot', sa.String(length=1000), nullable=True),
    sa.Column('preset', sa.String(length=1000), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['plugin_pk'], ['plugins.pk'], name=op.f('fk_track_plugins_plugin_pk_plugins')),
    sa.ForeignKeyConstraint(['session_pk', 'track_position'], ['tracks.session_pk', 'tracks.position'], name=op.f('fk_track_plugins_session_pk_track_position_tracks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('session_pk', 'track_position', 'position', name=op.f('pk_track_plugins')),
    sqlite_with_rowid=False
    )
    op.create_index('ix_track_plugins_plugin_pk', 'track_plugins', ['plugin_pk'], unique=False)


def downgrade():
    op.drop_index('ix_track_plugins_plugin_pk', table_name='track_plugins')
    op.drop_table('track_plugins')
    op.drop_table('tracks')
    op.drop_index('ix_tags_name', table_name='tags')
    op.drop_table('tags')
    op.drop_table('sources')
    op.drop_index('ix_session_plugins_plugin_pk_created_at', table_name='session_plugins')
    op.drop_table('session_plugins')
    op.drop_index('ix_sessions_project_created_at', table_name='sessions')
    op.drop_index('ix_sessions_deleted_at', table_name='sessions')
    op.drop_index('ix_sessions_daw_created_at', table_name='sessions')
    op.drop_index('ix_sessions_created_at', table_name='sessions')
    op.drop_index('ix_sessions_artist_created_at', table_name='sessions')
    op.drop_table('sessions')
    op.drop_index('ix_plugins_vendor', table_name='plugins')
    op.drop_index('ix_plugins_product_key', table_name='plugins')
    op.drop_table('plugins')
    op.drop_table('meta')
