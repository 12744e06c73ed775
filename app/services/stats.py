"""A session's statistics: computed from the index on first read, cached, refreshed on request.

The cache row of a session goes when the session changes (ingest, rescan, an edit of bpm or
key), so the next read computes it again.
"""
import logging
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import delete, func, select

from app.database import write_incidentally
from app.models import Plugin, ScannedFile, Session, SessionPlugin, SessionStatsCache, Track
from app.models.scanned_file import INDEXED
from app.models.types import utc_now
from app.normalize import iso_utc
from app.services.bulk import chunked, dialect_insert

# Raise when the stats change shape or meaning: stats cached by an older version are computed again.
STATS_VERSION = 1
TOP_PLUGINS = 10
UNTYPED = "unknown"
log = logging.getLogger(__name__)

Count = Annotated[int, Field(ge=0)]


class TopPlugin(BaseModel):
    """One of the plugins a session uses most."""

    model_config = ConfigDict(strict=True, extra="forbid")

    plugin_id: str
    name: str
    vendor: str | None
    version: str | None
    format: str | None
    instances: Count = Field(description="Instances of the plugin in the session.")
    tracks: Count = Field(description="Tracks the plugin is on.")


class ComputedStats(BaseModel):
    """What is computed about a session (and cached)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    daw: str | None
    daw_version: str | None
    sample_rate: int | None
    bit_depth: int | None
    bpm: float | None
    key: str | None
    duration_seconds: float | None
    track_count: Count
    tracks_by_type: dict[str, Count] = Field(description=f"Tracks per type; tracks of no known type count as "
                                                         f"{UNTYPED!r}.")
    plugin_instances: Count
    distinct_plugins: Count
    top_plugins: list[TopPlugin] = Field(description=f"The {TOP_PLUGINS} plugins with the most instances.")
    file_size: Count | None = Field(description="Bytes of the session file when last read; null without a file.")
    file_modified_at: datetime | None = Field(description="When the session file was last modified, as last read.")


class SessionStats(ComputedStats):
    """A session's statistics with when and by which version they were computed."""

    stats_computed_at: datetime
    stats_version: int


def _stats_rows(db_session, pks: list[int]) -> dict[int, dict]:
    """The values the stats of these sessions are made of, straight from the index."""
    values = {row.pk: {
        "daw": row.daw, "daw_version": row.daw_version, "sample_rate": row.sample_rate, "bit_depth": row.bit_depth,
        "bpm": row.bpm, "key": row.key, "duration_seconds": row.duration_seconds, "track_count": row.track_count,
        "tracks_by_type": {}, "plugin_instances": row.instance_count, "distinct_plugins": row.plugin_count,
        "top_plugins": [], "file_size": None, "file_modified_at": None,
    } for row in db_session.execute(
        select(Session.pk, Session.daw, Session.daw_version, Session.sample_rate, Session.bit_depth, Session.bpm,
               Session.key, Session.duration_seconds, Session.track_count, Session.instance_count,
               Session.plugin_count).where(Session.pk.in_(pks)))}
    for pk, kind, count in db_session.execute(
            select(Track.session_pk, Track.type, func.count()).where(Track.session_pk.in_(pks))
            .group_by(Track.session_pk, Track.type)):
        by_type = values[pk]["tracks_by_type"]
        by_type[kind or UNTYPED] = by_type.get(kind or UNTYPED, 0) + count
    for row in db_session.execute(
            select(SessionPlugin.session_pk, SessionPlugin.count, SessionPlugin.track_count, Plugin.id, Plugin.name,
                   Plugin.vendor, Plugin.version, Plugin.format)
            .join(Plugin, Plugin.pk == SessionPlugin.plugin_pk).where(SessionPlugin.session_pk.in_(pks))):
        values[row.session_pk]["top_plugins"].append({
            "plugin_id": row.id, "name": row.name, "vendor": row.vendor, "version": row.version,
            "format": row.format, "instances": row.count, "tracks": row.track_count})
    for row in db_session.execute(
            select(ScannedFile.session_pk, ScannedFile.size, ScannedFile.mtime_ns)
            .where(ScannedFile.session_pk.in_(pks), ScannedFile.status == INDEXED)):
        values[row.session_pk]["file_size"] = row.size
        values[row.session_pk]["file_modified_at"] = datetime.fromtimestamp(row.mtime_ns / 1e9, UTC)
    for value in values.values():
        value["top_plugins"] = sorted(value["top_plugins"], key=lambda p: (-p["instances"], -p["tracks"], p["name"],
                                                                           p["plugin_id"]))[:TOP_PLUGINS]
    return values


