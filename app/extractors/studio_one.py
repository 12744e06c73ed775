"""Studio One songs (.song): a zip archive of XML documents.

What is read, and from where:
- metainfo.xml: `<Attribute id="..." value="..."/>` pairs: the title, artist, the program that
  wrote the song ("Document:Generator" = "Studio One/7.2.3.108761"), tempo, sample rate, bit
  depth, key, time signature and the song's length in seconds.
- Devices/audiomixer.xml: the mixer. `<ChannelGroup>`s hold the channels by kind
  (AudioTrackChannel, AudioSynthChannel, AudioGroupChannel, AudioEffectChannel,
  AudioOutputChannel, ...), each named by its `label`. A channel's insert chain is
  `<Attributes x:id="Inserts">` (and `PostFaderInserts` on outputs): one `<Attributes name="FX01">`
  per slot, whose `<Attributes x:id="classInfo" name="..." subCategory="VST3/...">` names the
  plugin and its format; Studio One's own effects say "(Native)/...".
- Devices/audiosynthfolder.xml: the instruments, each with the mixer channels it plays into.
- Devices/mixerconsole.xml: the console's order of the channels and which are hidden.
- Song/song.xml: present in every song; its tempo map and sample rate back up metainfo.xml. Its
  `<MarkerTrack>` holds the markers: `<MarkerEvent name= start= timeFormat=>`, `start` left out at 0, in
  beats (quarter notes) when timeFormat is 2 and in seconds when it is 0 (the event's, else the track's;
  beats when neither says). The Start and End markers every song has (markerType 2 and 3) are the song's
  bounds rather than markers someone placed, and are left out. Beats become seconds through the
  `<TempoMapSegment start= tempo=>`s (start in beats, tempo in seconds per beat); a segment's tempo holds
  until the next one (ramps, curveType other than 0, are read as holding their tempo).
- Song/mediapool.xml: the media pool. Each clip's `<Url x:id="path" url="file:///...">` is a media file
  (audio, and video where the pool has it), once per path; URLs inside the song ("media://") are not files
  beside it. Studio One writes the path in the URL as it is (spaces and all), so it is not percent-decoded.

Studio One writes the prefix `x:` (as in `x:id`) without declaring it, which XML does not allow;
a declaration is added to the root element before parsing.
"""
import math
import re
from xml.etree.ElementTree import Element

from app.extractors.errors import ExtractError
from app.extractors.limits import open_zip, parse_xml, read_member
from app.extractors.names import clip, credits_of, file_title
from app.extractors.session_timeline import (
    TempoMap, TempoPoint, finite_number, in_time_order, known, marker, media_files, sensible_bpm,
)
from app.extractors.vocabulary import (
    AUDIO, AUX, BUILT_IN, GROUP, INSTRUMENT, MASTER, VCA, VST2, plugin_format, plugin_uid, vendor_name,
)
from app.wire import (
    SessionStatsMarker, SessionStatsMediaFile, SessionStatsPluginInstance, SessionStatsSession, SessionStatsTrack,
)

WHAT = "Studio One song"
SONG = "Song/song.xml"
MIXER = "Devices/audiomixer.xml"
METAINFO = "metainfo.xml"
INSTRUMENTS = "Devices/audiosynthfolder.xml"
CONSOLE = "Devices/mixerconsole.xml"
MEDIA_POOL = "Song/mediapool.xml"

# The mixer channels that are tracks of the song; inputs and the listen bus are not.
CHANNEL_TYPES = {
    "AudioTrackChannel": AUDIO,
    "AudioSynthChannel": INSTRUMENT,
    "AudioGroupChannel": GROUP,  # Studio One's buses
    "AudioEffectChannel": AUX,  # FX channels
    "AudioAuxChannel": AUX,
    "AudioVCAChannel": VCA,
    "AudioOutputChannel": MASTER,
}
OUTPUT_CHANNEL = "AudioOutputChannel"
NATIVE = "(Native)"
# The class id a VST2 plugin gets in VST3 hosts begins with "VST" (hex 565354), then its four-character id.
VST2_CLASS_PREFIX = "565354"
MAKER = "PreSonus"

