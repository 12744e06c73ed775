"""Ableton Live sets (.als, Live 8 to 12): gzip-compressed XML, or the same XML kept uncompressed.

What is read, and from where:
- The root `<Ableton Creator="Ableton Live 11.0.12" ...>`: the Live version that saved the set.
- `LiveSet/Tracks`: the tracks in the order Live shows them, returns last (AudioTrack, MidiTrack,
  GroupTrack, ReturnTrack); then `LiveSet/MasterTrack` (named MainTrack since Live 12). The
  PreHearTrack (the browser's preview channel) is not a track of the set.
- A track's name: `Name/EffectiveName` as Live shows it ("3-Audio", "A-Reverb"); Live 8 only
  stores `Name/UserName`, empty for tracks the user never renamed; those are named by number
  and kind ("3-Audio", "A-Return", "Master"), as Live does for tracks without a device or clip.
- A track is muted when its activator `DeviceChain/Mixer/Speaker` is off.
- Devices: `DeviceChain/DeviceChain/Devices` (`MasterChain/...` on Live 8's master). Racks
  (Instrument, Audio Effect, MIDI Effect and Drum Racks) hold further chains in
  `Branches/*/DeviceChain/*/Devices` and, for Drum Racks, `ReturnBranches/...`; they nest to
  any depth. Every device is one instance, the racks included, in the order Live shows them.
  * PluginDevice with `PluginDesc/VstPluginInfo` (VST2: PlugName) or `Vst3PluginInfo` (VST3:
    Name; the vendor is the folder of Live's plug-in browser, "query:Plugins#VST3:Vendor:Name",
    when the plugin was added from there). VST2 browser folders are the user's own: no vendor.
  * AuPluginDevice with `PluginDesc/AuPluginInfo` (Name, Manufacturer); IsUnusable = not loaded.
  * Live's own devices (Eq8, Compressor2, OriginalSimpler, ...): built-in, by the names Live shows.
  * Max for Live devices (MxDevice...): built-in, named by their .amxd file; the maker is not stored.
  The VST2 `Version` is a number each vendor encodes its own way (mostly 1), so no version is read.
- A device is active when its `On` switch and the switches of every rack around it are on.
- Tempo: the master's `Mixer/Tempo`. Live 9 and later store a parameter's value in
  `Manual@Value`; Live 8 only as the first event of its `ArrangerAutomation`.
- Markers: the arrangement's locators, `Locators/Locators/Locator` (`Name`, `Time` in beats, `Annotation`
  as the comment), the same in Live 8 to 12; in seconds through the master's tempo automation when it has
  one: `Tempo/ArrangerAutomation/Events` in Live 8 and 9, the master's `AutomationEnvelopes` entry whose
  `PointeeId` is the tempo's `AutomationTarget` in Live 10 and later. Live draws straight lines between
  breakpoints (two at one beat make a jump), so the tempo changes linearly with the beat between events;
  an event before the song (Time -63072000) sets the tempo at its start. Live 11's curved segments are read
  as straight, and Live plays a ramp in small steps, so after a ramp a marker may sit some milliseconds
  from where Live plays it. A set whose tempo automation is switched off (overridden) is still read with it.
- Media files: every `SampleRef/FileRef` outside the preview track (clips, Simpler, Sampler, Drum Rack
  pads, impulse responses), once per path: `Path` (Live 11 and later); before that the absolute path in
  `Data` (Type 1: UTF-16 Windows path; Type 2: a Mac OS alias record, whose POSIX path is read), else the
  `RelativePath` folders and `Name` when relative to the project folder (RelativePathType 1 or 3, Live's
  project folder being the set's). Live does not store whether a sample is missing.
Live sets do not store the sample rate.
"""
import io
from functools import partial
from xml.etree.ElementTree import Element

from app.extractors.ableton_devices import devices, first_of, on_off, parameter_value
from app.extractors.ableton_samples import live_value, sample_files, sample_paths
from app.extractors.errors import ExtractError
from app.extractors.limits import GZIP_MAGIC, open_gzip, parse_xml_streamed
from app.extractors.names import clip, file_title
from app.extractors.session_timeline import (
    LINEAR, TempoMap, TempoPoint, finite_number, in_time_order, known, marker,
)
from app.extractors.vocabulary import AUDIO, AUX, GROUP, MASTER, MIDI
from app.wire import MAX_TRACKS, SessionStatsMarker, SessionStatsPluginInstance, SessionStatsSession, SessionStatsTrack

