"""FL Studio projects (.flp): the channel rack and the mixer, read from FL's binary event stream.

An .flp file is a chunk "FLhd" (6 bytes: file format, channel count, pulses per quarter note)
followed by a chunk "FLdt" holding one flat stream of events. An event is an id byte and a
value whose size the id decides: ids 0-63 carry 1 byte, 64-127 2 bytes, 128-191 4 bytes, and
192-255 a length (7 bits per byte, low bits first, high bit = more) and that many bytes. All
numbers are little-endian; text is UTF-16 since FL 11.5 (ANSI before).

What is read, by event id:
- project: version text (199), tempo x 1000 (156), title (194), artist (207), genre (206);
- channels, in rack order: each starts with 64; type (21), enabled (0), mixer insert it is
  routed to (22), sample file (196), name (203), generator (201, FL's name for the plugin,
  "Fruity Wrapper" for VST/AU plugins; 213, the plugin's state);
- mixer inserts, in order (the first is the master): each ends with 147; name (204), flags
  (236: bit 2 effects on, bit 3 insert on), effect slots. A slot's plugin events (201, 203,
  213) come before its slot-index event (98). The mixer parameters (225) say which slots are on;
- a wrapped plugin's state: records of id, size and data; 51 a VST2 plugin's unique id (four bytes, a
  little-endian number), 54 name, 55 plugin file, 56 vendor;
- arrangements and their time markers (fl_studio_timeline says how).

Tracks: channels first, then inserts. Sampler and generator channels are instrument tracks
(the Sampler or the generator plugin as their instance), audio clip channels audio tracks,
layer channels (which only pass notes on to other channels) midi tracks; automation clips hold
no sound and are left out. Of the mixer, the master is always listed, and every other insert
with a custom name, an effect, or a channel routed to it; unused inserts are left out.

Markers: the time markers of the arrangement shown (fl_studio_timeline). Media files: the channels' sample
files (196), once per path, as FL writes them (absolute, or from one of FL's folder variables such as
%FLStudioFactoryData%).
"""
import math
import struct
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from dataclasses import dataclass, field
from functools import partial
from pathlib import PureWindowsPath

from app.extractors.errors import ExtractError
from app.extractors.fl_studio_events import WHAT, read_chunks
from app.extractors.names import clip, credits_of, file_title
from app.extractors.fl_studio_timeline import TIMELINE_EVENTS, Timeline, read_timeline_event, timeline_markers
from app.extractors.session_timeline import known, media_files
from app.extractors.vocabulary import (
    AU, AUDIO, AUX, BUILT_IN, CLAP, INSTRUMENT, MASTER, MIDI, VST2, VST3, vendor_name,
)
from app.wire import (
    MAX_PLUGINS_PER_TRACK, MAX_TRACKS, MAX_WORK_SECONDS, SessionStatsPluginInstance, SessionStatsSession,
    SessionStatsTrack,
)

MAKER = "Image-Line"

# Event ids.
CHANNEL_ENABLED, CHANNEL_TYPE, CHANNEL_INSERT = 0, 21, 22
NEW_CHANNEL, SLOT_INDEX = 64, 98
INSERT_END, TEMPO = 147, 156
TITLE, SAMPLE_PATH, VERSION, PLUGIN_INTERNAL_NAME = 194, 196, 199, 201
PLUGIN_NAME, INSERT_NAME, GENRE, ARTIST = 203, 204, 206, 207
PLUGIN_STATE, MIXER_PARAMS, INSERT_FLAGS, TIMESTAMP = 213, 225, 236, 237
# Event 237 holds two days counts (float64): the project's creation as a date from this day, and the time spent on it.
DAY_ZERO = datetime(1899, 12, 30, tzinfo=UTC)
# Creation dates before FL Studio existed (1997) or after 2199 are damage, not dates.
FIRST_DAY = (datetime(1997, 1, 1, tzinfo=UTC) - DAY_ZERO).days
LAST_DAY = (datetime(2200, 1, 1, tzinfo=UTC) - DAY_ZERO).days
MIXER_EVENTS = (INSERT_NAME, INSERT_FLAGS, SLOT_INDEX, INSERT_END)

# Channel types (event 21).
SAMPLER, GENERATOR, LAYER, AUDIO_CLIP, AUTOMATION_CLIP = 0, 2, 3, 4, 5
DEFAULT_CHANNEL_NAMES = {SAMPLER: "Sampler", LAYER: "Layer", AUDIO_CLIP: "Audio Clip"}

# Insert flags (event 236, the dword at offset 4).
EFFECTS_ON, INSERT_ON = 1 << 2, 1 << 3

