"""Extractor throughput: the real session files of the corpus, and one large generated session per format.

Run with `make bench-extract`. For each format, times `extract_file` over the format's files in the
corpus (../shared/corpus beside the project, or SESSION_STATS_CORPUS), repeated until the format has
run for at least MIN_SECONDS; files the extractor refuses (the pre-1.0 DAWproject) are left out and
counted. Then writes one large session per format into bench/data/extract (recreated each run):
LARGE.tracks tracks with LARGE.plugins plugins each, every plugin carrying its state bytes as real
files do; checks that `extract_file` reads back the tracks and instances written, and times it
(median of RUNS). Writes its section of bench/RESULTS.md.
"""
import base64
import gzip
import itertools
import os
import platform
import random
import shutil
import statistics
import struct
import time
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from app.extractors import ExtractError, extract_file, extractor_for
from bench.results import write_section

RUNS = 5
MIN_SECONDS = 1.0
MB = 1_000_000
HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "extract"
CORPUS = Path(os.environ.get("SESSION_STATS_CORPUS") or HERE.parents[1] / "shared" / "corpus")
EFFECTS = [("FabFilter", "Pro-Q 3"), ("FabFilter", "Pro-C 2"), ("FabFilter", "Pro-L 2"),
           ("Valhalla DSP", "ValhallaVintageVerb"), ("Soundtoys", "EchoBoy"), ("Waves", "CLA-76"),
           ("iZotope", "Neutron 4"), ("Universal Audio", "LA-2A Silver"), ("Xfer Records", "OTT"),
           ("Slate Digital", "VMR"), ("Plugin Alliance", "bx_console SSL 4000 E"), ("Arturia", "Comp FET-76")]
INSTRUMENTS = [("Xfer Records", "Serum"), ("Native Instruments", "Kontakt 7"), ("Spectrasonics", "Omnisphere"),
               ("u-he", "Diva")]
random_bytes = random.Random(1).randbytes


@dataclass(frozen=True)
class Size:
    """How big a generated session is."""

    tracks: int = 500
    plugins: int = 8  # per track
    state_bytes: int = 2048  # the saved state of one plugin instance
    clips: int = 20  # per track, in the Pro Tools export
    # FL Studio's mixer holds 127 inserts (the master, 125, "Current") of 10 effect slots; channels make up the rest.
    fl_inserts: int = 127
    fl_slots: int = 10

    @property
    def fl_channels(self) -> int:
        """FL Studio's instrument channels: the tracks that are not mixer inserts."""
        return self.tracks - self.fl_inserts


LARGE = Size()


def effects_of(track: int, count: int) -> list[tuple[str, str]]:
    """The (vendor, name) of a track's `count` effects: all different, varying from track to track."""
    return [EFFECTS[(track * 3 + slot) % len(EFFECTS)] for slot in range(count)]


def guid() -> str:
    """A GUID in braces, as the DAWs write them."""
    text = random_bytes(16).hex().upper()
    return f"{{{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}}}"


def wrapped(text: str, width: int) -> list[str]:
    """`text` cut into lines of `width` characters."""
    return [text[start:start + width] for start in range(0, len(text), width)]


