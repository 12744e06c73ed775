"""Full-text search over sessions: FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL.

Only live sessions are indexed, so a search never needs to look at the trash. Both need SQL
that SQLAlchemy does not model; all of it lives in this module, as does the index of the
plugins each live session uses (on SQLite), which is kept beside the search documents.
"""
import re

from sqlalchemy import Select, bindparam, or_, select, text

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
# SQLite has no hash join: finding which of many sessions use one of some plugins probes
# session_plugins once per session. An FTS5 index of each live session's plugins answers it by
# merging sorted lists of sessions instead. A session's document holds a term per plugin it
# uses, and one per vendor, format and product of those plugins, so that a filter matching a
# whole vendor (or format, or product) is one term. PostgreSQL hashes session_plugins itself
# and needs no such index.
PLUGIN_TABLE = f"{SEARCH_TABLE}_plugins"
PLUGIN_DDL = f"CREATE VIRTUAL TABLE IF NOT EXISTS {PLUGIN_TABLE} USING fts5(terms, detail = 'none', columnsize = 0)"
# A session's terms: per plugin it uses, "p<pk>" and a letter and the hex of its vendor, format
# and product (hex keeps any value one exact token; `_group_term` spells it so too). Repeated
# terms are stored once.
PLUGIN_WRITE = (
    f"INSERT INTO {PLUGIN_TABLE} (rowid, terms) SELECT sp.session_pk, group_concat('p' || p.pk"
    " || coalesce(' v' || lower(hex(p.vendor)), '') || coalesce(' f' || lower(hex(p.format)), '')"
    " || ' r' || lower(hex(p.product_key)), ' ') "
    "FROM session_plugins AS sp JOIN plugins AS p ON p.pk = sp.plugin_pk WHERE sp.session_pk IN :pks "
    "GROUP BY sp.session_pk"
)
PLUGIN_DELETE = f"DELETE FROM {PLUGIN_TABLE} WHERE rowid IN :pks"
PLUGIN_USERS = f"SELECT rowid FROM {PLUGIN_TABLE} WHERE {PLUGIN_TABLE} MATCH :terms"
# Per plugin attribute that groups plugins, its term's letter.
PLUGIN_GROUPS = (("vendor", "v"), ("format", "f"), ("product_key", "r"))


def _dialect(db_session_or_connection) -> str:
    bind = getattr(db_session_or_connection, "get_bind", None)
    return (bind() if bind else db_session_or_connection).dialect.name


def create_search_index(connection) -> None:
    """Create the search structures of this database (called by a migration)."""
    for statement in DDL[_dialect(connection)]:
        connection.execute(text(statement))


def drop_search_index(connection) -> None:
    """Drop the search structures."""
    connection.execute(text(f"DROP TABLE IF EXISTS {PLUGIN_TABLE}"))
    connection.execute(text(f"DROP TABLE IF EXISTS {SEARCH_TABLE}"))


def drop_plugin_index(connection) -> None:
    """Drop the index of the plugins each session uses."""
    connection.execute(text(f"DROP TABLE IF EXISTS {PLUGIN_TABLE}"))


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


def _group_term(letter: str, value: str) -> str:
    return letter + value.encode().hex()


def _covering_terms(db_session, plugins: Select) -> list[str]:
    """The fewest terms found in exactly the sessions using a plugin that `plugins` selects.

    A group's term stands for its plugins when all of them are selected; plugins no such group
    covers keep their own term.
    """
    selected = set(db_session.scalars(plugins))
    related = db_session.execute(select(Plugin.pk, *[getattr(Plugin, attribute) for attribute, _ in PLUGIN_GROUPS])
                                 .where(or_(*[getattr(Plugin, attribute).in_(select(getattr(Plugin, attribute))
                                                                             .where(Plugin.pk.in_(plugins)))
                                              for attribute, _ in PLUGIN_GROUPS]))).all()
    terms, uncovered = [], set(selected)
    for attribute, letter in PLUGIN_GROUPS:
        groups = {}
        for plugin in related:
            if getattr(plugin, attribute) is not None:
                groups.setdefault(getattr(plugin, attribute), set()).add(plugin.pk)
        for value, members in sorted(groups.items()):
            if members <= selected and members & uncovered:
                terms.append(_group_term(letter, value))
                uncovered -= members
    return terms + [f"p{pk}" for pk in sorted(uncovered)]


def sessions_using_plugins(db_session, plugins: Select):
    """A subquery of the pks of sessions using a plugin that `plugins` (a select of plugin pks) selects.

    On SQLite, of live sessions only.
    """
    if _dialect(db_session) != "sqlite":
        return select(SessionPlugin.session_pk).where(SessionPlugin.plugin_pk.in_(plugins))
    terms = _covering_terms(db_session, plugins)
    # Unique: a query with several plugin filters holds this subquery once per filter.
    terms = bindparam("terms", " OR ".join(terms), unique=True)
    return text(PLUGIN_USERS).bindparams(terms).columns(pk=Session.pk.type)


def count_sessions_using_plugins(db_session, plugin_selects: list[Select]) -> int | None:
    """How many live sessions use a plugin of each of these selections, from the plugin index alone.

    None where there is no plugin index (PostgreSQL).
    """
    if _dialect(db_session) != "sqlite":
        return None
    groups = [_covering_terms(db_session, plugins) for plugins in plugin_selects]
    if not all(groups):
        return 0
    expression = " AND ".join(f"({' OR '.join(terms)})" for terms in groups)
    return db_session.scalar(text(f"SELECT count(*) FROM ({PLUGIN_USERS}) AS users"), {"terms": expression})


def index_sessions(db_session, session_pks) -> None:
    """(Re)write these sessions' search documents (and plugin terms); drop trashed ones."""
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
        if dialect == "sqlite":
            _write_plugin_terms(db_session, live)


def _write_plugin_terms(db_session, live_pks) -> None:
    db_session.execute(text(PLUGIN_WRITE).bindparams(bindparam("pks", expanding=True)), {"pks": list(live_pks)})


def create_plugin_index(db_session) -> None:
    """Create the index of the plugins each live session uses (SQLite only) and fill it."""
    if _dialect(db_session) != "sqlite":
        return
    db_session.execute(text(PLUGIN_DDL))
    db_session.execute(text(f"DELETE FROM {PLUGIN_TABLE}"))
    live = db_session.scalars(select(Session.pk).where(Session.deleted_at.is_(None))).all()
    for chunk in chunked(live):
        _write_plugin_terms(db_session, chunk)


def unindex_sessions(db_session, session_pks) -> None:
    """Remove these sessions' search documents (and plugin terms)."""
    dialect = _dialect(db_session)
    for sql in [DELETE[dialect]] + ([PLUGIN_DELETE] if dialect == "sqlite" else []):
        statement = text(sql).bindparams(bindparam("pks", expanding=True))
        for chunk in chunked(list(session_pks)):
            db_session.execute(statement, {"pks": list(chunk)})


def rebuild_search_index(db_session) -> None:
    """Rewrite every session's search document and plugin terms (creating the plugin index if missing)."""
    if _dialect(db_session) == "sqlite":
        db_session.execute(text(PLUGIN_DDL))
    index_sessions(db_session, db_session.scalars(select(Session.pk)).all())
