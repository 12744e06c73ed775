"""Pro Tools session files: .ptx (Pro Tools 10 and later), .ptf and .pts (Pro Tools 5 to 9).

The format is binary and undocumented by Avid; what is read here follows the facts the open-source
libptformat reader and other public descriptions give, checked against real sessions:

- The first 20 bytes are plain: 0x03 and the signature "0010111100101011" in ASCII, the byte order
  at 0x11 (0: little-endian), the scrambling type at 0x12 (1: Pro Tools 5 to 9, 5: Pro Tools 10 and
  later) and its seed at 0x13. The rest is XORed with a 256-byte key made from the seed: the key byte
  for file offset i is key[i % 256] (type 1) or key[(i >> 12) % 256] (type 5, one per 4 KiB).
- Unscrambled, the rest is a run of blocks, back to back to the end of the file. A block is 0x5A, a
  block type (u16), a size (u32: the bytes after these seven), a content type (u16) saying what it
  holds, then its content. Containers hold child blocks among their content; children are found by
  looking for the 0x5A mark inside the parent, and must fit in it.

Read: the product and version (content type 0x0003: the product name, the version numbers and the
version as text, "12.8.3"), the sample rate (0x1028), the tracks in order (0x2519, one 0x251A per
track: a kind word, 1 for MIDI, and the name), the audio tracks with their channel count (0x1015 and
its 0x1014 entries; in Pro Tools 8 these are playlists, so the full list names the tracks) and the
audio files (0x1004 and the names in its 0x103A list).
Only the top-level blocks and their direct children are read, so nesting depth costs nothing.

Plug-in inserts are stored in blocks no public description explains well enough to read reliably;
they are left unread. A Session Info text export beside the session can add them
(`complete_with_text_export`).
"""
import re
import struct
from dataclasses import dataclass
from pathlib import PurePath

from app.extractors.errors import ExtractError
from app.extractors.names import clip, file_title
from app.extractors.vocabulary import AUDIO, MIDI
from app.wire import MAX_TRACKS, SessionStatsSession, SessionStatsTrack

WHAT = "Pro Tools session file"
SIGNATURE = b"\x030010111100101011"
HEADER_SIZE = 0x14
BYTE_ORDER_AT, SCRAMBLING_AT, SEED_AT = 0x11, 0x12, 0x13
# Per scrambling type: the multiplier that makes the key step from the seed, and whether the step is negated.
SCRAMBLING = {0x01: (53, False), 0x05: (11, True)}
WRITTEN_BY = {0x01: "Pro Tools 5 to 9", 0x05: "Pro Tools 10 or later"}
BLOCK_MARK = b"\x5a"
BLOCK_HEAD = 9  # mark, block type, size, content type
# Unscrambled a slice at a time, so that a large file is not held several times over.
CHUNK = 1 << 20

PRODUCT_VERSION = 0x0003
SAMPLE_RATE = 0x1028
TRACK_LIST, TRACK_ENTRY = 0x2519, 0x251A
AUDIO_TRACK_LIST, AUDIO_TRACK_ENTRY = 0x1015, 0x1014
AUDIO_FILE_TABLE, AUDIO_FILE_NAMES = 0x1004, 0x103A
MIDI_KIND = 1
# The four-letter types of audio files as the file list stores them (either byte order).
AUDIO_FILE_TYPES = {b"WAVE", b"EVAW", b"AIFF", b"FFIA"}
AUDIO_FILE_SUFFIXES = (".wav", ".aif", ".aiff")
CHANNEL_FORMATS = {1: "mono", 2: "stereo"}
# More version numbers than this in the product block is not a version.
MAX_VERSION_PARTS = 8
MAX_KEPT_FILES = 20_000
# Steps spent looking through lists (candidate children, file entries): real sessions need a few
# thousand; hostile data packed with block marks is stopped here, in about a second.
MAX_WORK = 1_000_000

PLUGINS_NOT_READ = ("not read from Pro Tools session files; export Session Info as Text (with the plug-in list) "
                    "into the session's folder, named like the session, to add them")


@dataclass(frozen=True)
class Block:
    """One block: what it holds, and where its content (after the content type) starts and ends."""

    content_type: int
    start: int
    end: int


class _PastBlock(Exception):
    """A field that would run past the end of its block."""


