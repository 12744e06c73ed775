"""REAPER projects: the real files in the corpus, small projects for each rule, and broken input."""
import os
import re
import time
from textwrap import dedent

import pytest

from app.extractors import extract_file
from app.extractors.errors import ExtractError
from app.extractors.reaper import extract
from app.wire import MAX_MARKERS, MAX_PLUGINS_PER_TRACK

NI = "Native Instruments"


def markers(session):
    """A session's markers as (name, start, end)."""
    return [(m.name, m.t_sec, m.end_sec) for m in session.markers]


def media(session):
    """A session's media files as (path, name, offline)."""
    return [(f.path, f.name, f.offline) for f in session.media_files]


def plugins(track):
    """A track's plugin instances as (slot, name, vendor, format, active, preset)."""
    return [(p.slot, p.name, p.vendor, p.format, p.active, p.preset) for p in track.plugins]


def read(body: str, header: str = '<REAPER_PROJECT 0.1 "7.10/linux-x86_64" 1700000000', filename: str = "song.rpp"):
    """The session of a small project: the header, `body` (dedented), and the closing line."""
    return extract(f"{header}\n{dedent(body)}>\n".encode(), filename)


def one_track(fx_lines: str, extra: str = ""):
    """The only track of a project whose track holds `fx_lines` in its FX chain."""
    session = read(f"<TRACK\nNAME T\n{extra}<FXCHAIN\n{dedent(fx_lines)}>\n>\n")
    assert len(session.tracks) == 1
    return session.tracks[0]


# --- the corpus -------------------------------------------------------------------------------

def test_perlence_vst(corpus):
    session = extract_file(corpus("rpp/perlence_vst.RPP"))
    assert (session.name, session.daw, session.daw_version) == ("perlence_vst", "REAPER", "5.50c")
    assert (session.bpm, session.sample_rate, session.attributes) == (120.0, 44100, None)
    odd_name = "0123456789 abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\"#$%&'()*+,-./:;<=>?@[\\]^_'{|}~"
    assert [t.name for t in session.tracks] == [
        "5.50", "Synth", "|Beep Boop", "Boop", odd_name, '"hey', 'hey"', "<", ">", "<>"]
    assert len(session.tracks) == 10
    assert [t.type for t in session.tracks] == ["midi", "instrument", "group"] + [None] * 7
    assert [t.state for t in session.tracks] == [None] * 10
    assert [plugins(t) for t in session.tracks] == [
        [("1", "ReaComp", "Cockos", "VST2", True, None)],
        [("1", "ReaSynth", "Cockos", "VST2", True, None)],
        [],
        [("1", "loser/3BandEQ", None, "JS", True, None)],
        [], [], [], [], [], [],
    ]
    # MARKER 1 2 "" 0 / MARKER 1 4 "" 1 / MARKER 1 6 "" 1: marker 1 at 2 s, and region 1 from 4 s to 6 s.
    assert markers(session) == [("", pytest.approx(2.0, abs=0.001), None),
                                ("", pytest.approx(4.0, abs=0.001), pytest.approx(6.0, abs=0.001))]
    assert all(m.comment is None and m.track is None for m in session.markers)
    assert session.media_files == []  # a MIDI item and a click source: no files


def test_rppeditor_master_fx(corpus):
    session = extract_file(corpus("rpp/rppeditor_test2.rpp"))
    assert (session.name, session.daw, session.daw_version) == ("rppeditor_test2", "REAPER", "7.51")
    assert (session.bpm, session.sample_rate, session.attributes) == (135.0, 44100, {"platform": "win64"})
    assert [(t.name, t.type, t.state) for t in session.tracks] == [("Master", "master", None), ("Track1", None, None)]
    assert plugins(session.tracks[0]) == [("1", "ReaEQ", "Cockos", "VST2", True, "stock - Mud Free")]
    assert plugins(session.tracks[1]) == [("1", "ReaComp", "Cockos", "VST2", True, "stock - steady rock kick")]