def _compute(db_session, pks: list[int], ids: dict[int, str]) -> dict[int, dict | None]:
    """Fresh stats by session pk, as stored in the cache; None for a session whose values do not make stats."""
    computed = {}
    for chunk in chunked(pks):
        for pk, values in _stats_rows(db_session, chunk).items():
            try:
                computed[pk] = ComputedStats.model_validate(values).model_dump(mode="json")
            except ValidationError as exc:
                log.warning("The stats of session %s cannot be computed: %s", ids.get(pk, pk), exc)
                computed[pk] = None
    return computed


def _store(db_session, computed: dict[int, dict | None], now: datetime) -> None:
    """Cache computed stats, inside the caller's unit of work or as a side write of a read."""
    rows = [{"session_pk": pk, "version": STATS_VERSION, "computed_at": now, "stats": stats}
            for pk, stats in computed.items() if stats is not None]
    if rows:
        write_incidentally(db_session, lambda writer: _write_cache(writer, rows))


def _write_cache(db_session, rows: list[dict]) -> None:
    for chunk in chunked(rows, 500):
        statement = dialect_insert(db_session, SessionStatsCache.__table__).values(chunk)
        db_session.execute(statement.on_conflict_do_update(
            index_elements=["session_pk"],
            set_={name: statement.excluded[name] for name in ("version", "computed_at", "stats")}))


def _with_stamp(stats: dict, computed_at: datetime, version: int) -> dict:
    return {**stats, "stats_computed_at": iso_utc(computed_at), "stats_version": version}


def session_stats(db_session, ids: dict[int, str]) -> dict[int, dict | None]:
    """The stats of these sessions (session id by pk): cached ones as stored, the others computed and cached.

    None for a session whose stats cannot be computed; the reason is logged.
    """
    found = {}
    for chunk in chunked(list(ids)):
        for row in db_session.execute(
                select(SessionStatsCache.session_pk, SessionStatsCache.version, SessionStatsCache.computed_at,
                       SessionStatsCache.stats).where(SessionStatsCache.session_pk.in_(chunk))):
            if row.version == STATS_VERSION:
                found[row.session_pk] = _with_stamp(row.stats, row.computed_at, row.version)
    missing = [pk for pk in ids if pk not in found]
    if missing:
        now = utc_now()
        computed = _compute(db_session, missing, ids)
        _store(db_session, computed, now)
        found |= {pk: stats and _with_stamp(stats, now, STATS_VERSION) for pk, stats in computed.items()}
    return {pk: found.get(pk) for pk in ids}


def forget_stats(db_session, session_pks) -> None:
    """Drop the cached stats of these sessions (they changed); the next read computes them again."""
    for chunk in chunked(list(session_pks)):
        db_session.execute(delete(SessionStatsCache).where(SessionStatsCache.session_pk.in_(chunk)))


def stats_drift(db_session) -> dict[int, str]:
    """Sessions whose cached stats (of this version) differ from stats computed now: pk → what is wrong."""
    drift = {}
    cached = db_session.execute(select(SessionStatsCache.session_pk, SessionStatsCache.stats)
                                .where(SessionStatsCache.version == STATS_VERSION)
                                .order_by(SessionStatsCache.session_pk)).all()
    for chunk in chunked(cached):
        computed = _compute(db_session, [pk for pk, _ in chunk], {})
        drift.update((pk, "cached stats differ from the rows") for pk, stats in chunk if computed.get(pk) != stats)
    return drift


def recompute_stats(db_session, session_pks) -> None:
    """Compute and cache these sessions' stats again now (within the caller's unit of work)."""
    for chunk in chunked(list(session_pks)):
        forget_stats(db_session, chunk)
        _store(db_session, _compute(db_session, list(chunk), {}), utc_now())
