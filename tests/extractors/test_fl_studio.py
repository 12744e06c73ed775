"""FL Studio projects: the real files in the corpus, small hand-made event streams, and hostile input."""
import struct
import time

import pytest

from app.extractors import ExtractError, extract_file
from app.extractors.fl_studio import extract

IL = ("Image-Line", "built-in")
SAMPLER = [("Sampler", *IL, None, None)]


def tracks_of(session):
    """(name, type, state) of every track, in order."""
    return [(track.name, track.type, track.state) for track in session.tracks]


def plugins_of(session):
    """Track name -> [(name, vendor, format, slot, active)] for tracks that have plugins."""
    return {track.name + f" ({track.type})": [(p.name, p.vendor, p.format, p.slot, p.active) for p in track.plugins]
            for track in session.tracks if track.plugins}


# Hand-made projects -------------------------------------------------------------------------

def event(event_id, value):
    """One event: a number for ids below 192, bytes (with a varint length) above."""
    if event_id < 64:
        return bytes([event_id, value])
    if event_id < 128:
        return bytes([event_id]) + struct.pack("<H", value)
    if event_id < 192:
        return bytes([event_id]) + struct.pack("<I", value)
    size, length = len(value), b""
    while True:
        byte = size & 0x7F
        size >>= 7
        length += bytes([byte | (0x80 if size else 0)])
        if not size:
            return bytes([event_id]) + length + value


def text(value):
    return (value + "\0").encode("utf-16-le")


def flp(*events, header_size=6, file_format=0, channels=1, events_size=None):
    body = b"".join(events)
    header = b"FLhd" + struct.pack("<IhHH", header_size, file_format, channels, 96)
    size = len(body) if events_size is None else events_size
    return header + b"FLdt" + struct.pack("<I", size) + body


def wrapper_state(name, path, vendor):
    """A wrapped plugin's state: a kind, then (id, size, data) records."""
    records = b""
    for record_id, data in ((51, b"abcd"), (54, name), (55, path), (56, vendor)):
        records += struct.pack("<IQ", record_id, len(data)) + data
    return struct.pack("<I", 8) + records


def channel(kind, name=None, internal="", enabled=1, insert=0, sample=None, state=None):
    events = [event(64, 0), event(21, kind), event(201, text(internal))]
    if name is not None:
        events.append(event(203, text(name)))
    if state is not None:
        events.append(event(213, state))
    events += [event(0, enabled), event(22, insert)]
    if sample is not None:
        events.append(event(196, text(sample)))
    return b"".join(events)


def insert(name=None, flags=0x4C, slots=()):
    """An insert: name, flags, ten slot-index events with the given plugins before theirs, the end."""
    events = [event(204, text(name))] if name is not None else []
    events.append(event(236, struct.pack("<III", 0, flags, 0)))
    plugins = dict(slots)
    for index in range(10):
        if index in plugins:
            internal, display, state = plugins[index]
            events.append(event(201, text(internal)))
            if display is not None:
                events.append(event(203, text(display)))
            if state is not None:
                events.append(event(213, state))
        events.append(event(98, index))
    events += [event(154, 0xFFFFFFFF), event(147, 0xFFFFFFFF)]
    return b"".join(events)


def slot_param(insert_index, slot, on):
    """One mixer parameter record saying whether a slot is on."""
    return struct.pack("<IBBHi", 0, 0, 31, 0x2000 | insert_index << 6 | slot, on)


def project(*parts, version="20.8.4.2576", tempo=128000, params=b""):
    head = [event(199, version.encode() + b"\0"), event(156, tempo)]
    return flp(*head, *parts, event(225, params))