def test_exvertus_bwv879(corpus):
    session = extract_file(corpus("rpp/exvertus_bwv879.rpp"))
    assert (session.daw, session.daw_version, session.attributes) == ("REAPER", "6.69", {"platform": "win64"})
    assert (session.bpm, session.sample_rate) == (120.0, 44100)
    assert [(t.name, t.type, t.state) for t in session.tracks] == [("Absynth 5", "instrument", None)]
    # "VSTi: Absynth 5 (x86) (Native Instruments GmbH) (2->6ch)"; PRESETNAME <disabled> is no preset
    assert plugins(session.tracks[0]) == [("1", "Absynth 5", NI, "VST2", True, None)]


def test_exvertus_track2(corpus):
    session = extract_file(corpus("rpp/exvertus_track2.rpp"))
    assert (session.daw_version, session.bpm, session.sample_rate) == ("6.69", 76.0, 44100)
    assert [(t.name, t.type, t.state) for t in session.tracks] == [
        ("ReaSynth", "instrument", None),
        ("3sSamples", "audio", "muted"),
        ("3sfull76", "audio", "muted"),
        ("Piecemeal", "audio", None),
    ]
    assert [plugins(t) for t in session.tracks] == [
        [("1", "ReaSynth", "Cockos", "VST2", True, "ReferenceSynth")],
        [],
        [],
        [("1", "FabFilter Pro-Q 3", "FabFilter", "VST3", True, None),
         ("2", "loser/Saturation", None, "JS", True, None),
         ("3", "FabFilter Pro-Q 3", "FabFilter", "VST3", True, None)],  # renamed "Cheap Radio HPF" in REAPER
    ]
    # 201 FILE lines name three files, relative to the project's folder as written on Windows.
    assert media(session) == [("audio\\ThirdStrike76.wav", "ThirdStrike76.wav", None),
                              ("audio\\3sfull76.wav", "3sfull76.wav", None),
                              ("audio\\3sfull76-glued-01.wav", "3sfull76-glued-01.wav", None)]
    assert session.markers == []


def test_exvertus_lighterfluid(corpus):
    started = time.monotonic()
    session = extract_file(corpus("rpp/exvertus_lighterfluid.rpp"))
    assert time.monotonic() - started < 5  # 2.4 MB, mostly plugin state
    assert (session.daw_version, session.bpm, session.sample_rate) == ("6.69", 120.0, 44100)
    assert [(t.name, t.type, t.state) for t in session.tracks] == [
        ("Guitar", "instrument", "muted"),
        ("Harmony", "instrument", None),
        ("Bass", "instrument", None),
        ("Kontakt", "instrument", None),
    ]
    assert [plugins(t) for t in session.tracks] == [
        [("1", "Kontakt", NI, "VST3", True, "Kontakt: MIDI channel 0 program 0")],
        [("1", "Absynth 5", NI, "VST2", True, None)],
        [("1", "Reaktor 6", NI, "VST2", True, "Funk Punk")],
        [("1", "Kontakt", NI, "VST2", True, "Kontakt")],
    ]
    assert session.markers == [] and session.media_files == []  # MIDI items held in the project


# --- plugin instances -------------------------------------------------------------------------

def test_bypass_and_offline_make_an_instance_inactive():
    track = one_track("""\
        BYPASS 1 0 0
        <VST "VST: ReaEQ (Cockos)" reaeq.dll 0 "" 1919247729
        >
        BYPASS 0 1 0
        <VST "VST: ReaComp (Cockos)" reacomp.dll 0 "" 1919247213
        >
        BYPASS 0 0 0
        <VST "VST: ReaGate (Cockos)" reagate.dll 0 "" 1919248244
        >
        <VST "VST: ReaDelay (Cockos)" readelay.dll 0 "" 1919247468
        >
        """)
    assert [(p.name, p.active) for p in track.plugins] == [
        ("ReaEQ", False), ("ReaComp", False), ("ReaGate", True), ("ReaDelay", None)]


def test_a_bypassed_fx_chain_makes_its_instances_inactive_but_not_input_fx():
    session = read("""\
        <TRACK
          NAME T
          FX 0
          <FXCHAIN
            BYPASS 0 0 0
            <VST "VST: ReaEQ (Cockos)" reaeq.dll 0 "" 1919247729
            >
          >
          <FXCHAIN_REC
            BYPASS 0 0 0
            <VST "VST: ReaComp (Cockos)" reacomp.dll 0 "" 1919247213
            >
          >
        >
        """)
    assert [(p.slot, p.name, p.active) for p in session.tracks[0].plugins] == [
        ("1", "ReaEQ", False), ("input 1", "ReaComp", True)]


