"""Maintained aggregates over the live sessions, so that pages read counts instead of computing them.

Per session, its tracks, plugin instances and distinct plugins (columns of `sessions`); per
plugin, instances, sessions and tracks (`plugin_totals`); per facet value, sessions
(`live_counts`, with the index totals and each product's sessions per month). A writer takes what the sessions it touches count
before its change and after it, inside its transaction, and applies the difference:

    before = counted(db_session, pks)
    ... change the sessions ...
    apply_change(db_session, counted(db_session, pks).minus(before))

so every total always equals a recount.
"""
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update

from app.models import LiveCount, Plugin, PluginTotal, Session, SessionPlugin, Tag, Track
from app.services.bulk import chunked, dialect_insert

PLUGIN_TOTALS = ("instances", "sessions", "tracks")
TOTAL = "total"
PRODUCT_MONTHS = "months of "
# Facets of a session read from its plugins: the sessions with at least one plugin of that value.
PLUGIN_FACETS = ("vendor", "format", "product")


@dataclass
class Counted:
    """What some live sessions add to the maintained aggregates (or a difference of two such)."""

    plugins: Counter = field(default_factory=Counter)  # (plugin pk, one of PLUGIN_TOTALS) → n
    values: Counter = field(default_factory=Counter)  # (dimension, value) → n

    def plus(self, other: "Counted") -> "Counted":
        """Both together."""
        plugins, values = Counter(self.plugins), Counter(self.values)
        plugins.update(other.plugins)
        values.update(other.values)
        return Counted(plugins, values)

    def minus(self, other: "Counted") -> "Counted":
        """The change from `other` to this."""
        plugins, values = Counter(self.plugins), Counter(self.values)
        plugins.subtract(other.plugins)
        values.subtract(other.values)
        return Counted(plugins, values)


def refresh_session_counts(db_session, session_pks) -> None:
    """Recount tracks, plugin instances and distinct plugins of these sessions."""
    table = Session.__table__
    for chunk in chunked(list(session_pks)):
        db_session.execute(update(table).where(table.c.pk.in_(chunk)).values(
            track_count=select(func.count()).where(Track.session_pk == table.c.pk).scalar_subquery(),
            instance_count=select(func.coalesce(func.sum(SessionPlugin.count), 0))
            .where(SessionPlugin.session_pk == table.c.pk).scalar_subquery(),
            plugin_count=select(func.count()).where(SessionPlugin.session_pk == table.c.pk).scalar_subquery(),
        ))


def counted(db_session, session_pks) -> Counted:
    """What those of these sessions that are live count in the maintained aggregates."""
    result = Counted()
    plugin_facets, months = {}, {}
    for chunk in chunked(list(session_pks)):
        live = []
        for row in db_session.execute(
            select(Session.pk, Session.artist, Session.daw, Session.track_count, Session.instance_count,
                   Session.created_at)
            .where(Session.pk.in_(chunk), Session.deleted_at.is_(None))
        ):
            live.append(row.pk)
            if row.created_at is not None:
                months[row.pk] = row.created_at.strftime("%Y-%m")
            result.values.update({(TOTAL, "sessions"): 1, (TOTAL, "tracks"): row.track_count,
                                  (TOTAL, "instances"): row.instance_count})
            result.values.update((name, value) for name, value in (("artist", row.artist), ("daw", row.daw))
                                 if value is not None)
        if not live:
            continue
        result.values.update(("tag", name) for name in db_session.scalars(
            select(Tag.name).where(Tag.session_pk.in_(live))))
        usage = db_session.execute(
            select(SessionPlugin.session_pk, SessionPlugin.plugin_pk, SessionPlugin.count, SessionPlugin.track_count)
            .where(SessionPlugin.session_pk.in_(live))
        ).all()
        _learn_plugin_facets(db_session, plugin_facets, {row.plugin_pk for row in usage})
        per_session = set()
        for session_pk, plugin_pk, instances, tracks in usage:
            result.plugins.update({(plugin_pk, "instances"): instances, (plugin_pk, "sessions"): 1,
                                   (plugin_pk, "tracks"): tracks})
            per_session.update((session_pk, facet) for facet in plugin_facets[plugin_pk])
        result.values.update(facet for _, facet in per_session)
        result.values.update((product_months(value), months[session_pk])
                             for session_pk, (dimension, value) in per_session
                             if dimension == "product" and session_pk in months)
    return result


def product_months(product_key: str) -> str:
    """The dimension holding a product's live sessions per month (values YYYY-MM)."""
    return PRODUCT_MONTHS + product_key


def _learn_plugin_facets(db_session, known: dict, plugin_pks: set) -> None:
    """Add to `known` the (dimension, value) pairs of PLUGIN_FACETS for each of these plugins."""
    for chunk in chunked(list(plugin_pks - known.keys())):
        for pk, vendor, format_, product in db_session.execute(
            select(Plugin.pk, Plugin.vendor, Plugin.format, Plugin.product_key).where(Plugin.pk.in_(chunk))
        ):
            known[pk] = [(name, value) for name, value in zip(PLUGIN_FACETS, (vendor, format_, product))
                         if value is not None]


def apply_change(db_session, change: Counted) -> None:
    """Add a difference of `counted` results to the maintained aggregates, dropping what reaches zero."""
    plugins = {}
    for (pk, column), delta in change.plugins.items():
        if delta:
            plugins.setdefault(pk, dict.fromkeys(PLUGIN_TOTALS, 0))[column] = delta
    _add(db_session, PluginTotal.__table__, ["plugin_pk"], PLUGIN_TOTALS,
         [{"plugin_pk": pk, **deltas} for pk, deltas in plugins.items()], "sessions")
    _add(db_session, LiveCount.__table__, ["dimension", "value"], ("count",),
         [{"dimension": dimension, "value": value, "count": delta}
          for (dimension, value), delta in change.values.items() if delta], "count")


def _add(db_session, table, keys, columns, rows, gone_at_zero):
    if not rows:
        return
    statement = dialect_insert(db_session, table)
    db_session.execute(statement.on_conflict_do_update(
        index_elements=keys, set_={c: table.c[c] + statement.excluded[c] for c in columns}), rows)
    if any(row[gone_at_zero] < 0 for row in rows):
        db_session.execute(delete(table).where(table.c[gone_at_zero] <= 0))


def rebuild_rollups(db_session) -> None:
    """Recompute every maintained aggregate from the rows (after a migration or a repair)."""
    every = db_session.scalars(select(Session.pk)).all()
    refresh_session_counts(db_session, every)
    db_session.execute(delete(PluginTotal))
    db_session.execute(delete(LiveCount))
    apply_change(db_session, counted(db_session, every))
