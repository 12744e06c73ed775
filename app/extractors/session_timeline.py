"""Markers and media files as every extractor gives them: beats to seconds through a tempo map, one entry per file.

A tempo map is a list of points (beat, tempo in BPM, shape); the shape says how the tempo goes from a point to
the next one: held, or changing linearly with the beat (a ramp, as Ableton Live and DAWproject draw them). Before
the first point its tempo holds; after the last point its tempo holds. Within a ramp the seconds are the exact
integral of 60 / tempo over the beats, so a marker halfway through a ramp lands where the ramp puts it.
"""
import bisect
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from app.extractors.names import clip
from app.wire import MAX_MARKERS, MAX_MEDIA_FILES, MAX_SECONDS, MAX_TEXT, SessionStatsMarker, SessionStatsMediaFile

HOLD, LINEAR = "hold", "linear"
MAX_BPM = 10_000
_SEPARATORS = re.compile(r"[\\/]")


@dataclass(frozen=True)
class TempoPoint:
    """The tempo at a beat, and how it goes on to the next point (HOLD or LINEAR)."""

    beat: float
    bpm: float
    shape: str = HOLD


def sensible_bpm(bpm: float | None) -> bool:
    """Whether `bpm` is a tempo a session can have."""
    return bpm is not None and math.isfinite(bpm) and 0 < bpm <= MAX_BPM


class TempoMap:
    """Seconds from the session's start (beat 0) at any beat, through a constant tempo or tempo points."""

    def __init__(self, bpm: float, points: Iterable[TempoPoint] = ()):
        usable = [point for point in points if math.isfinite(point.beat) and sensible_bpm(point.bpm)]
        # sorted() keeps the file's order of points on the same beat: the last one is the tempo after a jump.
        usable.sort(key=lambda point: point.beat)
        self.points = _from_beat_zero(usable or [TempoPoint(0.0, bpm)])
        self.beats = [point.beat for point in self.points]
        self.starts = [0.0]
        for point, following in zip(self.points, self.points[1:]):
            self.starts.append(self.starts[-1] + _seconds_into(point, following, following.beat - point.beat))

    def seconds(self, beat: float) -> float | None:
        """The seconds from the start at `beat`; None for a beat before the start or not a number."""
        if not math.isfinite(beat) or beat < 0:
            return None
        index = bisect.bisect_right(self.beats, beat) - 1
        point = self.points[index]
        following = self.points[index + 1] if index + 1 < len(self.points) else None
        return self.starts[index] + _seconds_into(point, following, beat - point.beat)


def _from_beat_zero(points: list[TempoPoint]) -> list[TempoPoint]:
    """The points from beat 0 on, the first at beat 0 with the tempo there (a point before the start sets it)."""
    index = bisect.bisect_right([point.beat for point in points], 0.0) - 1
    if index < 0:  # every point comes later: the first one's tempo holds until it
        return [TempoPoint(0.0, points[0].bpm), *points]
    point = points[index]
    following = points[index + 1] if index + 1 < len(points) else None
    start = TempoPoint(0.0, _bpm_at(point, following, 0.0 - point.beat), point.shape)
    return [start, *points[index + 1:]]


def _ramp(point: TempoPoint, following: TempoPoint | None) -> float | None:
    """The change of tempo per beat from `point` to the next one, or None when the tempo holds."""
    if point.shape != LINEAR or following is None or following.beat <= point.beat or following.bpm == point.bpm:
        return None
    return (following.bpm - point.bpm) / (following.beat - point.beat)


def _bpm_at(point: TempoPoint, following: TempoPoint | None, beats: float) -> float:
    slope = _ramp(point, following)
    return point.bpm if slope is None else point.bpm + slope * beats


def _seconds_into(point: TempoPoint, following: TempoPoint | None, beats: float) -> float:
    """The seconds `beats` beats past `point` take, on the way to the next point."""
    slope = _ramp(point, following)
    if slope is None:
        return 60 * beats / point.bpm
    # The integral of 60 / (bpm + slope * b) db; log1p keeps gentle ramps exact.
    return 60 / slope * math.log1p(slope * beats / point.bpm)


def finite_number(text: str | None) -> float | None:
    """A finite number from a value, or None."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def known(**fields) -> dict:
    """The fields a file told (not None), to give the session: a field left unset keeps what was stored."""
    return {name: value for name, value in fields.items() if value is not None}


def marker(name: str | None, seconds: float | None, comment: str | None = None) -> SessionStatsMarker | None:
    """A marker at `seconds`, or None when it lies before the start, past what the wire format takes, or nowhere."""
    if seconds is None or not math.isfinite(seconds) or not 0 <= seconds <= MAX_SECONDS:
        return None
    return SessionStatsMarker(
        name=clip(name) or "",
        t_sec=seconds,
        comment=(comment.strip()[:MAX_TEXT] or None) if comment else None,
    )


def in_time_order(markers: Iterable[SessionStatsMarker | None]) -> list[SessionStatsMarker]:
    """The markers that could be placed, by time (ties in the file's order), at most the wire format's number."""
    return sorted((found for found in markers if found is not None), key=lambda found: found.t_sec)[:MAX_MARKERS]


def base_name(path: str) -> str:
    """The file name at the end of a path, whichever separator the session's system used."""
    return _SEPARATORS.split(path.rstrip("\\/"))[-1]


def media_files(found: Iterable[tuple[str | None, str | None, bool | None]]) -> list[SessionStatsMediaFile]:
    """One media file per distinct path of (path, display name, offline), the first mention of each winning."""
    files: dict[str, SessionStatsMediaFile] = {}
    for path, name, offline in found:
        # Blank paths, and paths the wire format cannot carry, name no file that can be listed.
        if not path or not path.strip() or path in files or len(path) > MAX_TEXT or "\x00" in path:
            continue
        if len(files) == MAX_MEDIA_FILES:
            break
        files[path] = SessionStatsMediaFile(path=path, name=clip(name) or clip(base_name(path)) or None,
                                            offline=offline)
    return list(files.values())