class Cursor:
    """Reads the fields of one block's content in order, never past the block's end."""

    def __init__(self, data: bytes, start: int, end: int, order: str):
        self.data, self.pos, self.end, self.order = data, start, end, order

    def take(self, size: int) -> bytes:
        """The next `size` bytes."""
        if size > self.end - self.pos:
            raise _PastBlock
        self.pos += size
        return self.data[self.pos - size:self.pos]

    def number(self, size: int) -> int:
        """The next unsigned number of `size` bytes in the file's byte order."""
        return int.from_bytes(self.take(size), "big" if self.order == ">" else "little")

    def text(self) -> str:
        """The next length-prefixed string (UTF-8 when valid, else Mac Roman), without NULs: no name holds one, a
        damaged file may."""
        raw = self.take(self.number(4)).replace(b"\x00", b"")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw.decode("mac_roman")


def extract(data: bytes, filename: str) -> SessionStatsSession:
    """The session a Pro Tools session file holds: version, sample rate, tracks and audio files."""
    body = Body(_unscrambled(data))
    blocks = body.top_blocks()
    rates = [_sample_rate(body, block) for block in blocks if block.content_type == SAMPLE_RATE]
    if not rates:
        raise ExtractError(f"the {WHAT} is damaged: it has no sample rate block")
    info: dict = {}
    version = _version(body, blocks, info)
    if version is None:
        info["writtenBy"] = WRITTEN_BY[data[SCRAMBLING_AT]]
    files = _audio_files(body, blocks)
    info["audioFiles"] = [{"name": name} for name in files[:MAX_KEPT_FILES]]
    if len(files) > MAX_KEPT_FILES:
        info["cutShort"] = {"audioFiles": len(files)}
    return SessionStatsSession(
        name=file_title(filename),
        daw="Pro Tools",
        daw_version=version,
        sample_rate=rates[0],
        tracks=_tracks(body, blocks),
        attributes={"protools": info, "plugins": PLUGINS_NOT_READ},
    )