# Marker positions (timeFormat): 0 seconds, 2 beats; markerType 2 and 3 are the song's Start and End.
SECONDS_FORMAT, BEATS_FORMAT = "0", "2"
SONG_BOUNDS = ("2", "3")
FILE_URL = "file://"
WINDOWS_DRIVE = re.compile(r"/[A-Za-z]:/")

_ROOT_TAG = re.compile(rb"<[A-Za-z_][\w.:-]*")
_X_DECLARATION = b' xmlns:x="urn:studio-one:x"'


def extract(data: bytes, filename: str) -> SessionStatsSession:
    """The session in a Studio One song's bytes."""
    archive = open_zip(data, WHAT)
    names = set(archive.namelist())
    for required in (SONG, MIXER):
        if required not in names:
            raise ExtractError(f"not a {WHAT}: the zip archive has no {required}")
    song = _parse(archive, SONG)
    mixer = _parse(archive, MIXER)
    meta = _metainfo(_parse(archive, METAINFO)) if METAINFO in names else {}
    instruments = _instruments(_parse(archive, INSTRUMENTS)) if INSTRUMENTS in names else {}
    console = _console(_parse(archive, CONSOLE)) if CONSOLE in names else {}
    tracks = [_track(channel, track_type, instruments, console)
              for channel, track_type in _channels(mixer, console)]
    media = _media_files(_parse(archive, MEDIA_POOL)) if MEDIA_POOL in names else None
    return _session(meta, song, tracks, filename, **known(markers=_markers(song), media_files=media))


def _parse(archive, name: str) -> Element:
    """One XML member of the song, with the undeclared `x:` prefix declared."""
    data = read_member(archive, name, WHAT)
    if b"xmlns:x=" not in data:
        root_tag = _ROOT_TAG.search(data)
        if root_tag:
            data = data[:root_tag.end()] + _X_DECLARATION + data[root_tag.end():]
    return parse_xml(data, f"{name} in the {WHAT}")


def _xid(element: Element) -> str | None:
    """The `x:id` of an element, whatever namespace the prefix was bound to."""
    for key, value in element.attrib.items():
        if key.endswith("}id"):
            return value
    return None


def _child(element: Element, xid: str) -> Element | None:
    """The direct child with this `x:id`."""
    return next((child for child in element if _xid(child) == xid), None)


def _uid(element: Element, xid: str = "uniqueID") -> str | None:
    """The id in a `<UID x:id=...>` child, in one spelling (upper case, no braces or dashes)."""
    uid = _child(element, xid)
    if uid is None or not uid.get("uid"):
        return None
    return _same_uid(uid.get("uid"))


def _same_uid(uid: str) -> str:
    return uid.strip("{}").replace("-", "").upper()


def _metainfo(root: Element) -> dict[str, str]:
    """metainfo.xml as a dict from attribute id to value."""
    return {item.get("id"): item.get("value", "") for item in root.iter("Attribute") if item.get("id")}


def _console(root: Element) -> dict[str, tuple[float, bool]]:
    """The console's (order, visible) per channel uid."""
    settings = {}
    for section in root.iter("Section"):
        shown = section.find("Attributes")
        if section.get("path") and shown is not None:
            order = finite_number(shown.get("order"))
            settings[_same_uid(section.get("path"))] = (
                math.inf if order is None else order, shown.get("visible") != "0")
    return settings


def _instruments(root: Element) -> dict[str, SessionStatsPluginInstance]:
    """The instrument plugin per mixer channel uid it plays into (the first, for multi-output ones)."""
    found = {}
    for slot in root:
        plugin = _plugin(slot)
        channels = _child(slot, "synthChannels")
        if plugin is None or channels is None:
            continue
        first = next((_same_uid(uid.get("uid")) for uid in channels.iter("UID") if uid.get("uid")), None)
        if first:
            found.setdefault(first, plugin)
    return found


