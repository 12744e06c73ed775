"""Pro Tools session files (.ptx, .ptf, .pts): the real sessions in the corpus, small hand-made ones,
damaged ones, and the Session Info text export read beside a session."""
import random
import shutil
import struct

import pytest

from app.extractors import ExtractError, extract_file, text_export_beside
from app.extractors.protools_session import PLUGINS_NOT_READ, Cursor, complete_with_text_export, extract
from app.wire import SessionStatsPluginInstance, SessionStatsSession, SessionStatsTrack

TEST_PTX = "ptx/ptformat_TestPTX.ptx"
REGION_TEST = "ptx/ptformat_RegionTest.ptx"
PLAYLISTS = "ptx/ptformat_goodplaylists2.ptf"

SIGNATURE = b"\x030010111100101011"


def tracks(session):
    return [(t.name, t.type, t.format, t.plugins) for t in session.tracks]


# --- the real sessions --------------------------------------------------------------------------

def test_pro_tools_12_session_with_audio_and_midi_tracks(corpus):
    session = extract_file(corpus(TEST_PTX))
    assert (session.name, session.daw, session.daw_version) == ("ptformat_TestPTX", "Pro Tools", "12.8.3")
    assert (session.sample_rate, session.bit_depth, session.bpm) == (48000, None, None)
    assert tracks(session) == [("monoTone", "audio", "mono", None), ("stereoTone", "audio", "stereo", None),
                               ("MIDI 1", "midi", None, None), ("MIDI 2", "midi", None, None),
                               ("MIDI 3", "midi", None, None)]
    assert session.plugins is None
    assert session.attributes == {
        "protools": {"product": "Pro Tools HD", "audioFiles": [
            {"name": "monoTone.wav"}, {"name": "monoTone.1.aif"}, {"name": "stereoTone.L.aif"},
            {"name": "stereoTone.R.aif"}]},
        "plugins": PLUGINS_NOT_READ,
    }
    assert [(s.type, s.extractor) for s in session.sources] == [("protools", "protools-session")]


def test_pro_tools_2019_session_with_four_audio_tracks(corpus):
    session = extract_file(corpus(REGION_TEST))
    assert (session.name, session.daw, session.daw_version) == ("ptformat_RegionTest", "Pro Tools", "2019.6.0")
    assert session.sample_rate == 44100
    assert tracks(session) == [("Track_Name", "audio", "mono", None), ("Audio 1", "audio", "mono", None),
                               ("Audio 2", "audio", "stereo", None), ("Audio 3", "audio", "stereo", None)]
    assert session.attributes["protools"] == {"product": "Pro Tools", "audioFiles": [{"name": "region_name_WAV.wav"}]}
    assert session.attributes["plugins"] == PLUGINS_NOT_READ


def test_pro_tools_8_session_lists_its_tracks_not_their_playlists(corpus):
    # The audio track list of Pro Tools 8 holds playlists ("1" to "3" are older playlists of "4" to "6").
    session = extract_file(corpus(PLAYLISTS))
    assert (session.name, session.daw, session.daw_version) == ("ptformat_goodplaylists2", "Pro Tools", "8.0.0")
    assert session.sample_rate == 48000
    assert tracks(session) == [("4", "audio", "mono", None), ("5", "audio", "mono", None),
                               ("6", "audio", "mono", None)]
    assert session.attributes["protools"] == {
        "product": "Pro Tools LE", "build": "8.0.0f314",
        "audioFiles": [{"name": "24000.wav"}, {"name": "24000.1.wav"}, {"name": "24000.2.wav"}]}


def test_a_pts_file_is_read_as_a_pro_tools_session(corpus, tmp_path):
    old = tmp_path / "Old Session.pts"
    shutil.copyfile(corpus(PLAYLISTS), old)
    session = extract_file(old)
    assert session.name == "Old Session" and [t.name for t in session.tracks] == ["4", "5", "6"]
    assert [(s.type, s.extractor) for s in session.sources] == [("protools", "protools-session")]


# --- small hand-made sessions -------------------------------------------------------------------

def header(scrambling=1, big_endian=False):
    # Seed 0 makes the key all zeros, so the body below is written as it is read.
    return SIGNATURE + bytes([int(big_endian), scrambling, 0])


def block(content_type, content=b"", order="<"):
    return b"Z" + struct.pack(order + "HIH", 1, len(content) + 2, content_type) + content


def text(value, order="<"):
    raw = value.encode()
    return struct.pack(order + "I", len(raw)) + raw


def rate_block(rate=44100, order="<"):
    return block(0x1028, b"\x03\x18" + struct.pack(order + "I", rate) + bytes(8), order)


