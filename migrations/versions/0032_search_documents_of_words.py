"""On PostgreSQL each search document becomes the set of words the search box's rule finds in its session's text
(runs of letters and digits, lower-cased, without accents), without positions, rather than what PostgreSQL's parser
makes of it, so that a search word matches exactly when it starts one of them ("v1.2" is "v1" and "2"; "<Vox>" is
"vox"; "Café" is "cafe")

Revision ID: 0032
Revises: 0031
"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

WORD = re.compile(r"[^\W_]+")
LEXEME_BYTES = 2000
BATCH = 5000
BODY = ("concat_ws(' ', s.name, s.artist, s.project, s.notes, "
        "(SELECT string_agg(name, ' ') FROM tags WHERE session_pk = s.pk), "
        "(SELECT string_agg(name, ' ') FROM tracks WHERE session_pk = s.pk), "
        "(SELECT string_agg(p.name, ' ') FROM session_plugins AS sp JOIN plugins AS p ON p.pk = sp.plugin_pk "
        "WHERE sp.session_pk = s.pk))")
LIVE = "FROM sessions AS s WHERE s.deleted_at IS NULL"
INDEX = "CREATE INDEX ix_session_search_document ON session_search USING gin (document)"


def _words(body: str) -> str:
    decomposed = unicodedata.normalize("NFD", body.lower())
    unaccented = unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))
    return " ".join(sorted({word.encode()[:LEXEME_BYTES].decode(errors="ignore") for word in WORD.findall(unaccented)}))


def _rewrite(fill) -> None:
    # Written afresh and indexed after: one index build instead of an entry per document.
    op.execute("DROP INDEX ix_session_search_document")
    op.execute("TRUNCATE session_search")
    fill(op.get_bind())
    op.execute(INDEX)


def _fill_with_words(connection) -> None:
    after = 0
    while True:
        rows = connection.execute(sa.text(f"SELECT s.pk, {BODY} {LIVE} AND s.pk > :after ORDER BY s.pk LIMIT {BATCH}"),
                                  {"after": after}).all()
        if not rows:
            return
        connection.execute(sa.text("INSERT INTO session_search (session_pk, document) "
                                   "SELECT pk, array_to_tsvector(string_to_array(words, ' ')) "
                                   "FROM unnest(CAST(:pks AS integer[]), CAST(:words AS text[])) AS given (pk, words)"),
                           {"pks": [pk for pk, _ in rows], "words": [_words(body) for _, body in rows]})
        after = rows[-1][0]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _rewrite(_fill_with_words)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _rewrite(lambda connection: connection.execute(sa.text(
            f"INSERT INTO session_search (session_pk, document) SELECT s.pk, to_tsvector('simple', {BODY}) {LIVE}")))