def test_display_names_lose_channel_and_architecture_notes():
    track = one_track("""\
        <VST "VST3i: Serum (Xfer Records) (64 out)" Serum.vst3 0 "" 1
        >
        <VST "VSTi: Absynth 5 (x86) (Native Instruments GmbH) (2->6ch)" "Absynth 5.dll" 0 "" 2
        >
        <VST "VST: TDR Nova (Tokyo Dawn Labs) (8->8ch)" nova.dll 0 "" 3
        >
        <AU "AU: AUBandpass (Apple) (mono)" "Apple: AUBandpass" "" 4
        >
        <VST "VST3: Pro-C 2 (FabFilter)" "FabFilter Pro-C 2.vst3" 0 "Bus glue" 5
        >
        """)
    assert plugins(track) == [
        ("1", "Serum", "Xfer Records", "VST3", None, None),
        ("2", "Absynth 5", NI, "VST2", None, None),
        ("3", "TDR Nova", "Tokyo Dawn Labs", "VST2", None, None),
        ("4", "AUBandpass", "Apple", "AU", None, None),
        ("5", "Pro-C 2", "FabFilter", "VST3", None, None),
    ]
    assert track.type == "instrument"


def test_every_plugin_block_format():
    track = one_track("""\
        <CLAP "CLAPi: Surge XT (Surge Synth Team)" org.surge-synth-team.surge-xt ""
          <STATE
            AAAA
          >
        >
        <LV2 "LV2: Calf Reverb (Calf Studio Gear)" urn:calf:Reverb ""
        >
        <DX "DX: Old Chorus (Acme)" "" ""
        >
        <AU "AUi: DLSMusicDevice (Apple)" "Apple: DLSMusicDevice" ""
        >
        <VST "Plain Name" plain.vst3 0 "" 1
        >
        <VIDEO_EFFECT "Video processor" ""
          <CODE
            |// nothing
          >
        >
        """)
    assert plugins(track) == [
        ("1", "Surge XT", "Surge Synth Team", "CLAP", None, None),
        ("2", "Calf Reverb", "Calf Studio Gear", "LV2", None, None),
        ("3", "Old Chorus", "Acme", "DX", None, None),
        ("4", "DLSMusicDevice", "Apple", "AU", None, None),
        ("5", "Plain Name", None, "VST3", None, None),
        ("6", "Video processor", "Cockos", "built-in", None, None),
    ]


def test_js_effects_are_named_by_their_path():
    track = one_track("""\
        BYPASS 0 0 0
        <JS utility/volume ""
          0.000000 - - -
        >
        BYPASS 0 0 0
        <JS "Saike/Yutani (Bass).jsfx" "My bass"
          - - -
        >
        """)
    assert plugins(track) == [
        ("1", "utility/volume", None, "JS", True, None),
        ("2", "Saike/Yutani (Bass).jsfx", None, "JS", True, None),
    ]


def test_preset_names_belong_to_the_plugin_before_them():
    track = one_track("""\
        BYPASS 0 0 0
        <VST "VST: ReaEQ (Cockos)" reaeq.dll 0 "" 1
        >
        PRESETNAME "stock - Mud Free"
        FLOATPOS 0 0 0 0
        BYPASS 0 0 0
        <VST "VST: ReaComp (Cockos)" reacomp.dll 0 "" 2
        >
        BYPASS 0 0 0
        <VST "VSTi: Absynth 5 (Native Instruments GmbH)" "Absynth 5.dll" 0 "" 3
        >
        PRESETNAME <disabled>
        BYPASS 0 0 0
        <JS loser/3BandEQ ""
        >
        PRESETNAME Warm
        """)
    assert [(p.name, p.preset) for p in track.plugins] == [
        ("ReaEQ", "stock - Mud Free"), ("ReaComp", None), ("Absynth 5", None), ("loser/3BandEQ", "Warm")]


