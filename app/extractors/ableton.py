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
from pathlib import PurePath
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from app.extractors.ableton_samples import live_value, sample_files
from app.extractors.errors import ExtractError
from app.extractors.limits import WHOLE, gunzip, parse_xml_outline
from app.extractors.names import clip, file_title
from app.extractors.session_timeline import (
    LINEAR, TempoMap, TempoPoint, finite_number, in_time_order, known, marker,
)
from app.extractors.vocabulary import (
    AU, AUDIO, AUX, BUILT_IN, GROUP, MASTER, MIDI, VST2, VST3, audio_unit_uid, plugin_uid, vendor_name,
)
from app.wire import (
    MAX_PLUGINS_PER_TRACK, MAX_TRACKS, SessionStatsMarker, SessionStatsPluginInstance,
    SessionStatsSession, SessionStatsTrack,
)

WHAT = "Ableton Live set"
DAW = "Ableton Live"
MAKER = "Ableton"
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

# Where a track's device chain is, and where a rack's inner chains are.
TRACK_CHAINS = ("DeviceChain/DeviceChain/Devices", "MasterChain/DeviceChain/Devices")
RACK_CHAINS = ("Branches/*/DeviceChain/*/Devices/*", "ReturnBranches/*/DeviceChain/*/Devices/*")

# Live's device classes as the XML names them, to the names Live shows.
BUILT_IN_NAMES = {
    # racks
    "AudioEffectGroupDevice": "Audio Effect Rack", "InstrumentGroupDevice": "Instrument Rack",
    "MidiEffectGroupDevice": "MIDI Effect Rack", "DrumGroupDevice": "Drum Rack",
    # instruments
    "OriginalSimpler": "Simpler", "MultiSampler": "Sampler", "UltraAnalog": "Analog",
    "LoungeLizard": "Electric", "StringStudio": "Tension", "InstrumentImpulse": "Impulse",
    "InstrumentVector": "Wavetable", "InstrumentMeld": "Meld",
    # audio effects
    "Eq8": "EQ Eight", "FilterEQ3": "EQ Three", "ChannelEq": "Channel EQ", "Compressor2": "Compressor",
    "GlueCompressor": "Glue Compressor", "MultibandDynamics": "Multiband Dynamics",
    "AutoFilter": "Auto Filter", "AutoFilter2": "Auto Filter", "AutoPan": "Auto Pan",
    "BeatRepeat": "Beat Repeat", "CrossDelay": "Simple Delay", "FilterDelay": "Filter Delay",
    "PingPongDelay": "Ping Pong Delay", "GrainDelay": "Grain Delay", "FrequencyShifter": "Frequency Shifter",
    "Tube": "Dynamic Tube", "Vinyl": "Vinyl Distortion", "Resonator": "Resonators", "StereoGain": "Utility",
    "DrumBuss": "Drum Buss", "Hybrid": "Hybrid Reverb", "Chorus2": "Chorus-Ensemble",
    "PhaserNew": "Phaser-Flanger", "Redux2": "Redux",
    # MIDI effects
    "MidiArpeggiator": "Arpeggiator", "MidiChord": "Chord", "MidiNoteLength": "Note Length",
    "MidiPitcher": "Pitch", "MidiRandom": "Random", "MidiScale": "Scale", "MidiVelocity": "Velocity",
    "MidiCcControl": "CC Control",
}
MAX_FOR_LIVE_NAMES = {
    "MxDeviceAudioEffect": "Max Audio Effect", "MxDeviceInstrument": "Max Instrument",
    "MxDeviceMidiEffect": "Max MIDI Effect",
}
VST3_BROWSER = "query:Plugins#VST3:"

TEMPO_PATHS = ("DeviceChain/Mixer/Tempo", "MasterChain/Mixer/Tempo")

# What is built of a set's XML, below <Ableton>: the elements the functions below read, each with what is read inside
# it ("*": any name). Most of a set is device parameters and plugin state that nothing here reads, and building only
# the rest is what makes a large set fast to read. A path read below and left out here reads as absent: the tests
# read each set of the corpus from this outline and from the whole document, and compare.
FIELDS_OUTLINE = {"*": {}}  # an element's fields: its children, without what they hold
PARAMETER_OUTLINE = {"*": {}, "ArrangerAutomation": {"Events": FIELDS_OUTLINE}}  # Manual, AutomationTarget; Live 8
DEVICE_OUTLINE = {
    "On": PARAMETER_OUTLINE,
    "PluginDesc": {"VstPluginInfo": FIELDS_OUTLINE, "Vst3PluginInfo": {"*": {}, "Uid": FIELDS_OUTLINE},
                   "AuPluginInfo": FIELDS_OUTLINE},
    "SourceContext": WHOLE,
    "PatchSlot": {"Value": {"MxDPatchRef": {"FileRef": WHOLE}}},
}
RACK_OUTLINE = {"*": {"DeviceChain": {"*": {"Devices": {"*": DEVICE_OUTLINE}}}}}
DEVICE_OUTLINE |= {"Branches": RACK_OUTLINE, "ReturnBranches": RACK_OUTLINE}  # racks hold devices, to any depth
CHAIN_OUTLINE = {"Mixer": {"Speaker": PARAMETER_OUTLINE, "Tempo": PARAMETER_OUTLINE},
                 "DeviceChain": {"Devices": {"*": DEVICE_OUTLINE}}}