WHAT = "Ableton Live set"
DAW = "Ableton Live"
CREATOR_PREFIX = "Ableton Live "

# A MIDI track is "midi" even when it plays an instrument: telling which device is an instrument
# would take a table of every instrument, Live's and the plugins', and the type would still say
# little more than the devices listed on the track already do.
TRACK_TYPES = {
    "AudioTrack": AUDIO,
    "MidiTrack": MIDI,
    "GroupTrack": GROUP,
    "ReturnTrack": AUX,
    "MasterTrack": MASTER,
    "MainTrack": MASTER,
}
# What Live calls a track the user never named (numbered; returns lettered).
DEFAULT_TRACK_NAMES = {
    "AudioTrack": "Audio", "MidiTrack": "MIDI", "GroupTrack": "Group", "ReturnTrack": "Return",
    "MasterTrack": "Master", "MainTrack": "Main",
}
MASTER_TAGS = ("MasterTrack", "MainTrack")

TEMPO_PATHS = ("DeviceChain/Mixer/Tempo", "MasterChain/Mixer/Tempo")

# Where a set's tracks are (their order numbers the unnamed ones). Each is read as soon as it ends and emptied but for
# its name and mixer: a large set is mostly its tracks' devices and clips, and is never held whole.
SET_TRACK_PATH = ("Tracks", "LiveSet", "Ableton")
SET_TRACK_TAGS = tuple(tag for tag in TRACK_TYPES if tag not in MASTER_TAGS)
KEPT_OF_A_READ_TRACK = {"Name": None, "DeviceChain": "Mixer", "MasterChain": "Mixer"}  # None: all of it


def extract(data: bytes, filename: str) -> SessionStatsSession:
    """The session in an Ableton Live set's bytes."""
    # Live writes gzip; a set kept as plain XML (through a version-control filter) opens in Live all the same.
    if data.startswith(GZIP_MAGIC):
        open_document = partial(open_gzip, data, WHAT)
    elif data.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
        open_document = partial(io.BytesIO, data)
    else:
        raise ExtractError(f"not an {WHAT}: it is neither gzip-compressed nor XML")
    devices_read, samples_read = {}, {}

    def read_track(track: Element) -> None:
        if tuple(element.tag for element in track.iterancestors()) != SET_TRACK_PATH:
            return
        if len(devices_read) == MAX_TRACKS:
            raise ExtractError(f"the {WHAT} has more than {MAX_TRACKS:,} tracks; refused")
        devices_read[track], samples_read[track] = devices(track), sample_paths(track)
        for part in list(track):
            if part.tag not in KEPT_OF_A_READ_TRACK:
                track.remove(part)
            elif (kept := KEPT_OF_A_READ_TRACK[part.tag]) is not None:
                for inner in list(part):
                    if inner.tag != kept:
                        part.remove(inner)

    root = parse_xml_streamed(open_document, WHAT, SET_TRACK_TAGS, read_track)
    return read_set(root, filename, devices_read, samples_read)


def read_set(root: Element, filename: str, devices_read: dict[Element, list[SessionStatsPluginInstance]] | None = None,
             samples_read: dict[Element, list[str | None]] | None = None) -> SessionStatsSession:
    """The session in a set's XML, with the devices and samples of the tracks read as they ended."""
    if root.tag != "Ableton":
        raise ExtractError(f"not an {WHAT}: the XML document is <{clip(root.tag)}>, not <Ableton>")
    live_set = root.find("LiveSet")
    if live_set is None:
        raise ExtractError(f"not an {WHAT}: it holds no LiveSet (a rack, clip or preset file?)")
    master = first_of(live_set, MASTER_TAGS)
    bpm = _tempo(master)
    return SessionStatsSession(
        name=file_title(filename),
        tracks=_tracks(live_set, master, devices_read or {}),
        bpm=bpm,
        daw=DAW,
        daw_version=_version(root.get("Creator")),
        **known(markers=_markers(live_set, master, bpm), media_files=sample_files(live_set, samples_read or {})),
    )


