"""The figures rollups keep, recounted from the rows alone, another way, to check them (`app.services.derived`
compares them and mends those that differ)."""
from collections import Counter

from sqlalchemy import func, or_, select

from app.models import Credit, Event, LiveCount, MediaFile, Plugin, PluginTotal, Session, SessionPlugin, Tag, Track
from app.services.rollups import (
    MISSING_MEDIA, NO_TIMELINE, OPEN_NOTES, PLUGIN_TOTALS, TIMELINE_COLUMNS, TOTAL, count_template, count_timeline,
    daw_months, daw_tags, learn_plugin_facets, plugin_months, product_months, timeline_counts,
)
from app.services.work_time import count_started, recount_work


def recount_session_counts(db_session) -> dict[int, tuple[tuple, tuple]]:
    """Sessions whose kept counts differ from a recount: pk → ((tracks, instances, plugins) kept, recounted)."""
    recounted = (
        select(func.count()).where(Track.session_pk == Session.pk).scalar_subquery(),
        select(func.coalesce(func.sum(SessionPlugin.count), 0)).where(SessionPlugin.session_pk == Session.pk)
        .scalar_subquery(),
        select(func.count()).where(SessionPlugin.session_pk == Session.pk).scalar_subquery(),
    )
    kept = (Session.track_count, Session.instance_count, Session.plugin_count)
    rows = db_session.execute(select(Session.pk, *kept, *recounted).where(
        or_(*[column != count for column, count in zip(kept, recounted)])))
    return {row[0]: (tuple(row[1:4]), tuple(row[4:7])) for row in rows}


def recount_timeline_counts(db_session) -> dict[int, tuple[tuple, tuple]]:
    """Sessions whose kept timeline counts (TIMELINE_COLUMNS) differ from a recount: pk → (kept, recounted)."""
    counted = timeline_counts(db_session)
    kept_columns = [Session.__table__.c[name] for name in TIMELINE_COLUMNS]
    kept = {row[0]: tuple(row[1:]) for row in db_session.execute(select(Session.pk, *kept_columns).where(or_(
        Session.event_counts.is_not(None), *[column != 0 for column in kept_columns[1:]])))}
    kept = {pk: (counts or None, *rest) for pk, (counts, *rest) in kept.items()}
    return {pk: (kept.get(pk, NO_TIMELINE), counted.get(pk, NO_TIMELINE))
            for pk in sorted(set(kept) | set(counted)) if kept.get(pk, NO_TIMELINE) != counted.get(pk, NO_TIMELINE)}


def recount_aggregates(db_session) -> tuple[dict[int, tuple[int, int, int]], dict[tuple[str, str], int]]:
    """The plugin totals and every live count, counted from the rows in one pass over the plugin usage.

    (Plugin pk → (instances, sessions, tracks), and (dimension, value) → sessions, or the index totals.)
    """
    live = Session.deleted_at.is_(None)
    months, counts = {}, Counter()
    for pk, created_at, daw, started_at, template, worked_seconds in db_session.execute(
            select(Session.pk, Session.created_at, Session.daw, Session.started_at, Session.template,
                   Session.worked_seconds).where(live)):
        count_started(counts, started_at)
        months[pk] = created_at.strftime("%Y-%m") if created_at else None
        if daw is not None and months[pk] is not None:
            counts[daw_months(daw), months[pk]] += 1
        count_template(counts, template, months[pk], worked_seconds)
    counts[TOTAL, "sessions"] = len(months)
    recount_work(db_session, counts)
    open_notes = select(Session.artist, Session.project, func.count()).join(Event, Event.session_pk == Session.pk).where(
        live, Event.kind == "note", Event.status == "open", Event.deleted_at.is_(None))
    missing_media = select(Session.artist, Session.project, func.count()).join(
        MediaFile, MediaFile.session_pk == Session.pk).where(live, MediaFile.missing)
    for dimension, query in ((OPEN_NOTES, open_notes), (MISSING_MEDIA, missing_media)):
        for artist, project, n in db_session.execute(query.group_by(Session.artist, Session.project)):
            count_timeline(counts, artist, project, dimension, n)
    for dimension, column in (("artist", Session.artist), ("daw", Session.daw)):
        counts.update({(dimension, value): n for value, n in db_session.execute(
            select(column, func.count()).where(live, column.is_not(None)).group_by(column))})
    counts.update({("tag", name): n for name, n in db_session.execute(
        select(Tag.name, func.count()).join(Session, Session.pk == Tag.session_pk).where(live).group_by(Tag.name))})
    counts.update({(daw_tags(daw), name): n for daw, name, n in db_session.execute(
        select(Session.daw, Tag.name, func.count()).join(Session, Session.pk == Tag.session_pk)
        .where(live, Session.daw.is_not(None)).group_by(Session.daw, Tag.name))})
    for dimension, column in (("person", Credit.name), ("role", Credit.role)):
        counts.update({(dimension, value): n for value, n in db_session.execute(
            select(column, func.count(func.distinct(Credit.session_pk))).join(Session, Session.pk == Credit.session_pk)
            .where(live).group_by(column))})
    counts[TOTAL, "tracks"] = db_session.scalar(
        select(func.count()).select_from(Track).join(Session, Session.pk == Track.session_pk).where(live))
    facets = {}
    learn_plugin_facets(db_session, facets, set(db_session.scalars(select(Plugin.pk))))
    totals = {}
    # Sorted by session (the table's own order), so that each session's facet values are counted once.
    usage = db_session.execute(select(SessionPlugin.session_pk, SessionPlugin.plugin_pk, SessionPlugin.count,
                                      SessionPlugin.track_count).order_by(SessionPlugin.session_pk)
                               .execution_options(yield_per=10_000))
    current, values = None, set()
    for session_pk, plugin_pk, instances, tracks in usage:
        if session_pk not in months:
            continue
        if session_pk != current:
            counts.update(values)
            current, values = session_pk, set()
        total = totals.setdefault(plugin_pk, [0, 0, 0])
        total[0] += instances
        total[1] += 1
        total[2] += tracks
        counts[TOTAL, "instances"] += instances
        if months[session_pk]:
            counts[plugin_months(plugin_pk), months[session_pk]] += 1
        for dimension, value in facets[plugin_pk]:
            values.add((dimension, value))
            if dimension == "product" and months[session_pk]:
                values.add((product_months(value), months[session_pk]))
    counts.update(values)
    return {pk: tuple(total) for pk, total in totals.items()}, {key: n for key, n in counts.items() if n}


def kept_plugin_totals(db_session) -> dict[int, tuple[int, int, int]]:
    """The plugin totals as kept."""
    return {row[0]: tuple(row[1:]) for row in db_session.execute(
        select(PluginTotal.plugin_pk, *[PluginTotal.__table__.c[name] for name in PLUGIN_TOTALS]))}


def kept_live_counts(db_session) -> dict[tuple[str, str], int]:
    """The live counts as kept."""
    return {(row.dimension, row.value): row.count for row in db_session.execute(select(LiveCount.__table__))}