WRAPPER = "fruity wrapper"
WRAPPED_FOURCC, WRAPPED_NAME, WRAPPED_PATH, WRAPPED_VENDOR = 51, 54, 55, 56
PLUGIN_FILE_FORMATS = {".dll": VST2, ".vst": VST2, ".vst3": VST3, ".component": AU, ".clap": CLAP}


@dataclass
class Plugin:
    """A generator or effect: FL's name for it, the name shown, and its saved state."""

    internal_name: str = ""
    display_name: str | None = None
    state: bytes = b""


@dataclass
class Channel:
    """One channel of the channel rack."""

    kind: int | None = None
    enabled: bool | None = None
    insert: int | None = None
    sample_path: str | None = None
    plugin: Plugin = field(default_factory=Plugin)


@dataclass
class Insert:
    """One mixer insert with its filled effect slots as (slot position, plugin)."""

    name: str | None = None
    flags: int | None = None
    slots: list[tuple[int, Plugin]] = field(default_factory=list)


@dataclass
class Project:
    """What the event stream says, gathered in one pass."""

    version: str | None = None
    unicode: bool = True
    tempo: int | None = None
    texts: dict[int, str] = field(default_factory=dict)
    channels: list[Channel] = field(default_factory=list)
    inserts: list[Insert] = field(default_factory=lambda: [Insert()])
    slot_switches: dict[tuple[int, int], bool] = field(default_factory=dict)
    timeline: Timeline = field(default_factory=Timeline)
    created_days: float | None = None
    work_days: float | None = None


def extract(data: bytes, filename: str) -> SessionStatsSession:
    """The session an FL Studio project describes: its channels and used mixer inserts."""
    header, events = read_chunks(data)
    project = gather(events)
    name = project.texts.get(TITLE) or file_title(filename)
    attributes = {"ppq": header["ppq"], "channel_count": header["channels"]}
    if project.texts.get(GENRE):
        attributes["genre"] = project.texts[GENRE]
    bpm = project.tempo / 1000 if project.tempo else None
    return SessionStatsSession(
        name=name,
        artist=project.texts.get(ARTIST) or None,
        credits=credits_of({"artist": project.texts.get(ARTIST)}),
        bpm=bpm if bpm is not None and 0 < bpm <= 10_000 else None,
        daw="FL Studio",
        daw_version=project.version,
        tracks=channel_tracks(project) + insert_tracks(project),
        attributes=attributes,
        media_files=media_files((channel.sample_path, None, None) for channel in project.channels),
        # The project's creation is when the work on it started.
        created_at=created_at(project.created_days),
        started_at=created_at(project.created_days),
        work_seconds=work_seconds(project.work_days),
        **known(markers=timeline_markers(project.timeline, header["ppq"], bpm)),
    )


def created_at(days: float | None) -> datetime | None:
    """When the project was created, from its days count; FL keeps the creator's wall-clock time without a zone, so
    it is taken as UTC. None when absent or not a date of this era."""
    if days is None or not math.isfinite(days) or not FIRST_DAY <= days < LAST_DAY:
        return None
    return DAY_ZERO + timedelta(days=days)


def work_seconds(days: float | None) -> float | None:
    """The time spent on the project, in seconds, from its days count; None when absent or impossible."""
    if days is None or not math.isfinite(days) or not 0 <= days * 86400 <= MAX_WORK_SECONDS:
        return None
    return round(days * 86400, 3)


def gather(events: Iterator[tuple[int, int | bytes]]) -> Project:
    """One pass over the events: project facts, channels, then the mixer's inserts and slots."""
    project = Project()
    in_mixer = False
    pending = Plugin()  # the plugin of the mixer slot whose index event has not come yet
    slot_position = 0
    for event_id, value in events:
        if event_id == VERSION:
            project.version = clip(value.decode("ascii", "replace").split("\0", 1)[0]) or None
            project.unicode = uses_unicode(project.version)
        elif event_id == TEMPO:
            project.tempo = value
        elif event_id == TIMESTAMP and len(value) >= 16:
            project.created_days, project.work_days = struct.unpack_from("<dd", value)
        elif event_id in (TITLE, ARTIST, GENRE):
            project.texts[event_id] = text(value, project.unicode)
        elif event_id == MIXER_PARAMS:
            project.slot_switches.update(slot_switches(value))
        elif event_id in TIMELINE_EVENTS and not in_mixer:
            read_timeline_event(project.timeline, event_id, value, partial(text, unicode=project.unicode))
        elif event_id == NEW_CHANNEL and not in_mixer:
            project.channels.append(Channel())
            check_size(project)
        elif event_id in MIXER_EVENTS or in_mixer:
            in_mixer = True
            insert = project.inserts[-1]
            if event_id == INSERT_NAME:
                insert.name = text(value, project.unicode)
            elif event_id == INSERT_FLAGS and len(value) >= 8:
                (insert.flags,) = struct.unpack_from("<I", value, 4)
            elif event_id == SLOT_INDEX:
                if pending.internal_name:
                    insert.slots.append((slot_position, pending))
                    check_size(project)
                pending, slot_position = Plugin(), slot_position + 1
            elif event_id == INSERT_END:
                project.inserts.append(Insert())
                check_size(project)
                pending, slot_position = Plugin(), 0
            else:
                read_plugin_event(pending, event_id, value, project.unicode)
        elif project.channels:
            read_channel_event(project.channels[-1], event_id, value, project.unicode)
    last = project.inserts[-1]
    if last.name is None and last.flags is None and not last.slots:
        project.inserts.pop()  # nothing follows the last insert's end
    return project