def test_small_project():
    vst3 = wrapper_state(b"Pro-Q 3", rb"C:\Program Files\Common Files\VST3\FabFilter Pro-Q 3.vst3", b"FabFilter")
    vst2 = wrapper_state(b"Serum", rb"C:\VstPlugins\Serum_x64.dll", b"Xfer Records")
    data = project(
        event(194, text("My Song")), event(207, text("Someone")), event(206, text("House")),
        channel(2, "Bass", internal="3x Osc", insert=1),
        channel(2, "Lead", internal="Fruity Wrapper", state=vst2, enabled=0),
        channel(0, "Kick", sample=r"C:\Samples\Kick 1.wav"),
        channel(5, "Volume automation"),
        channel(3, "Layer"),
        channel(4, "Vocal take"),
        insert("Master", flags=0x0C, slots=[(9, ("Fruity Limiter", None, None))]),
        insert(slots=[(0, ("Fruity Wrapper", "Pro-Q 3", vst3)), (2, ("Fruity Reeverb 2", "Room", None))]),
        insert("Drums"),
        insert(flags=0x44),
        insert(flags=0x48, slots=[(0, ("Fruity Delay 3", None, None))]),
        insert(),  # FL's "Current" insert, unused
        params=slot_param(1, 2, 0) + slot_param(1, 0, 1),
    )
    session = extract(data, "song.flp")
    assert (session.name, session.artist, session.bpm) == ("My Song", "Someone", 128.0)
    assert (session.daw, session.daw_version) == ("FL Studio", "20.8.4.2576")
    assert session.attributes == {"ppq": 96, "channel_count": 1, "genre": "House"}
    assert tracks_of(session) == [
        ("Bass", "instrument", None), ("Lead", "instrument", "muted"), ("Kick", "instrument", None),
        ("Layer", "midi", None), ("Vocal take", "audio", None),
        ("Master", "master", None), ("Insert 1", "aux", None), ("Drums", "aux", None), ("Insert 4", "aux", None),
    ]
    assert plugins_of(session) == {
        "Bass (instrument)": [("3x Osc", *IL, None, None)],
        "Lead (instrument)": [("Serum", "Xfer Records", "VST2", None, None)],
        "Kick (instrument)": SAMPLER,
        "Master (master)": [("Fruity Limiter", *IL, "Slot 10", None)],
        "Insert 1 (aux)": [("Pro-Q 3", "FabFilter", "VST3", "Slot 1", True),
                           ("Fruity Reeverb 2", *IL, "Slot 3: Room", False)],
        "Insert 4 (aux)": [("Fruity Delay 3", *IL, "Slot 1", False)],
    }


def test_unused_inserts_muted_insert_and_defaults():
    data = project(channel(0), channel(0, insert=255), insert(), insert(flags=0x44), insert(), insert())
    session = extract(data, "/music/beat.flp")
    # No title: the file's stem; unnamed samplers: "Sampler"; a channel routed to -1 uses "Current".
    assert session.name == "beat"
    assert tracks_of(session) == [("Sampler", "instrument", None), ("Sampler", "instrument", None),
                                  ("Master", "master", None), ("Current", "aux", None)]


def test_unnamed_channels_take_the_sample_or_generator_name():
    data = project(channel(0, sample=r"C:\Samples\Snare 2.wav"), channel(2, internal="FLEX"), channel(4))
    assert [track.name for track in extract(data, "x.flp").tracks] == ["Snare 2", "FLEX", "Audio Clip"]


def test_text_before_fl_11_5_is_ansi():
    data = project(event(194, "Caf\xe9\0".encode("cp1252")), version="9.0.0")
    session = extract(data, "old.flp")
    assert (session.name, session.daw_version, session.bpm) == ("Caf\xe9", "9.0.0", 128.0)


def test_damaged_plugin_state_keeps_what_it_can():
    state = struct.pack("<I", 8) + struct.pack("<IQ", 54, 3) + b"OTT" + struct.pack("<IQ", 56, 10**12)
    data = project(channel(2, "Synth", internal="Fruity Wrapper", state=state))
    assert plugins_of(extract(data, "x.flp")) == {"Synth (instrument)": [("OTT", None, None, None, None)]}


# Real files ---------------------------------------------------------------------------------

