"""Finding sessions: filters, full-text search, sort and pages over the live index."""
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, func, literal_column, or_, select

from app.models import Credit, JobSession, LiveCount, Plugin, Product, RemoteSource, Session, Source, Tag
from app.sample_data import SAMPLE_EXTRACTOR
from app.services.bulk import chunked, page_count
from app.services.list_conditions import Where, add_plugin_filter, add_search
from app.services.rollups import daw_tags, kept_total
from app.services.search import (count_matching_sessions, count_sessions_using_plugins, estimated_rows,
                                 keeps_estimates, read_search)

PAGE_SIZE = 50
PAGE_SIZES = (25, 50, 100, 200)
# How many values a facet shows when asked to show them all.
FACET_ALL = 1000
# Column a list may be sorted by → the expression it sorts on.
SORTS = {
    "name": Session.name,
    "artist": Session.artist,
    "project": Session.project,
    "daw": Session.daw,
    "date": Session.created_at,
    "tracks": Session.track_count,
    "instances": Session.instance_count,
    "plugins": Session.plugin_count,
    "open_notes": Session.open_note_count,
    "missing_media": Session.missing_media_count,
    "started": Session.started_at,
    "worked": Session.worked_seconds,
    "favorite": Session.is_favorite,
    "edited": Session.metadata_updated_at,
}
FACETS = ("artist", "daw", "template", "tag", "person", "role", "vendor", "format")

@dataclass(frozen=True)
class SessionQuery:
    """What a sessions list shows: every filter, the search, the sort and the page."""

    q: str = ""
    artist: tuple[str, ...] = ()
    project: tuple[str, ...] = ()
    daw: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    template: tuple[str, ...] = ()
    # People credited on the session, and the roles anyone is credited with.
    person: tuple[str, ...] = ()
    role: tuple[str, ...] = ()
    # Product keys or exact pluginIds: sessions using any of them.
    product: tuple[str, ...] = ()
    # Part of a plugin's name, any case: sessions using any plugin whose name holds it.
    plugin: str = ""
    vendor: tuple[str, ...] = ()
    format: tuple[str, ...] = ()
    sample_rate: tuple[int, ...] = ()
    liked: bool | None = None
    test: bool | None = None
    complete: bool | None = None
    # Whether the archive scan last found the session's file missing.
    missing: bool | None = None
    # The remote source (by name) a sync brought the sessions from, and whether they are gone there.
    source: str = ""
    gone_at_source: bool | None = None
    has_open_notes: bool | None = None
    has_missing_media: bool | None = None
    # A day includes all of it; a datetime is an exact bound (both inclusive).
    from_date: date | datetime | None = None
    to_date: date | datetime | None = None
    started_from: date | datetime | None = None
    started_to: date | datetime | None = None
    # The sessions one job (an archive scan) added, changed or found missing.
    job: int | None = None
    sort: str = "date"
    descending: bool = True
    page: int = 1
    page_size: int = PAGE_SIZE


@dataclass
class SessionPage:
    """One page of a sessions list, whether more follow it, and how many sessions match in all (None when left to
    count after the page)."""

    rows: list = field(default_factory=list)
    total: int | None = 0
    page: int = 1
    pages: int | None = 1
    more: bool = False


def is_sample():
    """A condition on sessions: made up by the sample data generator."""
    return exists().where(Source.session_pk == Session.pk, Source.extractor == SAMPLE_EXTRACTOR)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _plugin_conditions(query: SessionQuery) -> list:
    """A condition on `plugins` per plugin filter of `query`: a plugin filter names a pluginId or a product key, a
    vendor filter a product's vendor, a name part the plugin's name as its file spells it or its product's."""
    conditions = []
    if query.product:
        conditions.append(or_(Plugin.id.in_(query.product), Plugin.product_key.in_(query.product)))
    if query.vendor:
        conditions.append(Plugin.product_key.in_(select(Product.key).where(Product.vendor.in_(query.vendor))))
    if query.format:
        conditions.append(Plugin.format.in_(query.format))
    if query.plugin:
        conditions.append(or_(Plugin.name.icontains(query.plugin, autoescape=True), Plugin.product_key.in_(
            select(Product.key).where(Product.name.icontains(query.plugin, autoescape=True)))))
    return conditions


def _within(column, start: date | datetime | None, end: date | datetime | None) -> list:
    """Conditions that `column` lies from `start` to `end`: a moment as given, a day from its start to its end."""
    conditions = []
    if isinstance(start, datetime):
        conditions.append(column >= start)
    elif start:
        conditions.append(column >= _day_start(start))
    if isinstance(end, datetime):
        conditions.append(column <= end)
    elif end and end < date.max:
        conditions.append(column < _day_start(end + timedelta(days=1)))
    return conditions


