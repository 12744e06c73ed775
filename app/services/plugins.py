"""Plugin usage across the index: the plugins list, one plugin's sessions, its versions and its months."""
from dataclasses import dataclass

from sqlalchemy import distinct, func, or_, select

from app.models import Plugin, PluginTotal, Session, SessionPlugin
from app.services.bulk import page_count

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
        live = select(Session.pk).where(Session.deleted_at.is_(None))
        # A product's sessions are counted once however many of its versions and formats a session holds.
        statement = (
            select(Plugin.product_key.label("key"), func.min(Plugin.name).label("name"),
                   func.min(Plugin.vendor).label("vendor"), func.sum(SessionPlugin.count).label("instances"),
                   func.count(distinct(SessionPlugin.session_pk)).label("sessions"),
                   func.sum(SessionPlugin.track_count).label("tracks"),
                   func.count(distinct(Plugin.pk)).label("variants"))
            .join(SessionPlugin, SessionPlugin.plugin_pk == Plugin.pk)
            .where(SessionPlugin.session_pk.in_(live), *conditions).group_by(Plugin.product_key)
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
        statement.order_by(column.is_(None), order, statement.selected_columns["key"])
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
    using = (
        select(SessionPlugin.session_pk, func.sum(SessionPlugin.count).label("instances"),
               func.sum(SessionPlugin.track_count).label("tracks"))
        .join(Session, Session.pk == SessionPlugin.session_pk)
        .where(SessionPlugin.plugin_pk.in_(pks), Session.deleted_at.is_(None)).group_by(SessionPlugin.session_pk)
    ).subquery()
    total = db_session.scalar(select(func.count()).select_from(using))
    sessions = db_session.execute(
        select(Session.id, Session.name, Session.artist, Session.daw, Session.created_at, using.c.instances,
               using.c.tracks)
        .join(using, using.c.session_pk == Session.pk)
        .order_by(Session.created_at.is_(None), Session.created_at.desc(), Session.pk.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    month = _month(db_session, Session.created_at)
    months = db_session.execute(
        select(month.label("month"), func.count()).join(using, using.c.session_pk == Session.pk)
        .where(Session.created_at.is_not(None)).group_by(month).order_by(month)
    ).all()
    return {"variants": variants, "sessions": sessions, "total": total, "months": every_month(months),
            "page": page, "pages": page_count(total, PAGE_SIZE)}


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
