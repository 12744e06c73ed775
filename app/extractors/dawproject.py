"""DAWproject files: the open exchange format written by Bitwig Studio, Studio One, Cubase and others.

A .dawproject file is a zip archive holding project.xml (the project) and metadata.xml (title,
artist, ...); a bare project.xml is read the same way. An archive made by zipping the project's
folder is read too: project.xml (and metadata.xml beside it) inside one folder, names written with
"\\" by Windows tools, macOS's "__MACOSX/" and "._" copies left out; one holding several
project.xml files in folders and none at its top is refused. What is read from project.xml:
- `<Project version="1.0">`: files older than 1.0 (the drafts, including their JSON form with
  project.json) are refused, since their structure differs.
- `<Application name="Bitwig Studio" version="5.0"/>`: the program that wrote the file.
- `<Transport>`: `<Tempo value="149" unit="bpm"/>` and `<TimeSignature numerator= denominator=/>`.
- `<Structure>`: `<Track name= contentType="audio|notes|tracks|..." loaded=>` elements, nested
  inside their group or folder track, each with a `<Channel role="regular|master|effect|submix|vca"
  audioChannels=>` holding `<Mute value=>` and `<Devices>`: Vst2Plugin, Vst3Plugin, ClapPlugin,
  AuPlugin, and the DAW's own devices (BuiltinDevice, Equalizer, Compressor, NoiseGate, Limiter),
  with deviceName, deviceVendor, pluginVersion, deviceRole, loaded and an `<Enabled value=>` child.
  A `<Channel>` straight in the Structure (one without a track) is listed as a track of its own.
- `<Arrangement><Markers><Marker name= time= comment=>`: the markers, in seconds. A timeline's `timeUnit`
  holds for it and what it nests, "beats" when no scope gives one; beats become seconds through the
  arrangement's `<TempoAutomation>` (or `<Points>` whose target is the transport's Tempo) when there is one,
  its `<RealPoint time= value= interpolation="hold|linear">` holding or ramping linearly to the next point
  (hold when unspecified), else through the transport's tempo. Tempo automation timed in seconds or not in
  BPM is not followed: markers in beats are then left out rather than misplaced.
- `<Audio>` and `<Video>` anywhere, with `<File path= external=>`: the media files, once per path. An
  external path is relative to the .dawproject file or absolute; any other path is inside the container,
  so it is listed for a bare project.xml (an unpacked container, the files beside it) and left out for an
  archive, where the file is inside the session rather than beside it.
"""
import math
import re
from collections.abc import Iterator
from xml.etree.ElementTree import Element
from zipfile import ZipFile

from app.extractors.errors import ExtractError
from app.extractors.limits import open_zip, parse_xml, read_member
from app.extractors.names import clip, clip_detail, credits_of, file_title
from app.extractors.session_timeline import (
    HOLD, LINEAR, TempoMap, TempoPoint, finite_number, in_time_order, marker, media_files, sensible_bpm,
)
from app.extractors.vocabulary import (
    AUDIO, AUX, BUILT_IN, FOLDER, GROUP, INSTRUMENT, MASTER, MIDI, VCA, VIDEO, daw_maker, plugin_format, plugin_uid,
    vendor_name,
)
from app.wire import (
    SessionStatsMarker, SessionStatsMediaFile, SessionStatsPluginInstance, SessionStatsSession, SessionStatsTrack,
)

WHAT = "DAWproject file"
PROJECT = "project.xml"
METADATA = "metadata.xml"
DRAFT_PROJECT = "project.json"  # the container of the pre-1.0 drafts
# What macOS's Archive Utility adds when it zips a folder: a "__MACOSX" folder of "._name" files (each
# file's resource fork), and such files beside the originals. They hold no project.
MAC_FORK_FOLDER = "__MACOSX"
MAC_FORK_PREFIX = "._"
FIRST_SUPPORTED = (1, 0)
UNSUPPORTED = "unsupported DAWproject version"

PLUGIN_TAGS = ("Vst2Plugin", "Vst3Plugin", "ClapPlugin", "AuPlugin")
BUILT_IN_TAGS = ("BuiltinDevice", "Equalizer", "Compressor", "NoiseGate", "Limiter")
GENERIC_DEVICE = "Device"  # a device of no stated kind