def test_input_take_and_container_instances_are_marked_in_their_slot():
    session = read("""\
        <TRACK
          NAME Vocal
          <FXCHAIN
            BYPASS 0 0 0
            <VST "VST: ReaEQ (Cockos)" reaeq.dll 0 "" 1
            >
            BYPASS 1 0 0
            <CONTAINER Container ""
              CONTAINER_CFG 2 2 2 0
              BYPASS 0 0 0
              <VST "VST: ReaComp (Cockos)" reacomp.dll 0 "" 2
              >
              BYPASS 0 0 0
              <JS utility/volume ""
              >
            >
            BYPASS 0 0 0
            <VST "VST: ReaDelay (Cockos)" readelay.dll 0 "" 3
            >
          >
          <FXCHAIN_REC
            BYPASS 0 0 0
            <VST "VST: ReaGate (Cockos)" reagate.dll 0 "" 4
            >
          >
          <ITEM
            NAME first.wav
            <SOURCE WAVE
              FILE "first.wav"
            >
            <TAKEFX
              BYPASS 0 0 0
              <VST "VST: ReaPitch (Cockos)" reapitch.dll 0 "" 5
              >
            >
          >
          <ITEM
            NAME second.wav
            <SOURCE WAVE
              FILE "second.wav"
            >
            <TAKEFX
              BYPASS 0 1 0
              <JS utility/phase_adjust ""
              >
            >
          >
        >
        """)
    track = session.tracks[0]
    assert [(p.slot, p.name, p.active) for p in track.plugins] == [
        ("1", "ReaEQ", True),
        ("2.1", "ReaComp", False),
        ("2.2", "utility/volume", False),
        ("3", "ReaDelay", True),
        ("input 1", "ReaGate", True),
        ("take 1", "ReaPitch", True),
        ("take 2", "utility/phase_adjust", False),
    ]
    assert track.type == "audio"


# --- tracks -----------------------------------------------------------------------------------

def test_track_names_in_every_quoting_style():
    session = read("""\
        <TRACK
          NAME "Lead vocal"
        >
        <TRACK
        >
        <TRACK
          NAME 'say "hi"'
        >
        <TRACK
          NAME `it's a "take"`
        >
        <TRACK
          NAME Bass
          <ITEM
            NAME "not the track's name"
          >
        >
        <TRACK
          NAME ""
        >
        """)
    assert [t.name for t in session.tracks] == [
        "Lead vocal", "Track 2", 'say "hi"', 'it\'s a "take"', "Bass", "Track 6"]


def test_track_states():
    session = read("""\
        <TRACK
          NAME Muted
          MUTESOLO 1 0 0
          SHOWINMIX 1 0.6667 0.5 1 0.5 0 0 0
        >
        <TRACK
          NAME Hidden
          MUTESOLO 0 0 0
          SHOWINMIX 0 0.6667 0.5 0 0.5 0 0 0
        >
        <TRACK
          NAME Both
          MUTESOLO 1 2 0
          SHOWINMIX 0 0.6667 0.5 0 0.5 0 0 0
        >
        <TRACK
          NAME "Mixer only hidden"
          SHOWINMIX 0 0.6667 0.5 1 0.5 0 0 0
        >
        <TRACK
          NAME Soloed
          MUTESOLO 0 2 0
        >
        """)
    assert [(t.name, t.state) for t in session.tracks] == [
        ("Muted", "muted"), ("Hidden", "hidden"), ("Both", "muted, hidden"),
        ("Mixer only hidden", None), ("Soloed", None)]


