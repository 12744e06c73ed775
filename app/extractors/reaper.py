"""REAPER projects (.rpp): tracks with their plugin chains, tempo, sample rate and REAPER version.

An .rpp file is UTF-8 text made of nested blocks: a line `<TAG values...` opens a block and a
line `>` closes it; every other line is `KEY values...`. Values are separated by spaces; a value
holding spaces is quoted with ", ' or ` (whichever quote it does not contain). The file is read
in one pass, line by line, keeping only the stack of open blocks and what is extracted, so time
grows with the file's length and memory does not grow with its data (plugin states, MIDI).
Files edited by hand are read the same: a byte order mark, UTF-16, CRLF or classic Mac (CR) line
ends, blank lines, indentation and trailing whitespace of spaces or tabs, a tab after a line's key.

What is read, and from where:
- the header `<REAPER_PROJECT 0.1 "6.69/win64" ...`: the version ("6.69", the daw_version) and
  the platform ("win64", in attributes); project lines TEMPO (bpm) and SAMPLERATE (0 = unset);
- each `<TRACK` of the project, in order: NAME (an unnamed track is "Track N", as REAPER shows
  it), MUTESOLO (first value 1: "muted"), SHOWINMIX (first and fourth values 0: shown neither in
  the mixer nor in the track list: "hidden"), ISBUS (first value 1: a folder parent), FX (0: the
  whole FX chain is bypassed);
- plugin chains: the track's `<FXCHAIN` (slots "1", "2", ...), its input FX `<FXCHAIN_REC`
  ("input 1", ...) and the take FX `<TAKEFX` of its items ("take 1", ... counted over the track);
  a `<CONTAINER` inside a chain holds plugins of its own (container in slot 2: "2.1", "2.2", ...).
  In a chain, a line `BYPASS a b c` comes before each plugin block (a=1 bypassed, b=1 offline:
  either makes the instance inactive) and a line `PRESETNAME` after it;
- `<MASTERFXLIST`: the master FX, as a track "Master" listed first, only when it holds plugins
  (MASTER_FX 0 bypasses them, MASTERMUTESOLO bit 1 mutes the master);
- project lines MARKER (markers and regions) and the FILE lines of items' `<SOURCE` blocks (the
  media files): see reaper_timeline.

Plugin blocks: `<VST "VST3i: Kontakt (Native Instruments) (64 out)" ...` and likewise AU, CLAP,
LV2 and DX: the quoted display string is "FORMAT: Name (Vendor)", where REAPER may add notes
after the vendor, on channels ("(64 out)", "(2->6ch)", "(mono)") and on bridged plugins'
architecture after the name ("(x86)"); both are dropped. Formats ending in "i" (VSTi, VST3i, AUi,
CLAPi, ...) are instruments of that format. `<JS path ""`: a JSFX named by its path, vendor
unknown. `<VIDEO_EFFECT "Video processor" ...`: REAPER's own video processor (built-in, Cockos).

Track types: a folder parent is a group (a REAPER folder sums the tracks inside it); otherwise a
track with an instrument in its FX chain is an instrument track, then one with MIDI items a MIDI
track, then one with audio items an audio track, then one with only video items a video track;
anything else has no type.
"""
import io
import re
from dataclasses import dataclass, field

from app.extractors.errors import ExtractError
from app.extractors.names import file_title
from app.extractors.reaper_plugins import Plugin, instance, plugin_of_block, preset_name
from app.extractors.reaper_timeline import Timeline, value_number
from app.extractors.text_encoding import utf8_lines
from app.extractors.vocabulary import AUDIO, GROUP, INSTRUMENT, MASTER, MIDI, VIDEO
from app.wire import MAX_NAME, MAX_PLUGINS_PER_TRACK, MAX_TRACKS, SessionStatsSession, SessionStatsTrack

# Real projects nest a few levels (project, track, item, source, MIDI event); far deeper is junk.
MAX_DEPTH = 200
# No value that matters is longer; cutting keeps the work on a hostile line small.
MAX_VALUE = 4000
MAX_VALUES = 8
# Far more plugin instances than any real project holds; past it the file is junk.
MAX_INSTANCES = 100_000