ROLE_TYPES = {"master": MASTER, "effect": AUX, "submix": GROUP, "vca": VCA}
WIDTHS = {"1": "mono", "2": "stereo"}

# Time units of timelines, and the media files that are timelines.
BEATS, SECONDS = "beats", "seconds"
MEDIA_TAGS = ("Audio", "Video")

# Who makes the programs that write DAWproject: the vendor of their built-in devices.
# metadata.xml fields other than Title and Artist, kept as session attributes.
METADATA_FIELDS = ("Album", "OriginalArtist", "Composer", "Songwriter", "Producer", "Arranger",
                   "Year", "Genre", "Copyright", "Website", "Comment")


def extract(data: bytes, filename: str) -> SessionStatsSession:
    """The session in a .dawproject archive's or a bare project.xml's bytes."""
    project_data, metadata_data = _documents(data)
    project = parse_xml(project_data, f"{PROJECT} of the {WHAT}")
    if project.tag != "Project":
        raise ExtractError(f"not a {WHAT}: its XML document is <{project.tag}>, not <Project>")
    version = _check_version(project.get("version"))
    metadata = _metadata(parse_xml(metadata_data, f"{METADATA} of the {WHAT}")) if metadata_data else {}
    application = project.find("Application")
    daw = clip(application.get("name")) if application is not None else None
    maker = daw_maker(daw)
    structure = project.find("Structure")
    tracks = [_track(element, maker) for element in _track_elements(structure)]
    arrangement = project.find("Arrangement")
    credits = credits_of({"artist": metadata.get("Artist"), "producer": metadata.get("Producer"),
                          "writer": "; ".join(filter(None, (metadata.get("Composer"), metadata.get("Songwriter"))))})
    return SessionStatsSession(
        name=clip(metadata.pop("Title", None)) or file_title(filename),
        artist=clip(metadata.pop("Artist", None)),
        credits=credits,
        daw=daw or None,
        daw_version=clip(application.get("version") or None) if application is not None else None,
        bpm=_tempo(project),
        tracks=tracks,
        attributes=_attributes(project, version, metadata),
        markers=_markers(project, arrangement),
        media_files=_media_files(project, archived=data.startswith(b"PK")),
    )


def _documents(data: bytes) -> tuple[bytes, bytes | None]:
    """The bytes of project.xml and of metadata.xml (None when absent) in a zip or bare XML file."""
    if not data.strip():
        raise ExtractError(f"not a {WHAT}: the file is empty")
    if data.startswith(b"PK"):
        archive = open_zip(data, WHAT)
        files = _archived_files(archive)
        project = _project_path(files)
        metadata = files.get(project.removesuffix(PROJECT) + METADATA)
        metadata_data = read_member(archive, metadata, WHAT) if metadata else None
        return read_member(archive, files[project], WHAT), metadata_data
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return data, None
    raise ExtractError(f"not a {WHAT}: it is neither a zip archive nor an XML document")


def _archived_files(archive: ZipFile) -> dict[str, str]:
    """The archive's files by their path with "/" and without a leading "./" or "/", each to its name in the
    archive; folders and macOS's resource-fork copies left out."""
    files: dict[str, str] = {}
    for name in archive.namelist():
        if name.endswith(("/", "\\")):
            continue  # a folder
        parts = [part for part in name.replace("\\", "/").split("/") if part not in ("", ".")]
        if not parts or parts[0] == MAC_FORK_FOLDER or parts[-1].startswith(MAC_FORK_PREFIX):
            continue
        files.setdefault("/".join(parts), name)
    return files


def _project_path(files: dict[str, str]) -> str:
    """The path of the archive's project.xml: the one at its top, else the only one (in the folder that was
    zipped); ExtractError when there is none, or several and none at the top."""
    # At the top it is where the format puts it and every DAW opening the file reads it: others are files carried along.
    if PROJECT in files:
        return PROJECT
    found = sorted(path for path in files if path.rpartition("/")[2] == PROJECT)
    if len(found) == 1:
        return found[0]
    if found:
        # Several projects zipped together: reading any one would index it under this file's name, as if it were all.
        listed = ", ".join(found[:3]) + (", ..." if len(found) > 3 else "")
        raise ExtractError(f"not a {WHAT}: the zip archive holds {len(found)} {PROJECT} files in folders ({listed}) "
                           "and none at its top, so it is several projects, not one")
    if any(path.rpartition("/")[2] == DRAFT_PROJECT for path in files):
        raise ExtractError(f"{UNSUPPORTED}: this file is from a draft before 1.0 (it holds {DRAFT_PROJECT}); "
                           "export it again from a current version of its DAW")
    raise ExtractError(f"not a {WHAT}: the zip archive has no {PROJECT}")