def _channels(mixer: Element, console: dict) -> list[tuple[Element, str | None]]:
    """The channels that are tracks with their types, in the console's order."""
    channels, outputs = [], []
    for group in mixer.iter("ChannelGroup"):
        for channel in group:
            track_type = CHANNEL_TYPES.get(channel.tag)
            if track_type is None:
                continue
            if channel.tag == OUTPUT_CHANNEL:
                # The first output is the main bus; any further ones are plain outputs.
                outputs.append((channel, track_type if not outputs else None))
            else:
                channels.append((channel, track_type))
    # Outputs come last when the console does not say where; sorted() keeps that order on ties.
    ordered = channels + outputs
    return sorted(ordered, key=lambda item: console.get(_uid(item[0]), (math.inf, True))[0])


def _track(channel: Element, track_type: str | None, instruments: dict, console: dict) -> SessionStatsTrack:
    """One mixer channel as a track: its instrument, then its inserts in chain order."""
    uid = _uid(channel)
    plugins = [instruments[uid]] if uid in instruments else []
    for chain in ("Inserts", "PostFaderInserts"):
        slots = _child(channel, chain)
        if slots is not None:
            plugins.extend(plugin for plugin in map(_plugin, slots) if plugin is not None)
    states = []
    if channel.get("mute") == "1":
        states.append("muted")
    if uid in console and not console[uid][1]:
        states.append("hidden")
    return SessionStatsTrack(
        name=channel.get("label") or channel.get("name") or "(unnamed channel)",
        type=track_type,
        format=_speaker_format(channel),
        state=", ".join(states) or None,
        plugins=plugins,
    )


def _speaker_format(channel: Element) -> str | None:
    """The channel's width as Studio One names it, in lower case ("mono", "stereo")."""
    speakers = _child(channel, "speakerType")
    return (speakers.get("type") or "").lower() or None if speakers is not None else None


def _plugin(slot: Element) -> SessionStatsPluginInstance | None:
    """The plugin in one insert or instrument slot, or None for an empty slot or a chain setting."""
    if slot.tag != "Attributes" or _xid(slot) is not None:
        return None
    ghost = _child(slot, "ghostData")
    class_info = _child(ghost, "classInfo") if ghost is not None else None
    device = _child(slot, "deviceData")
    # The class name is the plugin's; the device name may be an instance name such as "Pro EQ (2)".
    name = (class_info.get("name") if class_info is not None else None) or (
        device.get("name") if device is not None else None)
    if not name:
        return None
    kind = (class_info.get("subCategory", "") if class_info is not None else "").split("/")[0]
    preset = _child(slot, "Presets")
    return SessionStatsPluginInstance(
        name=name,
        vendor=vendor_name(MAKER) if kind == NATIVE else None,
        format=BUILT_IN if kind == NATIVE else plugin_format(kind),
        preset=(preset.get("pname") or None) if preset is not None else None,
        uid=None if kind == NATIVE or class_info is None else _plugin_uid(plugin_format(kind), class_info.get("classID")),
    )


def _plugin_uid(plugin_format: str | None, class_id: str | None) -> str | None:
    """The plugin's id from its class id: a VST3 class id as it is; for a VST2 plugin, whose class id is "VST" and its
    four-character id then its name, that id as VST2's number."""
    uid = plugin_uid(class_id)
    if plugin_format == VST2 and uid and len(uid) == 32 and uid.startswith(VST2_CLASS_PREFIX):
        number = int(uid[6:14], 16)
        return str(number - 2**32 if number >= 2**31 else number)
    return uid