def _version(creator: str | None) -> str | None:
    """The Live version from the Creator ("Ableton Live 12.0b16" -> "12.0b16")."""
    if not creator:
        return None
    return clip(creator.removeprefix(CREATOR_PREFIX).strip()) or None


def _tracks(live_set: Element, master: Element | None,
            devices_read: dict[Element, list[SessionStatsPluginInstance]]) -> list[SessionStatsTrack]:
    tracks_element = live_set.find("Tracks")
    elements = list(tracks_element) if tracks_element is not None else []
    if master is not None:
        elements.append(master)
    if len(elements) > MAX_TRACKS:
        raise ExtractError(f"the {WHAT} has {len(elements):,} tracks, more than {MAX_TRACKS:,}; refused")
    tracks = []
    numbered = returns = 0
    for element in elements:
        if element.tag == "ReturnTrack":
            returns += 1
            number = _letters(returns)
        elif element.tag not in MASTER_TAGS:
            numbered += 1
            number = str(numbered)
        else:
            number = None
        plugins = devices_read[element] if element in devices_read else devices(element)
        tracks.append(_track(element, number, plugins))
    return tracks


def _letters(count: int) -> str:
    """Live's letter for the count-th return track: A, B, ... Z, then AA, AB, ..."""
    letters = ""
    while count:
        count, rest = divmod(count - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _track(element: Element, number: str | None, plugins: list[SessionStatsPluginInstance]) -> SessionStatsTrack:
    speaker = on_off(first_of(element, ("DeviceChain/Mixer/Speaker", "MasterChain/Mixer/Speaker")))
    return SessionStatsTrack(
        name=_track_name(element, number),
        type=TRACK_TYPES.get(element.tag),
        state="muted" if speaker is False else None,
        plugins=plugins,
    )


def _track_name(element: Element, number: str | None) -> str:
    for field in ("Name/EffectiveName", "Name/UserName"):
        name = clip(live_value(element, field))
        if name:
            return name
    kind = DEFAULT_TRACK_NAMES.get(element.tag, "Track")
    return f"{number}-{kind}" if number else kind


def _tempo(master: Element | None) -> float | None:
    """The master's tempo in BPM; None when absent or not a tempo."""
    bpm = finite_number(parameter_value(first_of(master, TEMPO_PATHS)))
    return bpm if bpm is not None and 0 < bpm <= 10_000 else None


def _markers(live_set: Element, master: Element | None, bpm: float | None) -> list[SessionStatsMarker] | None:
    """The locators in time order and in seconds; None when there are some but no tempo to place them."""
    locators = live_set.findall("Locators/Locators/Locator")
    if not locators:
        return []
    if bpm is None:
        return None
    tempo_map = TempoMap(bpm, _tempo_points(master, first_of(master, TEMPO_PATHS)))
    return in_time_order(
        marker(live_value(locator, "Name"), _seconds(tempo_map, live_value(locator, "Time")),
               comment=live_value(locator, "Annotation"))
        for locator in locators)


def _seconds(tempo_map: TempoMap, beat: str | None) -> float | None:
    number = finite_number(beat)
    return tempo_map.seconds(number) if number is not None else None


def _tempo_points(master: Element, tempo: Element) -> list[TempoPoint]:
    """The master tempo's automation events, each ramping linearly to the next."""
    events = tempo.findall("ArrangerAutomation/Events/FloatEvent")  # Live 8 and 9
    target = tempo.find("AutomationTarget")
    if not events and target is not None and target.get("Id"):
        for envelope in master.findall("AutomationEnvelopes/Envelopes/AutomationEnvelope"):
            if live_value(envelope, "EnvelopeTarget/PointeeId") == target.get("Id"):
                events = envelope.findall("Automation/Events/FloatEvent")
                break
    points = ((finite_number(event.get("Time")), finite_number(event.get("Value"))) for event in events)
    # The event before the song (-63072000) is the tempo where the song starts, ramping from there to the next.
    return [TempoPoint(max(beat, 0.0), bpm, LINEAR) for beat, bpm in points if beat is not None and bpm is not None]
