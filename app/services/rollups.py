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
    values = result.values
    plugin_facets = {}
    for chunk in chunked(list(session_pks)):
        months = {}
        for pk, artist, daw, tracks, instances, created_at in db_session.execute(
            select(Session.pk, Session.artist, Session.daw, Session.track_count, Session.instance_count,
                   Session.created_at)
            .where(Session.pk.in_(chunk), Session.deleted_at.is_(None))
        ):
            months[pk] = created_at.strftime("%Y-%m") if created_at is not None else None
            values[TOTAL, "sessions"] += 1
            values[TOTAL, "tracks"] += tracks
            values[TOTAL, "instances"] += instances
            if artist is not None:
                values["artist", artist] += 1
            if daw is not None:
                values["daw", daw] += 1
        if not months:
            continue
        live = list(months)
        values.update(("tag", name) for name in db_session.scalars(select(Tag.name).where(Tag.session_pk.in_(live))))
        for plugin_pk, instances, sessions, tracks in db_session.execute(
            select(SessionPlugin.plugin_pk, func.sum(SessionPlugin.count), func.count(),
                   func.sum(SessionPlugin.track_count))
            .where(SessionPlugin.session_pk.in_(live)).group_by(SessionPlugin.plugin_pk)
        ):
            result.plugins.update({(plugin_pk, "instances"): instances, (plugin_pk, "sessions"): sessions,
                                   (plugin_pk, "tracks"): tracks})
        plugins_of = {}
        for session_pk, plugin_pk in db_session.execute(
            select(SessionPlugin.session_pk, SessionPlugin.plugin_pk).where(SessionPlugin.session_pk.in_(live))
        ):
            plugins_of.setdefault(session_pk, []).append(plugin_pk)
        _learn_plugin_facets(db_session, plugin_facets, {pk for pks in plugins_of.values() for pk in pks})
        for session_pk, plugin_pks in plugins_of.items():
            facets = set()
            for plugin_pk in plugin_pks:
                facets.update(plugin_facets[plugin_pk])
            values.update(facets)
            if months[session_pk] is not None:
                values.update((product_months(value), months[session_pk])
                              for dimension, value in facets if dimension == "product")
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
