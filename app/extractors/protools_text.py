"""Pro Tools "Session Info as Text" exports (File > Export > Session Info as Text), .txt files.

The export is tab-separated text in UTF-8 or Mac Roman (the "TextEdit" option), or UTF-16 as
Pro Tools on Windows and editors save it, with any line ending. It opens with `LABEL:<tab>value`
header lines (session name, sample rate, bit depth, session start, timecode format, counts), then
the sections the user chose to export, each under a heading in spaced capitals
("T R A C K  L I S T I N G"):

- the files in the session, online and offline: the session's media files, each a POSIX path
  made of its folder (a Mac path, "Macintosh HD:Users:...:Audio Files:") and its name; the
  listings are kept in attributes, as are the clips;
- the plug-in listing: one row per plug-in with manufacturer (blank when it is the one above),
  name, version, format, stems and the number of instances. It is the session's plug-in usage;
- the track listing: per track its name, comments, user delay, state words and, on a
  `PLUG-INS:` line, its inserts in order, each named with its channel format ("Pro-Q 3 (stereo)")
  and matched back to the listing, which gives its name, vendor, version and format (so that an
  insert and the usage entry of its plug-in are the same plug-in); then the clips on the track;
- markers: name, position, comments and, for a track marker, its track (kept in attributes too,
  as listed; a marker whose position cannot be worked out is counted in `unplacedMarkers`).
  How positions and paths are read: protools_text_timeline.

The export names neither the Pro Tools version nor the track types, so neither is set.
"""
import re

from pydantic import ValidationError

from app.extractors import protools_text_timeline as timeline
from app.extractors.errors import ExtractError
from app.extractors.names import clip_detail, file_title
from app.extractors.protools_text_plugins import ListedPlugin, Listing, inserts, usage
from app.extractors.text_encoding import utf8_lines
from app.extractors.vocabulary import plugin_format, vendor_name
from app.wire import MAX_TRACKS, SessionStatsSession, SessionStatsTrack

WHAT = "Pro Tools session info export"
HEADER_START = b"SESSION NAME:"
# Real lines stay far below this (a long clip name or marker comment); a longer one is junk.
MAX_LINE = 100_000
# Files, clips and markers kept in the attributes, per listing: enough for large sessions, not a copy of junk.
MAX_KEPT = 20_000

# A section heading: words of single capitals joined by single spaces, words apart by two.
_HEADING_WORD = r"[A-Z0-9#-](?: [A-Z0-9#-])*"
HEADING = re.compile(rf"{_HEADING_WORD}(?:  {_HEADING_WORD})+")
SECTIONS = {
    "F I L E S  I N  S E S S I O N": "files",  # older exports, before online and offline were apart
    "O N L I N E  F I L E S  I N  S E S S I O N": "onlineFiles",
    "O F F L I N E  F I L E S  I N  S E S S I O N": "offlineFiles",
    "O N L I N E  C L I P S  I N  S E S S I O N": "onlineClips",
    "O F F L I N E  C L I P S  I N  S E S S I O N": "offlineClips",
    "P L U G - I N S  L I S T I N G": "plugins",
    "T R A C K  L I S T I N G": "tracks",
    "M A R K E R S  L I S T I N G": "markers",
}

FILE_COLUMNS = {"FILENAME": "name", "LOCATION": "location"}
# The files listings and what each says of its files being offline (the older one lists both kinds).
FILE_LISTINGS = {"files": None, "onlineFiles": False, "offlineFiles": True}
CLIP_COLUMNS = {"CLIP NAME": "name", "SOURCE FILE": "sourceFile"}
LISTING_COLUMNS = {"MANUFACTURER": "vendor", "PLUG-IN NAME": "name", "VERSION": "version", "FORMAT": "format",
                   "STEMS": "stems", "NUMBER OF INSTANCES": "instances"}
MARKER_COLUMNS = {"#": "number", "LOCATION": "location", "TIME REFERENCE": "timeReference", "UNITS": "units",
                  "NAME": "name", "TRACK NAME": "trackName", "TRACK TYPE": "trackType", "COMMENTS": "comments"}
