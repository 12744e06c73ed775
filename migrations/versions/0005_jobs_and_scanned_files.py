"""Jobs, their errors and sessions; scanned files; missing sessions

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('jobs',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('current_item', sa.Text(), nullable=True),
    sa.Column('result', sa.JSON(), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('started_by', sa.String(length=200), nullable=False),
    sa.Column('worker', sa.String(length=300), nullable=True),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_jobs'))
    )
    op.create_index('ix_jobs_status', 'jobs', ['status'], unique=False)

    op.create_table('job_errors',
    sa.Column('job_pk', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['job_pk'], ['jobs.pk'], name=op.f('fk_job_errors_job_pk_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_pk', 'position', name=op.f('pk_job_errors'))
    )
    op.create_table('job_sessions',
    sa.Column('job_pk', sa.Integer(), nullable=False),
    sa.Column('session_pk', sa.Integer(), nullable=False),
    sa.Column('change', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['job_pk'], ['jobs.pk'], name=op.f('fk_job_sessions_job_pk_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_pk'], ['sessions.pk'], name=op.f('fk_job_sessions_session_pk_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_pk', 'session_pk', name=op.f('pk_job_sessions'))
    )
    op.create_index('ix_job_sessions_session_pk', 'job_sessions', ['session_pk'], unique=False)

    op.create_table('scanned_files',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('mtime_ns', sa.BigInteger(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('session_pk', sa.Integer(), nullable=True),
    sa.Column('extractor', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('scanned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('job_pk', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['job_pk'], ['jobs.pk'], name=op.f('fk_scanned_files_job_pk_jobs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['session_pk'], ['sessions.pk'], name=op.f('fk_scanned_files_session_pk_sessions'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_scanned_files')),
    sa.UniqueConstraint('path', name=op.f('uq_scanned_files_path'))
    )
    op.create_index('ix_scanned_files_session_pk', 'scanned_files', ['session_pk'], unique=False)
    op.add_column('sessions', sa.Column('missing_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_column('missing_at')

    op.drop_index('ix_scanned_files_session_pk', table_name='scanned_files')
    op.drop_table('scanned_files')
    op.drop_index('ix_job_sessions_session_pk', table_name='job_sessions')
    op.drop_table('job_sessions')
    op.drop_table('job_errors')
    op.drop_index('ix_jobs_status', table_name='jobs')
    op.drop_table('jobs')