def test_pyflp_fl_20_8_4(corpus):
    session = extract_file(corpus("flp/pyflp_FL_20.8.4.flp"))
    assert (session.name, session.artist, session.bpm) == ("PyFLP Test FLP", "demberto", 69.42)
    assert (session.daw, session.daw_version) == ("FL Studio", "20.8.4.2576")
    assert session.attributes == {"ppq": 96, "channel_count": 19, "genre": "Testing..."}
    assert tracks_of(session) == [
        ("BooBass", "instrument", None), ("Instrument track", "instrument", None), ("Layer", "midi", None),
        ("Sampler", "instrument", None), ("Colored", "audio", None), ("VST2", "instrument", None),
        ("Audio Clip", "audio", None), ("Iconified", "instrument", None), ("Fruit Kick", "instrument", None),
        ("Plucked!", "instrument", None), ("22in Kick", "audio", None), ("Zero Volume", "instrument", None),
        ("Full Volume", "instrument", None), ("100% L", "instrument", None), ("100% R", "instrument", None),
        ("Disabled", "instrument", "muted"), ("Locked", "instrument", None), ("Zipped", "instrument", None),
        ("Master", "master", None), ("Audio track", "aux", None), ("Instrument track", "aux", None),
        ("Colored", "aux", None), ("Zero Volume", "aux", None), ("No routes", "aux", None),
        ("100% L", "aux", None), ("100% R", "aux", None), ("Separator", "aux", None), ("Locked", "aux", None),
        ("Disabled", "aux", "muted"), ("Iconified", "aux", None), ("100% mono", "aux", None),
        ("100% separated", "aux", None), ("Swap LR", "aux", None), ("Invert Polarity", "aux", None),
        ("Docked left", "aux", None), ("Docked right", "aux", None), ("Bypassed", "aux", None),
        ("Plugin Test", "aux", None), ("Effect slots", "aux", None), ("50ms track latency", "aux", None),
        ("Armed", "aux", None), ("Post EQ", "aux", None), ("50ms input latency", "aux", None),
    ]
    assert len(session.tracks) == 43
    samplers = ("Instrument track", "Sampler", "Zero Volume", "Full Volume", "100% L", "100% R", "Disabled",
                "Locked", "Zipped")
    assert plugins_of(session) == {
        "BooBass (instrument)": [("BooBass", *IL, None, None)],
        **{f"{name} (instrument)": SAMPLER for name in samplers},
        "VST2 (instrument)": [("Sylenth1", "LennarDigital", "VST2", None, None)],
        "Iconified (instrument)": [("MIDI Out", *IL, None, None)],
        "Fruit Kick (instrument)": [("Fruit Kick", *IL, None, None)],
        "Plucked! (instrument)": [("Plucked!", *IL, None, None)],
        "Bypassed (aux)": [("Fruity NoteBook 2", *IL, "Slot 1: IGNORE\u2006ME", False)],
        "Plugin Test (aux)": [
            ("Fruity Balance", *IL, "Slot 1", True), ("Fruity Fast Dist", *IL, "Slot 2", True),
            ("Fruity Send", *IL, "Slot 3", True), ("Fruity Soft Clipper", *IL, "Slot 4", True),
            ("Fruity Stereo Enhancer", *IL, "Slot 5", True), ("Soundgoodizer", *IL, "Slot 6", True),
            ("OTT", "Xfer Records", "VST3", "Slot 7: OTT (failed to load)", True),
        ],
        "Effect slots (aux)": [("Fruity NoteBook 2", *IL, "Slot 1: Colored", True),
                               ("Fruity NoteBook 2", *IL, "Slot 2: Iconified", True)],
    }
    assert [track.plugins for track in session.tracks if track.name in ("Layer", "Colored", "Master")] == [None] * 4


def test_dawtool_complex(corpus):
    session = extract_file(corpus("flp/dawtool_complex.flp"))
    assert (session.name, session.artist, session.bpm) == ("dawtool_complex", None, 102.82)
    assert (session.daw, session.daw_version) == ("FL Studio", "20.0.5.91")
    assert session.attributes == {"ppq": 96, "channel_count": 35}
    audio, instrument = ("coin 4", "exit", "great fairy"), ("fortnite", "grab", "link hop", "kirby jump",
                                                             "mario 1", "windows", "peach 2")
    channels = ["coin 4", "exit", "fortnite", "grab", "link hop", "kirby jump", "great fairy", "mario 1",
                "windows", "peach 2"]
    assert tracks_of(session) == [
        *[(name, "audio" if name in audio else "instrument", None) for name in channels],
        ("Master", "master", None), *[(name, "aux", None) for name in channels],
    ]
    assert len(session.tracks) == 21
    assert plugins_of(session) == {
        **{f"{name} (instrument)": SAMPLER for name in instrument},
        "coin 4 (aux)": [("Fruity Compressor", *IL, "Slot 1", True)],
        "exit (aux)": [("Fruity Limiter", *IL, "Slot 1", True), ("Fruity Compressor", *IL, "Slot 2", True)],
    }