MARKER_ROW = re.compile(r" *[0-9]+ *\t")
NUMBER = re.compile(r"[0-9]{1,18}")

TRACK_LABELS = ("TRACK NAME", "COMMENTS", "USER DELAY", "STATE", "PLUG-INS")
# Our state words in the order they are joined; other words (SoloSafe, Solo) go to attributes.
TRACK_STATES = ("inactive", "muted", "hidden")

# Some plug-ins report a copyright notice as part of their version: "6.2.2 (R51), Copyright © 2020".
COPYRIGHT = re.compile(r"copyright|\(c\)|©", re.IGNORECASE)


def extract(data: bytes, filename: str) -> SessionStatsSession:
    """The session a Pro Tools session info text export describes."""
    lines = _lines(data)
    try:
        return _session(lines, filename)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "the session"
        raise ExtractError(f"the {WHAT} holds a value this index cannot take ({where}: {problem['msg']})") from exc


def _session(lines: list[str], filename: str) -> SessionStatsSession:
    """The session of the export's lines."""
    header, sections = _split(lines)
    info = _header_attributes(header)
    listing = Listing(_listed_plugins(sections["plugins"])) if "plugins" in sections else None
    tracks = _tracks(sections["tracks"], listing, info) if "tracks" in sections else None
    files = {key: _table(sections[key], FILE_COLUMNS) for key in FILE_LISTINGS if key in sections}
    for key, rows in files.items():
        _keep(info, key, rows)
    for key in ("onlineClips", "offlineClips"):
        if key in sections:
            _keep(info, key, [row["name"] for row in _table(sections[key], CLIP_COLUMNS) if row.get("name")])
    sample_rate = _sample_rate(header.get("SAMPLE RATE"))
    # A section the export leaves out leaves its markers or files unknown (None), not none.
    markers = media_files = None
    if "markers" in sections:
        rows = _markers(sections["markers"])
        _keep(info, "markers", rows)
        markers, unplaced = timeline.markers(rows, sample_rate, header.get("SESSION START TIMECODE"),
                                             header.get("TIMECODE FORMAT"))
        if unplaced:
            info["unplacedMarkers"] = unplaced
    if files:
        media_files = timeline.media_files([(rows, FILE_LISTINGS[key]) for key, rows in files.items()])
    return SessionStatsSession(
        name=header.get("SESSION NAME") or file_title(filename),
        daw="Pro Tools",
        sample_rate=sample_rate,
        bit_depth=_bit_depth(header.get("BIT DEPTH")),
        tracks=tracks,
        plugins=usage(listing) if listing is not None else None,
        attributes={"protools": info},
        markers=markers,
        media_files=media_files,
    )


def _keep(info: dict, key: str, items: list) -> None:
    """Keep a listing in the attributes, its first MAX_KEPT entries only (with the full count) when longer."""
    info[key] = items[:MAX_KEPT]
    if len(items) > MAX_KEPT:
        info.setdefault("cutShort", {})[key] = len(items)


def _lines(data: bytes) -> list[str]:
    """The export's lines, decoded (UTF-16 by its byte order mark, else UTF-8 when valid, else Mac Roman),
    whatever the line endings."""
    body = utf8_lines(data, HEADER_START)
    if not body.strip():
        raise ExtractError(f"not a {WHAT}: the file is empty")
    if b"\x00" in body:
        raise ExtractError(f"not a {WHAT}: it holds binary data (NUL bytes), not the text Pro Tools writes")
    if not body.lstrip().startswith(HEADER_START):
        raise ExtractError(f"not a {WHAT}: no SESSION NAME header at the start")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("mac_roman")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if any(len(line) > MAX_LINE for line in lines):
        raise ExtractError(f"not a {WHAT}: a line is longer than {MAX_LINE:,} characters")
    return lines


