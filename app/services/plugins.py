"""Plugin usage across the index: the plugins list, one plugin's sessions, its versions and its months."""
from dataclasses import dataclass

from sqlalchemy import and_, distinct, func, or_, select, union_all

from app.models import LiveCount, Plugin, PluginTotal, Product, Session, SessionPlugin
from app.services.bulk import chunked, page_count
from app.services.rollups import plugin_months, product_months

PAGE_SIZE = 50
PLUGIN_SORTS = ("instances", "sessions", "tracks", "name", "vendor", "category")
WITH_PRODUCT = Product.key == Plugin.product_key


@dataclass(frozen=True)
class PluginQuery:
    """What the plugins list shows: products (all their spellings, versions and formats) or exact plugins."""

    products: bool = True
    q: str = ""
    vendor: tuple[str, ...] = ()
    format: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    sort: str = "instances"
    descending: bool = True
    page: int = 1


def _product_totals():
    """Per product key in use: instances, tracks and variants (summed over its plugins)."""
    return (select(Plugin.product_key.label("key"), func.sum(PluginTotal.instances).label("instances"),
                   func.sum(PluginTotal.tracks).label("tracks"), func.count().label("variants"))
            .join(PluginTotal, PluginTotal.plugin_pk == Plugin.pk).group_by(Plugin.product_key))


def _with_sessions(totals):
    """Products with their totals and their live sessions (each session counted once, however many variants)."""
    return (select(totals.c.key, Product.name, Product.vendor, Product.category, totals.c.instances,
                   func.coalesce(LiveCount.count, 0).label("sessions"), totals.c.tracks, totals.c.variants)
            .join(Product, Product.key == totals.c.key)
            .outerjoin(LiveCount, and_(LiveCount.dimension == "product", LiveCount.value == totals.c.key)))


def top_products(db_session, limit: int = 10) -> list:
    """The most used products over the live sessions: key, name, vendor, category, instances, sessions, tracks."""
    totals = _product_totals().subquery()
    statement = _with_sessions(totals)
    return db_session.execute(statement.order_by(totals.c.instances.desc(), totals.c.key).limit(limit)).all()


def _conditions(query: PluginQuery) -> list:
    """Conditions on plugins joined to their products: every word in a spelling, a vendor, a product or a category."""
    conditions = []
    for word in query.q.lower().split():
        conditions.append(or_(*[func.lower(column).contains(word, autoescape=True) for column in (
            Plugin.name, Plugin.vendor, Product.name, Product.vendor, Product.category)]))
    for values, column in ((query.vendor, Product.vendor), (query.format, Plugin.format),
                           (query.category, Product.category)):
        if values:
            conditions.append(column.in_(values))
    return conditions


def _listing(query: PluginQuery):
    conditions = _conditions(query)
    if query.products:
        # A product's figures are over all its plugins; the filters pick the products.
        picked = select(Plugin.product_key).outerjoin(Product, WITH_PRODUCT).where(*conditions)
        return _with_sessions(_product_totals().where(Plugin.product_key.in_(picked)).subquery())
    return (
        select(Plugin.id.label("key"), Plugin.name, Plugin.vendor, Plugin.version, Plugin.format,
               Product.name.label("product"), Plugin.product_key, Product.category,
               PluginTotal.instances, PluginTotal.sessions, PluginTotal.tracks)
        .join(PluginTotal, PluginTotal.plugin_pk == Plugin.pk).outerjoin(Product, WITH_PRODUCT).where(*conditions)
    )


def _ordered(statement, query: PluginQuery):
    column = statement.selected_columns[query.sort]
    order = column.desc() if query.descending else column.asc()
    return statement.order_by(order.nulls_last(), statement.selected_columns["key"])


def list_plugins(db_session, query: PluginQuery) -> tuple[list, int, int]:
    """One page of products (or exact plugins) used by live sessions with their totals; how many; the page count."""
    statement = _listing(query)
    total = db_session.scalar(select(func.count()).select_from(statement.subquery()))
    pages = page_count(total, PAGE_SIZE)
    rows = db_session.execute(_ordered(statement, query).offset((min(query.page, pages) - 1) * PAGE_SIZE)
                              .limit(PAGE_SIZE)).all()
    return rows, total, pages