def test_dawtool_fl_markers(corpus):
    session = extract_file(corpus("flp/dawtool_fl-markers.flp"))
    assert (session.name, session.bpm, session.daw, session.daw_version) == (
        "dawtool_fl-markers", 130.0, "FL Studio", "20.0.5.91")
    assert session.attributes == {"ppq": 96, "channel_count": 4}
    # No insert is named: the ones the four channels are routed to take FL's default names.
    assert tracks_of(session) == [
        ("Kick", "instrument", None), ("Clap", "instrument", None), ("Hat", "instrument", None),
        ("Snare", "instrument", None), ("Master", "master", None), ("Insert 1", "aux", None),
        ("Insert 2", "aux", None), ("Insert 3", "aux", None), ("Insert 4", "aux", None),
    ]
    assert plugins_of(session) == {
        **{f"{name} (instrument)": SAMPLER for name in ("Kick", "Clap", "Hat", "Snare")},
        "Master (master)": [("Fruity Limiter", *IL, "Slot 10", True)],
    }


def test_pyflp_multi_channel(corpus):
    session = extract_file(corpus("flp/pyflp_multi-channel.flp"))
    assert (session.name, session.bpm, session.daw, session.daw_version) == (
        "pyflp_multi-channel", 140.0, "FL Studio", "20.8.4.2576")
    assert session.attributes == {"ppq": 96, "channel_count": 2}
    # Neither channel is named: FL shows the Sampler's default name.
    assert tracks_of(session) == [("Sampler", "instrument", None), ("Sampler", "instrument", None),
                                  ("Master", "master", None)]
    assert plugins_of(session) == {"Sampler (instrument)": SAMPLER}
    assert [len(track.plugins or ()) for track in session.tracks] == [1, 1, 0]


# Refused and hostile input ------------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    (b"", "does not start with FLhd"),
    (b"RIFF\x00\x00\x00\x00WAVEfmt ", "does not start with FLhd"),
    (bytes(range(256)) * 40, "does not start with FLhd"),
    (b"FLhd\x06\x00", "truncated: it ends inside its header"),
    (flp(header_size=0xFFFFFFF0), "header says it is 4294967280 bytes long"),
    (flp(file_format=0x10), "another kind of FL Studio file"),
    (flp()[:14] + b"XXXX" + flp()[18:], r"event data \(FLdt\) does not follow"),
    (flp(event(199, b"20.8.4\0"), events_size=2**31), "truncated: its events should take 2147483648 bytes"),
    (flp(b"\xc7" + b"\xff" * 40), "length of the event at byte 22 is not a valid number"),
    (flp(b"\xc7\xff\xff"), "truncated: the event at byte 22 runs past the end"),
    (flp(event(156, 120000)[:3]), "truncated: the event at byte 22 runs past the end"),
    (flp(event(64, 0), b"\xd5\x90\x4e" + b"x" * 10), "truncated: the event at byte 25 runs past the end"),
])
def test_refused(data, message):
    with pytest.raises(ExtractError, match=message):
        extract(data, "bad.flp")


def test_too_many_channels():
    data = flp((event(64, 0) + event(21, 0)) * 10_001)
    with pytest.raises(ExtractError, match="more channels, inserts or effects than FL Studio holds"):
        extract(data, "many.flp")


def test_too_many_effects_on_one_insert():
    slot = event(201, text("Fruity Limiter")) + event(98, 0)
    data = flp(event(236, bytes(12)) + slot * 1_001 + event(147, 0))
    with pytest.raises(ExtractError, match="more channels, inserts or effects than FL Studio holds"):
        extract(data, "many.flp")