def test_track_types():
    session = read("""\
        <TRACK
          NAME Folder
          ISBUS 1 1
          <FXCHAIN
            <VST "VSTi: ReaSynth (Cockos)" reasynth.dll 0 "" 1
            >
          >
        >
        <TRACK
          NAME Synth
          ISBUS 2 -1
          <FXCHAIN
            <JS midi/midi_transpose ""
            >
            <VST "VSTi: ReaSynth (Cockos)" reasynth.dll 0 "" 1
            >
          >
        >
        <TRACK
          NAME Notes
          <ITEM
            <SOURCE MIDI
              E 0 90 3c 60
            >
          >
        >
        <TRACK
          NAME Drums
          <ITEM
            <SOURCE SECTION
              <SOURCE WAVE
                FILE "drums.wav"
              >
            >
          >
        >
        <TRACK
          NAME Film
          <ITEM
            <SOURCE VIDEO
              FILE "film.mp4"
            >
          >
        >
        <TRACK
          NAME Empty
        >
        """)
    assert [(t.name, t.type) for t in session.tracks] == [
        ("Folder", "group"), ("Synth", "instrument"), ("Notes", "midi"), ("Drums", "audio"),
        ("Film", "video"), ("Empty", None)]


def test_master_track_only_when_it_has_fx():
    session = read("""\
        MASTERMUTESOLO 1
        MASTER_FX 0
        <MASTERFXLIST
          BYPASS 0 0 0
          <VST "VST: ReaLimit (Cockos)" realimit.dll 0 "" 1
          >
          PRESETNAME "Safe"
        >
        <TRACK
          NAME A
        >
        """)
    assert [(t.name, t.type, t.state) for t in session.tracks] == [("Master", "master", "muted"), ("A", None, None)]
    assert plugins(session.tracks[0]) == [("1", "ReaLimit", "Cockos", "VST2", False, "Safe")]

    session = read("MASTER_FX 1\n<MASTERFXLIST\n  SHOW 0\n>\n<TRACK\nNAME A\n>\n")
    assert [t.name for t in session.tracks] == ["A"]


# --- session fields ---------------------------------------------------------------------------

def test_session_fields():
    session = read("TEMPO 92.5 3 4\nSAMPLERATE 48000 1 0\n", filename="Mix v3.rpp")
    assert (session.name, session.daw, session.daw_version) == ("Mix v3", "REAPER", "7.10")
    assert (session.bpm, session.sample_rate, session.attributes) == (92.5, 48000, {"platform": "linux-x86_64"})
    assert session.tracks == []
    assert (session.notes, session.tags, session.created_at, session.updated_at) == (None, None, None, None)


def test_unset_session_fields_stay_unset():
    session = read("TEMPO 0 4 4\nSAMPLERATE 0 0 0\n", header="<REAPER_PROJECT 0.1", filename="old.rpp-bak")
    assert (session.name, session.daw_version, session.bpm, session.sample_rate, session.attributes) == (
        "old", None, None, None, None)


# --- markers and media files -------------------------------------------------------------------

def test_regions_pair_their_two_lines_and_names_come_in_every_quoting_style():
    session = read("""\
        MARKER 1 0 Intro 0 0 1 B {A1}
        MARKER 2 1.5 "Verse one" 1 0 1 B {A2}
        MARKER 2 9.25 "" 1
        MARKER 1 3.0005 'say "hi"' 0 16777471 1 R {A3}
        MARKER 3 12 `it's a "take"` 9 0 1 B {A4}
        MARKER 3 20.125 "" 9
        MARKER 4 21 "Open region" 1
        MARKER 5 22 "" 8
        """)
    assert markers(session) == [
        ("Intro", 0.0, None),
        ("Verse one", pytest.approx(1.5, abs=0.001), pytest.approx(9.25, abs=0.001)),
        ('say "hi"', pytest.approx(3.001, abs=0.001), None),  # marker 1, not region 1
        ('it\'s a "take"', 12.0, pytest.approx(20.125, abs=0.001)),  # flags 9: a region with another bit set
        ("Open region", 21.0, None),  # a region whose end line never comes
        ("", 22.0, None),
    ]


def test_the_same_region_index_again_is_a_new_region_once_the_first_is_closed():
    session = read('MARKER 1 1 "A" 1\nMARKER 1 2 "" 1\nMARKER 1 5 "B" 1\nMARKER 1 8 "" 1\n')
    assert markers(session) == [("A", 1.0, 2.0), ("B", 5.0, 8.0)]