def _where(db_session, query: SessionQuery) -> Where:
    """The conditions that select the live sessions passing every filter and the search."""
    where = Where([Session.deleted_at.is_(None)])
    conditions = where.conditions
    for values, column in ((query.artist, Session.artist), (query.project, Session.project),
                           (query.daw, Session.daw), (query.template, Session.template),
                           (query.sample_rate, Session.sample_rate)):
        if values:
            conditions.append(column.in_(values))
    if query.tag:
        conditions.append(Session.pk.in_(select(Tag.session_pk).where(Tag.name.in_(query.tag))))
    for values, column in ((query.person, Credit.name), (query.role, Credit.role)):
        if values:
            conditions.append(Session.pk.in_(select(Credit.session_pk).where(column.in_(values))))
    for condition in _plugin_conditions(query):
        add_plugin_filter(db_session, where, condition)
    for value, column in ((query.liked, Session.is_favorite), (query.test, Session.is_test),
                          (query.complete, Session.is_complete)):
        if value is not None:
            conditions.append(column.is_(value))
    if query.missing is not None:
        conditions.append(Session.missing_at.is_not(None) if query.missing else Session.missing_at.is_(None))
    if query.source:
        conditions.append(Session.remote_source_pk.in_(select(RemoteSource.pk).where(RemoteSource.name == query.source)))
    if query.gone_at_source is not None:
        conditions.append(Session.gone_at_source_at.is_not(None) if query.gone_at_source
                          else Session.gone_at_source_at.is_(None))
    for value, column in ((query.has_open_notes, Session.open_note_count),
                          (query.has_missing_media, Session.missing_media_count)):
        if value is not None:
            # A literal 0, not a bound one: the database then sees that the partial index of such sessions applies.
            zero = literal_column("0")
            conditions.append(column > zero if value else column == zero)
    if query.job is not None:
        conditions.append(Session.pk.in_(select(JobSession.session_pk).where(JobSession.job_pk == query.job)))
    conditions += _within(Session.created_at, query.from_date, query.to_date)
    conditions += _within(Session.started_at, query.started_from, query.started_to)
    add_search(db_session, where, read_search(db_session, query.q))
    return where


def _narrowing(query: SessionQuery) -> SessionQuery:
    """The part of `query` that decides which sessions match (no sort, no page)."""
    return replace(query, sort="date", descending=True, page=1, page_size=PAGE_SIZE)


def _order(query: SessionQuery) -> list:
    # Sessions without the sorted value come last either way; the pk keeps the order stable. Said only of a column
    # that may lack values: SQLite reads an index in order only for the default place of nulls.
    column = SORTS[query.sort]
    order, tie = (column.desc(), Session.pk.desc()) if query.descending else (column.asc(), Session.pk.asc())
    return [order.nulls_last() if column.nullable else order, tie]


def _kept_total(db_session, query: SessionQuery) -> int | None:
    """How many live sessions match, from counts kept on write, when `query` narrows by one of them alone (or by a
    DAW and a tag)."""
    narrowing = _narrowing(query)
    if narrowing == SessionQuery():
        return kept_total(db_session, "sessions")
    dimension = value = None
    for name in FACETS:  # each facet's count of live sessions per value is kept on write
        values = getattr(query, name)
        if len(values) == 1 and narrowing == SessionQuery(**{name: values}):
            dimension, value = name, values[0]
    if len(query.daw) == 1 and len(query.tag) == 1 and narrowing == SessionQuery(daw=query.daw, tag=query.tag):
        dimension, value = daw_tags(query.daw[0]), query.tag[0]
    if len(query.product) == 1 and narrowing == SessionQuery(product=query.product) and db_session.get(
            Product, query.product[0]) is not None and db_session.scalar(
            select(Plugin.pk).where(Plugin.id == query.product[0])) is None:
        dimension, value = "product", query.product[0]
    if query.plugin and narrowing == SessionQuery(plugin=query.plugin):
        # When the part names all of one product's plugins, the product's count answers.
        products = db_session.execute(select(Plugin.product_key, func.count()).where(*_plugin_conditions(query))
                                      .group_by(Plugin.product_key).limit(2)).all()
        if not products:
            return 0
        if len(products) == 1 and products[0][1] == db_session.scalar(
                select(func.count()).select_from(Plugin).where(Plugin.product_key == products[0][0])):
            dimension, value = "product", products[0][0]
    if dimension is None:
        return None
    return db_session.scalar(select(LiveCount.count).where(LiveCount.dimension == dimension,
                                                          LiveCount.value == value)) or 0


def _counted(db_session, query: SessionQuery, where: Where) -> int:
    """How many live sessions match, counted: from an index alone when `query` narrows by the search alone, or (on
    SQLite) by plugins alone."""
    narrowing = _narrowing(query)
    total = None
    if narrowing == SessionQuery(q=query.q) and where.search is not None:
        total = count_matching_sessions(db_session, where.search)  # the search index holds only live sessions
    elif replace(narrowing, product=(), vendor=(), format=(), plugin="") == SessionQuery():
        total = count_sessions_using_plugins(db_session, [select(Plugin.pk).where(condition)
                                                          for condition in _plugin_conditions(query)])
    if total is None:
        total = db_session.scalar(select(func.count()).select_from(Session).where(*where.for_count()))
    return total


def _total(db_session, query: SessionQuery, where: Where) -> int:
    total = _kept_total(db_session, query)
    return _counted(db_session, query, where) if total is None else total


