"""Sign-ins kept on the server, so that signing out ends one for good; the per-user epoch they replace

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_ins',
    sa.Column('pk', sa.Integer(), nullable=False),
    sa.Column('user_pk', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('address', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['user_pk'], ['users.pk'], name=op.f('fk_sign_ins_user_pk_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_sign_ins')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_sign_ins_secret_hash'))
    )
    op.create_index(op.f('ix_sign_ins_user_pk'), 'sign_ins', ['user_pk'], unique=False)
    # Sign-in cookies named the epoch: those made before this revision stop opening anything.
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('session_epoch')


def downgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))
    op.drop_index(op.f('ix_sign_ins_user_pk'), table_name='sign_ins')
    op.drop_table('sign_ins')