def test_markers_off_the_timeline_are_left_out():
    session = read("""\
        MARKER 1 -1 "Before the start" 0
        MARKER 2 nan "Not a number" 0
        MARKER 3 4 "Region ending before it starts" 1
        MARKER 3 2 "" 1
        MARKER 4 -3 "Region starting before the start" 1
        MARKER 4 6 "" 1
        MARKER 5 1e12 "Far past the end" 0
        MARKER
        MARKER 6 7 "Kept" 0
        <TRACK
          MARKER 7 8 "Not a project line" 0
        >
        """)
    assert markers(session) == [("Region ending before it starts", 4.0, None), ("Kept", 7.0, None)]


def test_markers_past_the_cap_are_left_out():
    data = (b'<REAPER_PROJECT 0.1 "7.0" 1\n' + b"".join(b"MARKER %d %d x 0\n" % (n, n) for n in range(10_005))
            + b">\n")
    session = extract(data, "many.rpp")
    assert len(session.markers) == MAX_MARKERS and session.markers[-1].t_sec == MAX_MARKERS - 1


def test_no_marker_lines_means_no_markers():
    session = read("<TRACK\nNAME A\n>\n")
    assert session.markers == [] and session.media_files == []


def test_media_files_of_every_source_each_once():
    session = read("""\
        RENDER_FILE "C:\\Renders\\mix.wav"
        <TRACK
          NAME Audio
          <ITEM
            <SOURCE WAVE
              FILE "Audio/Kick 01.wav" 1
            >
          >
          <ITEM
            <SOURCE SECTION
              LENGTH 2
              <SOURCE MP3
                FILE "/Users/me/Music/loop.mp3"
              >
            >
          >
          <ITEM
            NAME "FILE not.wav"
            <SOURCE WAVE
              FILE "Audio/Kick 01.wav"
            >
            TAKE
            <SOURCE FLAC
              FILE D:\\Stems\\bass.flac
            >
          >
        >
        <TRACK
          NAME Other
          <ITEM
            <SOURCE VIDEO
              FILE "film.mp4"
            >
          >
          <ITEM
            <SOURCE MIDI
              FILE "groove.mid"
              E 0 90 3c 60
            >
          >
          <ITEM
            <SOURCE WAVE
              FILE ""
            >
          >
          <ITEM
            <SOURCE EMPTY
            >
          >
        >
        """)
    assert media(session) == [
        ("Audio/Kick 01.wav", "Kick 01.wav", None),
        ("/Users/me/Music/loop.mp3", "loop.mp3", None),
        ("D:\\Stems\\bass.flac", "bass.flac", None),
        ("film.mp4", "film.mp4", None),
        ("groove.mid", "groove.mid", None),
    ]
    assert [t.type for t in session.tracks] == ["audio", "midi"]  # the kinds of sources still type the tracks


# --- broken and hostile input -----------------------------------------------------------------

@pytest.mark.parametrize("data", [b"", b"  \n\r\n\t"])
def test_empty_file(data):
    with pytest.raises(ExtractError, match="the file is empty"):
        extract(data, "empty.rpp")


@pytest.mark.parametrize("data", [
    os.urandom(4096).replace(b"<", b"."),
    b'<?xml version="1.0"?>\n<Project/>\n',
    b"\n\n  TEMPO 120 4 4\n<REAPER_PROJECT 0.1 \"7.0\" 1\n>\n",
])
def test_not_a_reaper_project(data):
    with pytest.raises(ExtractError, match="not a REAPER project: the file does not start with <REAPER_PROJECT"):
        extract(data, "other.rpp")


@pytest.mark.parametrize("data, block", [
    (b'<REAPER_PROJECT 0.1 "7.0/win64" 1\n', "REAPER_PROJECT"),
    (b'<REAPER_PROJECT 0.1 "7.0/win64" 1\n  <TRACK\n    NAME Cut\n    <FXCHAIN\n      <VST "VST: ReaEQ (Cockos)"\n'
     b"        bWNlcu9e7f4EAAAAAQAAAAAAAAAC", "VST"),
])
def test_truncated_project(data, block):
    with pytest.raises(ExtractError, match=f"cut short: it ends inside an open <{block} block"):
        extract(data, "cut.rpp")