def _check_version(version: str | None) -> str:
    """The project's format version, refused when missing or older than 1.0."""
    try:
        number = tuple(int(part) for part in (version or "").strip().split("."))
    except ValueError:
        number = None
    if not number or number < FIRST_SUPPORTED:
        said = f"{version!r}" if version else "(none given)"
        raise ExtractError(f"{UNSUPPORTED} {said}: this reads DAWproject 1.0 and later")
    return version.strip()


def _metadata(root: Element) -> dict[str, str]:
    """metadata.xml as a dict from field name to its text, for the fields that have text."""
    return {child.tag: child.text.strip() for child in root if child.text and child.text.strip()}


def _track_elements(structure: Element | None) -> Iterator[Element]:
    """The tracks (and trackless channels) in document order, each group before its members."""
    pending = list(reversed(structure)) if structure is not None else []
    while pending:  # a stack instead of recursion: nesting depth is up to the file
        element = pending.pop()
        if element.tag == "Track":
            yield element
            pending.extend(reversed(element.findall("Track")))
        elif element.tag == "Channel":
            yield element


def _track(element: Element, maker: str | None) -> SessionStatsTrack:
    """A track (or a channel without a track) with its devices in chain order."""
    channel = element if element.tag == "Channel" else element.find("Channel")
    devices = _devices(channel)
    states = []
    if element.get("loaded") == "false":
        states.append("inactive")
    mute = channel.find("Mute") if channel is not None else None
    if mute is not None and _flag(mute.get("value")):
        states.append("muted")
    role = channel.get("role") if channel is not None else None
    return SessionStatsTrack(
        name=clip(element.get("name")) or (f"{role} channel" if role else "(unnamed track)"),
        type=_track_type(element, role, devices),
        format=WIDTHS.get(channel.get("audioChannels", "")) if channel is not None else None,
        state=", ".join(states) or None,
        plugins=[_instance(device, maker) for device in devices],
    )


def _track_type(element: Element, role: str | None, devices: list[Element]) -> str | None:
    """Our track type: by the channel's role, then by what the track holds."""
    if role in ROLE_TYPES:
        return ROLE_TYPES[role]
    content = (element.get("contentType") or "").split()
    if element.find("Track") is not None or "tracks" in content:
        # Members with a channel that sums them make a group; without one, the track only organises.
        return GROUP if element.find("Channel") is not None else FOLDER
    if "notes" in content and any(device.get("deviceRole") == "instrument" for device in devices):
        return INSTRUMENT
    if "audio" in content:
        return AUDIO
    if "notes" in content:
        return MIDI
    if "video" in content:
        return VIDEO
    return None


def _devices(channel: Element | None) -> list[Element]:
    """The device elements of a channel, in chain order."""
    holder = channel.find("Devices") if channel is not None else None
    if holder is None:
        return []
    kinds = (*PLUGIN_TAGS, *BUILT_IN_TAGS, GENERIC_DEVICE)
    return [device for device in holder if device.tag in kinds]


def _instance(device: Element, maker: str | None) -> SessionStatsPluginInstance:
    """One device as a plugin instance."""
    built_in = device.tag in BUILT_IN_TAGS
    enabled = device.find("Enabled")
    active = _flag(enabled.get("value")) if enabled is not None else None
    if device.get("loaded") == "false":  # a plugin that is missing or switched off
        active = False
    return SessionStatsPluginInstance(
        name=clip(device.get("deviceName")) or clip(device.get("name")) or clip(device.tag),
        vendor=vendor_name(clip(device.get("deviceVendor")) or (maker if built_in else None)),
        version=clip_detail(device.get("pluginVersion")) or None,
        format=BUILT_IN if built_in else plugin_format(device.tag),
        active=active,
        uid=None if built_in else plugin_uid(device.get("deviceID")),
    )


