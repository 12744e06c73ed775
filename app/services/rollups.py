"""Maintained aggregates: per-session counts and per-plugin totals over the live sessions.

Writers call these inside their transaction, so every total always equals a recount.
"""
from sqlalchemy import delete, func, select, update

from app.models import PluginTotal, Session, SessionPlugin, Track
from app.services.bulk import chunked, dialect_insert

TOTAL_COLUMNS = ("instances", "sessions", "tracks")


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


def plugin_usage_of(db_session, session_pks) -> dict[int, tuple[int, int, int]]:
    """Per plugin, what these sessions add to its totals: (instances, sessions, tracks)."""
    totals = {}
    for chunk in chunked(list(session_pks)):
        rows = db_session.execute(
            select(SessionPlugin.plugin_pk, func.sum(SessionPlugin.count), func.count(),
                   func.sum(SessionPlugin.track_count))
            .where(SessionPlugin.session_pk.in_(chunk)).group_by(SessionPlugin.plugin_pk)
        )
        for plugin_pk, instances, sessions, tracks in rows:
            old = totals.get(plugin_pk, (0, 0, 0))
            totals[plugin_pk] = (old[0] + instances, old[1] + sessions, old[2] + tracks)
    return totals


def usage_change(after: dict, before: dict) -> dict[int, tuple[int, int, int]]:
    """Per plugin, `after` minus `before`, leaving out plugins whose totals do not move."""
    change = {}
    for pk in after.keys() | before.keys():
        delta = tuple(a - b for a, b in zip(after.get(pk, (0, 0, 0)), before.get(pk, (0, 0, 0))))
        if any(delta):
            change[pk] = delta
    return change


def apply_plugin_deltas(db_session, change: dict[int, tuple[int, int, int]]) -> None:
    """Add each (instances, sessions, tracks) delta to its plugin's totals, dropping plugins no session uses."""
    if not change:
        return
    table = PluginTotal.__table__
    statement = dialect_insert(db_session, table)
    db_session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.plugin_pk],
        set_={c: table.c[c] + statement.excluded[c] for c in TOTAL_COLUMNS},
    ), [{"plugin_pk": pk, **dict(zip(TOTAL_COLUMNS, delta))} for pk, delta in change.items()])
    if any(delta[1] < 0 for delta in change.values()):
        db_session.execute(delete(table).where(table.c.sessions <= 0))


def add_to_plugin_totals(db_session, session_pks, sign: int = 1) -> None:
    """Count (sign 1) or uncount (sign -1) the plugin usage of these sessions in the totals."""
    usage = plugin_usage_of(db_session, session_pks)
    apply_plugin_deltas(db_session, usage_change(usage, {}) if sign > 0 else usage_change({}, usage))


def rebuild_rollups(db_session) -> None:
    """Recompute every maintained aggregate from the rows (after a migration or a repair)."""
    refresh_session_counts(db_session, db_session.scalars(select(Session.pk)).all())
    db_session.execute(delete(PluginTotal))
    live = select(Session.pk).where(Session.deleted_at.is_(None))
    db_session.execute(PluginTotal.__table__.insert().from_select(
        ["plugin_pk", *TOTAL_COLUMNS],
        select(SessionPlugin.plugin_pk, func.sum(SessionPlugin.count), func.count(), func.sum(SessionPlugin.track_count))
        .where(SessionPlugin.session_pk.in_(live)).group_by(SessionPlugin.plugin_pk),
    ))