def _session(meta: dict[str, str], song: Element, tracks: list, filename: str, **timeline) -> SessionStatsSession:
    """The session from metainfo.xml (song.xml's tempo and sample rate as fallback), with `timeline`'s fields."""
    program, _, version = meta.get("Document:Generator", "").partition("/")
    time_context = next((item for item in song.iter("Attributes") if _xid(item) == "timeContext"), None)
    tempo_segment = song.find(".//TempoMapSegment")
    seconds_per_beat = finite_number(tempo_segment.get("tempo")) if tempo_segment is not None else None
    bpm = finite_number(meta.get("Media:Tempo")) or (60 / seconds_per_beat if seconds_per_beat else None)
    sample_rate = finite_number(meta.get("Media:SampleRate")) or (
        finite_number(time_context.get("sampleRate")) if time_context is not None else None)
    bit_depth = finite_number(meta.get("Media:BitDepth"))
    length = finite_number(meta.get("Media:Length"))
    key = clip(meta.get("Media:KeySignature", ""))
    return SessionStatsSession(
        name=clip(meta.get("Document:Title")) or file_title(filename),
        artist=clip(meta.get("Media:Artist")) or None,
        credits=credits_of({"artist": meta.get("Media:Artist"), "writer": meta.get("Media:Composer")}),
        daw=clip(program) or "Studio One",
        daw_version=clip(version) or None,
        bpm=bpm if bpm and 0 < bpm <= 10_000 else None,
        # Below 1 a rate or a depth would be 0 as a whole number, which no session has.
        sample_rate=int(sample_rate) if sample_rate and 1 <= sample_rate <= 10_000_000 else None,
        bit_depth=int(bit_depth) if bit_depth and 1 <= bit_depth <= 256 else None,
        key=key if key and key != "-" else None,
        duration_seconds=length if length is not None and length >= 0 else None,
        tracks=tracks,
        attributes=_attributes(meta) or None,
        **timeline,
    )


def _markers(song: Element) -> list[SessionStatsMarker]:
    """The marker track's markers in time order and in seconds, without the song's Start and End."""
    tempo_map = _tempo_map(song)
    found = []
    for track in song.iter("MarkerTrack"):
        for event in track.iter("MarkerEvent"):
            if event.get("markerType") in SONG_BOUNDS:
                continue
            position = finite_number(event.get("start", "0"))
            time_format = event.get("timeFormat") or track.get("timeFormat") or BEATS_FORMAT
            if position is None or time_format not in (SECONDS_FORMAT, BEATS_FORMAT):
                seconds = None
            elif time_format == SECONDS_FORMAT:
                seconds = position
            else:
                seconds = tempo_map.seconds(position) if tempo_map else None
            found.append(marker(event.get("name"), seconds))
    return in_time_order(found)


def _tempo_map(song: Element) -> TempoMap | None:
    """Beats to seconds through the song's tempo segments; None when it has none."""
    points = []
    for segment in song.iter("TempoMapSegment"):
        start, seconds_per_beat = finite_number(segment.get("start", "0")), finite_number(segment.get("tempo"))
        if start is not None and seconds_per_beat and sensible_bpm(60 / seconds_per_beat):
            points.append(TempoPoint(start, 60 / seconds_per_beat))
    return TempoMap(points[0].bpm, points) if points else None


def _media_files(pool: Element) -> list[SessionStatsMediaFile]:
    """The files of the media pool, once per path, in the pool's order."""
    found = []
    for url in pool.iter("Url"):
        if _xid(url) == "path" and (url.get("url") or "").startswith(FILE_URL):
            found.append((_file_path(url.get("url")), None, None))
    return media_files(found)


def _file_path(url: str) -> str:
    """A file URL's path: file:///C:/a.wav is C:/a.wav, file:///Users/a.wav /Users/a.wav, file://host/a //host/a."""
    path = url[len(FILE_URL):]
    if not path.startswith("/"):
        return f"//{path}"
    return path[1:] if WINDOWS_DRIVE.match(path) else path


def _attributes(meta: dict[str, str]) -> dict[str, str]:
    """What else metainfo.xml says about the song, where it says something."""
    numerator = meta.get("Media:TimeSignatureNumerator")
    denominator = meta.get("Media:TimeSignatureDenominator")
    found = {
        "time_signature": f"{numerator}/{denominator}" if numerator and denominator else None,
        "creator": meta.get("Document:Creator"),
        "genre": meta.get("Media:Genre"),
        "year": meta.get("Media:Year"),
        "format_version": meta.get("Document:FormatVersion"),
    }
    return {key: value for key, value in found.items() if value}