def write_protools(path: Path, size: Size = LARGE) -> tuple[int, int]:
    """A Pro Tools session info export: header, plug-in listing, tracks with their inserts and clips."""
    chains = [effects_of(track, size.plugins) for track in range(size.tracks)]
    used = Counter(effect for chain in chains for effect in chain)
    lines = ["SESSION NAME:\tLarge session", "SAMPLE RATE:\t48000.000000", "BIT DEPTH:\t24-bit",
             "SESSION START TIMECODE:\t01:00:00:00", "TIMECODE FORMAT:\t25 Frame",
             f"# OF AUDIO TRACKS:\t{size.tracks}", f"# OF AUDIO CLIPS:\t{size.tracks * size.clips}",
             f"# OF AUDIO FILES:\t{size.tracks * size.clips}", "", "",
             "P L U G - I N S  L I S T I N G",
             "MANUFACTURER\tPLUG-IN NAME\tVERSION\tFORMAT\tSTEMS\tNUMBER OF INSTANCES"]
    lines += [f"{vendor}\t{name}\t1.2.0\tAAX Native\tStereo / Stereo\t{count} active"
              for (vendor, name), count in sorted(used.items())]
    lines += ["", "", "T R A C K  L I S T I N G"]
    for track, chain in enumerate(chains, 1):
        lines += [f"TRACK NAME:\tAudio {track}", "COMMENTS:\t", "USER DELAY:\t0 Samples", "STATE: ",
                  "PLUG-INS: \t" + "\t".join(f"{name} (stereo)" for _, name in chain),
                  "CHANNEL \tEVENT   \tCLIP NAME\tSTART TIME    \tEND TIME      \tDURATION      \tSTATE"]
        lines += [f"1\t{clip}\tAudio {track}_{clip:02}\t01:00:{clip:02}:00\t01:00:{clip:02}:12\t00:00:00:12\tUnmuted"
                  for clip in range(1, size.clips + 1)]
        lines += ["", ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return size.tracks, size.tracks * size.plugins


def write_reaper(path: Path, size: Size = LARGE) -> tuple[int, int]:
    """A REAPER project: each track an FX chain of VST3 plugins with their state, and an audio item."""
    lines = ['<REAPER_PROJECT 0.1 "7.22/win64" 1718000000', "  TEMPO 120 4 4", "  SAMPLERATE 48000 0 0"]
    for track in range(1, size.tracks + 1):
        lines += [f"  <TRACK {guid()}", f'    NAME "Track {track}"', "    VOLPAN 1 0 -1 -1 1", "    MUTESOLO 0 0 0",
                  "    ISBUS 0 0", "    SHOWINMIX 1 0.6667 0.5 1 0.5 0 0 0", "    FX 1", "    <FXCHAIN", "      SHOW 0"]
        for vendor, name in effects_of(track, size.plugins):
            state = base64.b64encode(random_bytes(size.state_bytes)).decode()
            lines += ["      BYPASS 0 0 0", f'      <VST "VST3: {name} ({vendor})" "{name}.vst3" 0 "" 1{guid()} ""']
            lines += [f"        {line}" for line in wrapped(state, 128)]
            lines += ["      >", '      PRESETNAME "Default"', "      FLOATPOS 0 0 0 0", f"      FXID {guid()}"]
        lines += ["    >", "    <ITEM", "      POSITION 0", "      LENGTH 16", "      <SOURCE WAVE",
                  f'        FILE "Audio/Track {track}.wav"', "      >", "    >", "  >"]
    path.write_text("\n".join(lines + [">"]) + "\n", encoding="utf-8")
    return size.tracks, size.tracks * size.plugins


AUTOMATED = '<AutomationTarget Id="0"><LockEnvelope Value="0" /></AutomationTarget>'
ABLETON_ON = f'<On><Manual Value="true" />{AUTOMATED}</On>'
ABLETON_PARAMETERS = "<ParameterList>" + "".join(
    f'<PluginFloatParameter Id="{number}"><ParameterName Value="Parameter {number}" /><ParameterId Value="{number}" />'
    f'<ParameterValue><Manual Value="0.5" />{AUTOMATED}</ParameterValue></PluginFloatParameter>'
    for number in range(16)) + "</ParameterList>"


def ableton_device(slot: int, vendor: str, name: str, state_bytes: int) -> str:
    """One device of a Live set: EQ Eight and Compressor first, then VST3 and AU plugins in turn."""
    if slot < 2:
        tag = ("Eq8", "Compressor2")[slot]
        return f'<{tag} Id="{slot}">{ABLETON_ON}{ABLETON_PARAMETERS}</{tag}>'
    state = "\n".join(wrapped(random_bytes(state_bytes).hex().upper(), 80))
    if slot % 2:
        info = (f'<AuPluginInfo Id="0"><Name Value="{name}" /><Manufacturer Value="{vendor}" /><IsUnusable '
                f'Value="false" /><Preset><AuPreset Id="0"><Buffer>{state}</Buffer></AuPreset></Preset></AuPluginInfo>')
        return f'<AuPluginDevice Id="{slot}">{ABLETON_ON}<PluginDesc>{info}</PluginDesc>{ABLETON_PARAMETERS}' \
               "</AuPluginDevice>"
    browser = f"query:Plugins#VST3:{quote(vendor)}:{quote(name)}"
    info = (f'<Vst3PluginInfo Id="0"><Name Value="{name}" /><Preset><Vst3Preset Id="0"><ProcessorState>{state}'
            "</ProcessorState></Vst3Preset></Preset></Vst3PluginInfo>")
    return (f'<PluginDevice Id="{slot}">{ABLETON_ON}<SourceContext><Value><BranchSourceContext Id="0">'
            f'<BrowserContentPath Value="{browser}" /></BranchSourceContext></Value></SourceContext>'
            f"<PluginDesc>{info}</PluginDesc>{ABLETON_PARAMETERS}</PluginDevice>")


def write_ableton(path: Path, size: Size = LARGE) -> tuple[int, int]:
    """A gzipped Live set: audio and MIDI tracks, then the master, each with built-in devices and plugins."""
    tracks = []
    for track in range(size.tracks):
        tag = "MasterTrack" if track == size.tracks - 1 else ("AudioTrack", "MidiTrack")[track % 2]
        devices = "".join(ableton_device(slot, vendor, name, size.state_bytes)
                          for slot, (vendor, name) in enumerate(effects_of(track, size.plugins)))
        tempo = '<Tempo><Manual Value="120" /></Tempo>' if tag == "MasterTrack" else ""
        tracks.append(f'<{tag} Id="{track}"><Name><EffectiveName Value="{track + 1}-Track" /><UserName Value="" />'
                      f'</Name><DeviceChain><Mixer><Speaker><Manual Value="true" /></Speaker>{tempo}</Mixer>'
                      f"<DeviceChain><Devices>{devices}</Devices></DeviceChain></DeviceChain></{tag}>")
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Ableton MajorVersion="5" MinorVersion="11.0_11300" '
           f'Creator="Ableton Live 11.3.4"><LiveSet><Tracks>{"".join(tracks[:-1])}</Tracks>{tracks[-1]}'
           "</LiveSet></Ableton>\n")
    path.write_bytes(gzip.compress(xml.encode(), mtime=0))
    return size.tracks, size.tracks * size.plugins


