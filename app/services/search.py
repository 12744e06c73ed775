"""Full-text search over sessions: FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL.

Only live sessions are indexed, so a search never needs to look at the trash. Both need SQL
that SQLAlchemy does not model; all of it lives in this module.
"""
import re

from sqlalchemy import bindparam, select, text

from app.models import Plugin, Session, SessionPlugin, Tag, Track
from app.services.bulk import chunked

SEARCH_TABLE = "session_search"
TERM = re.compile(r"[^\W_]+")

DDL = {
    "sqlite": [
        # Prefix indexes make "type as you search" prefix queries index lookups.
        f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5(body, tokenize = 'unicode61 remove_diacritics 2', "
        "prefix = '2 3 4')",
    ],
    "postgresql": [
        f"CREATE TABLE {SEARCH_TABLE} (session_pk integer PRIMARY KEY REFERENCES sessions (pk) ON DELETE CASCADE, "
        "document tsvector NOT NULL)",
        f"CREATE INDEX ix_{SEARCH_TABLE}_document ON {SEARCH_TABLE} USING gin (document)",
    ],
}
INSERT = {
    "sqlite": f"INSERT INTO {SEARCH_TABLE} (rowid, body) VALUES (:pk, :body)",
    "postgresql": f"INSERT INTO {SEARCH_TABLE} (session_pk, document) VALUES (:pk, to_tsvector('simple', :body))",
}
DELETE = {
    "sqlite": f"DELETE FROM {SEARCH_TABLE} WHERE rowid IN :pks",
    "postgresql": f"DELETE FROM {SEARCH_TABLE} WHERE session_pk IN :pks",
}
MATCHING = {
    "sqlite": f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :query",
    "postgresql": f"SELECT session_pk FROM {SEARCH_TABLE} WHERE document @@ to_tsquery('simple', :query)",
}
COUNT_MATCHING = {dialect: f"SELECT count(*) FROM ({sql}) AS matches" for dialect, sql in MATCHING.items()}


def _dialect(db_session_or_connection) -> str:
    bind = getattr(db_session_or_connection, "get_bind", None)
    return (bind() if bind else db_session_or_connection).dialect.name


def create_search_index(connection) -> None:
    """Create the search structures of this database (called by a migration)."""
    for statement in DDL[_dialect(connection)]:
        connection.execute(text(statement))


def drop_search_index(connection) -> None:
    """Drop the search structures."""
    connection.execute(text(f"DROP TABLE IF EXISTS {SEARCH_TABLE}"))


def search_terms(query: str) -> list[str]:
    """The words of a search box's text, lower-cased."""
    return TERM.findall((query or "").lower())


def _expression(dialect: str, terms: list[str]) -> str:
    if dialect == "sqlite":
        return " ".join(f'"{term}"*' for term in terms)
    return " & ".join(f"{term}:*" for term in terms)


def matching_session_pks(db_session, query: str):
    """A subquery of the pks of live sessions holding every word of `query` (each as a prefix); None if no words."""
    terms = search_terms(query)
    if not terms:
        return None
    dialect = _dialect(db_session)
    return text(MATCHING[dialect]).bindparams(query=_expression(dialect, terms)).columns(pk=Session.pk.type)


def count_matching_sessions(db_session, query: str) -> int | None:
    """How many live sessions hold every word of `query`, from the search index alone; None if no words."""
    terms = search_terms(query)
    if not terms:
        return None
    dialect = _dialect(db_session)
    return db_session.scalar(text(COUNT_MATCHING[dialect]), {"query": _expression(dialect, terms)})


def index_sessions(db_session, session_pks) -> None:
    """(Re)write the search documents of these sessions from their fields, tags, tracks and plugins; drop trashed ones."""
    dialect = _dialect(db_session)
    for chunk in chunked(list(session_pks)):
        unindex_sessions(db_session, chunk)
        documents = {row.pk: [row.name, row.artist, row.project, row.notes] for row in db_session.execute(
            select(Session.pk, Session.name, Session.artist, Session.project, Session.notes)
            .where(Session.pk.in_(chunk), Session.deleted_at.is_(None)))}
        if not documents:
            continue
        live = list(documents)
        for query in (
            select(Tag.session_pk, Tag.name).where(Tag.session_pk.in_(live)),
            select(Track.session_pk, Track.name).where(Track.session_pk.in_(live)),
            select(SessionPlugin.session_pk, Plugin.name).join(Plugin, Plugin.pk == SessionPlugin.plugin_pk)
            .where(SessionPlugin.session_pk.in_(live)),
        ):
            for session_pk, words in db_session.execute(query):
                documents[session_pk].append(words)
        db_session.execute(text(INSERT[dialect]), [
            {"pk": pk, "body": " ".join(part for part in parts if part)} for pk, parts in documents.items()
        ])


def unindex_sessions(db_session, session_pks) -> None:
    """Remove these sessions' search documents."""
    statement = text(DELETE[_dialect(db_session)]).bindparams(bindparam("pks", expanding=True))
    for chunk in chunked(list(session_pks)):
        db_session.execute(statement, {"pks": list(chunk)})


def rebuild_search_index(db_session) -> None:
    """Rewrite every session's search document."""
    index_sessions(db_session, db_session.scalars(select(Session.pk)).all())
