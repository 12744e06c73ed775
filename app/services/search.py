"""Full-text search over sessions: FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL.

On PostgreSQL a document is the set of words `search_terms` finds in the session's text (without
accents, as SQLite's index keeps them), given as lexemes: no parser of the database's splits,
joins or drops them ("v1.2" is "v1" and "2", "<Vox>" is "vox"). A search's words are given to
it the same way, so that a word matches exactly when it starts one of those words. Positions
are not kept: nothing reads them.

Only live sessions are indexed, so a search never needs to look at the trash. Both need SQL
that SQLAlchemy does not model; the queries live in this module, as do the queries of the index
of the plugins each live session uses (on SQLite); `search_index` writes and checks both.
On SQLite a search row also holds its session's plugins, so that a word naming a product
is matched by the same MATCH as the words of the document.
"""
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import (Select, bindparam, column, func, intersect, literal_column, or_, select, table, text, union,
                        union_all)

from app.models import Plugin, Product, Session, SessionPlugin

SEARCH_TABLE = "session_search"
TERM = re.compile(r"[^\W_]+")
# PostgreSQL takes a lexeme of a query of under 2,047 bytes: longer words are kept and searched by their start.
LEXEME_BYTES = 2000

DOCUMENT_MATCHES = "document @@ CAST(:query AS tsquery)"
MATCHING = {
    "sqlite": f"SELECT rowid AS pk FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH :query",
    "postgresql": f"SELECT session_pk AS pk FROM {SEARCH_TABLE} WHERE {DOCUMENT_MATCHES}",
}
# SQLite has no hash join: finding which of many sessions use one of some plugins probes
# session_plugins once per session. An FTS5 index of each live session's plugins answers it by
# merging sorted lists of sessions instead. A session's document holds a term per plugin it
# uses, and one per vendor and format of those plugins, so that a filter matching a whole
# vendor (or format) is one term. PostgreSQL hashes session_plugins itself and needs no such
# index.
PLUGIN_TABLE = f"{SEARCH_TABLE}_plugins"
PLUGIN_USERS = f"SELECT rowid AS pk FROM {PLUGIN_TABLE} WHERE {PLUGIN_TABLE} MATCH :terms"
# Per column that groups plugins, its term's letter.
PLUGIN_GROUPS = ((Plugin.vendor, "v"), (Plugin.format, "f"))


def dialect_of(db_session_or_connection) -> str:
    """The name of the database a session or connection talks to: "sqlite" or "postgresql"."""
    bind = getattr(db_session_or_connection, "get_bind", None)
    return (bind() if bind else db_session_or_connection).dialect.name


def search_terms(query: str) -> list[str]:
    """The words of a search box's text (or of a session's), lower-cased and without accents."""
    lowered = (query or "").lower()
    if lowered.isascii():
        return TERM.findall(lowered)
    # Accents off as SQLite's index takes them off, whether a file wrote them composed or (on a Mac) decomposed:
    # "cafe", "café" and "CAFÉ" are one word.
    decomposed = unicodedata.normalize("NFD", lowered)
    return TERM.findall(unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c))))


def lexeme(word: str) -> str:
    """`word` as PostgreSQL keeps it in a document or a query: its start of at most LEXEME_BYTES bytes."""
    return word.encode()[:LEXEME_BYTES].decode(errors="ignore")


def _expression(dialect: str, terms: list[str]) -> str:
    """The search expression for documents holding every one of `terms`, each as a prefix of a word."""
    if dialect == "sqlite":
        return " AND ".join(f'body : "{term}"*' for term in terms)
    # Lexemes as they are (quoted), not parsed: a term is letters and digits, so holds no quote.
    return " & ".join(f"'{lexeme(term)}':*" for term in terms)


def _sqlite_expression(db_session, terms: list[str], products: dict[str, list[str]]) -> str:
    """The MATCH expression for sessions where each of `terms` starts a word of the document or names a product
    (`products`) one of whose plugins the session uses."""
    parts = []
    for term in terms:
        plugins = db_session.scalars(select(Plugin.pk).where(Plugin.product_key.in_(products[term]))
                                     .order_by(Plugin.pk)).all() if products[term] else []
        word = _expression("sqlite", [term])
        parts.append(f"({word} OR plugins : ({' OR '.join(f'p{pk}' for pk in plugins)}))" if plugins else word)
    return " AND ".join(parts)


def _matching(dialect: str, expression: str):
    """A subquery of the pks of live sessions whose search rows match `expression`."""
    # Unique: on PostgreSQL a search holds this subquery once per word that names a product.
    return text(MATCHING[dialect]).bindparams(bindparam("query", expression, unique=True)).columns(
        pk=Session.pk.type)