def test_deeply_nested_blocks_are_refused_without_recursion():
    data = b'<REAPER_PROJECT 0.1 "7.0" 1\n' + b"<A\n" * 100_000 + b">\n" * 100_001
    with pytest.raises(ExtractError, match="nests blocks more than 200 deep"):
        extract(data, "deep.rpp")


def test_too_many_tracks_are_refused():
    data = b'<REAPER_PROJECT 0.1 "7.0" 1\n' + b"<TRACK\n>\n" * 10_001 + b">\n"
    with pytest.raises(ExtractError, match="more than 10,000 tracks"):
        extract(data, "many.rpp")


def test_plugins_past_the_cap_are_left_out():
    data = b'<REAPER_PROJECT 0.1 "7.0" 1\n<TRACK\n<FXCHAIN\n' + b"<JS a\n>\n" * 5000 + b">\n>\n>\n"
    track = extract(data, "many.rpp").tracks[0]
    assert len(track.plugins) == MAX_PLUGINS_PER_TRACK
    assert track.plugins[-1].slot == str(MAX_PLUGINS_PER_TRACK)


def test_hostile_long_lines_stay_bounded():
    long_name = b"a " * 2_000_000
    parens = b"((" * 2_000_000
    data = (b'<REAPER_PROJECT 0.1 "7.0" 1\n<TRACK\nNAME ' + long_name + b'\n<FXCHAIN\n<VST "VST: ' + parens
            + b"\n>\n>\n>\n>\n")
    started = time.monotonic()
    track = extract(data, "long.rpp").tracks[0]
    assert time.monotonic() - started < 5
    assert track.name == "a"
    assert len(track.plugins[0].name) == 1000


def test_what_follows_the_project_block_is_ignored():
    session = read("<TRACK\nNAME A\n>\n", header='<REAPER_PROJECT 0.1 "7.0" 1')
    data = b'<REAPER_PROJECT 0.1 "7.0" 1\n<TRACK\nNAME A\n>\n>\n>\n<TRACK\nNAME B\n' + os.urandom(100)
    assert [t.name for t in extract(data, "x.rpp").tracks] == [t.name for t in session.tracks] == ["A"]


def test_too_many_plugin_instances_are_refused():
    track = b"<TRACK\n<FXCHAIN\n" + b"<JS a\n>\n" * 900 + b">\n>\n"
    data = b'<REAPER_PROJECT 0.1 "7.0" 1\n' + track * 112 + b">\n"
    with pytest.raises(ExtractError, match="more than 100,000 plugin instances"):
        extract(data, "many.rpp")


def test_byte_order_mark_and_bad_utf8():
    data = b'\xef\xbb\xbf<REAPER_PROJECT 0.1 "7.0/win64" 1\r\n<TRACK\r\nNAME "Caf\xe9 \xc3\xa9t\xc3\xa9"\r\n>\r\n>\r\n'
    assert [t.name for t in extract(data, "bom.rpp").tracks] == ["Caf\ufffd \u00e9t\u00e9"]


def test_extract_file_refuses_a_file_that_is_not_a_project(tmp_path):
    path = tmp_path / "junk.rpp"
    path.write_bytes(b"\x00\x01binary junk\xff" * 100)
    with pytest.raises(ExtractError, match="not a REAPER project"):
        extract_file(path)


# --- files as people keep them: edited by hand, re-saved by an editor, copied between systems ---

