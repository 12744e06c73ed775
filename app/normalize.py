"""Identity and derivation rules of the index, as pure functions over wire models."""
from datetime import UTC, datetime

from app.wire import SessionStatsPluginUsage, SessionStatsSession, SessionStatsTrack


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


def derive_plugin_usage(tracks: list[SessionStatsTrack]) -> list[SessionStatsPluginUsage]:
    """Plugin usage from track instances: count = instances, trackCount = distinct tracks."""
    counts: dict[str, int] = {}
    track_counts: dict[str, int] = {}
    first_seen = {}
    for track in tracks:
        on_this_track = set()
        for instance in track.plugins or ():
            pid = instance_plugin_id(instance)
            counts[pid] = counts.get(pid, 0) + 1
            first_seen.setdefault(pid, instance)
            on_this_track.add(pid)
        for pid in on_this_track:
            track_counts[pid] = track_counts.get(pid, 0) + 1
    return [
        SessionStatsPluginUsage(
            plugin_id=pid,
            name=first_seen[pid].name,
            vendor=first_seen[pid].vendor,
            version=first_seen[pid].version,
            format=first_seen[pid].format,
            count=count,
            track_count=track_counts[pid],
        )
        for pid, count in counts.items()
    ]
