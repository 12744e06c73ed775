"""Plugin usage across the index: the plugins list, one plugin's sessions, its versions and its months."""
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, union_all

from app.models import LiveCount, Plugin, PluginTotal, Session, SessionPlugin
from app.services.bulk import page_count
from app.services.rollups import product_months

PAGE_SIZE = 50
PLUGIN_SORTS = ("instances", "sessions", "tracks", "name", "vendor")


@dataclass(frozen=True)
class PluginQuery:
    """What the plugins list shows."""

    products: bool = False
    q: str = ""
    vendor: tuple[str, ...] = ()
    format: tuple[str, ...] = ()
    sort: str = "instances"
    descending: bool = True
    page: int = 1


def top_plugins(db_session, limit: int = 10) -> list:
    """The most used plugins over the live sessions: identity, instances, sessions and tracks."""
    return db_session.execute(
        select(Plugin.id, Plugin.name, Plugin.vendor, Plugin.version, Plugin.format,
               PluginTotal.instances, PluginTotal.sessions, PluginTotal.tracks)
        .join(PluginTotal, PluginTotal.plugin_pk == Plugin.pk)
        .order_by(PluginTotal.instances.desc(), Plugin.pk).limit(limit)
    ).all()


def _conditions(query: PluginQuery) -> list:
    conditions = []
    if query.q.strip():
        words = query.q.strip().lower().split()
        conditions += [or_(func.lower(Plugin.name).contains(w, autoescape=True),
                           func.lower(Plugin.vendor).contains(w, autoescape=True)) for w in words]
    if query.vendor:
        conditions.append(Plugin.vendor.in_(query.vendor))
    if query.format:
        conditions.append(Plugin.format.in_(query.format))
    return conditions


def list_plugins(db_session, query: PluginQuery) -> tuple[list, int, int]:
    """One page of plugins (or products) used by live sessions with their totals; how many in all; the page count."""
    conditions = _conditions(query)
    if query.products:
        # A product's figures are over all its versions and formats; the filters pick the products.
        picked = select(Plugin.product_key).where(*conditions)
        variants = (
            select(Plugin.product_key.label("key"), func.min(Plugin.name).label("name"),
                   func.min(Plugin.vendor).label("vendor"), func.sum(PluginTotal.instances).label("instances"),
                   func.sum(PluginTotal.tracks).label("tracks"), func.count().label("variants"))
            .join(PluginTotal, PluginTotal.plugin_pk == Plugin.pk)
            .where(Plugin.product_key.in_(picked)).group_by(Plugin.product_key)
        ).subquery()
        # Sessions are counted once however many of the product's variants a session holds.
        statement = (
            select(variants.c.key, variants.c.name, variants.c.vendor, variants.c.instances,
                   func.coalesce(LiveCount.count, 0).label("sessions"), variants.c.tracks, variants.c.variants)
            .outerjoin(LiveCount, and_(LiveCount.dimension == "product", LiveCount.value == variants.c.key))
        )
    else:
        statement = (
            select(Plugin.id.label("key"), Plugin.name, Plugin.vendor, Plugin.version, Plugin.format,
                   PluginTotal.instances, PluginTotal.sessions, PluginTotal.tracks)
            .join(PluginTotal, PluginTotal.plugin_pk == Plugin.pk).where(*conditions)
        )
    total = db_session.scalar(select(func.count()).select_from(statement.subquery()))
    pages = page_count(total, PAGE_SIZE)
    column = statement.selected_columns[query.sort]
    order = column.desc() if query.descending else column.asc()
    rows = db_session.execute(
        statement.order_by(order.nulls_last(), statement.selected_columns["key"])
        .offset((min(query.page, pages) - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    return rows, total, pages


def plugin_facets(db_session) -> dict[str, list[tuple[str, int]]]:
    """Vendors and formats of the plugins in use, with how many plugins each has."""
    facets = {}
    for name, column in (("vendor", Plugin.vendor), ("format", Plugin.format)):
        facets[name] = db_session.execute(
            select(column, func.count()).join(PluginTotal, PluginTotal.plugin_pk == Plugin.pk)
            .where(column.is_not(None)).group_by(column).order_by(func.count().desc(), column)
        ).all()
    return facets


def _month(db_session, column):
    if db_session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def plugin_usage(db_session, *, plugin_id: str | None = None, product_key: str | None = None,
                 page: int = 1) -> dict | None:
    """A plugin (by pluginId) or a product (by product key): its variants, sessions (newest first) and months."""
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
    return {"variants": variants, "sessions": _sessions_using(db_session, pks, page), "total": total,
            "months": every_month(months), "page": page, "pages": pages}


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
    """(YYYY-MM, live sessions using this plugin that month), month by month, from the rollup's date index."""
    month = _month(db_session, SessionPlugin.session_created_at)
    trashed = select(Session.pk).where(Session.deleted_at.is_not(None))
    return db_session.execute(
        select(month.label("month"), func.count())
        .where(SessionPlugin.plugin_pk == plugin_pk, SessionPlugin.session_created_at.is_not(None),
               SessionPlugin.session_pk.not_in(trashed))
        .group_by(month).order_by(month)
    ).all()


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
