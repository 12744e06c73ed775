"""The devices on an Ableton Live track, racks and what they hold included, and the on/off switches around them.

See app/extractors/ableton.py for where each is read from.
"""
from pathlib import PurePath
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from app.extractors.ableton_samples import live_value
from app.extractors.names import clip
from app.extractors.vocabulary import AU, BUILT_IN, VST2, VST3, audio_unit_uid, plugin_uid, vendor_name
from app.wire import MAX_PLUGINS_PER_TRACK, SessionStatsPluginInstance

MAKER = "Ableton"

# Where a track's device chain is, and where a rack's inner chains are.
TRACK_CHAINS = ("DeviceChain/DeviceChain/Devices", "MasterChain/DeviceChain/Devices")
RACK_CHAINS = ("Branches/*/DeviceChain/*/Devices/*", "ReturnBranches/*/DeviceChain/*/Devices/*")
RACK_PARTS = frozenset(("Branches", "ReturnBranches"))

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


def devices(track: Element) -> list[SessionStatsPluginInstance]:
    """Every device on the track, racks and what they hold included, in the order Live shows them."""
    chain = first_of(track, TRACK_CHAINS)
    if chain is None:
        return []
    # A stack instead of recursion: racks nest as deep as the file says.
    stack = [(device, True) for device in reversed(chain)]
    instances = []
    # A set with more devices on one track than the wire format carries keeps the first ones.
    while stack and len(instances) < MAX_PLUGINS_PER_TRACK:
        device, racks_on = stack.pop()
        parts = children_by_tag(device)
        switched_on = on_off(parts.get("On"))
        instances.append(_instance(device, parts, _active(switched_on, racks_on)))
        if RACK_PARTS.isdisjoint(parts):
            continue
        inner = [found for path in RACK_CHAINS for found in device.findall(path)]
        inner_on = racks_on and switched_on is not False
        stack.extend((found, inner_on) for found in reversed(inner))
    return instances


def children_by_tag(element: Element | None) -> dict[str, Element]:
    """The element's children by tag, the first of each: one pass, where a find per field would walk them again."""
    return {child.tag: child for child in reversed(element)} if element is not None else {}


def values_by_tag(element: Element | None) -> dict[str, str | None]:
    """The Value of each of the element's children, by tag (the first of each)."""
    return {child.tag: child.get("Value") for child in reversed(element)} if element is not None else {}


def _active(switched_on: bool | None, racks_on: bool) -> bool | None:
    """Off when the device or any rack around it is off; a rack that is off silences its chains."""
    if not racks_on:
        return False
    return switched_on


def _instance(device: Element, parts: dict[str, Element], active: bool | None) -> SessionStatsPluginInstance:
    if device.tag == "AuPluginDevice":
        return _au_instance(children_by_tag(parts.get("PluginDesc")).get("AuPluginInfo"), active)
    if device.tag == "PluginDevice":
        return _vst_instance(children_by_tag(parts.get("PluginDesc")), parts.get("SourceContext"), active)
    if device.tag in MAX_FOR_LIVE_NAMES:
        return SessionStatsPluginInstance(name=_max_for_live_name(device), format=BUILT_IN, active=active)
    name = BUILT_IN_NAMES.get(device.tag, device.tag)
    return SessionStatsPluginInstance(name=clip(name), vendor=vendor_name(MAKER), format=BUILT_IN, active=active)


def _au_instance(info: Element | None, active: bool | None) -> SessionStatsPluginInstance:
    values = values_by_tag(info)
    if values.get("IsUnusable") == "true":
        active = False  # Live marks a plugin it could not load as unusable
    return SessionStatsPluginInstance(
        name=clip(values.get("Name")) or "Audio Unit",
        vendor=vendor_name(clip(values.get("Manufacturer"))),
        format=AU,
        active=active,
        uid=audio_unit_uid(*(values.get(code) for code in (
            "ComponentType", "ComponentSubType", "ComponentManufacturer"))),
    )


def _vst_instance(description: dict[str, Element], source_context: Element | None,
                  active: bool | None) -> SessionStatsPluginInstance:
    vst3 = description.get("Vst3PluginInfo")
    if vst3 is not None:
        return SessionStatsPluginInstance(
            name=clip(live_value(vst3, "Name")) or "VST3 plugin",
            vendor=vendor_name(_vst3_vendor(source_context)),
            format=VST3,
            active=active,
            uid=_class_id(vst3.find("Uid")),
        )
    values = values_by_tag(description.get("VstPluginInfo"))
    return SessionStatsPluginInstance(
        name=clip(values.get("PlugName")) or "VST plugin", format=VST2, active=active,
        uid=plugin_uid(values.get("UniqueId")),
    )


def _class_id(uid: Element | None) -> str | None:
    """The VST3 class id Live keeps as four 32-bit numbers (Fields.0 to Fields.3), as 32 hex digits."""
    values = values_by_tag(uid)
    try:
        fields = [int(values.get(f"Fields.{index}")) for index in range(4)]
    except (TypeError, ValueError):
        return None
    if not all(-2**31 <= field < 2**32 for field in fields):
        return None
    return "".join(f"{field % 2**32:08X}" for field in fields)


def _vst3_vendor(context: Element | None) -> str | None:
    """The vendor folder of Live's browser the plugin came from ("query:Plugins#VST3:FabFilter:Pro-L%202"), as the
    device's SourceContext keeps it."""
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


def on_off(parameter: Element | None) -> bool | None:
    """An on/off parameter: True, False, or None when the file does not say."""
    value = parameter_value(parameter)
    return {"true": True, "false": False}.get(value) if value else None


def parameter_value(parameter: Element | None) -> str | None:
    """A parameter's value: `Manual` (Live 9 and later) or its first automation event (Live 8)."""
    if parameter is None:
        return None
    manual = live_value(parameter, "Manual")
    if manual is not None:
        return manual
    first = parameter.find("ArrangerAutomation/Events/*")
    return first.get("Value") if first is not None else None


def first_of(element: Element | None, paths: tuple[str, ...]) -> Element | None:
    """The first of `paths` that `element` has, in the order given."""
    if element is None:
        return None
    for path in paths:
        found = element.find(path)
        if found is not None:
            return found
    return None
