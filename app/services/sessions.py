"""Reading sessions back in the wire format, and the trash."""
from datetime import datetime, timedelta

from pydantic.alias_generators import to_camel
from sqlalchemy import delete, func, literal, select, union_all, update

from app.gc_pause import gc_paused
from app.models import (Credit, Event, LiveCount, MediaFile, Meta, Plugin, PluginTotal, Product, PurgedSession, RemoteSource,
                        Session, SessionPlugin, Source, Tag, Track, TrackPlugin)
from app.models.timeline import FILE_SOURCE, MARKER
from app.models.meta import LAST_INGESTED_AT
from app.models.types import utc_now
from app.normalize import iso_utc
from app.sample_data import SAMPLE_EXTRACTOR
from app.services.bulk import chunked
from app.services.derived import live_change
from app.services.facets import common_values
from app.services.rollups import DAW_MONTHS, TIMELINE_TOTALS, TOTAL
from app.services.session_values import SESSION_COLUMNS

EXPORT_CHUNK = 200
# How many of the most used tags a session page offers as it adds a tag.
KNOWN_TAGS = 200
SESSION_FIELDS = {"id": "id", "fingerprint": "fingerprint"} | {to_camel(c): c for c in SESSION_COLUMNS}


def last_ingested_at(db_session) -> str | None:
    """When the index last took an ingest (ISO 8601 UTC), or None."""
    return db_session.scalar(select(Meta.value).where(Meta.key == LAST_INGESTED_AT))


def get_session(db_session, session_id: str) -> tuple[dict | None, bool]:
    """One session in the wire format, and whether it is in the trash."""
    table = Session.__table__
    row = db_session.execute(select(table).where(table.c.id == session_id)).one_or_none()
    if row is None:
        return None, False
    return _wire_sessions(db_session, [row])[0], row.deleted_at is not None


def visible_changes_until(margin: timedelta) -> datetime:
    """A moment before which every change to the index is visible to a read that starts now: a write notes the
    moment its sessions changed a little before it commits, so a read may miss those noted in the last `margin`."""
    return utc_now() - margin