def fl_event(event_id: int, value: int | bytes) -> bytes:
    """One FL Studio event: the id, then a 1, 2 or 4 byte number, or (ids 192-255) a varint length and data."""
    if event_id < 192:
        return bytes([event_id]) + value.to_bytes(1 if event_id < 64 else 2 if event_id < 128 else 4, "little")
    length, size = bytearray(), len(value)
    while size > 0x7F:
        length.append(size & 0x7F | 0x80)
        size >>= 7
    return bytes([event_id]) + bytes(length) + bytes([size]) + value


def fl_text(text: str) -> bytes:
    return (text + "\0").encode("utf-16-le")


def fl_plugin(vendor: str, name: str, state_bytes: int) -> bytes:
    """The events of a VST3 plugin in FL's Fruity Wrapper: its state is a kind, then (id, size, data) records."""
    records = [(54, name.encode()), (55, rf"C:\Program Files\Common Files\VST3\{name}.vst3".encode()),
               (56, vendor.encode()), (53, random_bytes(state_bytes))]
    state = struct.pack("<I", 10) + b"".join(struct.pack("<IQ", key, len(data)) + data for key, data in records)
    return fl_event(201, fl_text("Fruity Wrapper")) + fl_event(203, fl_text(name)) + fl_event(213, state)