def test_too_many_events():
    with pytest.raises(ExtractError, match="holds more than 2,000,000 events"):
        extract(flp(event(9, 1) * 2_000_001), "many.flp")


def test_truncated_real_file(corpus):
    data = corpus("flp/pyflp_FL_20.8.4.flp").read_bytes()
    with pytest.raises(ExtractError, match="the FL Studio project is truncated"):
        extract(data[: len(data) // 2], "half.flp")


def test_large_junk_is_fast():
    # Two megabytes of one-byte events and empty data events: read in bounded time.
    junk = (event(9, 1) + event(231, b"")) * 500_000
    start = time.monotonic()
    session = extract(flp(junk), "junk.flp")
    assert session.tracks == []
    assert time.monotonic() - start < 10


# Markers and sample files -------------------------------------------------------------------

def markers_of(session):
    return [(m.name, m.t_sec) for m in session.markers]


def test_dawtool_fl_markers_time_markers_of_every_action_but_the_time_signature(corpus):
    session = extract_file(corpus("flp/dawtool_fl-markers.flp"))
    # Ticks at 96 PPQ and 130 BPM; each marker is named after its action ("time sig" at 1932 is left out).
    ticks = {"Auto": 1220, "start": 1356, "loop": 2624, "marker loop": 3168, "marker skip": 3988,
             "marker pause": 4896, "punch in": 5640, "punch out": 6516}
    assert markers_of(session) == [(name, pytest.approx(at / 96 * 60 / 130, abs=0.001)) for name, at in ticks.items()]
    assert markers_of(session)[0] == ("Auto", pytest.approx(5.865, abs=0.001))
    assert [(m.path, m.name, m.offline) for m in session.media_files] == [
        (f"%FLStudioFactoryData%/Data/Patches/Packs/Legacy/Drums/Dance/{name} Basic.wav", f"{name} Basic.wav", None)
        for name in ("Kick", "Clap", "Hat", "Snare")]


def test_dawtool_complex_automates_its_tempo_so_its_markers_are_not_read(corpus):
    session = extract_file(corpus("flp/dawtool_complex.flp"))
    # Three time markers, placed by tempo automation clips: not read, so the field is left unset.
    assert session.markers is None and "markers" not in session.model_fields_set
    assert len(session.media_files) == 10
    assert session.media_files[1].name == "exit.wav"
    assert session.media_files[1].path == ("/Users/mark/Music/recording/samples/_drumkits/ａｌｕｃａｒｄ＇ｓ　ｉｃｅ　"
                                           "ｃａｓｔｌｅ　ｄｒｕｍ　ｋｉｔ/_ｓｆｘ_/random fx I mostly use/exit.wav")


def test_pyflp_files_show_an_arrangement_without_markers(corpus):
    # FL 20.8.4: a pattern's markers and the second arrangement's are not those of the arrangement shown.
    session = extract_file(corpus("flp/pyflp_FL_20.8.4.flp"))
    assert session.markers == []
    assert [m.path for m in session.media_files] == [
        r"%FLStudioFactoryData%\Data\Patches\Packs\Drums\Kicks\22in Kick.wav"]
    session = extract_file(corpus("flp/pyflp_multi-channel.flp"))
    assert (session.markers, session.media_files) == ([], [])


def time_marker(ticks, name, action=0):
    return event(148, action << 24 | ticks) + event(33, 4) + event(34, 4) + event(205, text(name))


def arrangements(shown=b""):
    """A pattern with a marker, a channel, then two arrangements with theirs, and `shown` after them."""
    return project(
        event(65, 1), time_marker(96, "in a pattern"),
        channel(0, "Kick"),
        event(99, 0), event(241, text("First")), time_marker(384, "Late"), time_marker(0, "Top"),
        time_marker(192, "3/4", action=8), time_marker(96, "Punch", action=9),
        event(99, 1), event(241, text("Second")), time_marker(48, "Other"),
        shown, tempo=120000)


def test_markers_of_the_arrangement_shown_in_time_order_without_pattern_or_time_signature_markers():
    first = [("Top", 0.0), ("Punch", 0.5), ("Late", 2.0)]  # 96 ticks a beat at 120 BPM
    assert markers_of(extract(arrangements(event(100, 0)), "x.flp")) == first
    assert markers_of(extract(arrangements(event(100, 1)), "x.flp")) == [("Other", 0.25)]
    assert markers_of(extract(arrangements(), "x.flp")) == first  # none named as shown: the first


def test_markers_are_not_read_before_fl_20_or_when_the_tempo_is_automated():
    assert extract(project(channel(0, "Kick"), time_marker(96, "Old")), "x.flp").markers is None
    assert extract(project(channel(0, "Kick"), event(99, 0)), "x.flp").markers == []
    arrangement = event(99, 0) + time_marker(96, "A")
    # Automation links: word, channel, word, parameter, target, then two dwords; 5 at 0x4000 is the master tempo.
    volume = event(227, struct.pack("<HIHHHII", 0, 2, 0, 0, 0x4000, 8, 469))
    tempo = event(227, struct.pack("<HIHHHII", 0, 1, 0, 5, 0x4000, 8, 469))
    assert markers_of(extract(project(volume, channel(0, "Kick"), arrangement), "x.flp")) == [("A", 0.46875)]
    assert extract(project(tempo, channel(0, "Kick"), arrangement), "x.flp").markers is None


def test_sample_files_once_per_path_in_rack_order():
    kick = r"C:\Samples\kick.wav"
    data = project(channel(0, "Kick", sample=kick), channel(0, "Again", sample=kick),
                   channel(2, "Synth", internal="3x Osc"), channel(4, "Vox", sample="/Users/me/vox.wav"))
    assert [(m.path, m.name) for m in extract(data, "x.flp").media_files] == [
        (r"C:\Samples\kick.wav", "kick.wav"), ("/Users/me/vox.wav", "vox.wav")]


def test_markers_past_what_the_wire_format_takes_are_dropped():
    many = b"".join(time_marker(index, f"M{index}") for index in range(10_005))
    session = extract(project(channel(0, "Kick"), event(99, 0), many), "x.flp")
    assert len(session.markers) == 10_000 and session.markers[-1].name == "M9999"


# The time inside the file (event 237) --------------------------------------------------------

@pytest.mark.parametrize("name, created, worked", [
    ("dawtool_complex.flp", "2020-03-13T17:21:15", 15175.567),
    ("dawtool_fl-markers.flp", "2020-05-08T17:34:14", 627.546),
    ("pyflp_FL_20.8.4.flp", "2022-09-16T20:47:12", 9119.258),
    ("pyflp_multi-channel.flp", "2022-09-29T16:14:53", 160.944),
])
def test_the_creation_time_and_the_time_spent_from_the_file_itself(corpus, name, created, worked):
    path = corpus(f"flp/{name}")
    session = extract(path.read_bytes(), name)
    assert session.created_at.isoformat(timespec="seconds") == created + "+00:00"
    assert session.started_at == session.created_at
    assert session.work_seconds == worked
    # The file's own creation time wins over its modification time.
    assert extract_file(path).created_at == session.created_at


@pytest.mark.parametrize("created_days, work_days, created, worked", [
    (45000.5, 0.25, "2023-03-15T12:00:00+00:00", 21600.0),
    (float("nan"), float("inf"), None, None),
    (-3.0, -0.5, None, None),
    (12.0, 1e12, None, None),  # a date before FL Studio existed; ten years of work is the most a file may say
    (1e300, 3650.0, None, 315360000.0),
])
def test_time_values_out_of_range_are_left_out(created_days, work_days, created, worked):
    session = extract(flp(event(199, b"20.8.4\0"), event(237, struct.pack("<dd", created_days, work_days))), "t.flp")
    assert (session.created_at and session.created_at.isoformat()) == created
    assert session.work_seconds == worked


def test_a_short_time_event_is_ignored():
    session = extract(flp(event(199, b"20.8.4\0"), event(237, b"\x00" * 8)), "t.flp")
    assert session.created_at is None and session.started_at is None and session.work_seconds is None
