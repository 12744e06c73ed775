"""The samples of an Ableton Live set: the paths in its `SampleRef/FileRef`s, as each Live version keeps them."""
import re
import struct
from xml.etree.ElementTree import Element

from app.extractors.session_timeline import media_files
from app.wire import SessionStatsMediaFile

PREVIEW_TRACK = "PreHearTrack"
TRACKS = "Tracks"
# FileRef Types: how `Data` holds the absolute path.
WINDOWS_PATH, MAC_ALIAS = "1", "2"
# RelativePathTypes of paths relative to the project folder: 1 outside it ("" steps up), 3 inside it.
PROJECT_RELATIVE = ("1", "3")
WINDOWS_ABSOLUTE = re.compile(r"[A-Za-z]:[\\/]|\\\\")
# A Mac OS alias record (version 2): a fixed part of 150 bytes, then tagged fields until tag -1.
ALIAS_VERSION, ALIAS_FIELDS = b"\x00\x02", 150
ALIAS_POSIX_PATH, ALIAS_MOUNT_POINT = 0x12, 0x13


def sample_files(live_set: Element, paths_read: dict[Element, list[str | None]]) -> list[SessionStatsMediaFile]:
    """Every sample the set plays, once per path, in the order of the file; `paths_read` has those of the tracks
    read as they ended."""
    found = []
    for part in live_set:
        if part.tag == PREVIEW_TRACK:  # the browser's preview channel is not part of the set
            continue
        inside = part if part.tag == TRACKS else (part,)
        for element in inside:
            found.extend(paths_read[element] if element in paths_read else sample_paths(element))
    return media_files((path, None, None) for path in found)


def sample_paths(element: Element) -> list[str | None]:
    """The path of every sample in `element`, in the order of the file."""
    return [_sample_path(sample.find("FileRef")) for sample in element.iter("SampleRef")]


def _sample_path(file_ref: Element | None) -> str | None:
    """Where a sample is: its absolute path, else its path relative to the project folder."""
    if file_ref is None:
        return None
    return live_value(file_ref, "Path") or _data_path(file_ref) or _relative_path(file_ref)


def _data_path(file_ref: Element) -> str | None:
    """The absolute path Live 10 and older keep in `Data`: UTF-16 text on Windows, an alias record on a Mac."""
    data = file_ref.find("Data")
    try:
        raw = bytes.fromhex("".join((data.text or "").split())) if data is not None else b""
    except ValueError:
        return None
    kind = live_value(file_ref, "Type")
    if kind == WINDOWS_PATH:
        path = raw.decode("utf-16-le", "replace").split("\0", 1)[0]
        return path if WINDOWS_ABSOLUTE.match(path) else None
    return _alias_path(raw) if kind == MAC_ALIAS else None


def _alias_path(alias: bytes) -> str | None:
    """The POSIX path in a Mac OS alias record: its volume's mount point, then the path on that volume."""
    if len(alias) < ALIAS_FIELDS or alias[6:8] != ALIAS_VERSION:
        return None
    fields, position = {}, ALIAS_FIELDS
    while position + 4 <= len(alias):
        tag, size = struct.unpack_from(">hH", alias, position)
        if tag == -1:
            break
        fields[tag] = alias[position + 4:position + 4 + size]
        position += 4 + size + size % 2  # fields are padded to an even length
    path = fields.get(ALIAS_POSIX_PATH, b"").decode("utf-8", "replace")
    if not path:
        return None
    mount_point = fields.get(ALIAS_MOUNT_POINT, b"/").decode("utf-8", "replace")
    return f"{mount_point.rstrip('/')}/{path.lstrip('/')}"


def _relative_path(file_ref: Element) -> str | None:
    """The path from the project folder, for samples Live keeps relative to it ("" is the folder above)."""
    if live_value(file_ref, "RelativePathType") not in PROJECT_RELATIVE:
        return None
    relative = live_value(file_ref, "RelativePath")  # Live 11 and later: one text
    if relative:
        return relative
    name = live_value(file_ref, "Name")
    if live_value(file_ref, "HasRelativePath") != "true" or not name:
        return None
    folders = [element.get("Dir") or ".." for element in file_ref.findall("RelativePath/RelativePathElement")]
    return "/".join([*folders, name])


def live_value(element: Element | None, path: str) -> str | None:
    """The Value of the child at `path`, Live's way of storing every field."""
    if element is None:
        return None
    found = element.find(path)
    return found.get("Value") if found is not None else None