def plugin_columns(query: PluginQuery) -> tuple[str, ...]:
    """The names of the columns `every_plugin` gives for `query`."""
    return tuple(_listing(query).selected_columns.keys())


def every_plugin(db_session, query: PluginQuery, batch: int = 1000):
    """Every product (or exact plugin) `query` lists, in its order, a batch of rows at a time."""
    yield from db_session.execute(_ordered(_listing(query), query).execution_options(yield_per=batch)).partitions()


def product_variants(db_session, keys: list[str]) -> dict[str, list]:
    """Per product key, its plugins in use (as files spell them, by version and format) with their totals."""
    variants = {}
    for chunk in chunked(keys):
        for row in db_session.execute(
                select(Plugin.product_key, Plugin.id, Plugin.name, Plugin.vendor, Plugin.version, Plugin.format,
                       PluginTotal.instances, PluginTotal.sessions, PluginTotal.tracks)
                .join(PluginTotal, PluginTotal.plugin_pk == Plugin.pk).where(Plugin.product_key.in_(chunk))
                .order_by(PluginTotal.instances.desc(), Plugin.id)):
            variants.setdefault(row.product_key, []).append(row)
    return variants


def product_summaries(db_session, *, q: str = "", vendor: tuple[str, ...] = (), category: tuple[str, ...] = (),
                      key: str | None = None, limit: int = 100, offset: int = 0) -> tuple[list[dict], int]:
    """Products in use (all, or the one with `key`), most used first, as the API gives them: identity, totals and
    variants; and how many match."""
    query = PluginQuery(q=q, vendor=vendor, category=category)
    statement = _listing(query)
    if key is not None:
        statement = statement.where(statement.selected_columns["key"] == key)
    total = db_session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = db_session.execute(_ordered(statement, query).offset(offset).limit(limit)).all()
    variants = product_variants(db_session, [row.key for row in rows])
    return [{
        "key": row.key, "vendor": row.vendor, "name": row.name, "category": row.category, "sessions": row.sessions,
        "instances": row.instances, "tracks": row.tracks,
        "variants": [{"plugin_id": v.id, "name": v.name, "vendor": v.vendor, "version": v.version, "format": v.format,
                      "instances": v.instances, "sessions": v.sessions, "tracks": v.tracks}
                     for v in variants.get(row.key, [])],
    } for row in rows], total


def plugin_labels(db_session, values: tuple[str, ...]) -> dict[str, str]:
    """What each plugin filter value names, in words: a product's name and vendor, or a plugin as spelled with its
    version and format."""
    labels = {}
    for chunk in chunked(list(values)):
        for key, name, vendor in db_session.execute(select(Product.key, Product.name, Product.vendor)
                                                    .where(Product.key.in_(chunk))):
            labels[key] = f"{name} · {vendor}" if vendor else name
        for plugin_id, name, version, format_ in db_session.execute(
                select(Plugin.id, Plugin.name, Plugin.version, Plugin.format).where(Plugin.id.in_(chunk))):
            labels.setdefault(plugin_id, " ".join(part for part in (name, version, format_) if part))
    return labels


def plugin_facets(db_session) -> dict[str, list[tuple[str, int]]]:
    """Vendors, formats and categories of the plugins in use, with how many products each has."""
    facets = {}
    for name, column in (("vendor", Product.vendor), ("format", Plugin.format), ("category", Product.category)):
        products = func.count(distinct(Plugin.product_key))
        facets[name] = db_session.execute(
            select(column, products).join(PluginTotal, PluginTotal.plugin_pk == Plugin.pk)
            .outerjoin(Product, WITH_PRODUCT).where(column.is_not(None)).group_by(column)
            .order_by(products.desc(), column)
        ).all()
    return facets


