"""The words every extractor uses: plugin formats, track types, and vendor names.

Each DAW spells these its own way; extractors translate into the words below so that the
same plugin groups together whichever DAW a session came from.

Plugin formats: AAX Native, AAX DSP, AudioSuite (Pro Tools); VST2, VST3, AU, CLAP; JS
(REAPER's JSFX); LV2; DX (DirectX); built-in (the DAW's own devices).

Track types:
- audio, midi, instrument: tracks that hold recordings, notes, or notes played by an instrument;
- aux: a channel fed by sends or inputs (Pro Tools aux inputs, Ableton returns, FX channels);
- group: a track that sums the tracks inside it (Ableton groups, REAPER folders, Studio One buses);
- folder: a track that only organises others;
- vca, master, video: as their names say.
"""
import re
from functools import lru_cache

AAX_NATIVE = "AAX Native"
AAX_DSP = "AAX DSP"
AUDIOSUITE = "AudioSuite"
VST2 = "VST2"
VST3 = "VST3"
AU = "AU"
CLAP = "CLAP"
JS = "JS"
LV2 = "LV2"
DX = "DX"
BUILT_IN = "built-in"
PLUGIN_FORMATS = (AAX_NATIVE, AAX_DSP, AUDIOSUITE, VST2, VST3, AU, CLAP, JS, LV2, DX, BUILT_IN)

AUDIO = "audio"
MIDI = "midi"
INSTRUMENT = "instrument"
AUX = "aux"
GROUP = "group"
FOLDER = "folder"
VCA = "vca"
MASTER = "master"
VIDEO = "video"
TRACK_TYPES = (AUDIO, MIDI, INSTRUMENT, AUX, GROUP, FOLDER, VCA, MASTER, VIDEO)

# The DAWs a session entered by hand may name, as the extractors spell them, with other common ones.
DAW_NAMES = ("Pro Tools", "REAPER", "Ableton Live", "FL Studio", "Studio One", "Bitwig Studio", "Cubase", "Logic Pro",
             "Nuendo")

# How DAWs and plugin hosts spell a format, lower-cased, to our word for it.
_FORMAT_SPELLINGS = {
    "aax": AAX_NATIVE, "aax native": AAX_NATIVE, "aax dsp": AAX_DSP, "audiosuite": AUDIOSUITE,
    "vst": VST2, "vst2": VST2, "vsti": VST2, "vst2i": VST2, "vst 2": VST2, "vstplugin": VST2, "vst2plugin": VST2,
    "vst3": VST3, "vst3i": VST3, "vst 3": VST3, "vst3plugin": VST3,
    "au": AU, "aui": AU, "audio unit": AU, "audio units": AU, "audiounit": AU, "auplugin": AU,
    "clap": CLAP, "clapi": CLAP, "clapplugin": CLAP,
    "js": JS, "jsfx": JS, "lv2": LV2, "lv2i": LV2, "dx": DX, "dxi": DX, "directx": DX,
    "built-in": BUILT_IN, "builtin": BUILT_IN, "native": BUILT_IN, "internal": BUILT_IN,
}

# Known vendors whose names come in several spellings, lower-cased, to one name.
_VENDOR_ALIASES = {
    "izotope": "iZotope",
    "valhalla dsp": "Valhalla DSP", "valhalladsp": "Valhalla DSP",
    "fabfilter": "FabFilter", "fabfilter software instruments": "FabFilter",
    "waves": "Waves", "waves audio": "Waves",
    "universal audio": "Universal Audio", "uad": "Universal Audio",
    "avid": "Avid", "avid technology": "Avid", "digidesign": "Avid",
    "native instruments": "Native Instruments",
    "soundtoys": "Soundtoys",
    "xfer records": "Xfer Records", "xfer": "Xfer Records",
    "u-he": "u-he",
    "arturia": "Arturia",
    "lennardigital": "LennarDigital",
    "spectrasonics": "Spectrasonics",
    "slate digital": "Slate Digital",
    "plugin alliance": "Plugin Alliance",
    "surge synth team": "Surge Synth Team",
    "cockos": "Cockos",
    "apple": "Apple",
    "image-line": "Image-Line", "image line": "Image-Line",
    "presonus": "PreSonus",
    "ableton": "Ableton",
    "bitwig": "Bitwig",
    "steinberg": "Steinberg",
    "brain control": "Brain Control",
    "voxengo": "Voxengo",
}
# The company behind a DAW, lower-cased DAW name to vendor: the vendor of its built-in devices.
_DAW_MAKERS = {
    "pro tools": "Avid", "reaper": "Cockos", "ableton live": "Ableton", "fl studio": "Image-Line",
    "studio one": "PreSonus", "bitwig studio": "Bitwig", "cubase": "Steinberg", "nuendo": "Steinberg",
    "logic pro": "Apple",
}
# Company-form endings that say nothing about which vendor it is.
_COMPANY_SUFFIX = re.compile(
    r"[\s,]+(inc|llc|ltd|limited|gmbh|ag|corp|corporation|co|s\.?a|s\.?r\.?l|b\.?v|oy|ab|pty|plc|kg)\.?$",
    re.IGNORECASE,
)


def plugin_format(spelling: str | None) -> str | None:
    """Our word for a plugin format as a DAW spells it, or None when unknown or absent."""
    if not spelling:
        return None
    return _FORMAT_SPELLINGS.get(spelling.strip().lower())


@lru_cache(maxsize=4096)  # a session names a few vendors thousands of times
def vendor_name(spelling: str | None) -> str | None:
    """One name per vendor: company endings dropped, known spellings mapped; None when absent."""
    if spelling is None:
        return None
    name = " ".join(spelling.split())
    while (shorter := _COMPANY_SUFFIX.sub("", name)) != name:
        name = shorter
    name = name.rstrip(" ,.")
    if not name:
        return None
    return _VENDOR_ALIASES.get(name.lower(), name)


def daw_maker(daw: str | None) -> str | None:
    """The vendor of a DAW's own devices, by the DAW's name; None when unknown."""
    return _DAW_MAKERS.get((daw or "").strip().lower())


# A VST3 class id as files write it: 32 hex digits, often in braces or as a GUID with dashes.
_CLASS_ID = re.compile(r"^\{?([0-9A-Fa-f]{8})-?([0-9A-Fa-f]{4})-?([0-9A-Fa-f]{4})-?([0-9A-Fa-f]{4})-?([0-9A-Fa-f]{12})\}?$")
MAX_UID = 200


def plugin_uid(raw: str | None) -> str | None:
    """A plug-in's unique id as every extractor and inventory writes it: a VST3 class id as 32 upper-case hex digits
    (braces and dashes dropped); any other id (VST2's number, AU's type:subtype:manufacturer, CLAP's
    reverse-domain id) as it is, trimmed."""
    text = (raw or "").replace("\x00", "").strip()
    match = _CLASS_ID.match(text)
    if match:
        return "".join(match.groups()).upper()
    return text[:MAX_UID] or None


def four_characters(code) -> str | None:
    """An Audio Unit code (type, subtype or manufacturer) from the number that holds its four characters."""
    try:
        number = int(code)
    except (TypeError, ValueError):
        return None
    if not -2**31 <= number < 2**32:
        return None
    text = (number % 2**32).to_bytes(4, "big").decode("latin-1")
    return text if text.isprintable() else None


def audio_unit_uid(type_code, subtype, manufacturer) -> str | None:
    """An Audio Unit's id, type:subtype:manufacturer, from its three codes as numbers; None when one is missing."""
    codes = [four_characters(code) for code in (type_code, subtype, manufacturer)]
    return ":".join(codes) if all(codes) else None