def check_size(project: Project) -> None:
    """Refuse, while reading, more channels, inserts or effects than any session holds."""
    if len(project.channels) + len(project.inserts) > MAX_TRACKS + 1 or \
            len(project.inserts[-1].slots) > MAX_PLUGINS_PER_TRACK:
        raise ExtractError(f"the {WHAT} is damaged: it lists more channels, inserts or effects than FL Studio holds")


def read_channel_event(channel: Channel, event_id: int, value: int | bytes, unicode: bool) -> None:
    """Record what one event says about the channel it belongs to."""
    if event_id == CHANNEL_TYPE:
        channel.kind = value
    elif event_id == CHANNEL_ENABLED:
        channel.enabled = bool(value)
    elif event_id == CHANNEL_INSERT:
        channel.insert = value - 256 if value > 127 else value  # signed: -1 is the "Current" insert
    elif event_id == SAMPLE_PATH:
        channel.sample_path = text(value, unicode)
    else:
        read_plugin_event(channel.plugin, event_id, value, unicode)


def read_plugin_event(plugin: Plugin, event_id: int, value: int | bytes, unicode: bool) -> None:
    """Record what one event says about a generator or effect."""
    if event_id == PLUGIN_INTERNAL_NAME:
        plugin.internal_name = text(value, unicode)
    elif event_id == PLUGIN_NAME:
        plugin.display_name = text(value, unicode)
    elif event_id == PLUGIN_STATE:
        plugin.state = value


def slot_switches(params: bytes) -> dict[tuple[int, int], bool]:
    """(insert, slot) -> on, from the mixer parameters: 12-byte records of which id 0 is "slot on"."""
    switches = {}
    whole = memoryview(params)[: len(params) - len(params) % 12]
    for _, param_id, _, target, value in struct.iter_unpack("<IBBHi", whole):
        # Insert and slot records carry 0x2000 in their target; other records use other bits.
        if param_id == 0 and target & 0xE000 == 0x2000:
            switches[(target >> 6) & 0x7F, target & 0x3F] = value != 0
    return switches


def channel_tracks(project: Project) -> list[SessionStatsTrack]:
    """One track per channel that makes sound or passes notes on (automation clips are left out)."""
    tracks = []
    for number, channel in enumerate(project.channels, start=1):
        if channel.kind == AUTOMATION_CLIP:
            continue
        plugins = None
        if channel.kind == SAMPLER:
            plugins = [built_in("Sampler")]
        elif channel.plugin.internal_name:
            plugins = [instance(channel.plugin)]
        track_type = {SAMPLER: INSTRUMENT, GENERATOR: INSTRUMENT, LAYER: MIDI, AUDIO_CLIP: AUDIO}.get(channel.kind)
        tracks.append(SessionStatsTrack(
            name=channel_name(channel, number),
            type=track_type,
            state="muted" if channel.enabled is False else None,
            plugins=plugins,
        ))
    return tracks


def channel_name(channel: Channel, number: int) -> str:
    """The name FL shows: the given name, else the sample's, the generator's, or the type's."""
    if channel.plugin.display_name:
        return channel.plugin.display_name
    if channel.sample_path:
        stem = clip(PureWindowsPath(channel.sample_path).stem)
        if stem:
            return stem
    if channel.plugin.internal_name:
        return instance(channel.plugin).name
    return DEFAULT_CHANNEL_NAMES.get(channel.kind, f"Channel {number}")


