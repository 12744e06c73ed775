"""Writing the search index (each live session's document and, on SQLite, the terms of the plugins it uses) and
checking it against the rows it is made from. `search` reads it."""
from sqlalchemy import bindparam, func, select, text

from app.models import Plugin, Session, Tag, Track
from app.services.bulk import chunked
from app.services.rollups import plugins_of_sessions
from app.services.search import PLUGIN_TABLE, SEARCH_TABLE, dialect_of, lexeme, search_terms

# On PostgreSQL the body given is a document's words, joined by spaces.
DOCUMENT = "array_to_tsvector(string_to_array(:body, ' '))"
# On SQLite a session's row holds its words (body) and a term per plugin it uses (plugins: "p" and the pk), so that
# one MATCH finds the sessions whose words, or whose plugins' products, a search names.
INSERT = {
    "sqlite": f"INSERT INTO {SEARCH_TABLE} (rowid, body, plugins) VALUES (:pk, :body, :plugins)",
    "postgresql": f"INSERT INTO {SEARCH_TABLE} (session_pk, document) VALUES (:pk, {DOCUMENT})",
}
DELETE = {
    "sqlite": f"DELETE FROM {SEARCH_TABLE} WHERE rowid IN :pks",
    "postgresql": f"DELETE FROM {SEARCH_TABLE} WHERE session_pk IN :pks",
}
# A session's terms: per plugin it uses, "p<pk>" and a letter and the hex of its vendor and its
# format as its file gave them (hex keeps any value one exact token; the search spells its vendor
# and format terms so too). Repeated terms are stored once. Nothing here depends on products, so
# that correcting a product writes no session's terms.
PLUGIN_TERMS = (
    "SELECT sp.session_pk, group_concat('p' || p.pk"
    " || coalesce(' v' || lower(hex(p.vendor)), '') || coalesce(' f' || lower(hex(p.format)), ''), ' ') "
    "FROM session_plugins AS sp JOIN plugins AS p ON p.pk = sp.plugin_pk WHERE sp.session_pk IN :pks "
    "GROUP BY sp.session_pk"
)
PLUGIN_WRITE = f"INSERT INTO {PLUGIN_TABLE} (rowid, terms) {PLUGIN_TERMS}"
PLUGIN_DELETE = f"DELETE FROM {PLUGIN_TABLE} WHERE rowid IN :pks"


def _document_words(body: str) -> str:
    """The words of a PostgreSQL search document for `body`, each once, joined by spaces."""
    return " ".join(sorted({lexeme(word) for word in search_terms(body)}))


def _documents(db_session, session_pks) -> dict[int, tuple[str, str]]:
    """The search document of each live session among `session_pks` (at most a chunk of them; on PostgreSQL its
    words), with the terms of the plugins it uses ("p" and each pk)."""
    parts = {row.pk: [row.name, row.artist, row.project, row.notes] for row in db_session.execute(
        select(Session.pk, Session.name, Session.artist, Session.project, Session.notes)
        .where(Session.pk.in_(session_pks), Session.deleted_at.is_(None)))}
    if not parts:
        return {}
    live = list(parts)
    for model in (Tag, Track):
        # Joined by the database: one row per session rather than one per name.
        for session_pk, names in db_session.execute(
                select(model.session_pk, func.aggregate_strings(model.name, " "))
                .where(model.session_pk.in_(live)).group_by(model.session_pk)):
            parts[session_pk].append(names)
    plugins_of = plugins_of_sessions(db_session, live)
    # Plugins as their files spell them; their products' words match at search time (`search_conditions`), so
    # that correcting a product rewrites no document.
    names = {}
    for chunk in chunked(sorted({pk for pks in plugins_of.values() for pk in pks})):
        names.update(db_session.execute(select(Plugin.pk, Plugin.name).where(Plugin.pk.in_(chunk))).all())
    for session_pk, plugin_pks in plugins_of.items():
        parts[session_pk].extend(names[plugin_pk] for plugin_pk in plugin_pks)
    # A name said twice (a plugin in several versions or formats) is kept once.
    bodies = {pk: " ".join(dict.fromkeys(part for part in words if part)) for pk, words in parts.items()}
    if dialect_of(db_session) == "postgresql":
        bodies = {pk: _document_words(body) for pk, body in bodies.items()}
    return {pk: (body, " ".join(f"p{plugin_pk}" for plugin_pk in sorted(plugins_of.get(pk, ()))))
            for pk, body in bodies.items()}


