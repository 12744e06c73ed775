"""The facets of a list of sessions: for each dimension, its most common values among the sessions it selects."""
from collections import Counter
from dataclasses import dataclass, replace

from sqlalchemy import func, Select, select

from app.models import Credit, LiveCount, Plugin, Product, Session, Tag
from app.services.bulk import among, chunked
from app.services.queries import FACET_ALL, FACETS, SessionQuery, newest_matching, selects_all
from app.services.rollups import plugins_of_sessions

FACET_SIZE = 10
# Beyond this many matching sessions, facets count the newest this many (and say so).
FACET_SAMPLE = 500
PLUGIN_FACETS = ("vendor", "format")


def common_values(db_session, dimension: str, limit: int = FACET_ALL) -> list[str]:
    """The values of a facet over the live sessions, the most common first."""
    return db_session.scalars(select(LiveCount.value).where(LiveCount.dimension == dimension)
                              .order_by(LiveCount.count.desc(), LiveCount.value).limit(limit)).all()


def with_stored_spellings(db_session, query: SessionQuery) -> SessionQuery:
    """`query` with its facet values spelt as the index stores them: a value stored as given stays as it is, any
    other stands for every stored value that differs from it only in case (of ASCII letters)."""
    changes = {}
    for dimension in FACETS:
        spelt = []
        for value in getattr(query, dimension):
            stored = db_session.scalars(select(LiveCount.value).where(
                LiveCount.dimension == dimension, func.lower(LiveCount.value) == value.lower())).all()
            spelt.extend([value] if value in stored or not stored else stored)
        changes[dimension] = tuple(dict.fromkeys(spelt))
    return replace(query, **changes)


@dataclass
class SessionFacets:
    """Per facet, its most common values with their counts, and how many values it has in all.

    `sample` is set when the matching sessions were too many to count them all: the counts
    are then over the newest `sample` of them.
    """

    values: dict[str, tuple[list[tuple[str, int]], int]]
    sample: int | None = None


def _facet_query(db_session, dimension: str, selected: list[int]) -> Select:
    if dimension in ("artist", "daw", "template"):
        column = getattr(Session, dimension)
        return select(column, func.count()).where(among(db_session, Session.pk, selected), column.is_not(None)) \
            .group_by(column)
    if dimension in ("person", "role"):
        column = getattr(Credit, "name" if dimension == "person" else "role")
        return select(column, func.count(func.distinct(Credit.session_pk))).where(
            among(db_session, Credit.session_pk, selected)).group_by(column)
    return select(Tag.name, func.count()).where(among(db_session, Tag.session_pk, selected)).group_by(Tag.name)


def _plugin_facets(db_session, selected: list[int], sizes: dict[str, int]) -> dict[str, tuple[list, int]]:
    """The vendor and format facets of these sessions (at most a chunk), from their plugins read once: a join per
    facet would read every session's plugins once for each."""
    plugins_of = plugins_of_sessions(db_session, selected)
    groups = dict.fromkeys({pk for pks in plugins_of.values() for pk in pks})
    for chunk in chunked(list(groups)):
        groups.update((pk, (vendor, format_)) for pk, vendor, format_ in db_session.execute(
            select(Plugin.pk, Product.vendor, Plugin.format).outerjoin(Product, Product.key == Plugin.product_key)
            .where(Plugin.pk.in_(chunk))))
    facets = {}
    for position, dimension in enumerate(PLUGIN_FACETS):
        counts = Counter(value for pks in plugins_of.values() for value in {groups[pk][position] for pk in pks}
                         if value is not None)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        facets[dimension] = ranked[:sizes[dimension]], len(ranked)
    return facets


def _top_values(db_session, statement: Select, size: int, counted: bool = False) -> tuple[list[tuple[str, int]], int]:
    """The `size` most common values of `statement`'s groups, and how many groups it has. When the groups are
    `counted` here (not kept), all of them are read at once rather than grouping a second time to count them."""
    count, value = statement.selected_columns[1], statement.selected_columns[0]
    fetch = FACET_ALL if counted else size
    rows = db_session.execute(statement.order_by(count.desc(), value).limit(fetch + 1)).all()
    total = len(rows)
    if total > fetch:
        total = db_session.scalar(select(func.count()).select_from(statement.subquery()))
    return [(value, count) for value, count in rows[:size]], total


def session_facets(db_session, query: SessionQuery, expand: str | None = None) -> SessionFacets:
    """The facets of the sessions `query` selects: maintained counts when nothing narrows them, else counted over
    the newest of them.

    Each facet has its FACET_SIZE most common values; the one named by `expand` up to FACET_ALL."""
    sizes = {dimension: FACET_ALL if dimension == expand else FACET_SIZE for dimension in FACETS}
    if selects_all(query):
        return SessionFacets({dimension: _top_values(db_session, select(LiveCount.value, LiveCount.count)
                                                     .where(LiveCount.dimension == dimension), sizes[dimension])
                              for dimension in FACETS})
    newest = newest_matching(db_session, query, FACET_SAMPLE + 1)
    selected = newest[:FACET_SAMPLE]
    values = {dimension: _top_values(db_session, _facet_query(db_session, dimension, selected), sizes[dimension],
                                      counted=True)
              for dimension in FACETS if dimension not in PLUGIN_FACETS}
    values.update(_plugin_facets(db_session, selected, sizes))
    return SessionFacets({dimension: values[dimension] for dimension in FACETS},
                         sample=FACET_SAMPLE if len(newest) > FACET_SAMPLE else None)