def page_of_sessions(db_session, after_pk: int = 0, limit: int = 100, changed_since: datetime | None = None,
                     narrowing: dict[str, str] | None = None) -> tuple[list[dict], int | None]:
    """Live sessions in index order after `after_pk` (those that changed at or after `changed_since`, and with the
    artist, tag and DAW of `narrowing`, when given); also the pk to continue from, if any."""
    table = Session.__table__
    statement = select(table).where(table.c.deleted_at.is_(None), table.c.pk > after_pk)
    if changed_since is not None:
        statement = statement.where(table.c.changed_at >= changed_since)
    narrowing = narrowing or {}
    if "artist" in narrowing:
        statement = statement.where(table.c.artist == narrowing["artist"])
    if "daw" in narrowing:
        statement = statement.where(table.c.daw == narrowing["daw"])
    if "tag" in narrowing:
        statement = statement.where(select(Tag.session_pk).where(
            Tag.session_pk == table.c.pk, Tag.name == narrowing["tag"]).exists())
    rows = db_session.execute(statement.order_by(table.c.pk).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return _wire_sessions(db_session, rows), (rows[-1].pk if more else None)


def page_of_gone_sessions(db_session, after_id: str = "", limit: int = 1000,
                          gone_since: datetime | None = None) -> tuple[list[dict], str | None]:
    """The sessions moved to the trash or deleted for good (at or after `gone_since`, when given), by id after
    `after_id`: [{id, goneAt, reason}], and the id to continue from, if any."""
    table = Session.__table__
    trashed = select(table.c.id, table.c.changed_at.label("gone_at"), literal("trashed").label("reason")).where(
        table.c.deleted_at.is_not(None), table.c.id > after_id)
    purged = select(PurgedSession.id, PurgedSession.purged_at.label("gone_at"), literal("purged").label("reason")
                    ).where(PurgedSession.id > after_id)
    if gone_since is not None:
        trashed = trashed.where(table.c.changed_at >= gone_since)
        purged = purged.where(PurgedSession.purged_at >= gone_since)
    both = union_all(trashed, purged).subquery()
    rows = db_session.execute(select(both).order_by(both.c.id).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    gone = [{"id": row.id, "goneAt": iso_utc(row.gone_at), "reason": row.reason} for row in rows]
    return gone, (rows[-1].id if more else None)


def iter_sessions(db_session, chunk: int = EXPORT_CHUNK):
    """Every live session in the wire format, read a chunk at a time."""
    after = 0
    while True:
        sessions, after = page_of_sessions(db_session, after, chunk)
        yield from sessions
        if after is None:
            return


def months_by_daw(db_session) -> dict[str, dict[str, int]]:
    """Each DAW's live sessions per month (YYYY-MM → sessions), from the counts kept on write."""
    months = {}
    for dimension, month, count in db_session.execute(
            select(LiveCount.dimension, LiveCount.value, LiveCount.count)
            .where(LiveCount.dimension.startswith(DAW_MONTHS, autoescape=True))):
        months.setdefault(dimension.removeprefix(DAW_MONTHS), {})[month] = count
    return months


def sessions_in_wire_format(db_session, session_pks: list[int]) -> list[dict]:
    """These sessions in the wire format, in the order given."""
    table = Session.__table__
    sessions = {}
    for chunk in chunked(session_pks, EXPORT_CHUNK):
        rows = db_session.execute(select(table).where(table.c.pk.in_(chunk))).all()
        sessions |= {row.pk: wire for row, wire in zip(rows, _wire_sessions(db_session, rows))}
    return [sessions[pk] for pk in session_pks if pk in sessions]


def _set_trashed(db_session, session_id: str, trashed: bool) -> int | None:
    """Move a session into or out of the trash; its pk, or None if none moved."""
    table = Session.__table__
    state = table.c.deleted_at.is_(None) if trashed else table.c.deleted_at.is_not(None)
    pk = db_session.scalar(select(table.c.pk).where(table.c.id == session_id, state).with_for_update())
    if pk is not None:
        with live_change(db_session, [pk]):
            db_session.execute(update(table).where(table.c.pk == pk).values(deleted_at=utc_now() if trashed else None))
    return pk


def restore_session(db_session, session_id: str) -> bool:
    """Take a session out of the trash; False when no trashed session has that id."""
    return _set_trashed(db_session, session_id, False) is not None


def trash_session(db_session, session_id: str) -> bool:
    """Move a live session to the trash; False when no live session has that id."""
    return _set_trashed(db_session, session_id, True) is not None


def purge_session(db_session, session_id: str) -> str | None:
    """Delete a trashed session for good, with everything that belongs to it; its name, or None."""
    table = Session.__table__
    row = db_session.execute(select(table.c.pk, table.c.name).where(
        table.c.id == session_id, table.c.deleted_at.is_not(None)).with_for_update()).one_or_none()
    if row is None:
        return None
    with live_change(db_session, [row.pk]):
        db_session.execute(delete(table).where(table.c.pk == row.pk))
    db_session.execute(delete(PurgedSession).where(PurgedSession.id == session_id))
    db_session.add(PurgedSession(id=session_id, purged_at=utc_now()))
    return row.name


def index_overview(db_session) -> dict:
    """Counts over live sessions (sessions, tracks, plugin instances, distinct plugins and products, open notes and
    missing media files) and lastIngestedAt."""
    totals = dict(db_session.execute(select(LiveCount.value, LiveCount.count).where(LiveCount.dimension == TOTAL)).all())
    return {
        "last_ingested_at": last_ingested_at(db_session),
        **{name: totals.get(name, 0) for name in ("sessions", "tracks", "instances")},
        **{name.replace(" ", "_"): totals.get(name, 0) for name in TIMELINE_TOTALS},
        "plugins": db_session.scalar(select(func.count()).select_from(PluginTotal)),
        "products": db_session.scalar(select(func.count(func.distinct(Plugin.product_key)))
                                      .join(PluginTotal, PluginTotal.plugin_pk == Plugin.pk)),
    }


def _wire_sessions(db_session, rows) -> list[dict]:
    """Wire dicts for session rows, with eight queries in all rather than eight per session."""
    # A page of full sessions is tens of thousands of small dicts, each of which would count towards the cyclic
    # collector's next pass over everything the process holds.
    with gc_paused():
        by_pk = {row.pk: _session_dict(row) for row in rows}
        for chunk in chunked(list(by_pk)):
            _attach_children(db_session, by_pk, chunk)
    return list(by_pk.values())


def _session_dict(row) -> dict:
    wire = _present(row, SESSION_FIELDS)
    wire.update(tracks=[], plugins=[])
    return wire


def _attach_children(db_session, by_pk, pks):
    # Rows are read as tuples of the columns named, and each wire dict zipped from them: a page of full sessions
    # is tens of thousands of rows, where reading attributes one by one is most of the time.
    tags, tracks = Tag.__table__, Track.__table__
    instances, usages, sources = TrackPlugin.__table__, SessionPlugin.__table__, Source.__table__
    plugins = Plugin.__table__
    plugin_columns = (plugins.c.id, plugins.c.name, plugins.c.vendor, plugins.c.version, plugins.c.format)

    for session_pk, name in db_session.execute(
        select(tags.c.session_pk, tags.c.name).where(tags.c.session_pk.in_(pks)).order_by(tags.c.session_pk, tags.c.position)
    ).all():
        by_pk[session_pk].setdefault("tags", []).append(name)

    for session_pk, name, role in db_session.execute(select(Credit.session_pk, Credit.name, Credit.role).where(
            Credit.session_pk.in_(pks)).order_by(Credit.session_pk, Credit.position)).all():
        by_pk[session_pk].setdefault("credits", []).append({"name": name, "role": role})

    wire_tracks = {}
    for session_pk, position, track_id, name, track_type, track_format, state, notes in db_session.execute(
        select(tracks.c.session_pk, tracks.c.position, tracks.c.id, tracks.c.name, tracks.c.type, tracks.c.format,
               tracks.c.state, tracks.c.notes)
        .where(tracks.c.session_pk.in_(pks)).order_by(tracks.c.session_pk, tracks.c.position)
    ).all():
        # The fields written out, as an instance's are below: this runs once per track.
        wire = {"id": track_id, "name": name}
        if track_type is not None:
            wire["type"] = track_type
        if track_format is not None:
            wire["format"] = track_format
        if state is not None:
            wire["state"] = state
        if notes is not None:
            wire["notes"] = notes
        wire_tracks[session_pk, position] = wire
        by_pk[session_pk]["tracks"].append(wire)

    # A page holds a few hundred plugins in thousands of instances and usage rows: each plugin's fields are read and
    # zipped once.
    instance_rows = db_session.execute(
        select(instances.c.session_pk, instances.c.track_position, instances.c.plugin_pk, instances.c.uid,
               instances.c.slot, instances.c.preset, instances.c.active)
        .where(instances.c.session_pk.in_(pks))
        .order_by(instances.c.session_pk, instances.c.track_position, instances.c.position)
    ).all()
    usage_rows = db_session.execute(
        select(usages.c.session_pk, usages.c.plugin_pk, usages.c.count, usages.c.track_count)
        .where(usages.c.session_pk.in_(pks))
    ).all()
    used = {row[2] for row in instance_rows} | {row[1] for row in usage_rows}
    plugin_wire = {pk: _zipped(PLUGIN_WIRE, values) for pk, *values in db_session.execute(
        select(plugins.c.pk, *plugin_columns).where(plugins.c.pk.in_(used))).all()}
    chain = chain_session = chain_track = None
    for session_pk, track_position, plugin_pk, uid, slot, preset, active in instance_rows:
        wire = plugin_wire[plugin_pk].copy()
        # The fields written out, not looped over: this runs once per instance.
        if uid is not None:
            wire["uid"] = uid
        if slot is not None:
            wire["slot"] = slot
        if preset is not None:
            wire["preset"] = preset
        if active is not None:
            wire["active"] = active
        if track_position != chain_track or session_pk != chain_session:  # rows come track by track
            chain_session, chain_track = session_pk, track_position
            chain = wire_tracks[session_pk, track_position].setdefault("plugins", [])
        chain.append(wire)

    for session_pk, plugin_pk, count, track_count in usage_rows:
        wire = plugin_wire[plugin_pk].copy()
        wire["count"], wire["trackCount"] = count, track_count
        by_pk[session_pk]["plugins"].append(wire)
    for wire in by_pk.values():  # the most used first
        wire["plugins"].sort(key=_by_use)

    for session_pk, *values in db_session.execute(
        select(sources.c.session_pk, sources.c.type, sources.c.path, sources.c.ingested_at, sources.c.extractor)
        .where(sources.c.session_pk.in_(pks)).order_by(sources.c.session_pk, sources.c.position)
    ).all():
        wire = _zipped(SOURCE_WIRE, values)
        if "ingestedAt" in wire:
            wire["ingestedAt"] = iso_utc(wire["ingestedAt"])
        by_pk[session_pk].setdefault("sources", []).append(wire)

    for session_pk, *values in db_session.execute(
        select(Event.session_pk, Event.text, Event.t_sec, Event.end_sec, Event.comment, Event.track)
        .where(Event.session_pk.in_(pks), Event.source == FILE_SOURCE, Event.kind == MARKER)
        .order_by(Event.session_pk, Event.t_sec, Event.pk)
    ).all():
        by_pk[session_pk].setdefault("markers", []).append(_zipped(MARKER_WIRE, values))

    for session_pk, *values in db_session.execute(
        select(MediaFile.session_pk, MediaFile.path, MediaFile.name, MediaFile.offline, MediaFile.exists,
               MediaFile.size_bytes)
        .where(MediaFile.session_pk.in_(pks)).order_by(MediaFile.session_pk, MediaFile.position)
    ).all():
        by_pk[session_pk].setdefault("mediaFiles", []).append(_zipped(MEDIA_WIRE, values))


# Wire names of the columns each child query reads, in its order.
PLUGIN_WIRE = ("pluginId", "name", "vendor", "version", "format")
SOURCE_WIRE = ("type", "path", "ingestedAt", "extractor")
MARKER_WIRE = ("name", "tSec", "endSec", "comment", "track")
MEDIA_WIRE = ("path", "name", "offline", "exists", "sizeBytes")


def _by_use(plugin: dict) -> tuple:
    return -plugin["count"], plugin["pluginId"]


def _zipped(names: tuple[str, ...], values) -> dict:
    """The values that are not null under their wire names."""
    return {name: value for name, value in zip(names, values) if value is not None}


def _present(row, fields) -> dict:
    """The row's non-null values under their wire names; times as ISO 8601 UTC."""
    wire = {}
    for wire_name, column in fields.items():
        value = getattr(row, column)
        if value is not None:
            wire[wire_name] = iso_utc(value) if isinstance(value, datetime) else value
    return wire


def session_detail(db_session, session_id: str) -> dict | None:
    """A session for its page: the row, tags, tracks with plugin chains, plugin usage (each plugin as its file spells
    it and as its product) and sources."""
    session = db_session.execute(select(Session.__table__).where(Session.id == session_id)).one_or_none()
    if session is None:
        return None
    tracks = {row.position: {"track": row, "plugins": []} for row in db_session.execute(
        select(Track.__table__).where(Track.session_pk == session.pk).order_by(Track.position))}
    for row in db_session.execute(
        select(TrackPlugin.track_position, TrackPlugin.slot, TrackPlugin.preset, TrackPlugin.active,
               Plugin.id, Plugin.name, Plugin.vendor, Plugin.version, Plugin.format)
        .join(Plugin, Plugin.pk == TrackPlugin.plugin_pk)
        .where(TrackPlugin.session_pk == session.pk).order_by(TrackPlugin.track_position, TrackPlugin.position)
    ):
        tracks[row.track_position]["plugins"].append(row)
    sources = db_session.execute(
        select(Source.__table__).where(Source.session_pk == session.pk).order_by(Source.position)).all()
    return {
        "session": session,
        "tags": db_session.scalars(select(Tag.name).where(Tag.session_pk == session.pk).order_by(Tag.position)).all(),
        "credits": db_session.execute(select(Credit.name, Credit.role).where(Credit.session_pk == session.pk)
                                      .order_by(Credit.position)).all(),
        "tracks": list(tracks.values()),
        "usage": db_session.execute(
            select(Plugin.id, Plugin.name, Plugin.vendor, Plugin.version, Plugin.format, SessionPlugin.count,
                   SessionPlugin.track_count, Plugin.product_key, Product.name.label("product"),
                   Product.vendor.label("product_vendor"), Product.category)
            .join(Plugin, Plugin.pk == SessionPlugin.plugin_pk)
            .outerjoin(Product, Product.key == Plugin.product_key).where(SessionPlugin.session_pk == session.pk)
            .order_by(SessionPlugin.count.desc(), Plugin.name)
        ).all(),
        "sources": sources,
        "remote_source": (db_session.get(RemoteSource, session.remote_source_pk)
                          if session.remote_source_pk is not None else None),
        "media": db_session.execute(select(MediaFile.__table__).where(MediaFile.session_pk == session.pk)
                                    .order_by(MediaFile.missing.desc(), MediaFile.position)).all(),
        "is_sample": any(source.extractor == SAMPLE_EXTRACTOR for source in sources),
        "known_tags": common_values(db_session, "tag", KNOWN_TAGS),
    }


def trashed_sessions(db_session) -> list:
    """Every session in the trash, most recently trashed first."""
    return db_session.execute(
        select(Session.id, Session.name, Session.artist, Session.project, Session.daw, Session.deleted_at,
               Session.track_count)
        .where(Session.deleted_at.is_not(None)).order_by(Session.deleted_at.desc(), Session.pk.desc())
    ).all()