def write_fl_studio(path: Path, size: Size = LARGE) -> tuple[int, int]:
    """An FL Studio project: wrapped instruments on the channel rack, then a full mixer of wrapped effects."""
    events = [fl_event(199, b"21.2.3.4004\0"), fl_event(156, 128_000), fl_event(194, fl_text("Large session"))]
    for channel in range(size.fl_channels):
        instrument = fl_plugin(*INSTRUMENTS[channel % len(INSTRUMENTS)], size.state_bytes)
        events += [fl_event(64, channel), fl_event(21, 2), instrument,
                   fl_event(215, bytes(168)), fl_event(219, bytes(24)), fl_event(0, 1),
                   fl_event(22, channel % (size.fl_inserts - 2) + 1)]
    switches = b""
    for insert in range(size.fl_inserts):
        events += [fl_event(204, fl_text("Master" if insert == 0 else f"Insert {insert}")),
                   fl_event(236, struct.pack("<III", 0, 0x0C, 0)), fl_event(235, bytes(size.fl_inserts))]
        for slot, (vendor, name) in enumerate(effects_of(insert, size.fl_slots - 1)):
            events += [fl_plugin(vendor, name, size.state_bytes), fl_event(98, slot)]
        events += [fl_event(201, fl_text("Fruity Limiter")), fl_event(98, size.fl_slots - 1), fl_event(147, 0xFFFFFFFF)]
        switches += b"".join(struct.pack("<IBBHi", 0, 0, 31, 0x2000 | insert << 6 | slot, 1)
                             for slot in range(size.fl_slots))
    body = b"".join(events) + fl_event(225, switches)
    header = b"FLhd" + struct.pack("<IhHH", 6, 0, size.fl_channels, 96)
    path.write_bytes(header + b"FLdt" + struct.pack("<I", len(body)) + body)
    return size.fl_channels + size.fl_inserts, size.fl_channels + size.fl_inserts * size.fl_slots