def _split(lines: list[str]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The header fields by label, and the lines of each known section by its key."""
    header: dict[str, str] = {}
    sections: dict[str, list[str]] = {}
    current = None  # None: still in the header; "": in a section this module does not read
    for line in lines:
        if HEADING.fullmatch(line.strip()):
            current = SECTIONS.get(line.strip(), "")
            sections.setdefault(current, [])
        elif current is None:
            label, colon, value = line.partition(":")
            if colon and label.strip() and label.strip() not in header:
                header[label.strip()] = value.strip()
        else:
            sections[current].append(line)
    sections.pop("", None)
    return header, sections


def _header_attributes(header: dict[str, str]) -> dict:
    """Timecode format, session start and the `# OF ...` counts, as the attributes keep them."""
    info: dict = {}
    if header.get("TIMECODE FORMAT"):
        info["timecodeFormat"] = header["TIMECODE FORMAT"]
    if header.get("SESSION START TIMECODE"):
        info["sessionStart"] = header["SESSION START TIMECODE"]
    counts = {}
    for label, value in header.items():
        words = label[len("# OF "):].lower().split()
        if label.startswith("# OF ") and words and NUMBER.fullmatch(value):
            counts[words[0] + "".join(word.title() for word in words[1:])] = int(value)
    if counts:
        info["counts"] = counts
    return info


def _number(text: str) -> int | None:
    """A whole number of up to 18 digits written in ASCII, else None (no huge or odd numbers)."""
    return int(text) if NUMBER.fullmatch(text) else None


def _sample_rate(value: str | None) -> int | None:
    """"48000.000000" as 48000; None when absent or not a plausible rate."""
    try:
        rate = round(float(value or ""))
    except (ValueError, OverflowError):
        return None
    return rate if 0 < rate <= 10_000_000 else None


def _bit_depth(value: str | None) -> int | None:
    """"24-bit" or "32-bit float" as 24 or 32; None when absent or not a bit depth."""
    match = re.match(r"\s*(\d{1,3})\s*-?\s*bit", value or "", re.IGNORECASE)
    return int(match.group(1)) if match and 0 < int(match.group(1)) <= 256 else None


def _table(lines: list[str], known: dict[str, str]) -> list[dict[str, str]]:
    """The rows of a tab-separated listing as dicts keyed by its column heading (blank lines skipped)."""
    rows = [line for line in lines if line.strip()]
    if not rows:
        return []
    keys = _column_keys(rows[0], known)
    if keys is None:  # no heading line: assume the usual columns
        keys = list(dict.fromkeys(known.values()))
    else:
        rows = rows[1:]
    return [_row(line, keys) for line in rows]


def _column_keys(line: str, known: dict[str, str]) -> list[str] | None:
    """Our key for each column of a heading line, or None when the line is not a heading."""
    cells = [cell.strip().upper() for cell in line.split("\t")]
    if not any(cell in known for cell in cells):
        return None
    return [known.get(cell) or cell.lower() or f"column{index + 1}" for index, cell in enumerate(cells)]


def _row(line: str, keys: list[str]) -> dict[str, str]:
    """One row by column key; tabs beyond the last column belong to the last column's text."""
    cells = line.split("\t")
    if len(cells) > len(keys):
        cells = cells[:len(keys) - 1] + ["\t".join(cells[len(keys) - 1:])]
    return {key: cell.strip() for key, cell in zip(keys, cells, strict=False)}


def _listed_plugins(lines: list[str]) -> list[ListedPlugin]:
    """The plug-in listing, rows of the same plug-in (e.g. mono and stereo stems) merged into one."""
    plugins: dict[tuple, ListedPlugin] = {}
    vendor = None
    for row in _table(lines, LISTING_COLUMNS):
        if row.get("vendor"):
            vendor = row["vendor"]  # a blank manufacturer is the one of the row above
        if not row.get("name"):
            continue
        version = clip_detail(COPYRIGHT.split(row.get("version") or "", maxsplit=1)[0].rstrip(" ,")) or None
        plugin = ListedPlugin(row["name"], vendor_name(vendor), version, plugin_format(row.get("format")),
                              _instance_count(row.get("instances")))
        key = tuple((part or "").lower() for part in (plugin.vendor, plugin.name, plugin.version, plugin.format))
        if key not in plugins:
            plugins[key] = plugin
        elif plugin.count is not None:
            plugins[key].count = (plugins[key].count or 0) + plugin.count
    return list(plugins.values())


def _instance_count(text: str | None) -> int | None:
    """All instances of "1 active, 6 inactive" or "2 bypassed" (7, 2); None when no number is given."""
    numbers = re.findall(r"\d{1,9}", text or "", re.ASCII)
    return sum(int(number) for number in numbers) if numbers else None


def _tracks(lines: list[str], listing: Listing | None, info: dict) -> list[SessionStatsTrack]:
    """The tracks of the track listing; states and user delays we have no field for go to `info`."""
    blocks: list[list[str]] = []
    for line in lines:
        if line.startswith("TRACK NAME:"):
            if len(blocks) == MAX_TRACKS:
                raise ExtractError(f"the {WHAT} lists more than {MAX_TRACKS:,} tracks, more than this index takes")
            blocks.append([])
        if blocks:
            blocks[-1].append(line)
    return [_track(_track_fields(block), position, listing, info) for position, block in enumerate(blocks)]


def _track_fields(block: list[str]) -> dict[str, str]:
    """The labelled lines of one track; comments may go on over several lines."""
    fields: dict[str, str] = {}
    comments: list[str] = []
    current = None
    for line in block:
        label, colon, value = line.partition(":")
        if colon and label in TRACK_LABELS and label not in fields:
            current = label
            fields[label] = value
            if label == "COMMENTS":
                comments.append(value)
        elif line.startswith("CHANNEL"):
            break  # the clips on the track follow
        elif current == "COMMENTS":
            comments.append(line)
    if comments:
        fields["COMMENTS"] = "\n".join(comments)
    return fields


def _track(fields: dict[str, str], position: int, listing: Listing | None, info: dict) -> SessionStatsTrack:
    """One track: name, state, comments as notes, and its inserts when the export lists them."""
    name = fields["TRACK NAME"].strip()
    if not name:
        raise ExtractError(f"the {WHAT} is damaged: track {position + 1} of the track listing has no name")
    words = fields.get("STATE", "").split()
    state = [word for word in TRACK_STATES if word in {w.lower() for w in words}]
    other = [word for word in words if word.lower() not in TRACK_STATES]
    if other:
        info.setdefault("otherTrackStates", {})[name] = " ".join(other)
    delay = fields.get("USER DELAY", "").strip()
    if delay and not re.fullmatch(r"0+(\s.*)?", delay):
        info.setdefault("userDelays", {})[name] = delay
    plugins = None
    if "PLUG-INS" in fields:
        plugins = inserts(fields["PLUG-INS"], position, listing)
    return SessionStatsTrack(name=name, state=", ".join(state) or None, plugins=plugins,
                             notes=fields.get("COMMENTS", "").strip() or None)


def _markers(lines: list[str]) -> list[dict]:
    """The markers: number, location, time reference, units, name, comments (and track, when given)."""
    rows = [line for line in lines if line.strip()]
    keys = _column_keys(rows[0], MARKER_COLUMNS) if rows else None
    if keys is None:
        keys = ["number", "location", "timeReference", "units", "name", "comments"]
    else:
        rows = rows[1:]
    markers: list[dict] = []
    comments: list[list[str]] = []
    for line in rows:
        if MARKER_ROW.match(line):
            marker = _row(line, keys)
            for key in ("number", "timeReference"):
                number = _number(marker.get(key, ""))
                if number is not None:
                    marker[key] = number
            markers.append(marker)
            comments.append([marker["comments"]] if marker.get("comments") else [])
        elif markers:
            # A comment over several lines: Pro Tools pads the next lines out to the comments column.
            comments[-1].append(line.strip())
    for marker, lines_of_comment in zip(markers, comments, strict=True):
        marker["comments"] = "\n".join(lines_of_comment)
    return markers