def indent_with_tabs(line: str) -> str:
    """REAPER indents by two spaces; an editor set to tabs makes each two a tab."""
    spaces = len(line) - len(line.lstrip(" "))
    return "\t" * (spaces // 2) + line.lstrip(" ")


AS_KEPT = {
    "blank and whitespace-only lines": lambda lines: "\n".join(f"{line}\n\n  \t " for line in lines),
    "CRLF line ends": lambda lines: "\r\n".join(lines),
    "classic Mac (CR) line ends": lambda lines: "\r".join(lines),
    "byte order mark": lambda lines: "\ufeff" + "\n".join(lines),
    "trailing whitespace": lambda lines: "\n".join(f"{line} \t  " for line in lines),
    "tab indentation": lambda lines: "\n".join(indent_with_tabs(line) for line in lines),
    "a tab after each key": lambda lines: "\n".join(re.sub(r"^(\s*\S+) ", "\\1\t", line) for line in lines),
    "all of them, saved on Windows": lambda lines: "\ufeff\r\n  \r\n" + "\r\n".join(
        f"{indent_with_tabs(line)}\t \r\n\t" for line in lines),
}
ENCODINGS = {
    "UTF-8": lambda text: text.encode("utf-8"),
    "UTF-16 LE": lambda text: b"\xff\xfe" + text.removeprefix("\ufeff").encode("utf-16-le"),
    "UTF-16 BE": lambda text: b"\xfe\xff" + text.removeprefix("\ufeff").encode("utf-16-be"),
    # Without a mark, UTF-16 is known by the header at the very start.
    "UTF-16 LE without a byte order mark": lambda text: text.removeprefix("\ufeff").lstrip().encode("utf-16-le"),
}


@pytest.mark.parametrize("name", ["rpp/exvertus_track2.rpp", "rpp/perlence_vst.RPP", "rpp/rppeditor_test2.rpp"])
@pytest.mark.parametrize("variant", AS_KEPT)
def test_a_corpus_project_as_people_keep_it_reads_as_the_original(corpus, name, variant):
    data = corpus(name).read_bytes()
    original = extract(data, "song.rpp")
    assert original.tracks and any(track.plugins for track in original.tracks)
    kept = AS_KEPT[variant](data.decode("utf-8").splitlines()).encode("utf-8")
    assert kept != data
    assert extract(kept, "song.rpp") == original


@pytest.mark.parametrize("encoding", [name for name in ENCODINGS if name != "UTF-8"])
def test_a_corpus_project_saved_as_utf_16_reads_as_the_original(corpus, encoding):
    data = corpus("rpp/exvertus_track2.rpp").read_bytes()
    text = data.decode("utf-8")
    assert extract(ENCODINGS[encoding](text), "song.rpp") == extract(data, "song.rpp")


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_hand_edited_project_in_every_encoding(encoding):
    text = ('\ufeff\r\n<REAPER_PROJECT\t0.1\t"7.10/win64"\t1700000000 \r\n'
            "\tTEMPO\t98\t4\t4\r\n"
            "\t\r\n"
            '\t<TRACK\t{0D2A3B}\r\n'
            '\t\tNAME\t"Voix déjà"  \r\n'
            "\t\tMUTESOLO\t1\t0\t0\r\n"
            "\t\t<FXCHAIN\r\n"
            "\t\t\tBYPASS 0\t1\t0\r\n"
            '\t\t\t<VST\t"VST3: Pro-Q 3 (FabFilter)"\tPro-Q3.vst3\t0\r\n'
            "\t\t\t>\r\n"
            "\t\t\tPRESETNAME\t\"Vocal Air\"\r\n"
            "\t\t>\r\n"
            "\t>\r\n"
            ">\r\n")
    session = extract(ENCODINGS[encoding](text), "song.rpp")
    assert (session.daw_version, session.attributes, session.bpm) == ("7.10", {"platform": "win64"}, 98.0)
    assert [(t.name, t.state) for t in session.tracks] == [("Voix déjà", "muted")]
    assert plugins(session.tracks[0]) == [("1", "Pro-Q 3", "FabFilter", "VST3", False, "Vocal Air")]


def test_a_utf_16_file_that_is_empty_or_not_a_project_is_refused():
    with pytest.raises(ExtractError, match="the file is empty"):
        extract(" \r\n\t".encode("utf-16"), "empty.rpp")
    with pytest.raises(ExtractError, match="not a REAPER project: the file does not start with <REAPER_PROJECT"):
        extract("Shopping list\r\nmilk\r\n".encode("utf-16"), "list.rpp")


def test_extract_file_reads_a_utf_16_project_with_classic_mac_line_ends(tmp_path):
    path = tmp_path / "Mac Song.RPP"
    path.write_bytes('<REAPER_PROJECT 0.1 "6.0/OSX64" 1\r<TRACK\rNAME Bass\r>\r>\r'.encode("utf-16"))
    session = extract_file(path)
    assert (session.name, session.daw_version, [t.name for t in session.tracks]) == ("Mac Song", "6.0", ["Bass"])