def _flag(value: str | None) -> bool | None:
    """An xs:boolean attribute: True, False, or None when absent or not a boolean."""
    return {"true": True, "1": True, "false": False, "0": False}.get((value or "").strip())


def _tempo(project: Element) -> float | None:
    """The transport's tempo in beats per minute, when it is a sensible number."""
    tempo = project.find("Transport/Tempo")
    if tempo is None or tempo.get("unit", "bpm") != "bpm":
        return None
    try:
        bpm = float(tempo.get("value", ""))
    except ValueError:
        return None
    return bpm if math.isfinite(bpm) and 0 < bpm <= 10_000 else None


def _markers(project: Element, arrangement: Element | None) -> list[SessionStatsMarker]:
    """The arrangement's markers in time order and in seconds."""
    holder = arrangement.find("Markers") if arrangement is not None else None
    if holder is None:
        return []
    in_seconds = _time_unit(holder, arrangement) == SECONDS
    tempo_map = None if in_seconds else _tempo_map(project, arrangement)
    found = []
    for element in holder.findall("Marker"):
        time = finite_number(element.get("time"))
        if time is None or in_seconds:
            seconds = time
        else:
            seconds = tempo_map.seconds(time) if tempo_map else None
        found.append(marker(element.get("name"), seconds, comment=element.get("comment")))
    return in_time_order(found)


def _tempo_map(project: Element, arrangement: Element) -> TempoMap | None:
    """Beats to seconds: the arrangement's tempo automation, else the transport's tempo; None when neither serves."""
    bpm = _tempo(project)
    automation = _tempo_automation(project, arrangement)
    if automation is None:
        return TempoMap(bpm) if bpm else None
    points_element, unit = automation
    if unit != BEATS or points_element.get("unit", "bpm") != "bpm":
        return None
    points = []
    for point in points_element.findall("RealPoint"):
        time, value = finite_number(point.get("time")), finite_number(point.get("value"))
        if time is not None and value is not None:
            points.append(TempoPoint(time, value, LINEAR if point.get("interpolation") == "linear" else HOLD))
    fallback = bpm or next((point.bpm for point in points if sensible_bpm(point.bpm)), None)
    return TempoMap(fallback, points) if fallback else None


def _tempo_automation(project: Element, arrangement: Element) -> tuple[Element, str] | None:
    """The tempo's automation with its time unit: `<TempoAutomation>`, else `<Points>` targeting the Tempo."""
    automation = arrangement.find("TempoAutomation")
    if automation is not None:
        return automation, _time_unit(automation, arrangement)
    tempo = project.find("Transport/Tempo")
    tempo_id = tempo.get("id") if tempo is not None else None
    if not tempo_id:
        return None
    pending = [(child, _time_unit(arrangement)) for child in reversed(arrangement)]
    while pending:  # a stack instead of recursion: lanes nest as deep as the file says
        element, unit = pending.pop()
        unit = element.get("timeUnit") or unit
        target = element.find("Target")
        if element.tag == "Points" and target is not None and target.get("parameter") == tempo_id:
            return element, unit
        pending.extend((child, unit) for child in reversed(element))
    return None


def _time_unit(*scopes: Element) -> str:
    """The time unit of the innermost scope that names one, "beats" when none does."""
    return next((scope.get("timeUnit") for scope in scopes if scope.get("timeUnit")), BEATS)


def _media_files(project: Element, archived: bool) -> list[SessionStatsMediaFile]:
    """The audio and video files the project plays, once per path; files inside an archive are left out."""
    found = []
    for element in project.iter():
        file = element.find("File") if element.tag in MEDIA_TAGS else None
        if file is not None and (not archived or _flag(file.get("external"))):
            found.append((file.get("path"), None, None))
    return media_files(found)


def _attributes(project: Element, version: str, metadata: dict[str, str]) -> dict[str, str]:
    """The format version, time signature and the other metadata fields the file fills in."""
    found = {"format_version": version}
    signature = project.find("Transport/TimeSignature")
    if signature is not None and signature.get("numerator") and signature.get("denominator"):
        found["time_signature"] = f"{signature.get('numerator')}/{signature.get('denominator')}"
    for field in METADATA_FIELDS:
        if field in metadata:
            found[_snake_case(field)] = metadata[field]
    return found


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
