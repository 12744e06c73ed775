"""FL Studio's arrangements and their time markers, as the .flp event stream holds them (see fl_studio).

What is read, by event id:
- arrangements (FL 20 and later): each starts with 99 (its number); 100 names the arrangement shown;
- time markers: a position (148: the low 24 bits in PPQ ticks, the high 8 bits the marker's action: 0 none,
  1 marker loop, 2 skip, 3 pause, 4 loop, 5 start, 8 time signature, 9 punch in, 10 punch out), then its
  name (205). Patterns (each starting with 65) have time markers of their own, which are not the song's;
- automation links (227: a word, the channel as a dword, a word, the parameter and the target): parameter
  5 with target 0x4000 is the master tempo.

The markers are those of the arrangement shown, in seconds through the header's PPQ and the project's tempo.
Time-signature markers set the meter rather than mark a place, and are left out. No markers are read (None,
rather than misplaced ones) when an automation clip drives the master tempo, since following the clips on
the playlist is not done, and before FL 20, whose files have no arrangements to tell the playlist's markers
from the patterns'.
"""
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from app.extractors.session_timeline import in_time_order, marker
from app.wire import MAX_MARKERS, SessionStatsMarker

NEW_PATTERN, NEW_ARRANGEMENT, CURRENT_ARRANGEMENT = 65, 99, 100
MARKER_POSITION, MARKER_NAME, AUTOMATION_LINK = 148, 205, 227
TIMELINE_EVENTS = (NEW_PATTERN, NEW_ARRANGEMENT, CURRENT_ARRANGEMENT, MARKER_POSITION, MARKER_NAME, AUTOMATION_LINK)

POSITION_BITS, TIME_SIGNATURE_ACTION = 24, 8
TEMPO_PARAMETER, MASTER_TARGET = 5, 0x4000


@dataclass
class TimeMarker:
    """A time marker of an arrangement: its position in ticks, its action, and its name."""

    ticks: int
    action: int
    name: str = ""


@dataclass
class Timeline:
    """The time markers by arrangement, the arrangement being read (None inside a pattern), and the one shown."""

    markers: dict[int, list[TimeMarker]] = field(default_factory=dict)
    arrangement: int | None = None
    marker: TimeMarker | None = None  # the last one read, whose name comes next
    shown: int | None = None
    tempo_automated: bool = False


def read_timeline_event(timeline: Timeline, event_id: int, value: int | bytes, text: Callable[[bytes], str]) -> None:
    """Record what one event says about the arrangements, their time markers, or the tempo's automation."""
    if event_id == NEW_PATTERN:
        timeline.arrangement = timeline.marker = None  # the pattern's own time markers follow
    elif event_id == NEW_ARRANGEMENT:
        timeline.arrangement, timeline.marker = value, None
        timeline.markers.setdefault(value, [])
    elif event_id == CURRENT_ARRANGEMENT:
        timeline.shown = value
    elif event_id == MARKER_POSITION and timeline.arrangement is not None:
        markers = timeline.markers[timeline.arrangement]
        # Past what the wire format takes, further markers are dropped (their names then go nowhere).
        timeline.marker = TimeMarker(value & ((1 << POSITION_BITS) - 1), value >> POSITION_BITS)
        if len(markers) < MAX_MARKERS:
            markers.append(timeline.marker)
    elif event_id == MARKER_NAME and timeline.marker is not None:
        timeline.marker.name = text(value)
    elif event_id == AUTOMATION_LINK and len(value) >= 12:
        _, _, _, parameter, target = struct.unpack_from("<HIHHH", value)
        timeline.tempo_automated |= parameter == TEMPO_PARAMETER and target == MASTER_TARGET


def timeline_markers(timeline: Timeline, ppq: int, bpm: float | None) -> list[SessionStatsMarker] | None:
    """The shown arrangement's time markers in seconds; None when they cannot be placed or told apart."""
    if not timeline.markers or timeline.tempo_automated or not bpm or not ppq:
        return None
    shown = timeline.shown if timeline.shown in timeline.markers else min(timeline.markers)
    return in_time_order(marker(found.name, found.ticks / ppq * 60 / bpm)
                         for found in timeline.markers[shown] if found.action != TIME_SIGNATURE_ACTION)