def index_sessions(db_session, session_pks) -> None:
    """(Re)write these sessions' search documents (and plugin terms); drop trashed ones."""
    dialect = dialect_of(db_session)
    for chunk in chunked(list(session_pks)):
        unindex_sessions(db_session, chunk)
        documents = _documents(db_session, chunk)
        if not documents:
            continue
        db_session.execute(text(INSERT[dialect]), [{"pk": pk, "body": body, "plugins": plugins}
                                                   for pk, (body, plugins) in documents.items()])
        if dialect == "sqlite":
            _write_plugin_terms(db_session, list(documents))


def _write_plugin_terms(db_session, live_pks) -> None:
    db_session.execute(text(PLUGIN_WRITE).bindparams(bindparam("pks", expanding=True)), {"pks": list(live_pks)})


def unindex_sessions(db_session, session_pks) -> None:
    """Remove these sessions' search documents (and plugin terms)."""
    dialect = dialect_of(db_session)
    for sql in [DELETE[dialect]] + ([PLUGIN_DELETE] if dialect == "sqlite" else []):
        statement = text(sql).bindparams(bindparam("pks", expanding=True))
        for chunk in chunked(list(session_pks)):
            db_session.execute(statement, {"pks": list(chunk)})


# Stored documents that differ from the ones given, as words in any order (the order of a document's
# parts does not matter to a search): pk of each.
DIFFERING_DOCUMENTS = {
    "sqlite": f"SELECT rowid AS pk, body, plugins FROM {SEARCH_TABLE} WHERE rowid IN :pks",
    "postgresql": f"SELECT given.pk, NULL AS body FROM unnest(CAST(:pks AS integer[]), CAST(:bodies AS text[])) "
                  f"AS given (pk, body) LEFT JOIN {SEARCH_TABLE} AS kept ON kept.session_pk = given.pk "
                  "WHERE kept.document IS DISTINCT FROM array_to_tsvector(string_to_array(given.body, ' '))",
}
INDEXED = {"sqlite": f"SELECT rowid FROM {SEARCH_TABLE}", "postgresql": f"SELECT session_pk FROM {SEARCH_TABLE}"}


def _words(body: str | None) -> set[str]:
    return set((body or "").split())


def search_drift(db_session) -> dict[int, str]:
    """Sessions whose search document is not the one their rows make: pk → what is wrong."""
    dialect = dialect_of(db_session)
    live = db_session.scalars(select(Session.pk).where(Session.deleted_at.is_(None)).order_by(Session.pk)).all()
    indexed = set(db_session.scalars(text(INDEXED[dialect])))
    drift = {pk: "indexed but not a live session" for pk in indexed.difference(live)}
    for chunk in chunked(live):
        documents = _documents(db_session, chunk)
        drift.update((pk, "not indexed") for pk in documents if pk not in indexed)
        if dialect == "sqlite":
            kept = {pk: (body, plugins) for pk, body, plugins in db_session.execute(
                text(DIFFERING_DOCUMENTS[dialect]).bindparams(bindparam("pks", expanding=True)),
                {"pks": list(documents)})}
            differing = [pk for pk, document in documents.items() if pk in kept and kept[pk] != document
                         and [_words(part) for part in kept[pk]] != [_words(part) for part in document]]
        else:
            differing = db_session.scalars(text(DIFFERING_DOCUMENTS[dialect]), {
                "pks": list(documents), "bodies": [body for body, _ in documents.values()]}).all()
        drift.update((pk, "words differ") for pk in differing if pk in indexed)
    return drift


def plugin_index_drift(db_session) -> dict[int, str]:
    """Sessions whose terms in the plugin index (SQLite) are not the ones their plugins make: pk → what is wrong."""
    if dialect_of(db_session) != "sqlite":
        return {}
    live = db_session.scalars(select(Session.pk).where(Session.deleted_at.is_(None)).order_by(Session.pk)).all()
    kept_rows = set(db_session.scalars(text(f"SELECT rowid FROM {PLUGIN_TABLE}")))
    drift = {pk: "indexed but not a live session" for pk in kept_rows.difference(live)}
    terms = text(PLUGIN_TERMS).bindparams(bindparam("pks", expanding=True))
    kept_terms = text(f"SELECT rowid, terms FROM {PLUGIN_TABLE} WHERE rowid IN :pks").bindparams(
        bindparam("pks", expanding=True))
    for chunk in chunked(live):
        expected = {pk: set(words.split()) for pk, words in db_session.execute(terms, {"pks": list(chunk)})}
        kept = {pk: set(words.split()) for pk, words in db_session.execute(kept_terms, {"pks": list(chunk)})}
        for pk in set(expected) | set(kept):
            if expected.get(pk) != kept.get(pk):
                drift[pk] = "not indexed" if pk not in kept else "terms differ" if pk in expected else \
                    "indexed but uses no plugin"
    return drift
