"""Time zones: the server's own, and moments typed as a wall-clock time in a zone turned into UTC (and back)."""
import functools
import os
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

ZONEINFO_ROOTS = ("/usr/share/zoneinfo/", "/usr/lib/zoneinfo/")


@functools.cache
def zone_names() -> tuple[str, ...]:
    """Every IANA zone this machine knows, sorted; read once, as finding them opens every file of the zone
    database."""
    return tuple(sorted(available_timezones()))


def time_zone(name: str) -> ZoneInfo:
    """The zone named `name`; ValueError, in words, when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"“{name}” is not a time zone: give an IANA name such as Europe/Berlin or "
                         "America/New_York") from None


def server_zone_name() -> str:
    """The IANA name of the machine's zone (TZ, /etc/timezone or the target of /etc/localtime), else UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    timezone_file = Path("/etc/timezone")
    if timezone_file.is_file():
        candidates.append(timezone_file.read_text().strip())
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        candidates += [target.removeprefix(root) for root in ZONEINFO_ROOTS if target.startswith(root)]
    return next((name for name in candidates if name in zone_names()), "UTC")


def wall_clock_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC moment a wall-clock time in `zone` names; ValueError when the clocks skipped it (the hour lost when
    daylight saving time begins). A time that happens twice (the hour repeated when it ends) is the first."""
    moment = local.replace(tzinfo=zone, fold=0)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError(f"{local:%Y-%m-%d %H:%M} does not exist in {zone.key}: the clocks skip it "
                         "when daylight saving time begins")
    return moment.astimezone(UTC)

