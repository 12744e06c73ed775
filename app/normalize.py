"""Identity and derivation rules of the index, as pure functions over wire models."""
from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple

from app.wire import SessionStatsSession, SessionStatsTrack


def iso_utc(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with a `Z` suffix; naive times are taken as UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def fingerprint(session: SessionStatsSession) -> str:
    """The session's upsert key: as given, or `path|name|createdAt` with missing parts empty."""
    if session.fingerprint:
        return session.fingerprint
    return "|".join((session.path or "", session.name, iso_utc(session.created_at) or ""))


def _key(*parts: str | None) -> str:
    return "|".join((part or "").strip().lower() for part in parts)


# Archives repeat a few thousand plugins millions of times: remember the answers.
@lru_cache(maxsize=65536)
def plugin_id(name: str, vendor=None, version=None, format=None) -> str:
    """The pluginId: trimmed, lower-cased `vendor|name|version|format`."""
    return _key(vendor, name, version, format)


def product_key(name: str, vendor=None) -> str:
    """One product across versions and formats: trimmed, lower-cased `vendor|name`."""
    return _key(vendor, name)


def instance_plugin_id(plugin) -> str:
    """The pluginId of an instance or usage entry: the given one (normalized) or derived."""
    if plugin.plugin_id and plugin.plugin_id.strip():
        return plugin.plugin_id.strip().lower()
    return plugin_id(plugin.name, plugin.vendor, plugin.version, plugin.format)


class PluginUsage(NamedTuple):
    """Derived usage of one plugin in a session; reads like a SessionStatsPluginUsage."""

    plugin_id: str
    name: str
    vendor: str | None
    version: str | None
    format: str | None
    count: int
    track_count: int


def track_plugin_ids(tracks: list[SessionStatsTrack]) -> list[list[str]]:
    """The pluginId of every instance, track by track."""
    return [[instance_plugin_id(instance) for instance in track.plugins or ()] for track in tracks]


def derive_plugin_usage(tracks: list[SessionStatsTrack], plugin_ids: list[list[str]] | None = None) -> list[PluginUsage]:
    """Plugin usage from track instances: count = instances, trackCount = distinct tracks.

    `plugin_ids` are the instances' ids from `track_plugin_ids`, when the caller has them already.
    """
    # pluginId -> [instances, tracks, first instance, last track counted]
    tally: dict[str, list] = {}
    for position, (track, ids) in enumerate(zip(tracks, plugin_ids or track_plugin_ids(tracks))):
        for instance, pid in zip(track.plugins or (), ids):
            entry = tally.get(pid)
            if entry is None:
                tally[pid] = [1, 1, instance, position]
            else:
                entry[0] += 1
                if entry[3] != position:
                    entry[1] += 1
                    entry[3] = position
    return [
        PluginUsage(pid, first.name, first.vendor, first.version, first.format, count, track_count)
        for pid, (count, track_count, first, _) in tally.items()
    ]
