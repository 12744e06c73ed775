"""Paths a scan found kept as the index now stores file paths: a backslash in a name as two (app/file_paths.py)

So that a name that is not UTF-8 can be kept as `\\xNN` without being taken for another, every backslash in a
path read from a file system is doubled. The paths scans stored before are rewritten the same way, so the next
scan finds each of their files where it was. Sessions that did not come from a scan (their fingerprint is not
"file:…") keep their paths as they were given.

Revision ID: 0023
Revises: 0022
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

BACKSLASH = "\\"


def _rewrite(old: str, new: str) -> None:
    scanned = sa.table('scanned_files', sa.column('path', sa.Text))
    sessions = sa.table('sessions', sa.column('pk', sa.Integer), sa.column('fingerprint', sa.Text),
                        sa.column('path', sa.Text))
    sources = sa.table('sources', sa.column('session_pk', sa.Integer), sa.column('path', sa.Text))
    templates = sa.table('templates', sa.column('source', sa.String), sa.column('path', sa.Text))
    from_scans = sa.select(sessions.c.pk).where(sessions.c.fingerprint.startswith("file:"))
    op.execute(scanned.update().where(scanned.c.path.contains(BACKSLASH, autoescape=True))
               .values(path=sa.func.replace(scanned.c.path, old, new)))
    op.execute(sessions.update().where(sessions.c.pk.in_(from_scans),
                                       sessions.c.fingerprint.contains(BACKSLASH, autoescape=True))
               .values(fingerprint=sa.func.replace(sessions.c.fingerprint, old, new),
                       path=sa.func.replace(sessions.c.path, old, new)))
    op.execute(sources.update().where(sources.c.session_pk.in_(from_scans),
                                      sources.c.path.contains(BACKSLASH, autoescape=True))
               .values(path=sa.func.replace(sources.c.path, old, new)))
    op.execute(templates.update().where(templates.c.source == "folder",
                                        templates.c.path.contains(BACKSLASH, autoescape=True))
               .values(path=sa.func.replace(templates.c.path, old, new)))


def upgrade():
    _rewrite(BACKSLASH, BACKSLASH * 2)


def downgrade():
    _rewrite(BACKSLASH * 2, BACKSLASH)