QUOTES = "\"'`"
# The lines read in the project block, a track block, a chain block and a source block, by how they start.
PROJECT_KEYS = (b"TEMPO ", b"SAMPLERATE ", b"MASTER_FX ", b"MASTERMUTESOLO ", b"MARKER ")
TRACK_KEYS = (b"NAME ", b"MUTESOLO ", b"SHOWINMIX ", b"ISBUS ", b"FX ")
CHAIN_KEYS = (b"BYPASS ", b"PRESETNAME ")
SOURCE_KEYS = (b"FILE ",)
_SPACES = re.compile(r"\s*")
_WORD = re.compile(r"\S*")
# A line's key (or opening tag) and the blanks after it, which the reader wants as one space.
_KEY_AND_BLANKS = re.compile(rb"(\S+)\s+")
HEADER = b"<REAPER_PROJECT"

PLUGIN_TAGS = {"VST", "AU", "CLAP", "LV2", "DX", "JS", "VIDEO_EFFECT"}
MIDI_SOURCES = {"MIDI", "MIDIPOOL"}
AUDIO_SOURCES = {"WAVE", "MP3", "FLAC", "VORBIS", "OPUS", "WAVPACK"}
VIDEO_SOURCES = {"VIDEO"}


@dataclass
class _Track:
    name: str | None = None
    muted: bool = False
    hidden: bool = False
    folder: bool = False
    chain_bypassed: bool = False
    main: list[Plugin] = field(default_factory=list)
    inputs: list[Plugin] = field(default_factory=list)
    takes: list[Plugin] = field(default_factory=list)
    take_count: int = 0
    sources: set[str] = field(default_factory=set)

    def plugin_count(self) -> int:
        return len(self.main) + len(self.inputs) + len(self.takes)


@dataclass
class _Chain:
    """One FX chain (or container) being read: where its plugins go and what came before them."""

    track: _Track
    plugins: list[Plugin]
    slot_prefix: str
    count: int = 0
    inactive: bool = False
    bypass: tuple[bool, bool] | None = None
    last: Plugin | None = None

    def next_slot(self) -> tuple[str, bool | None]:
        """The slot of the next block in this chain and whether it is on, taking its BYPASS line."""
        self.count += 1
        bypass, self.bypass = self.bypass, None
        if self.inactive or (bypass and any(bypass)):
            return f"{self.slot_prefix}{self.count}", False
        return f"{self.slot_prefix}{self.count}", (None if bypass is None else True)

    def add(self, tag: str, values: list[str]) -> None:
        slot, active = self.next_slot()
        plugin = plugin_of_block(tag, values, slot, active)
        self.last = plugin
        # A track cannot carry more; the first ones (its main chain) are kept.
        if plugin is not None and self.track.plugin_count() < MAX_PLUGINS_PER_TRACK:
            self.plugins.append(plugin)

    def container(self) -> "_Chain":
        slot, active = self.next_slot()
        self.last = None
        return _Chain(self.track, self.plugins, f"{slot}.", inactive=active is False)


@dataclass
class _Frame:
    """An open block: its tag, the track it belongs to, and the chain it is (if one)."""

    tag: str
    track: _Track | None = None
    chain: _Chain | None = None
    is_track: bool = False
    keys: tuple[bytes, ...] = ()  # the lines read in this block, by how they start


def extract(data: bytes, filename: str) -> SessionStatsSession:
    """The session in a REAPER project's bytes; ExtractError when it is not one or is damaged."""
    data = utf8_lines(data, HEADER)
    if not data.strip():
        raise ExtractError("the file is empty")
    reader = _Reader()
    reader.read(data)
    return reader.session(file_title(filename))