def _products_by_word(db_session, terms: list[str]) -> dict[str, list[str]]:
    """Per search word, the keys of the products in use whose vendor, name or category has a word starting with it
    (on PostgreSQL, those whose users the documents might not hold the word of)."""
    found = {term: [] for term in terms}
    for key, *fields in db_session.execute(select(Product.key, Product.vendor, Product.name, Product.category)):
        words = search_terms(" ".join(field for field in fields if field))
        for term in terms:
            if any(word.startswith(term) for word in words):
                found[term].append(key)
    return _not_named_by_their_plugins(db_session, found) if dialect_of(db_session) == "postgresql" else found


def _not_named_by_their_plugins(db_session, found: dict[str, list[str]]) -> dict[str, list[str]]:
    """`found` without the products every one of whose plugins has a name with a word starting with the search word
    (PostgreSQL): a session using one holds that word in its document, so its users add no session to the search."""
    names = {}
    for key, name in db_session.execute(select(Plugin.product_key, Plugin.name).where(
            Plugin.product_key.in_({key for keys in found.values() for key in keys}))):
        names.setdefault(key, []).append(search_terms(name))
    return {term: [key for key in keys if not all(any(word.startswith(term) for word in words)
                                                  for words in names.get(key, []))]
            for term, keys in found.items()}


@dataclass(frozen=True)
class Search:
    """The words of a search, and per word the keys of the products in use it names (read once per search)."""

    terms: list[str]
    products: dict[str, list[str]]

    @property
    def plain(self) -> list[str]:
        """The words naming no product."""
        return [term for term in self.terms if not self.products[term]]

    @property
    def naming(self) -> list[str]:
        """The words naming a product."""
        return [term for term in self.terms if self.products[term]]


def read_search(db_session, query: str) -> Search | None:
    """The search a search box's text asks for; None when it has no words."""
    terms = search_terms(query)
    return Search(terms, _products_by_word(db_session, terms)) if terms else None


def search_conditions(db_session, search: Search | None) -> list:
    """Conditions on sessions for a search: every word, as a prefix, in the session's document or in the vendor,
    name or category of a product the session uses ("fab pro", "eq")."""
    if search is None:
        return []
    dialect = dialect_of(db_session)
    # "pk + 0": the list walks its index in order and tests each session against the matches. PostgreSQL's planner
    # chooses between that and finding the matches first itself, given one set of them (words naming no product).
    if dialect == "sqlite":
        return [(Session.pk + 0).in_(_matching(dialect, _sqlite_expression(db_session, search.terms,
                                                                           search.products)))]
    conditions = [Session.pk.in_(_matching(dialect, _expression(dialect, search.plain)))] if search.plain else []
    for term in search.naming:
        conditions.append(or_((Session.pk + 0).in_(_matching(dialect, _expression(dialect, [term]))),
                              (Session.pk + 0).in_(_product_users(db_session, search.products[term]))))
    return conditions


def _matched(db_session, search: Search, users) -> Select:
    """The pks of the sessions holding every word of `search`, where a word naming products also counts as held by
    the sessions `users` (a function of the product keys) gives (PostgreSQL)."""
    dialect = "postgresql"
    matched = [_matching(dialect, _expression(dialect, search.plain))] if search.plain else []
    # Per word naming a product, the sessions it matches or that use the product, each once.
    matched += [union(select(_matching(dialect, _expression(dialect, [term])).subquery()),
                      users(db_session, search.products[term])) for term in search.naming]
    return matched[0] if len(matched) == 1 else intersect(*matched)


def search_tests(db_session, search: Search) -> list:
    """`search_conditions` as tests of each session a list visits (PostgreSQL): for a search matching so many
    sessions that walking the list's order finds a page sooner than finding every match first."""
    tests = [_words_of_visited(search.plain).exists()] if search.plain else []
    for term in search.naming:
        # The plugins found first: a subquery would be run again for each visited session.
        plugins = db_session.scalars(select(Plugin.pk).where(Plugin.product_key.in_(search.products[term]))).all()
        users = select(literal_column("1")).where(SessionPlugin.session_pk == Session.pk,
                                                  SessionPlugin.plugin_pk.in_(plugins))
        # One test of two lookups: an OR of two would make the database find all of both first.
        tests.append(union_all(_words_of_visited([term]), users).exists())
    return tests