def track_list(entries, order="<"):
    """The full track list: (kind, name) entries, listed twice as Pro Tools does."""
    children = b"".join(block(0x251A, struct.pack(order + "H", kind) + text(name, order) + bytes(6), order)
                        for kind, name in entries)
    return block(0x2519, struct.pack(order + "I", 1) + children + struct.pack(order + "I", len(entries)) + children,
                 order)


def audio_list(entries, order="<"):
    """The audio track list: (name, channel count) entries."""
    children = b"".join(block(0x1014, text(name, order) + b"\x00" + struct.pack(order + "I", width)
                              + struct.pack(order + "H", 0) * width, order) for name, width in entries)
    return block(0x1015, struct.pack(order + "I", len(entries)) + children, order)


def session_bytes(*blocks, big_endian=False):
    return header(big_endian=big_endian) + b"".join(blocks)


def test_track_types_come_from_the_audio_list_and_the_midi_mark():
    data = session_bytes(rate_block(96000),
                         track_list([(0, "Kick"), (1, "Keys"), (0, "Vox Bus"), (7, "Odd"), (1, "Bass DI")]),
                         audio_list([("Kick", 1), ("Bass DI", 2)]))
    session = extract(data, "Beat.ptx")
    assert (session.name, session.sample_rate, session.daw_version) == ("Beat", 96000, None)
    # Listed twice in the file, each track is read once; the audio list wins over the MIDI mark.
    assert tracks(session) == [("Kick", "audio", "mono", None), ("Keys", "midi", None, None),
                               ("Vox Bus", None, None, None), ("Odd", None, None, None),
                               ("Bass DI", "audio", "stereo", None)]
    assert session.attributes == {"protools": {"writtenBy": "Pro Tools 5 to 9", "audioFiles": []},
                                  "plugins": PLUGINS_NOT_READ}


def test_a_big_endian_session_is_read_in_its_byte_order():
    data = session_bytes(rate_block(48000, ">"), track_list([(0, "Gtr"), (1, "Pad")], ">"),
                         audio_list([("Gtr", 2)], ">"), big_endian=True)
    session = extract(data, "Mac.pts")
    assert session.sample_rate == 48000
    assert tracks(session) == [("Gtr", "audio", "stereo", None), ("Pad", "midi", None, None)]


def test_without_the_full_track_list_the_audio_tracks_are_the_tracks():
    session = extract(session_bytes(rate_block(), audio_list([("Drums", 2), ("Drums", 2), ("Bass", 1)])), "a.ptf")
    assert tracks(session) == [("Drums", "audio", "stereo", None), ("Bass", "audio", "mono", None)]


def test_audio_files_skip_folders_and_groups_and_stop_at_the_count():
    names = b"".join(text(name) + kind + b"\x02" + bytes(4) for name, kind in [
        ("Audio Files", bytes(4)), ("Take 1.wav", b"EVAW"), ("Drums.grp", b"EVAW"), ("Loop.aif", bytes(4)),
        ("Room.aif", b"FFIA"), ("Extra.wav", b"EVAW")])
    table = block(0x1004, struct.pack("<I", 3) + block(0x103A, bytes(9) + names))
    session = extract(session_bytes(rate_block(), table), "Files.ptx")
    assert session.attributes["protools"]["audioFiles"] == [{"name": "Take 1.wav"}, {"name": "Loop.aif"},
                                                            {"name": "Room.aif"}]


# --- damaged and foreign files ------------------------------------------------------------------

def test_empty_and_random_files_are_refused():
    with pytest.raises(ExtractError, match="not a Pro Tools session file: it is 0 bytes long"):
        extract(b"", "Empty.ptx")
    with pytest.raises(ExtractError, match="not a Pro Tools session file: it does not start with the Pro Tools sig"):
        extract(random.Random(7).randbytes(5000), "Noise.ptx")
    with pytest.raises(ExtractError, match="does not start with the Pro Tools signature"):
        extract(b"SESSION NAME:\tSong\n" * 10, "Song.ptx")