def write_zip(path: Path, members: dict[str, str | bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def write_studio_one(path: Path, size: Size = LARGE) -> tuple[int, int]:
    """A Studio One song: metainfo, song and a mixer of channels with VST3 inserts, plus each insert's preset."""
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    meta = {"Document:Title": "Large session", "Document:Generator": "Studio One/6.6.2.99258", "Media:Tempo": "120"}
    members = {"metainfo.xml": head + "<MetaInformation>" + "".join(
        f'<Attribute id="{key}" value="{value}"/>' for key, value in meta.items()) + "</MetaInformation>",
        "Song/song.xml": head + '<Song><Attributes x:id="Root"><Attributes x:id="timeContext" sampleRate="48000">'
        '<TempoMap x:id="tempoMap"><TempoMapSegment start="0" tempo="0.5"/></TempoMap></Attributes></Attributes>'
        "</Song>"}
    channels = []
    for track in range(1, size.tracks + 1):
        label, inserts = "Main" if track == size.tracks else f"Track {track}", []
        for slot, (_, name) in enumerate(effects_of(track, size.plugins), 1):
            preset = f"Presets/Channels/{label}/{slot} - {name}.vstpreset"
            members[preset] = random_bytes(size.state_bytes)
            inserts.append(f'<Attributes name="FX{slot:02}"><UID x:id="uniqueID" uid="{guid()}"/><Attributes '
                           f'x:id="deviceData" name="{name}"><UID x:id="uniqueID" uid="{guid()}"/></Attributes>'
                           f'<Attributes x:id="ghostData" presetType="vstpreset"><Attributes x:id="classInfo" '
                           f'classID="{guid()}" name="{name}" category="AudioEffect" subCategory="VST3/Fx"/>'
                           f'</Attributes><Attributes x:id="Presets" pname="Default" dirty="0"/>'
                           f'<String x:id="presetPath" text="{preset}"/></Attributes>')
        tag = "AudioOutputChannel" if track == size.tracks else "AudioTrackChannel"
        channels.append(f'<{tag} gain="1" pan="0.5" name="Channel{track:02}" label="{label}" mute="0" solo="0">'
                        f'<SpeakerSetup x:id="speakerType" type="Stereo"/><UID x:id="uniqueID" uid="{guid()}"/>'
                        f'<Attributes x:id="Inserts">{"".join(inserts)}</Attributes></{tag}>')
    members["Devices/audiomixer.xml"] = (
        head + '<AudioMixer><Attributes x:id="channels" name="Channels" flags="1">'
        f'<ChannelGroup name="AudioOutput" flags="1">{channels[-1]}</ChannelGroup>'
        f'<ChannelGroup name="AudioTrack" flags="1">{"".join(channels[:-1])}</ChannelGroup></Attributes></AudioMixer>')
    write_zip(path, members)
    return size.tracks, size.tracks * size.plugins


def write_dawproject(path: Path, size: Size = LARGE) -> tuple[int, int]:
    """A DAWproject archive: project.xml with tracks of VST3 plugins, metadata.xml, and each plugin's state."""
    ids = (f"id{number}" for number in itertools.count())
    master, members, tracks = next(ids), {}, []
    for track in range(1, size.tracks + 1):
        devices = []
        for vendor, name in effects_of(track, size.plugins):
            state = f"plugins/{guid()[1:-1].lower()}.vstpreset"
            members[state] = random_bytes(size.state_bytes)
            devices.append(f'<Vst3Plugin deviceID="{random_bytes(16).hex().upper()}" deviceName="{name}" '
                           f'deviceRole="audioFX" deviceVendor="{vendor}" pluginVersion="1.2.0" loaded="true" '
                           f'id="{next(ids)}" name="{name}"><Parameters/><Enabled value="true" id="{next(ids)}" '
                           f'name="On/Off"/><State path="{state}"/></Vst3Plugin>')
        name, channel = (("Master", f'role="master" id="{master}"') if track == size.tracks else
                         (f"Track {track}", f'destination="{master}" role="regular" id="{next(ids)}"'))
        tracks.append(f'<Track contentType="audio" loaded="true" id="{next(ids)}" name="{name}"><Channel '
                      f'audioChannels="2" {channel} solo="false"><Devices>{"".join(devices)}</Devices><Mute '
                      f'value="false" id="{next(ids)}" name="Mute"/><Volume max="2.0" min="0.0" unit="linear" '
                      f'value="1.0" id="{next(ids)}" name="Volume"/></Channel></Track>')
    members["project.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Project version="1.0"><Application '
        f'name="Bitwig Studio" version="5.2"/><Transport><Tempo unit="bpm" value="120.000000" id="{next(ids)}" '
        f'name="Tempo"/></Transport><Structure>{"".join(tracks)}</Structure><Arrangement id="{next(ids)}"/></Project>')
    members["metadata.xml"] = '<?xml version="1.0" encoding="UTF-8"?>\n<MetaData><Title>Large session</Title>' \
                              "</MetaData>"
    write_zip(path, members)
    return size.tracks, size.tracks * size.plugins


# label, corpus folder, the large file's name, and the function that writes it
FORMATS = [
    ("Pro Tools text", "pt_session_text", "large.txt", write_protools),
    ("REAPER", "rpp", "large.rpp", write_reaper),
    ("Ableton Live", "als", "large.als", write_ableton),
    ("FL Studio", "flp", "large.flp", write_fl_studio),
    ("Studio One", "song", "large.song", write_studio_one),
    ("DAWproject", "dawproject", "large.dawproject", write_dawproject),
]


def bench_corpus(folder: Path, refused: list[str]) -> list[str]:
    """Table cells: files read, files/s and MB/s over at least MIN_SECONDS; adds the refused files to `refused`."""
    readable, skipped = [], []
    for path in sorted(path for path in folder.iterdir() if extractor_for(path)):
        try:
            extract_file(path)
            readable.append(path)
        except ExtractError as exc:
            skipped.append(f"{folder.name}/{path.name} ({exc.message})")
    refused += skipped
    size = sum(path.stat().st_size for path in readable)
    files = total = 0
    started = time.perf_counter()
    while readable and (elapsed := time.perf_counter() - started) < MIN_SECONDS:
        for path in readable:
            extract_file(path)
        files, total = files + len(readable), total + size
    count = f"{len(readable)} (+{len(skipped)} refused)" if skipped else f"{len(readable)}"
    if not readable:
        return [count, "–", "–"]
    return [count, f"{files / elapsed:,.0f}", f"{total / elapsed / MB:.1f}"]


def check(path: Path, tracks: int, instances: int) -> None:
    """Fail unless the extractor reads back the tracks, instances and plugin names written."""
    session = extract_file(path)
    read = len(session.tracks), sum(len(track.plugins or ()) for track in session.tracks)
    assert read == (tracks, instances), f"{path.name}: wrote {tracks} tracks, {instances} instances; read {read}"
    names = {plugin.name for track in session.tracks for plugin in track.plugins or ()}
    missing = {name for _, name in EFFECTS} - names
    assert not missing, f"{path.name}: plugins written but not read: {sorted(missing)}"


def median_seconds(path: Path) -> float:
    """The median time of RUNS extractions of one file."""
    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        extract_file(path)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main():
    started = time.perf_counter()
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    corpus_at = os.path.relpath(CORPUS, HERE.parent)
    if not CORPUS.is_dir():
        print(f"no corpus of real session files at {CORPUS}: that part is skipped", flush=True)
    rows, refused = [], []
    for label, folder, name, write in FORMATS:
        corpus = ["–", "–", "–"]
        if (CORPUS / folder).is_dir():
            corpus = bench_corpus(CORPUS / folder, refused)
            print(f"{label} corpus: {corpus[0]} files, {corpus[1]} files/s, {corpus[2]} MB/s", flush=True)
        elif CORPUS.is_dir():
            print(f"{label} corpus: no folder {CORPUS / folder}, skipped", flush=True)
        path = DATA / name
        tracks, instances = write(path)
        check(path, tracks, instances)
        seconds, size = median_seconds(path), path.stat().st_size / MB
        print(f"{label} large file: {size:.1f} MB, {tracks} tracks, {instances} instances, {seconds:.3f} s", flush=True)
        rows.append(f"| {label} | {' | '.join(corpus)} | `{name}` | {size:.1f} | {tracks:,} | {instances:,} "
                    f"| {seconds:.3f} | {1 / seconds:.1f} | {size / seconds:.1f} | {instances / seconds:,.0f} |")

    lines = [
        f"`make bench-extract` on this machine ({os.cpu_count()} cores, Python {platform.python_version()}), one run "
        f"of {time.perf_counter() - started:.0f} s. `extract_file`, one file at a time; MB = 10^6 bytes of the file "
        "as stored (compressed for .als, .song and .dawproject).",
        f"Corpus: every file of the format in `{corpus_at}/<folder>`, read over and over for at least "
        f"{MIN_SECONDS:.0f} s per format." + (f" Refused on purpose and left out: {'; '.join(refused)}."
                                               if refused else "")
        + ("" if CORPUS.is_dir() else " The corpus was absent: not measured."),
        f"Large file: one generated session per format, median of {RUNS} reads after a check that it reads back "
        f"what was written. {LARGE.tracks} tracks of {LARGE.plugins} plugins each, every plugin with "
        f"{LARGE.state_bytes:,} bytes of saved state; FL Studio's mixer holds at most {LARGE.fl_inserts} inserts of "
        f"{LARGE.fl_slots} effects, so its session is {LARGE.fl_channels} instrument channels and a full mixer.",
        "",
        "| format | corpus files | corpus files/s | corpus MB/s | large file | size MB | tracks | instances "
        "| seconds | files/s | MB/s | instances/s |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
        *rows,
    ]
    write_section("Extract", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