class _Reader:
    """Reads a project line by line into tracks and project settings."""

    def __init__(self):
        self.stack: list[_Frame] = []
        self.tracks: list[_Track] = []
        self.master = _Track(name="Master")
        self.version: str | None = None
        self.platform: str | None = None
        self.bpm: float | None = None
        self.sample_rate: int | None = None
        self.instances = 0
        self.timeline = Timeline()

    def read(self, data: bytes) -> None:
        """Reads the project's lines into this reader."""
        # UTF-8 never has a newline byte inside a character, so byte lines are the text's lines;
        # only the lines that matter are decoded.
        for raw in io.BytesIO(data):
            line = raw.strip()
            if not line:
                continue
            if b"\t" in line:  # REAPER writes spaces; an editor may have made some tabs
                line = _KEY_AND_BLANKS.sub(rb"\1 ", line, count=1)
            if not self.stack:
                self._header(_text(line))
            elif line.startswith(b"<"):
                self._open(_text(line[1:]))
            elif line == b">":
                self._close()
                if not self.stack:
                    return  # the project block is complete; anything after it is not REAPER's
            elif line.startswith(self.stack[-1].keys):
                self._line(_text(line))
        if not self.stack:
            raise ExtractError("the file is empty")
        raise ExtractError(f"the REAPER project is cut short: it ends inside an open <{self.stack[-1].tag} "
                           "block (the file may be truncated)")

    def _header(self, line: str) -> None:
        if not line.startswith("<REAPER_PROJECT"):
            raise ExtractError("not a REAPER project: the file does not start with <REAPER_PROJECT")
        values = _values(line[len("<REAPER_PROJECT"):])
        if len(values) > 1 and values[1]:
            version, _, platform = values[1].partition("/")
            # A version longer than a name is damage: cut, as other values are.
            self.version = version[:MAX_NAME] or None
            self.platform = platform[:MAX_NAME] or None
        self.stack.append(_Frame("REAPER_PROJECT", keys=PROJECT_KEYS))

    def _open(self, text: str) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise ExtractError(f"the REAPER project nests blocks more than {MAX_DEPTH} deep; the file is damaged")
        tag, _, rest = text.partition(" ")
        parent = self.stack[-1]
        frame = _Frame(tag, track=parent.track)
        if len(self.stack) == 1:
            if tag == "TRACK":
                frame.track = self._new_track()
                frame.is_track = True
                frame.keys = TRACK_KEYS
            elif tag == "MASTERFXLIST":
                frame.track = self.master
                frame.chain = _Chain(self.master, self.master.main, "")
        elif parent.chain is not None:
            if tag in PLUGIN_TAGS:
                self._count_instance()
                parent.chain.add(tag, _values(rest))
            elif tag == "CONTAINER":
                frame.chain = parent.chain.container()
        elif frame.track is not None:
            frame.chain = self._track_chain(parent, frame.track, tag)
            source = _values(rest)[:1] if tag == "SOURCE" else []
            if source and source[0] in MIDI_SOURCES | AUDIO_SOURCES | VIDEO_SOURCES:
                frame.track.sources.add(source[0])
            if tag == "SOURCE":
                frame.keys = SOURCE_KEYS
        if frame.chain is not None:
            frame.keys = CHAIN_KEYS
        self.stack.append(frame)

    def _count_instance(self) -> None:
        self.instances += 1
        if self.instances > MAX_INSTANCES:
            raise ExtractError(f"the REAPER project has more than {MAX_INSTANCES:,} plugin instances; refused")

    def _new_track(self) -> _Track:
        if len(self.tracks) >= MAX_TRACKS:
            raise ExtractError(f"the REAPER project has more than {MAX_TRACKS:,} tracks; refused")
        track = _Track()
        self.tracks.append(track)
        return track

    @staticmethod
    def _track_chain(parent: _Frame, track: _Track, tag: str) -> _Chain | None:
        """The chain a block opens when it is one of a track's FX chains."""
        if parent.is_track and tag == "FXCHAIN":
            return _Chain(track, track.main, "")
        if parent.is_track and tag == "FXCHAIN_REC":
            return _Chain(track, track.inputs, "input ")
        if parent.tag == "ITEM" and tag == "TAKEFX":
            return _Chain(track, track.takes, "take ", count=track.take_count)
        return None

    def _close(self) -> None:
        frame = self.stack.pop()
        if frame.tag == "TAKEFX" and frame.chain is not None:
            frame.track.take_count = frame.chain.count

    def _line(self, line: str) -> None:
        frame = self.stack[-1]
        if frame.chain is not None:
            self._chain_line(frame.chain, line)
        elif frame.is_track:
            self._track_line(frame.track, line)
        elif frame.tag == "SOURCE":
            self.timeline.file(_values(line.partition(" ")[2]))
        elif len(self.stack) == 1:
            self._project_line(line)

    @staticmethod
    def _chain_line(chain: _Chain, line: str) -> None:
        key, _, rest = line.partition(" ")
        if key == "BYPASS":
            values = _values(rest)
            chain.bypass = (value_number(values, 0) not in (None, 0), value_number(values, 1) not in (None, 0))
        elif key == "PRESETNAME" and chain.last is not None and chain.last.preset is None:
            chain.last.preset = preset_name(_values(rest))

    @staticmethod
    def _track_line(track: _Track, line: str) -> None:
        key, _, rest = line.partition(" ")
        if key == "NAME" and track.name is None:
            values = _values(rest)
            track.name = values[0] if values else ""
        elif key == "MUTESOLO":
            track.muted = value_number(_values(rest), 0) not in (None, 0)
        elif key == "SHOWINMIX":
            values = _values(rest)
            track.hidden = value_number(values, 0) == 0 and value_number(values, 3) == 0
        elif key == "ISBUS":
            track.folder = value_number(_values(rest), 0) == 1
        elif key == "FX":
            track.chain_bypassed = value_number(_values(rest), 0) == 0

    def _project_line(self, line: str) -> None:
        key, _, rest = line.partition(" ")
        if key == "TEMPO":
            bpm = value_number(_values(rest), 0)
            self.bpm = bpm if bpm is not None and 0 < bpm <= 10_000 else None
        elif key == "SAMPLERATE":
            rate = value_number(_values(rest), 0)
            self.sample_rate = int(rate) if rate is not None and rate.is_integer() and 0 < rate <= 10_000_000 else None
        elif key == "MASTER_FX":
            self.master.chain_bypassed = value_number(_values(rest), 0) == 0
        elif key == "MASTERMUTESOLO":
            flags = value_number(_values(rest), 0)
            self.master.muted = flags is not None and flags.is_integer() and int(flags) & 1 == 1
        elif key == "MARKER":
            self.timeline.marker(_values(rest))

    def session(self, name: str) -> SessionStatsSession:
        """The session read, named `name`."""
        tracks = [_track_model(track, f"Track {number}") for number, track in enumerate(self.tracks, 1)]
        if self.master.main:
            tracks.insert(0, _track_model(self.master, "Master", MASTER))
        return SessionStatsSession(
            name=name,
            tracks=tracks,
            sample_rate=self.sample_rate,
            bpm=self.bpm,
            daw="REAPER",
            daw_version=self.version,
            attributes={"platform": self.platform} if self.platform else None,
            markers=self.timeline.markers(),
            media_files=self.timeline.media_files(),
        )