def test_a_file_cut_short_is_refused(corpus):
    data = corpus(TEST_PTX).read_bytes()
    with pytest.raises(ExtractError, match="damaged: nothing follows the header"):
        extract(data[:0x14], "Cut.ptx")
    with pytest.raises(ExtractError, match="damaged or cut short: the block at byte .* runs past the end"):
        extract(data[:len(data) // 2], "Cut.ptx")


def test_an_unknown_scrambling_type_is_refused(corpus):
    data = bytearray(corpus(TEST_PTX).read_bytes())
    data[0x12] = 7
    with pytest.raises(ExtractError, match="not a Pro Tools session file: unknown scrambling type 7"):
        extract(bytes(data), "Odd.ptx")


def test_a_valid_header_followed_by_junk_is_refused():
    with pytest.raises(ExtractError, match="damaged: no block starts at byte 20"):
        extract(header() + b"this is not a block tree" * 100, "Junk.ptx")
    with pytest.raises(ExtractError, match="damaged: it has no sample rate block"):
        extract(session_bytes(track_list([(0, "Kick")])), "NoRate.ptx")


def test_a_block_larger_than_its_parent_is_not_read():
    with pytest.raises(ExtractError, match="block at byte 20 runs past the end of the file"):
        extract(header() + b"Z" + struct.pack("<HIH", 1, 2**31, 0x1028) + bytes(50), "Huge.ptx")
    # A child claiming more than its list holds is no child: the track list then reads as empty.
    oversized = b"Z" + struct.pack("<HIH", 1, 500, 0x251A) + struct.pack("<H", 0) + text("Ghost")
    # The file goes on after the list, so the claimed size would fit in the file but not in the list.
    session = extract(session_bytes(rate_block(), block(0x2519, oversized), block(0x2000, bytes(600))), "Ghost.ptx")
    assert session.tracks == []


def test_an_entry_running_past_its_block_is_refused():
    entry = block(0x251A, struct.pack("<HI", 0, 1000) + b"Kick")
    with pytest.raises(ExtractError, match="damaged: a track entry runs past the end of its block"):
        extract(session_bytes(rate_block(), block(0x2519, entry)), "Bad.ptx")


def test_blocks_nested_100000_deep_are_read_in_bounded_time():
    depth = 100_000
    nested = b"".join(b"Z" + struct.pack("<HIH", 1, 9 * (depth - level) - 7, 0x2519) for level in range(depth))
    session = extract(session_bytes(rate_block(), nested), "Deep.ptx")
    assert session.tracks == [] and session.sample_rate == 44100
    with pytest.raises(ExtractError, match="no sample rate block"):
        extract(header() + nested, "Deep.ptx")


def test_a_list_packed_with_block_marks_is_refused_in_bounded_time():
    # Each "Z 01 00" looks like the start of a block until its size is read.
    packed = block(0x2519, b"Z\x01\x00" * 1_100_000)
    with pytest.raises(ExtractError, match="damaged: its lists hold far more entries than a session has"):
        extract(session_bytes(rate_block(), packed), "Packed.ptx")


# --- the Session Info text export beside the session --------------------------------------------

TEXT_EXPORT = (
    "SESSION NAME:\tSong\nSAMPLE RATE:\t48000.000000\nBIT DEPTH:\t24-bit\n# OF AUDIO TRACKS:\t2\n\n\n"
    "P L U G - I N S  L I S T I N G\n"
    "MANUFACTURER\tPLUG-IN NAME\tVERSION\tFORMAT\tSTEMS\tNUMBER OF INSTANCES\n"
    "FabFilter\tPro-Q 3\t3.21\tAAX Native\tMono / Mono\t1 active\n"
    "Avid\tChannel Strip\t22.6.0\tAAX Native\tMono / Mono\t1 active\n\n\n"
    "T R A C K  L I S T I N G\n"
    "TRACK NAME:\t{name}\nCOMMENTS:\t\nUSER DELAY:\t0 Samples\nSTATE: \n"
    "PLUG-INS: Pro-Q 3 (mono)\tChannel Strip (mono)\n"
    "CHANNEL \tEVENT   \tCLIP NAME\tSTART TIME    \tEND TIME      \tDURATION      \tSTATE\n\n\n"
    "TRACK NAME:\tPrint\nCOMMENTS:\t\nUSER DELAY:\t0 Samples\nSTATE: \n"
    "CHANNEL \tEVENT   \tCLIP NAME\tSTART TIME    \tEND TIME      \tDURATION      \tSTATE\n\n\n"
)
PRO_Q = ("Pro-Q 3", "FabFilter", "3.21", "AAX Native", "1")
CHANNEL_STRIP = ("Channel Strip", "Avid", "22.6.0", "AAX Native", "2")


def instances(track):
    return [(p.name, p.vendor, p.version, p.format, p.slot) for p in track.plugins]


def song(corpus, folder, text_name="Song.txt", track_name="monoTone", text=None):
    session_file = folder / "Song.ptx"
    shutil.copyfile(corpus(TEST_PTX), session_file)
    if text_name:
        (folder / text_name).write_text(TEXT_EXPORT.format(name=track_name) if text is None else text)
    return session_file


def test_the_text_export_beside_a_session_adds_its_plugins(corpus, tmp_path):
    session = extract_file(song(corpus, tmp_path))
    assert [t.name for t in session.tracks] == ["monoTone", "stereoTone", "MIDI 1", "MIDI 2", "MIDI 3", "Print"]
    mono = session.tracks[0]
    assert (mono.type, mono.format) == ("audio", "mono")
    assert instances(mono) == [PRO_Q, CHANNEL_STRIP]
    assert [t.plugins for t in session.tracks[1:]] == [None] * 5
    assert [(p.name, p.count, p.track_count) for p in session.plugins] == [("Pro-Q 3", 1, 1),
                                                                           ("Channel Strip", 1, 1)]
    assert (session.daw_version, session.sample_rate, session.bit_depth) == ("12.8.3", 48000, 24)
    assert session.attributes["text_export"] == "Song.txt"
    assert session.attributes["plugins"] == "read from Song.txt, the Session Info text export beside the session file"
    assert session.attributes["protools"]["product"] == "Pro Tools HD"
    assert session.attributes["protools"]["counts"] == {"audioTracks": 2}
    assert session.fingerprint == f"file:{(tmp_path / 'Song.ptx').resolve()}"
    assert [(s.path, s.extractor) for s in session.sources] == [
        (str((tmp_path / "Song.ptx").resolve()), "protools-session"),
        (str((tmp_path / "Song.txt").resolve()), "protools-text")]


def test_the_text_export_is_found_and_matched_whatever_the_case(corpus, tmp_path):
    session_file = song(corpus, tmp_path, text_name="SONG.TXT", track_name="MONOTONE")
    assert text_export_beside(session_file) == tmp_path / "SONG.TXT"
    session = extract_file(session_file)
    assert [t.name for t in session.tracks][:2] == ["monoTone", "stereoTone"]
    assert instances(session.tracks[0]) == [PRO_Q, CHANNEL_STRIP]
    assert session.attributes["text_export"] == "SONG.TXT"


def test_a_broken_text_export_leaves_the_session_as_read(corpus, tmp_path):
    session = extract_file(song(corpus, tmp_path, text="just some notes\n"))
    assert [t.plugins for t in session.tracks] == [None] * 5 and session.plugins is None
    assert session.attributes["text_export_error"] == (
        "Song.txt: not a Pro Tools session info export: no SESSION NAME header at the start")
    assert session.attributes["plugins"] == PLUGINS_NOT_READ and "text_export" not in session.attributes


def test_without_a_text_export_plugins_are_noted_as_not_read(corpus, tmp_path):
    session_file = song(corpus, tmp_path, text_name=None)
    (tmp_path / "Song notes.txt").write_text(TEXT_EXPORT.format(name="monoTone"))
    assert text_export_beside(session_file) is None
    session = extract_file(session_file)
    assert session.attributes["plugins"] == PLUGINS_NOT_READ
    assert not {"text_export", "text_export_error"} & set(session.attributes)
    assert text_export_beside(tmp_path / "Song notes.txt") is None  # only session files have one


def test_merging_prefers_the_exact_name_and_keeps_what_the_export_lacks():
    plugin = SessionStatsPluginInstance(name="EQ", slot="1")
    binary = SessionStatsSession(name="S", sample_rate=44100, tracks=[
        SessionStatsTrack(name="vox", type="audio"), SessionStatsTrack(name="Vox", type="audio")],
        attributes={"protools": {"product": "Pro Tools"}, "plugins": PLUGINS_NOT_READ})
    text = SessionStatsSession(name="S", sample_rate=48000, tracks=[
        SessionStatsTrack(name="Vox", plugins=[plugin]), SessionStatsTrack(name="VOX")],
        attributes={"protools": {"timecodeFormat": "25 Frame"}})
    merged = complete_with_text_export(binary, text, "S.txt")
    assert [(t.name, t.type, t.plugins) for t in merged.tracks] == [
        ("vox", "audio", None), ("Vox", "audio", [plugin])]
    assert merged.sample_rate == 44100 and merged.plugins is None
    assert merged.attributes == {
        "protools": {"product": "Pro Tools", "timecodeFormat": "25 Frame"}, "text_export": "S.txt",
        "plugins": "read from S.txt, the Session Info text export beside the session file"}


def test_a_nul_in_a_damaged_name_is_left_out():
    assert Cursor(b"\x04\x00\x00\x00Vo\x00x", 0, 8, "<").text() == "Vox"