def plugin_usage(db_session, *, plugin_id: str | None = None, product_key: str | None = None,
                 page: int = 1) -> dict | None:
    """A plugin (by pluginId) or a product (by product key): the product, its variants (as files spell them),
    sessions (newest first) and months."""
    match = Plugin.id == plugin_id if plugin_id is not None else Plugin.product_key == product_key
    variants = db_session.execute(
        select(Plugin.pk, Plugin.id, Plugin.name, Plugin.vendor, Plugin.version, Plugin.format, Plugin.product_key,
               func.coalesce(PluginTotal.instances, 0).label("instances"),
               func.coalesce(PluginTotal.sessions, 0).label("sessions"),
               func.coalesce(PluginTotal.tracks, 0).label("tracks"))
        .outerjoin(PluginTotal, PluginTotal.plugin_pk == Plugin.pk).where(match)
        .order_by(func.coalesce(PluginTotal.instances, 0).desc(), Plugin.id)
    ).all()
    if not variants:
        return None
    pks = [v.pk for v in variants]
    if plugin_id is not None:
        total = variants[0].sessions
        months = _months_using(db_session, pks[0])
    else:
        total = db_session.scalar(select(LiveCount.count).where(LiveCount.dimension == "product",
                                                                LiveCount.value == product_key)) or 0
        months = db_session.execute(select(LiveCount.value, LiveCount.count)
                                    .where(LiveCount.dimension == product_months(product_key))
                                    .order_by(LiveCount.value)).all()
    pages = page_count(total, PAGE_SIZE)
    page = min(page, pages)
    return {"identity": db_session.get(Product, variants[0].product_key), "variants": variants,
            "sessions": _sessions_using(db_session, pks, page), "total": total, "months": every_month(months),
            "page": page, "pages": pages}


def _newest_first(created_at, session_pk) -> list:
    return [created_at.desc().nulls_last(), session_pk.desc()]


def _sessions_using(db_session, plugin_pks: list[int], page: int) -> list:
    """A page of the live sessions using any of these plugins, newest first, with instances and tracks."""
    # Each plugin's sessions are one range of the rollup's (plugin, date) index. The first n
    # sessions of the union are among the first n of each range, so each range is cut there
    # and only what remains is merged and summed per session.
    depth = page * PAGE_SIZE
    ranges = [
        select(SessionPlugin.session_pk, SessionPlugin.count, SessionPlugin.track_count,
               SessionPlugin.session_created_at)
        .join(Session, Session.pk == SessionPlugin.session_pk)
        .where(SessionPlugin.plugin_pk == pk, Session.deleted_at.is_(None))
        .order_by(*_newest_first(SessionPlugin.session_created_at, SessionPlugin.session_pk)).limit(depth).subquery()
        for pk in plugin_pks
    ]
    merged = union_all(*(select(*r.c) for r in ranges)).subquery()
    newest = (
        select(merged.c.session_pk, func.max(merged.c.session_created_at).label("created_at"),
               func.sum(merged.c.count).label("instances"), func.sum(merged.c.track_count).label("tracks"))
        .group_by(merged.c.session_pk)
    ).subquery()
    return db_session.execute(
        select(Session.id, Session.name, Session.artist, Session.daw, Session.created_at, newest.c.instances,
               newest.c.tracks)
        .join(newest, newest.c.session_pk == Session.pk)
        .order_by(*_newest_first(newest.c.created_at, newest.c.session_pk))
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()


def _months_using(db_session, plugin_pk: int) -> list:
    """(YYYY-MM, live sessions using this plugin that month), month by month, as kept on write."""
    return db_session.execute(select(LiveCount.value, LiveCount.count)
                              .where(LiveCount.dimension == plugin_months(plugin_pk)).order_by(LiveCount.value)).all()


def every_month(counts) -> list[tuple[str, int]]:
    """(YYYY-MM, count) from the first month to the last, with the months between at 0."""
    if not counts:
        return []
    known = dict(counts)
    year, month = map(int, counts[0][0].split("-"))
    filled = []
    while True:
        key = f"{year:04d}-{month:02d}"
        filled.append((key, known.get(key, 0)))
        if key >= counts[-1][0]:
            return filled
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
