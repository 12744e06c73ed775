"""The markers, regions and media files of a REAPER project, gathered line by line as reaper.py reads it.

- Project lines `MARKER <index> <position> <name> <flags> ...`: the position in seconds from the
  project's start, flags bit 1 for a region. A region is two lines with the same index, its start
  (with its name) and then its end (the name usually empty); they become one marker with an end.
  Markers and regions are numbered apart: marker 1 and region 1 are two things.
- `FILE` lines of `<SOURCE` blocks of any kind (WAVE, MP3, FLAC, VORBIS, VIDEO, a MIDI file, a
  subproject...; a SECTION source holds its file in a nested SOURCE): the media, each path once,
  as written (relative to the project's folder, or absolute). REAPER does not say a file is offline.
"""
import math
import re
from dataclasses import dataclass

from app.extractors.names import clip
from app.wire import MAX_MARKERS, MAX_MEDIA_FILES, MAX_SECONDS, SessionStatsMarker, SessionStatsMediaFile

# Projects made on Windows name files with \, on macOS and Linux with /; either may be read anywhere.
SEPARATORS = re.compile(r"[\\/]")
REGION = 1


@dataclass
class _Marker:
    name: str
    start: float
    end: float | None = None


class Timeline:
    """The markers and media files of one project."""

    def __init__(self):
        self._markers: list[_Marker] = []
        # Regions whose end line is still to come, by index (None: a start that was left out).
        self._open: dict[str, _Marker | None] = {}
        self._files: dict[str, SessionStatsMediaFile] = {}

    def marker(self, values: list[str]) -> None:
        """One MARKER line's values: a marker, a region's start, or the end of the region opened before."""
        if not values:
            return
        index, position = values[0], _seconds(values, 1)
        flags = value_number(values, 3)
        region = flags is not None and flags.is_integer() and int(flags) & REGION == REGION
        if region and index in self._open:
            opened = self._open.pop(index)
            if opened is not None and position is not None and position >= opened.start:
                opened.end = position
            return
        kept = None
        # Out of range positions are junk; past MAX_MARKERS the rest are left out rather than the project refused.
        if position is not None and len(self._markers) < MAX_MARKERS:
            kept = _Marker(clip((values[2] if len(values) > 2 else "").replace("\x00", "")), position)
            self._markers.append(kept)
        if region:
            self._open[index] = kept

    def file(self, values: list[str]) -> None:
        """One FILE line's values in a SOURCE block: its path, the first time it is named."""
        path = values[0].strip() if values else ""
        if path and "\x00" not in path and path not in self._files and len(self._files) < MAX_MEDIA_FILES:
            self._files[path] = SessionStatsMediaFile(path=path, name=clip(SEPARATORS.split(path)[-1]) or None)

    def markers(self) -> list[SessionStatsMarker]:
        return [SessionStatsMarker(name=m.name, t_sec=m.start, end_sec=m.end) for m in self._markers]

    def media_files(self) -> list[SessionStatsMediaFile]:
        return list(self._files.values())


def value_number(values: list[str], index: int) -> float | None:
    """Value `index` as a finite number, or None when absent or not a number."""
    try:
        number = float(values[index])
    except (IndexError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _seconds(values: list[str], index: int) -> float | None:
    """Value `index` as a position a timeline holds (0 to MAX_SECONDS), else None."""
    number = value_number(values, index)
    return number if number is not None and 0 <= number <= MAX_SECONDS else None