TRACK_OUTLINE = {"Name": FIELDS_OUTLINE, "DeviceChain": CHAIN_OUTLINE, "MasterChain": CHAIN_OUTLINE}
MASTER_OUTLINE = TRACK_OUTLINE | {"AutomationEnvelopes": {"Envelopes": {"AutomationEnvelope": {
    "EnvelopeTarget": FIELDS_OUTLINE, "Automation": {"Events": FIELDS_OUTLINE}}}}}
OUTLINE = {"LiveSet": {
    "*": {},  # every part of the set, so that the preview track's samples stay in it
    "Tracks": {"*": TRACK_OUTLINE}, "MasterTrack": MASTER_OUTLINE, "MainTrack": MASTER_OUTLINE,
    "Locators": {"Locators": {"Locator": FIELDS_OUTLINE}},
}}
# Samples are wherever a clip or a device plays one: each is kept whole, wherever it is.
ANYWHERE = frozenset({"SampleRef"})


def extract(data: bytes, filename: str) -> SessionStatsSession:
    """The session in an Ableton Live set's bytes."""
    # Live writes gzip; a set kept as plain XML (through a version-control filter) opens in Live all the same.
    if data.startswith(b"\x1f\x8b"):
        document = gunzip(data, WHAT)
    elif data.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
        document = data
    else:
        raise ExtractError(f"not an {WHAT}: it is neither gzip-compressed nor XML")
    return read_set(parse_xml_outline(document, WHAT, OUTLINE, ANYWHERE), filename)


def read_set(root: Element, filename: str) -> SessionStatsSession:
    if root.tag != "Ableton":
        raise ExtractError(f"not an {WHAT}: the XML document is <{clip(root.tag)}>, not <Ableton>")
    live_set = root.find("LiveSet")
    if live_set is None:
        raise ExtractError(f"not an {WHAT}: it holds no LiveSet (a rack, clip or preset file?)")
    master = _first(live_set, MASTER_TAGS)
    bpm = _tempo(master)
    return SessionStatsSession(
        name=file_title(filename),
        tracks=_tracks(live_set, master),
        bpm=bpm,
        daw=DAW,
        daw_version=_version(root.get("Creator")),
        **known(markers=_markers(live_set, master, bpm), media_files=sample_files(live_set)),
    )


def _version(creator: str | None) -> str | None:
    """The Live version from the Creator ("Ableton Live 12.0b16" -> "12.0b16")."""
    if not creator:
        return None
    return clip(creator.removeprefix(CREATOR_PREFIX).strip()) or None


def _tracks(live_set: Element, master: Element | None) -> list[SessionStatsTrack]:
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
        tracks.append(_track(element, number))
    return tracks