def _text(line: bytes) -> str:
    """A line as text: bytes that are not UTF-8, and NULs (no name holds one; a damaged file may), as U+FFFD."""
    return line.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _values(text: str) -> list[str]:
    """The first values of a line after its key, unquoted (REAPER quotes with ", ' or `)."""
    values = []
    position = _SPACES.match(text).end()
    while position < len(text) and len(values) < MAX_VALUES:
        quote = text[position]
        if quote in QUOTES:
            end = text.find(quote, position + 1)
            end = len(text) if end < 0 else end
            values.append(text[position + 1:end][:MAX_VALUE])
            position = end + 1
        else:
            end = _WORD.match(text, position).end()
            values.append(text[position:end][:MAX_VALUE])
            position = end
        position = _SPACES.match(text, position).end()
    return values


def _track_model(track: _Track, fallback_name: str, type_: str | None = None) -> SessionStatsTrack:
    """The wire track for a track read."""
    main = track.main
    if track.chain_bypassed:
        for plugin in main:
            plugin.active = False
    plugins = [instance(plugin) for plugin in main + track.inputs + track.takes]
    states = [state for state, flag in (("muted", track.muted), ("hidden", track.hidden)) if flag]
    return SessionStatsTrack(
        name=((track.name or "").strip() or fallback_name)[:MAX_NAME],
        type=type_ or _track_type(track),
        state=", ".join(states) or None,
        plugins=plugins,
    )


def _track_type(track: _Track) -> str | None:
    """The track's type, by the rules in the module's docstring."""
    if track.folder:
        return GROUP
    if any(plugin.instrument for plugin in track.main):
        return INSTRUMENT
    if track.sources & MIDI_SOURCES:
        return MIDI
    if track.sources & AUDIO_SOURCES:
        return AUDIO
    if track.sources & VIDEO_SOURCES:
        return VIDEO
    return None
