"""An index of the plugins each live session uses, for plugin filters over many sessions (SQLite)

Revision ID: 0007
Revises: 0006
"""
from alembic import op
from sqlalchemy.orm import Session

from app.services.search import create_plugin_index, drop_plugin_index


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    db_session = Session(bind=op.get_bind())
    create_plugin_index(db_session)
    db_session.flush()


def downgrade():
    drop_plugin_index(op.get_bind())