def _letters(count: int) -> str:
    """Live's letter for the count-th return track: A, B, ... Z, then AA, AB, ..."""
    letters = ""
    while count:
        count, rest = divmod(count - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _track(element: Element, number: str | None) -> SessionStatsTrack:
    speaker = _switch(_first(element, ("DeviceChain/Mixer/Speaker", "MasterChain/Mixer/Speaker")))
    return SessionStatsTrack(
        name=_track_name(element, number),
        type=TRACK_TYPES.get(element.tag),
        state="muted" if speaker is False else None,
        plugins=_devices(element),
    )


def _track_name(element: Element, number: str | None) -> str:
    for field in ("Name/EffectiveName", "Name/UserName"):
        name = clip(live_value(element, field))
        if name:
            return name
    kind = DEFAULT_TRACK_NAMES.get(element.tag, "Track")
    return f"{number}-{kind}" if number else kind


def _devices(track: Element) -> list[SessionStatsPluginInstance]:
    """Every device on the track, racks and what they hold included, in the order Live shows them."""
    chain = _first(track, TRACK_CHAINS)
    if chain is None:
        return []
    # A stack instead of recursion: racks nest as deep as the file says.
    stack = [(device, True) for device in reversed(chain)]
    instances = []
    # A set with more devices on one track than the wire format carries keeps the first ones.
    while stack and len(instances) < MAX_PLUGINS_PER_TRACK:
        device, racks_on = stack.pop()
        switched_on = _switch(device.find("On"))
        instances.append(_instance(device, _active(switched_on, racks_on)))
        inner = [found for path in RACK_CHAINS for found in device.findall(path)]
        inner_on = racks_on and switched_on is not False
        stack.extend((found, inner_on) for found in reversed(inner))
    return instances


def _active(switched_on: bool | None, racks_on: bool) -> bool | None:
    """Off when the device or any rack around it is off; a rack that is off silences its chains."""
    if not racks_on:
        return False
    return switched_on


def _instance(device: Element, active: bool | None) -> SessionStatsPluginInstance:
    if device.tag == "AuPluginDevice":
        return _au_instance(device, active)
    if device.tag == "PluginDevice":
        return _vst_instance(device, active)
    if device.tag in MAX_FOR_LIVE_NAMES:
        return SessionStatsPluginInstance(name=_max_for_live_name(device), format=BUILT_IN, active=active)
    name = BUILT_IN_NAMES.get(device.tag, device.tag)
    return SessionStatsPluginInstance(name=clip(name), vendor=vendor_name(MAKER), format=BUILT_IN, active=active)


def _au_instance(device: Element, active: bool | None) -> SessionStatsPluginInstance:
    info = device.find("PluginDesc/AuPluginInfo")
    if info is not None and live_value(info, "IsUnusable") == "true":
        active = False  # Live marks a plugin it could not load as unusable
    return SessionStatsPluginInstance(
        name=clip(live_value(info, "Name")) or "Audio Unit",
        vendor=vendor_name(clip(live_value(info, "Manufacturer"))),
        format=AU,
        active=active,
        uid=audio_unit_uid(*(live_value(info, code) for code in (
            "ComponentType", "ComponentSubType", "ComponentManufacturer"))),
    )


def _vst_instance(device: Element, active: bool | None) -> SessionStatsPluginInstance:
    vst3 = device.find("PluginDesc/Vst3PluginInfo")
    if vst3 is not None:
        return SessionStatsPluginInstance(
            name=clip(live_value(vst3, "Name")) or "VST3 plugin",
            vendor=vendor_name(_vst3_vendor(device)),
            format=VST3,
            active=active,
            uid=_class_id(vst3.find("Uid")),
        )
    vst2 = device.find("PluginDesc/VstPluginInfo")
    return SessionStatsPluginInstance(
        name=clip(live_value(vst2, "PlugName")) or "VST plugin", format=VST2, active=active,
        uid=plugin_uid(live_value(vst2, "UniqueId")),
    )


def _class_id(uid: Element | None) -> str | None:
    """The VST3 class id Live keeps as four 32-bit numbers (Fields.0 to Fields.3), as 32 hex digits."""
    try:
        fields = [int(live_value(uid, f"Fields.{index}")) for index in range(4)]
    except (TypeError, ValueError):
        return None
    if not all(-2**31 <= field < 2**32 for field in fields):
        return None
    return "".join(f"{field % 2**32:08X}" for field in fields)


def _vst3_vendor(device: Element) -> str | None:
    """The vendor folder of Live's browser the plugin came from ("query:Plugins#VST3:FabFilter:Pro-L%202")."""
    context = device.find("SourceContext")
    if context is None:
        return None
    for path in context.iter("BrowserContentPath"):
        value = path.get("Value") or ""
        if value.startswith(VST3_BROWSER):
            folders = value.removeprefix(VST3_BROWSER).split(":")
            if len(folders) == 2:
                return clip(unquote(folders[0]))
    return None


def _max_for_live_name(device: Element) -> str:
    """The Max for Live device's file name without .amxd, or what kind of Max device it is."""
    file_ref = device.find("PatchSlot/Value/MxDPatchRef/FileRef")
    for field in ("Path", "RelativePath", "Name"):
        path = live_value(file_ref, field)
        if path:
            name = clip(PurePath(path.replace("\\", "/")).stem)
            if name:
                return name
    return MAX_FOR_LIVE_NAMES[device.tag]


def _tempo(master: Element | None) -> float | None:
    """The master's tempo in BPM; None when absent or not a tempo."""
    bpm = finite_number(_parameter(_first(master, TEMPO_PATHS)))
    return bpm if bpm is not None and 0 < bpm <= 10_000 else None


def _markers(live_set: Element, master: Element | None, bpm: float | None) -> list[SessionStatsMarker] | None:
    """The locators in time order and in seconds; None when there are some but no tempo to place them."""
    locators = live_set.findall("Locators/Locators/Locator")
    if not locators:
        return []
    if bpm is None:
        return None
    tempo_map = TempoMap(bpm, _tempo_points(master, _first(master, TEMPO_PATHS)))
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


def _switch(parameter: Element | None) -> bool | None:
    """An on/off parameter: True, False, or None when the file does not say."""
    value = _parameter(parameter)
    return {"true": True, "false": False}.get(value) if value else None


def _parameter(parameter: Element | None) -> str | None:
    """A parameter's value: `Manual` (Live 9 and later) or its first automation event (Live 8)."""
    if parameter is None:
        return None
    manual = live_value(parameter, "Manual")
    if manual is not None:
        return manual
    first = parameter.find("ArrangerAutomation/Events/*")
    return first.get("Value") if first is not None else None


def _first(element: Element | None, paths: tuple[str, ...]) -> Element | None:
    """The first of `paths` that `element` has, in the order given."""
    if element is None:
        return None
    for path in paths:
        found = element.find(path)
        if found is not None:
            return found
    return None