def count_sessions(db_session, query: SessionQuery) -> int:
    """How many live sessions pass `query`'s filters and search."""
    return _total(db_session, query, _where(db_session, query))


def session_conditions(db_session, query: SessionQuery) -> list:
    """The conditions that select the live sessions passing `query`'s filters and search, for a query of its own."""
    return _where(db_session, query).for_count()


def select_sessions(db_session, query: SessionQuery, columns: list, limit: int, offset: int) -> tuple[list, int]:
    """`columns` of the sessions `query` selects, `limit` of them from `offset` in its order, and how many match."""
    where = _where(db_session, query)
    rows = db_session.execute(select(*columns).where(Session.pk.in_(_page_keys(db_session, query, where, offset, limit)))
                              .order_by(*_order(query))).all()
    return rows, _total(db_session, query, where)


def _page_keys(db_session, query: SessionQuery, where: Where, offset: int, limit: int):
    """The keys of a page's sessions, as a subquery: sorted from an index alone, where one serves, before any row is
    read, which matters when many sessions tie on the sorted value (no time worked yet) and all of them are sorted."""
    return (select(Session.pk).where(*where.for_page(offset)).order_by(*_order(query))
            .offset(offset).limit(limit))


def every_session(db_session, query: SessionQuery, columns: list, batch: int = 1000):
    """`columns` of every session `query` selects, in its order, a batch of rows at a time (never all at once)."""
    where = _where(db_session, query)
    rows = db_session.execute(select(*columns).where(*where.for_count()).order_by(*_order(query))
                              .execution_options(yield_per=batch))
    yield from rows.partitions()


def list_sessions(db_session, query: SessionQuery, count_later_above: int | None = None) -> SessionPage:
    """The page of sessions `query` asks for, sorted, with their tags, and the total. The total is left to
    `count_sessions` (None) when no kept figure gives it and the database expects more than `count_later_above`
    sessions to match: counting them would take longer than the page."""
    where = _where(db_session, query)
    total = _kept_total(db_session, query)
    # Only a database that estimates is asked: the conditions a count needs may themselves query it first.
    if total is None and count_later_above is not None and keeps_estimates(db_session):
        expected = estimated_rows(db_session, select(Session.pk).where(*where.for_count()))
        if expected is not None and expected > count_later_above:
            rows = _page_rows(db_session, query, where, query.page)
            if rows or query.page == 1:
                return SessionPage(rows=rows[:query.page_size], total=None, page=query.page, pages=None,
                                   more=len(rows) > query.page_size)
    if total is None:  # counted here, or past the last page when left to count after
        total = _counted(db_session, query, where)
    pages = page_count(total, query.page_size)
    page = min(query.page, pages)
    return SessionPage(rows=_page_rows(db_session, query, where, page)[:query.page_size], total=total, page=page,
                       pages=pages, more=page < pages)


def _page_rows(db_session, query: SessionQuery, where: Where, page: int) -> list:
    """The rows of `page` with their tags, and the first row of the next page when there is one."""
    offset = (page - 1) * query.page_size
    rows = db_session.execute(
        select(Session.pk, Session.id, Session.name, Session.artist, Session.project, Session.daw,
               Session.created_at, Session.track_count, Session.instance_count, Session.plugin_count,
               Session.is_favorite, Session.missing_at, Session.path, Session.open_note_count,
               Session.missing_media_count, Session.started_at, Session.worked_seconds, Session.gone_at_source_at,
               is_sample().label("is_sample"))
        .where(Session.pk.in_(_page_keys(db_session, query, where, offset, query.page_size + 1)))
        .order_by(*_order(query))
    ).all()
    tags = session_tags(db_session, [row.pk for row in rows])
    return [(row, tags.get(row.pk, [])) for row in rows]


def session_tags(db_session, session_pks: list[int]) -> dict[int, list[str]]:
    """The tags of these sessions in their order, by session pk (sessions without tags are left out)."""
    tags = {}
    for chunk in chunked(session_pks):
        for session_pk, name in db_session.execute(
                select(Tag.session_pk, Tag.name).where(Tag.session_pk.in_(chunk)).order_by(Tag.position)):
            tags.setdefault(session_pk, []).append(name)
    return tags


def newest_matching(db_session, query: SessionQuery, limit: int) -> list[int]:
    """The pks of the newest `limit` live sessions `query` matches, newest first."""
    return db_session.scalars(select(Session.pk).where(*_where(db_session, query).for_page(0))
                              .order_by(*_order(SessionQuery())).limit(limit)).all()


def selects_all(query: SessionQuery) -> bool:
    """Whether `query` matches every live session: no filter, no search."""
    return _narrowing(query) == SessionQuery()


def latest_sessions(db_session, limit: int = 10) -> list:
    """The newest live sessions by date."""
    return db_session.execute(
        select(Session.id, Session.name, Session.artist, Session.daw, Session.created_at, Session.track_count,
               Session.instance_count)
        .where(Session.deleted_at.is_(None))
        .order_by(*_order(SessionQuery())).limit(limit)
    ).all()