def insert_tracks(project: Project) -> list[SessionStatsTrack]:
    """The master and every insert that is named, holds an effect, or has a channel routed to it."""
    count = len(project.inserts)
    current = count - 1 if uses_current_insert(project.version) and count > 1 else None
    routed = {current if channel.insert == -1 else channel.insert for channel in project.channels
              if channel.kind != AUTOMATION_CLIP}
    tracks = []
    for index, insert in enumerate(project.inserts):
        if index and not (insert.name or insert.slots or index in routed):
            continue
        default = "Master" if index == 0 else "Current" if index == current else f"Insert {index}"
        effects_on = None if insert.flags is None else bool(insert.flags & EFFECTS_ON)
        plugins = [slot_instance(project, index, position, plugin, effects_on) for position, plugin in insert.slots]
        muted = insert.flags is not None and not insert.flags & INSERT_ON
        tracks.append(SessionStatsTrack(
            name=insert.name or default,
            type=MASTER if index == 0 else AUX,
            state="muted" if muted else None,
            plugins=plugins or None,
        ))
    return tracks


def slot_instance(project: Project, index: int, position: int, plugin: Plugin,
                  effects_on: bool | None) -> SessionStatsPluginInstance:
    """An effect in a mixer slot, labelled "Slot N" (and its display name when renamed)."""
    effect = instance(plugin)
    label = f"Slot {position + 1}"
    if plugin.display_name and plugin.display_name != effect.name:
        label = clip(f"{label}: {plugin.display_name}")
    slot_on = project.slot_switches.get((index, position))
    active = False if effects_on is False or slot_on is False else slot_on
    return effect.model_copy(update={"slot": label, "active": active})


def instance(plugin: Plugin) -> SessionStatsPluginInstance:
    """The plugin an FL plugin slot holds: a wrapped VST/AU plugin or one of FL's own."""
    if plugin.internal_name.lower() != WRAPPER:
        return built_in(plugin.internal_name)
    records = wrapper_records(plugin.state)
    plugin_file = PureWindowsPath(clip(records.get(WRAPPED_PATH, "")))
    name = clip(records.get(WRAPPED_NAME, "")) or clip(plugin_file.stem) or plugin.display_name
    plugin_format = PLUGIN_FILE_FORMATS.get(plugin_file.suffix.lower())
    # A VST2 plugin's unique id, its four characters stored as a little-endian number.
    fourcc = records.get(WRAPPED_FOURCC, "").encode("latin-1")
    uid = str(int.from_bytes(fourcc, "little", signed=True)) if plugin_format == VST2 and len(fourcc) == 4 else None
    return SessionStatsPluginInstance(
        name=name or "Fruity Wrapper",
        vendor=vendor_name(clip(records.get(WRAPPED_VENDOR, ""))),
        format=plugin_format,
        uid=uid,
    )


def built_in(name: str) -> SessionStatsPluginInstance:
    """One of FL Studio's own plugins."""
    return SessionStatsPluginInstance(name=clip(name) or "Unknown plugin", vendor=vendor_name(MAKER), format=BUILT_IN)


def wrapper_records(state: bytes) -> dict[int, str]:
    """The records of a wrapped plugin's state that are read: name, plugin file and vendor as text, the VST2 id's four
    bytes as latin-1; the rest is skipped."""
    records = {}
    position = 4  # after the state's kind
    while position + 12 <= len(state):
        record_id, size = struct.unpack_from("<IQ", state, position)
        position += 12
        if size > len(state) - position:
            break  # a damaged plugin state: keep what was read
        if record_id == WRAPPED_FOURCC:
            records[record_id] = state[position:position + size].decode("latin-1")
        elif record_id in (WRAPPED_NAME, WRAPPED_PATH, WRAPPED_VENDOR):
            records[record_id] = state[position:position + size].decode("utf-8", "replace").split("\0", 1)[0]
        position += size
    return records


def text(value: bytes, unicode: bool) -> str:
    """A text event's string: UTF-16 (FL 11.5 and later) or ANSI, up to its first NUL."""
    decoded = value.decode("utf-16-le" if unicode else "cp1252", "replace")
    return clip(decoded.split("\0", 1)[0])


def version_numbers(version: str | None) -> tuple[int, int] | None:
    """(major, minor) of a version like "20.8.4.2576", or None when it is not one."""
    parts = (version or "").split(".")
    if len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()):
        return None
    return int(parts[0]), int(parts[1])


def uses_unicode(version: str | None) -> bool:
    """Whether this version writes text as UTF-16 (FL 11.5 and later; assumed when unknown)."""
    numbers = version_numbers(version)
    return numbers is None or numbers >= (11, 5)


def uses_current_insert(version: str | None) -> bool:
    """Whether the mixer's last insert is FL's "Current" insert (FL 12 and later)."""
    numbers = version_numbers(version)
    return numbers is not None and numbers >= (12, 0)