def _unscrambled(data: bytes) -> bytes:
    """The file with its scrambled part XORed back to plain bytes, after checking the header."""
    if len(data) < HEADER_SIZE:
        raise ExtractError(f"not a {WHAT}: it is {len(data)} bytes long, shorter than the header")
    if not data.startswith(SIGNATURE):
        raise ExtractError(f"not a {WHAT}: it does not start with the Pro Tools signature")
    kind, seed = data[SCRAMBLING_AT], data[SEED_AT]
    if kind not in SCRAMBLING:
        raise ExtractError(f"not a {WHAT}: unknown scrambling type {kind} (Pro Tools writes 1 or 5)")
    multiplier, negated = SCRAMBLING[kind]
    step = next(i for i in range(256) if i * multiplier % 256 == seed)  # the multipliers are odd: one always fits
    key = bytes(i * (-step if negated else step) % 256 for i in range(256))
    parts = [data[:HEADER_SIZE]]
    for start in range(HEADER_SIZE, len(data), CHUNK):
        piece = data[start:start + CHUNK]
        stream = _key_stream(key, kind, start, len(piece))
        parts.append((int.from_bytes(piece, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(piece), "big"))
    return b"".join(parts)


def _key_stream(key: bytes, kind: int, start: int, length: int) -> bytes:
    """The key bytes for file offsets start .. start + length."""
    if kind == 0x01:  # one key byte per offset, repeating every 256 bytes
        rotated = key[start % 256:] + key[:start % 256]
        return (rotated * (length // 256 + 1))[:length]
    first_page, last_page = start >> 12, (start + length - 1) >> 12
    pages = b"".join(key[page % 256:page % 256 + 1] * 4096 for page in range(first_page, last_page + 1))
    skip = start - (first_page << 12)
    return pages[skip:skip + length]


class Body:
    """The unscrambled file read as blocks in its byte order, with a bound on the work hostile data can cause."""

    def __init__(self, data: bytes):
        self.data = data
        self.order = ">" if data[BYTE_ORDER_AT] else "<"
        # A block header starts with the mark and a block type below 0x100: its high byte is zero.
        self.candidate = re.compile(rb"\x5a\x00" if self.order == ">" else rb"\x5a[\x00-\xff]\x00")
        self.work = 0

    def spend(self) -> None:
        """Count one step of looking through lists; too many is not a session but a trap."""
        self.work += 1
        if self.work > MAX_WORK:
            raise ExtractError(f"the {WHAT} is damaged: its lists hold far more entries than a session has")

    def block_at(self, pos: int, limit: int) -> Block | None:
        """The block starting at `pos` and ending by `limit`, or None when none does."""
        if self.data[pos:pos + 1] != BLOCK_MARK or pos + BLOCK_HEAD > limit:
            return None
        block_type, size, content_type = struct.unpack_from(self.order + "HIH", self.data, pos + 1)
        if block_type > 0xFF or size < 2 or pos + 7 + size > limit:
            return None
        return Block(content_type, pos + BLOCK_HEAD, pos + 7 + size)

    def top_blocks(self) -> list[Block]:
        """The blocks after the header, which follow each other to the end of the file."""
        blocks = []
        pos = HEADER_SIZE
        while pos < len(self.data):
            block = self.block_at(pos, len(self.data))
            if block is None:
                if self.data[pos:pos + 1] == BLOCK_MARK:
                    raise ExtractError(f"the {WHAT} is damaged or cut short: the block at byte {pos:,} "
                                       "runs past the end of the file")
                raise ExtractError(f"the {WHAT} is damaged: no block starts at byte {pos:,}")
            blocks.append(block)
            pos = block.end
        if not blocks:
            raise ExtractError(f"the {WHAT} is damaged: nothing follows the header")
        return blocks

    def children(self, parent: Block, content_type: int) -> list[Block]:
        """The child blocks of `parent` that hold `content_type`, in order (other children are skipped whole)."""
        found = []
        match = self.candidate.search(self.data, parent.start, parent.end)
        while match:
            self.spend()
            child = self.block_at(match.start(), parent.end)
            if child is not None and child.content_type == content_type:
                found.append(child)
            match = self.candidate.search(self.data, child.end if child else match.start() + 1, parent.end)
        return found

    def entries(self, blocks: list[Block], parent_type: int, child_type: int) -> list[Cursor]:
        """A cursor on each entry of the top-level lists of one kind."""
        return [self.cursor(child) for block in blocks if block.content_type == parent_type
                for child in self.children(block, child_type)]

    def cursor(self, block: Block, skip: int = 0) -> Cursor:
        """A cursor on a block's content, `skip` bytes in."""
        return Cursor(self.data, block.start + skip, block.end, self.order)


def _sample_rate(body: Body, block: Block) -> int | None:
    """The session sample rate: a u32 after two bytes; None when implausible."""
    try:
        rate = body.cursor(block, skip=2).number(4)
    except _PastBlock:
        return None
    return rate if 1000 <= rate <= 10_000_000 else None


def _version(body: Body, blocks: list[Block], info: dict) -> str | None:
    """"8.0.0" from the product block (the product and a longer version text kept in `info`); None without one."""
    for block in blocks:
        if block.content_type != PRODUCT_VERSION:
            continue
        cursor = body.cursor(block, skip=1)
        try:
            product = cursor.text()
            count = cursor.number(4)
            if count > MAX_VERSION_PARTS:
                return None
            numbers = [cursor.number(4) for _ in range(count)]
            written = cursor.text()
        except _PastBlock:
            return None
        # "8.0.0f314": the release number, without the build
        match = re.match(r"\d+(?:\.\d+)*", written.strip())
        version = clip(match.group() if match else ".".join(map(str, numbers))) or None
        if product.strip():
            info["product"] = clip(product)
        if written.strip() and written.strip() != version:
            info["build"] = clip(written)
        return version
    return None


def _tracks(body: Body, blocks: list[Block]) -> list[SessionStatsTrack]:
    """The tracks in order: audio when in the audio track list, MIDI when marked so, else of unknown type."""
    widths: dict[str, int] = {}
    for cursor in body.entries(blocks, AUDIO_TRACK_LIST, AUDIO_TRACK_ENTRY):
        name, width = _entry(_audio_track, cursor, "an audio track entry")
        widths.setdefault(name, width)
    listed: dict[str, int | None] = {}
    for cursor in body.entries(blocks, TRACK_LIST, TRACK_ENTRY):
        kind, name = _entry(_listed_track, cursor, "a track entry")
        listed.setdefault(name, kind)  # the list holds every track twice; Pro Tools keeps track names unique
    if not listed:  # older sessions without the full list: the audio tracks are all there is
        listed = dict.fromkeys(widths)
    names = [name for name in listed if name.strip()]
    if len(names) > MAX_TRACKS:
        raise ExtractError(f"the {WHAT} lists more than {MAX_TRACKS:,} tracks, more than this index takes")
    tracks = []
    for name in names:
        kind = AUDIO if name in widths else MIDI if listed[name] == MIDI_KIND else None
        tracks.append(SessionStatsTrack(name=clip(name), type=kind, format=CHANNEL_FORMATS.get(widths.get(name))))
    return tracks


def _audio_track(cursor: Cursor) -> tuple[str, int]:
    """An audio track list entry: the name, a byte, and the number of channels."""
    name = cursor.text()
    cursor.take(1)
    return name, cursor.number(4)


def _listed_track(cursor: Cursor) -> tuple[int, str]:
    """A full track list entry: its kind word (MIDI_KIND for MIDI tracks) and the name."""
    return cursor.number(2), cursor.text()


def _entry(read, cursor: Cursor, what: str):
    """The entry `read` reads at `cursor`; a damaged-file error naming `what` when it runs past its block."""
    try:
        return read(cursor)
    except _PastBlock:
        raise ExtractError(f"the {WHAT} is damaged: {what} runs past the end of its block") from None


def _audio_files(body: Body, blocks: list[Block]) -> list[str]:
    """The names of the session's audio files, in the order of its file list."""
    files = []
    for table in blocks:
        if table.content_type != AUDIO_FILE_TABLE:
            continue
        try:
            count = body.cursor(table).number(4)
        except _PastBlock:
            continue
        for names in body.children(table, AUDIO_FILE_NAMES):
            cursor = body.cursor(names, skip=9)
            found = 0
            # Folders, the session's path and group files are listed among the files: only audio counts.
            try:
                while found < count and cursor.pos < cursor.end:
                    body.spend()
                    name, kind = cursor.text(), cursor.take(4)
                    cursor.take(5)
                    if _is_audio_file(name, kind):
                        files.append(clip(name) or name)
                        found += 1
            except _PastBlock:
                pass  # the count promised more than the list holds: keep what was found
    return files


def _is_audio_file(name: str, kind: bytes) -> bool:
    """Whether a file list entry is an audio file: by its type, or by its name when it has no type."""
    if ".grp" in name.lower() or not name.strip():
        return False
    return kind in AUDIO_FILE_TYPES or (kind.strip(b"\0") == b"" and name.lower().endswith(AUDIO_FILE_SUFFIXES))


def complete_with_text_export(session: SessionStatsSession, text_session: SessionStatsSession,
                              text_name: str | None = None) -> SessionStatsSession:
    """The session completed from its Session Info text export: plug-ins per track, missing tracks, usage, and the
    markers and media files the session file does not give."""
    name = text_name or (PurePath(text_session.path).name if text_session.path else f"{text_session.name}.txt")
    text_tracks = list(text_session.tracks or ())
    pairs = _pairs(list(session.tracks or ()), text_tracks)
    tracks = [track.model_copy(update={"plugins": pairs[index].plugins})
              if index in pairs and pairs[index].plugins is not None else track
              for index, track in enumerate(session.tracks or ())]
    paired = {id(track) for track in pairs.values()}
    tracks += [track for track in text_tracks if id(track) not in paired]

    attributes = {**(session.attributes or {}),
                  **{key: value for key, value in (text_session.attributes or {}).items() if key != "protools"}}
    attributes["protools"] = {**(session.attributes or {}).get("protools", {}),
                              **(text_session.attributes or {}).get("protools", {})}
    attributes["text_export"] = name
    has_plugins = text_session.plugins is not None or any(track.plugins is not None for track in text_tracks)
    attributes["plugins"] = (f"read from {name}, the Session Info text export beside the session file"
                             if has_plugins else
                             f"not read from the session file, and its text export {name} does not list them")
    update = {"tracks": tracks[:MAX_TRACKS], "attributes": attributes}
    if text_session.plugins is not None:
        update["plugins"] = text_session.plugins
    for field in ("sample_rate", "bit_depth", "markers", "media_files"):
        if getattr(session, field) is None and getattr(text_session, field) is not None:
            update[field] = getattr(text_session, field)
    if session.sources or text_session.sources:
        update["sources"] = [*(session.sources or ()), *(text_session.sources or ())]
    return session.model_copy(update=update)


def _pairs(tracks: list[SessionStatsTrack], text_tracks: list[SessionStatsTrack]) -> dict[int, SessionStatsTrack]:
    """The text export's track for each track (by position) of the same name: exact first, then in any case."""
    pairs: dict[int, SessionStatsTrack] = {}
    taken: set[int] = set()
    for key in (lambda name: name, str.casefold):
        candidates: dict[str, list[SessionStatsTrack]] = {}
        for track in text_tracks:
            candidates.setdefault(key(track.name), []).append(track)
        for index, track in enumerate(tracks):
            match = next((t for t in candidates.get(key(track.name), ()) if id(t) not in taken), None)
            if index not in pairs and match is not None:
                pairs[index] = match
                taken.add(id(match))
    return pairs