def _words_of_visited(terms: list[str]) -> Select:
    """A row when the visited session's document holds every one of `terms` (PostgreSQL)."""
    searched = table(SEARCH_TABLE, column("session_pk"))
    match = text(DOCUMENT_MATCHES).bindparams(bindparam("query", _expression("postgresql", terms), unique=True))
    return select(literal_column("1")).select_from(searched).where(searched.c.session_pk == Session.pk, match)


def keeps_estimates(db_session) -> bool:
    """Whether the database's planner can say how many rows a statement will return: PostgreSQL's can, SQLite's
    keeps no such estimate."""
    return dialect_of(db_session) != "sqlite"


def estimated_rows(db_session, statement: Select) -> int | None:
    """How many rows the database's planner expects `statement` to return; None where it keeps no estimates."""
    if not keeps_estimates(db_session):
        return None
    compiled = statement.compile(dialect=db_session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    plan = db_session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar()
    return int(plan[0]["Plan"]["Plan Rows"])


def estimated_matches(db_session, search: Search) -> int | None:
    """How many sessions the planner expects a search to match (PostgreSQL); None on SQLite."""
    if not keeps_estimates(db_session):
        return None
    return estimated_rows(db_session, select(_matched(db_session, search, _product_users).subquery()))


def count_matching_sessions(db_session, search: Search) -> int:
    """How many live sessions a search matches, from the search index (and on PostgreSQL the plugin usage of the
    sessions in it) alone."""
    dialect = dialect_of(db_session)
    if dialect == "sqlite":
        both = _matching(dialect, _sqlite_expression(db_session, search.terms, search.products))
    else:
        both = _matched(db_session, search, _live_users)
    return db_session.scalar(select(func.count()).select_from(both.subquery()))


def _live_users(db_session, product_keys: list[str]) -> Select:
    """`_product_users` that are live (PostgreSQL)."""
    # Those not in the trash, which is small: testing each user against it beats looking each one up.
    return _product_users(db_session, product_keys).where(
        SessionPlugin.session_pk.not_in(select(Session.pk).where(Session.deleted_at.is_not(None))))


def _product_users(db_session, product_keys: list[str]):
    """A subquery of the pks of the sessions using a plugin of these products (PostgreSQL: on SQLite the search
    index holds each session's plugins)."""
    return sessions_using_plugins(db_session, select(Plugin.pk).where(Plugin.product_key.in_(product_keys)))


def _group_term(letter: str, value: str) -> str:
    return letter + value.encode().hex()


def _covering_terms(db_session, plugins: Select) -> list[str]:
    """The fewest terms found in exactly the sessions using a plugin that `plugins` selects.

    A group's term stands for its plugins when all of them are selected; plugins no such group
    covers keep their own term.
    """
    selected = set(db_session.scalars(plugins))
    related = db_session.execute(
        select(Plugin.pk, *[column for column, _ in PLUGIN_GROUPS])
        .where(or_(*[column.in_(select(column).where(Plugin.pk.in_(plugins))) for column, _ in PLUGIN_GROUPS]))).all()
    terms, uncovered = [], set(selected)
    for position, (_, letter) in enumerate(PLUGIN_GROUPS, start=1):
        groups = {}
        for plugin in related:
            if plugin[position] is not None:
                groups.setdefault(plugin[position], set()).add(plugin.pk)
        for value, members in sorted(groups.items()):
            if members <= selected and members & uncovered:
                terms.append(_group_term(letter, value))
                uncovered -= members
    return terms + [f"p{pk}" for pk in sorted(uncovered)]


def sessions_using_plugins(db_session, plugins: Select):
    """A subquery of the pks of sessions using a plugin that `plugins` (a select of plugin pks) selects.

    On SQLite, of live sessions only.
    """
    if dialect_of(db_session) != "sqlite":
        return select(SessionPlugin.session_pk).where(SessionPlugin.plugin_pk.in_(plugins))
    terms = _covering_terms(db_session, plugins)
    # Unique: a query with several plugin filters holds this subquery once per filter.
    terms = bindparam("terms", " OR ".join(terms), unique=True)
    return text(PLUGIN_USERS).bindparams(terms).columns(pk=Session.pk.type)


def count_sessions_using_plugins(db_session, plugin_selects: list[Select]) -> int | None:
    """How many live sessions use a plugin of each of these selections, from the plugin index alone.

    None where there is no plugin index (PostgreSQL).
    """
    if dialect_of(db_session) != "sqlite":
        return None
    groups = [_covering_terms(db_session, plugins) for plugins in plugin_selects]
    if not all(groups):
        return 0
    expression = " AND ".join(f"({' OR '.join(terms)})" for terms in groups)
    return db_session.scalar(text(f"SELECT count(*) FROM ({PLUGIN_USERS}) AS users"), {"terms": expression})
