"""Pro Tools session info text exports: the real exports in the corpus and small hand-made ones."""
import random

import pytest

from app.extractors import ExtractError, extract_file
from app.extractors.protools_text import extract

FOLDER = "pt_session_text/DAWFileKit_SessionText_"
EXTENDED_CHARS = FOLDER + "ExtendedChars_UTF8Format_PT2023.3.txt"
FPP_FINAL = FOLDER + "FPPFinal_23-976fps_DefaultExportOptions_PT2020.3.txt"
PLUGINS = FOLDER + "Plugins_23-976fps_DefaultExportOptions_PT2020.3.txt"
TRACKS_ONLY = FOLDER + "TracksOnly_OnlyTrackEDLs_PT2023.6.txt"

HEADER = ("SESSION NAME:\t{name}\nSAMPLE RATE:\t44100.000000\nBIT DEPTH:\t24-bit\n"
          "SESSION START TIMECODE:\t01:00:00:00\nTIMECODE FORMAT:\t25 Frame\n# OF AUDIO TRACKS:\t{tracks}\n"
          "# OF AUDIO CLIPS:\t0\n# OF AUDIO FILES:\t0\n\n\n")
LISTING_HEAD = ("P L U G - I N S  L I S T I N G\nMANUFACTURER            \tPLUG-IN NAME            \tVERSION         "
                "\tFORMAT          \tSTEMS                   \tNUMBER OF INSTANCES\n")
TRACKS_HEAD = "T R A C K  L I S T I N G\n"
CLIPS_HEAD = ("CHANNEL \tEVENT   \tCLIP NAME                     \tSTART TIME    \tEND TIME      \tDURATION      "
              "\tSTATE\n")


def export(*, name="Song", tracks=1, listing=(), track_blocks=(), more=""):
    """A small export: the header, a plug-in listing from rows, track blocks, then `more`."""
    text = HEADER.format(name=name, tracks=tracks)
    if listing:
        text += LISTING_HEAD + "".join("\t".join(row) + "\n" for row in listing) + "\n\n"
    if track_blocks:
        text += TRACKS_HEAD + "".join(track_blocks)
    return text + more


def track(name, plugins=None, state="", comments="", delay="0 Samples"):
    """One track block of the track listing; `plugins` is the text after `PLUG-INS: ` (None: no line)."""
    block = f"TRACK NAME:\t{name}\nCOMMENTS:\t{comments}\nUSER DELAY:\t{delay}\nSTATE: {state}\n"
    if plugins is not None:
        block += f"PLUG-INS: {plugins}\n"
    return block + CLIPS_HEAD + "\n\n"


def instances(session_track):
    return [(p.name, p.vendor, p.version, p.format, p.slot, p.active) for p in session_track.plugins]


def usage(session):
    return [(p.name, p.vendor, p.version, p.format, p.count, p.track_count) for p in session.plugins]


# --- the real exports ---------------------------------------------------------------------------

def test_utf8_export_with_markers_and_no_tracks(corpus):
    session = extract_file(corpus(EXTENDED_CHARS))
    assert (session.name, session.daw, session.daw_version) == ("SessionText_UTF8Chars", "Pro Tools", None)
    assert (session.sample_rate, session.bit_depth, session.bpm) == (48000, 24, None)
    assert session.tracks == [] and session.plugins == []
    info = session.attributes["protools"]
    assert info["timecodeFormat"] == "24 Frame" and info["sessionStart"] == "00:59:50:00"
    assert info["counts"] == {"audioTracks": 0, "audioClips": 0, "audioFiles": 0}
    assert info["onlineFiles"] == [] and info["offlineFiles"] == []
    assert [m["name"] for m in info["markers"]] == [
        "Test Ellipsis…", "Test Em Dash —", "Test En Dash –", "Right Side Quote’s Not An Apostrophe"]
    assert info["markers"][1] == {"number": 2, "location": "01:01:00:00", "timeReference": 3360000,
                                  "units": "Samples", "name": "Test Em Dash —", "comments": ""}
    # The sample from the session start (00:59:50:00) over 48 kHz: 01:00:00:00 is 10 s in.
    assert placed(session) == [
        ("Test Ellipsis…", 10.0, None, None, None), ("Test Em Dash —", 70.0, None, None, None),
        ("Test En Dash –", 130.0, None, None, None),
        ("Right Side Quote’s Not An Apostrophe", 190.0, None, None, None)]
    assert session.media_files == []  # both files listings exported, both empty


def test_mac_roman_export_with_plugins_on_three_tracks(corpus):
    session = extract_file(corpus(PLUGINS))
    assert (session.name, session.daw, session.daw_version) == ("PluginsTextTest", "Pro Tools", None)
    assert (session.sample_rate, session.bit_depth) == (48000, 24)
    assert [t.name for t in session.tracks] == ["Audio 1 (Stereo)", "Audio 2 (Stereo)", "Audio 3"]
    assert [(t.type, t.state, t.notes) for t in session.tracks] == [(None, "muted", None)] * 3
    air, aax = "AIR Music Technology", "AAX Native"
    assert instances(session.tracks[0]) == [
        ("AIR Kill EQ", air, "1.2.0.18799", aax, "1", None),
        ("ERA 4 Voice Leveler", "accusonus", "4.0.00", aax, "2", None),
        ("FabFilter Timeless 2", "FabFilter", "2.30", aax, "3", None),
        ("soothe2", "oeksound", "1.0.3", aax, "4", None),
        ("Kontakt", "Native Instruments", "6.2.2 (R51)", aax, "5", None),
    ]
    # The listing calls the last one "BCPatchWorkSynth": no name rule links the two, so it stays bare.
    assert instances(session.tracks[1]) == [
        ("bx_rooMS", "Plugin Alliance", "1.5.1", aax, "1", None),
        ("Dither", "Avid", "20.3.0d163", aax, "2", None),
        ("chipsounds", "Plogue Art et Technologie", "2056", aax, "3", None),
        ("Vertigo VSM-3", "Plugin Alliance", "1.6.1", aax, "4", None),
        ("Blue Cat's PatchWork Synth", None, None, None, "5", None),
    ]
    assert instances(session.tracks[2]) == [
        ("FabFilter Saturn", "FabFilter", "1.20", aax, "1", None),
        ("bx_boom", "Plugin Alliance", "1.13.1", aax, "2", None),
        ("AIR Non-Linear Reverb", air, "1.2.0.18799", aax, "3", None),
        ("Unfiltered Audio Byome", "Plugin Alliance", "1.1.0", aax, "4", None),
        ("Schoeps Mono Upmix 1to2", "Plugin Alliance", "1.0.0", aax, "5", None),
    ]
    assert usage(session) == [
        ("AIR Kill EQ", air, "1.2.0.18799", aax, 1, 1),
        ("AIR Non-Linear Reverb", air, "1.2.0.18799", aax, 1, 1),
        ("Dither", "Avid", "20.3.0d163", aax, 1, 1),
        ("BCPatchWorkSynth", "Blue Cat Audio", "2.42", aax, 1, 1),
        ("FabFilter Saturn", "FabFilter", "1.20", aax, 1, 1),
        ("FabFilter Timeless 2", "FabFilter", "2.30", aax, 1, 1),
        ("Kontakt", "Native Instruments", "6.2.2 (R51)", aax, 1, 1),
        ("chipsounds", "Plogue Art et Technologie", "2056", aax, 1, 1),
        ("Schoeps Mono Upmix 1to2", "Plugin Alliance", "1.0.0", aax, 1, 1),
        ("Unfiltered Audio Byome", "Plugin Alliance", "1.1.0", aax, 1, 1),
        ("Vertigo VSM-3", "Plugin Alliance", "1.6.1", aax, 1, 1),
        ("bx_boom", "Plugin Alliance", "1.13.1", aax, 1, 1),
        ("bx_rooMS", "Plugin Alliance", "1.5.1", aax, 1, 1),
        ("ERA 4 Voice Leveler", "accusonus", "4.0.00", aax, 1, 1),
        ("soothe2", "oeksound", "1.0.3", aax, 1, 1),
    ]
    info = session.attributes["protools"]
    assert info["timecodeFormat"] == "23.976 Frame" and info["sessionStart"] == "00:59:55:00"
    assert info["counts"] == {"audioTracks": 3, "audioClips": 0, "audioFiles": 0}
    assert info["markers"] == [] and info["onlineFiles"] == [] and info["offlineFiles"] == []
    assert session.markers == [] and session.media_files == []


def test_large_film_session_with_51_tracks(corpus):
    session = extract_file(corpus(FPP_FINAL))
    assert session.name == "FPP Edit 15 A1.4 A2.2 A3.2 A4.2 A5.2 A6.2 A7.2 A8.2 A9.2 Intl.1"
    assert (session.daw, session.daw_version, session.sample_rate, session.bit_depth) == (
        "Pro Tools", None, 48000, 24)
    names = [t.name for t in session.tracks]
    assert len(names) == 51
    assert names[:8] == ["DLG", "DLG-DeNoised A", "DLG-DeNoised B", "DLG2", "TP MX", "DLG-0323", "MX-0323",
                         "Temp for Preview (Stereo)"]
    assert names[-6:] == ["Consolidated1 (Stereo)", "Consolidated2 (Stereo)", "Consolidated3 (Stereo)",
                          "Consolidated4 (Stereo)", "MX Bounce (Stereo)", "Master Bounce (Stereo)"]
    assert all(t.type is None for t in session.tracks)
    with_plugins = {t.name: instances(t) for t in session.tracks if t.plugins}
    assert with_plugins == {"DLG-0323": [("FabFilter Pro-L", "FabFilter", "1.26", "AAX Native", "1", None)]}
    assert all(t.plugins == [] for t in session.tracks if t.name != "DLG-0323")
    states = {t.name: t.state for t in session.tracks}
    assert (states["DLG"], states["DLG-0323"], states["Temp for Preview (Stereo)"]) == (
        "muted", "inactive, hidden", None)
    assert (states["Intl Diffs"], states["Music Alts 1 (Stereo)"], states["Master Bounce (Stereo)"]) == (
        "inactive", "inactive, muted", "inactive, hidden")
    # Both FabFilter Pro-L rows (mono 2 active + 1 inactive, stereo 1 active) are one plug-in.
    assert usage(session) == [
        ("EQ3 1-Band", "Avid", "20.3.0d163", "AAX Native", 1, 1),
        ("EQ3 7-Band", "Avid", "20.3.0d163", "AAX Native", 7, 1),
        ("D-Verb", "Avid", "20.3.0d163", "AAX Native", 6, 1),
        ("FabFilter Pro-G", "FabFilter", "1.22", "AAX Native", 2, 1),
        ("FabFilter Pro-L", "FabFilter", "1.26", "AAX Native", 4, 1),
        ("soothe2", "oeksound", "1.0.3", "AAX Native", 2, 1),
    ]
    info = session.attributes["protools"]
    assert info["timecodeFormat"] == "23.976 Frame" and info["sessionStart"] == "00:59:55:00"
    assert info["counts"] == {"audioTracks": 51, "audioClips": 765, "audioFiles": 142}
    assert info["otherTrackStates"] == {"Music Intl 2 (Stereo)": "SoloSafe", "MX Bounce (Stereo)": "SoloSafe",
                                        "Master Bounce (Stereo)": "SoloSafe"}
    assert "userDelays" not in info
    assert (len(info["onlineFiles"]), len(info["offlineFiles"]), len(info["onlineClips"])) == (142, 0, 753)
    assert info["onlineFiles"][0] == {"name": "2pop.wav",
                                      "location": "Macintosh HD:Users:stef:Dropbox:Sample PT Session:Audio Files:"}
    assert info["onlineClips"][:2] == ["2pop.L", "2pop.R"] and info["onlineClips"][-1] == "START_00_59_55_00.R"
    markers = info["markers"]
    assert len(markers) == 294
    assert markers[0] == {"number": 1, "location": "01:00:00:00", "timeReference": 240240, "units": "Samples",
                          "name": "____OPENER____", "comments": ""}
    assert (markers[10]["number"], markers[10]["name"], markers[10]["comments"]) == (
        11, "smarmy, temp is too heavy handed", "she's getting dissed")
    assert (markers[-1]["number"], markers[-1]["name"]) == (2, "____ END CREDITS ____ (reuse; they will provide)")
    assert "unplacedMarkers" not in info


def test_large_film_session_markers_and_media_files(corpus):
    session = extract_file(corpus(FPP_FINAL))
    markers = session.markers
    assert len(markers) == 294
    assert all(m.end_sec is None and m.track is None for m in markers)
    # 23.976 fps from 00:59:55:00: 01:00:00:00 is 5 timecode seconds, 5.005 s (240240 samples at 48 kHz).
    assert (markers[0].name, markers[0].t_sec, markers[0].comment) == ("____OPENER____", pytest.approx(5.005), None)
    assert (markers[1].name, markers[1].t_sec) == (
        "mystery danger, similar to FPP opener, hit some key cuts, not as aggessive as temp",
        pytest.approx(6.001, abs=0.001))
    assert (markers[10].name, markers[10].t_sec, markers[10].comment) == (
        "smarmy, temp is too heavy handed", pytest.approx(227.850, abs=0.001), "she's getting dissed")
    assert (markers[-1].name, markers[-1].t_sec) == ("____ END CREDITS ____ (reuse; they will provide)",
                                                     pytest.approx(5016.011, abs=0.001))
    with_comments = [(m.name, m.comment) for m in markers if m.comment]
    assert len(with_comments) == 6
    assert with_comments[1] == ("FUN TIME - lovey, peppy",
                                "D. - there's a cue we used, could use it? title treatment for her show")
    assert with_comments[2] == ("warm! transition, temp is weird tone shift", "temptoo old fashioned / dense")
    assert [m.t_sec for m in markers] == sorted(m.t_sec for m in markers)

    files = session.media_files
    assert len(files) == 142 and len({f.path for f in files}) == 142
    folder = "/Users/stef/Dropbox/Sample PT Session/Audio Files/"
    assert (files[0].path, files[0].name, files[0].offline) == (folder + "2pop.wav", "2pop.wav", False)
    assert all(f.path == folder + f.name and f.offline is False for f in files)
    assert files[-1].name == "FPP_6m03B_YouKnowCrime_R1.wav"


def test_tracks_only_export_without_plugin_lines(corpus):
    session = extract_file(corpus(TRACKS_ONLY))
    assert (session.name, session.daw, session.daw_version) == ("SessionText_TracksOnly", "Pro Tools", None)
    assert (session.sample_rate, session.bit_depth) == (48000, 24)
    assert [t.name for t in session.tracks] == [f"Audio {n}" for n in range(1, 8)]
    # No plug-in listing and no PLUG-INS lines: what the tracks hold is unknown, not empty.
    assert [(t.type, t.state, t.plugins) for t in session.tracks] == [(None, None, None)] * 7
    assert session.plugins is None
    assert session.markers is None and session.media_files is None  # left out of the export: unknown
    assert session.attributes == {"protools": {
        "timecodeFormat": "24 Frame", "sessionStart": "00:59:50:00",
        "counts": {"audioTracks": 163, "audioClips": 1541, "audioFiles": 247}}}


# --- rules, on hand-made exports -----------------------------------------------------------------

def test_mac_roman_and_utf8_with_bom_decode_accented_names():
    text = export(name="Café Señor", track_blocks=[track("Voix déjà", plugins="")])
    for data in (text.encode("mac_roman"), b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("utf-8")):
        session = extract(data, "x.txt")
        assert (session.name, session.tracks[0].name) == ("Café Señor", "Voix déjà")


def test_any_line_ending_reads_the_same():
    text = export(listing=[("Avid", "EQ3 7-Band", "23.6", "AAX Native", "Mono / Mono", "1 active")],
                  track_blocks=[track("Kick", plugins="\tEQ3 7-Band (mono)"), track("Snare", plugins="")])
    for ending in ("\r", "\r\n", "\n"):
        session = extract(text.replace("\n", ending).encode(), "x.txt")
        assert (session.name, session.sample_rate) == ("Song", 44100)
        assert [t.name for t in session.tracks] == ["Kick", "Snare"]
        assert instances(session.tracks[0]) == [("EQ3 7-Band", "Avid", "23.6", "AAX Native", "1", None)]


def test_blank_manufacturer_is_the_one_above_and_instances_add_up():
    session = extract(export(listing=[
        ("", "Orphan", "1.0", "AAX Native", "Mono / Mono", "1 active"),
        ("Avid", "EQ3 7-Band", "23.6", "AAX Native", "Mono / Mono", "1 active, 6 inactive"),
        ("", "D-Verb", "23.6", "AAX DSP", "Stereo / Stereo", "2 bypassed"),
        ("", "Pitch Shift", "23.6", "AudioSuite", "Mono / Mono", "1 active"),
        ("FabFilter", "Pro-L", "1.26", "AAX Native", "Mono / Mono", "2 active, 1 inactive"),
        ("", "Pro-L", "1.26", "AAX Native", "Stereo / Stereo", "1 active"),
    ]).encode(), "x.txt")
    assert usage(session) == [
        ("Orphan", None, "1.0", "AAX Native", 1, 1),
        ("EQ3 7-Band", "Avid", "23.6", "AAX Native", 7, 1),
        ("D-Verb", "Avid", "23.6", "AAX DSP", 2, 1),
        ("Pitch Shift", "Avid", "23.6", "AudioSuite", 1, 1),
        ("Pro-L", "FabFilter", "1.26", "AAX Native", 4, 1),
    ]


def test_inserts_match_the_listing_despite_channel_suffixes_case_and_short_names():
    listing = [
        ("FabFilter", "Pro-Q 3", "3.21", "AAX Native", "Stereo / Stereo", "2 active"),
        ("Avid", "EQ3 1-Band", "23.6", "AAX Native", "Mono / Mono", "1 active"),
        ("", "EQ3 7-Band", "23.6", "AAX Native", "Mono / Mono", "1 active"),
        ("", "Channel Strip", "23.6", "AudioSuite", "Mono / Mono", "1 active"),
        ("", "Channel Strip", "23.6", "AAX Native", "Mono / Mono", "1 active"),
        ("Waves", "CLA-76 Stereo", "14.0", "AAX Native", "Stereo / Stereo", "1 active"),
        ("", "Upmix (5.1)", "1.0", "AAX Native", "Stereo / 5.1", "1 active"),
    ]
    inserts = "\t".join(["Pro-Q 3 (stereo)", "pro-q 3 (5.1)", "EQ3 (mono)", "Channel Strip (mono)",
                         "CLA-76 (stereo)", "Unknown Thing (mono/stereo)", "Pro-Q 3 (7.1.4 Dolby)",
                         "Upmix (5.1)"])
    session = extract(export(listing=listing, track_blocks=[track("Mix", plugins="\t" + inserts)]).encode(), "x")
    assert instances(session.tracks[0]) == [
        ("Pro-Q 3", "FabFilter", "3.21", "AAX Native", "1", None),
        ("Pro-Q 3", "FabFilter", "3.21", "AAX Native", "2", None),
        ("EQ3", None, None, None, "3", None),  # begins two listed names: which one is unknown
        ("Channel Strip", "Avid", "23.6", "AAX Native", "4", None),  # an insert is never AudioSuite
        ("CLA-76 Stereo", "Waves", "14.0", "AAX Native", "5", None),  # a name cut short
        ("Unknown Thing", None, None, None, "6", None),
        ("Pro-Q 3", "FabFilter", "3.21", "AAX Native", "7", None),  # a channel format not in our list
        ("Upmix (5.1)", "Waves", "1.0", "AAX Native", "8", None),  # parentheses that belong to the name
    ]


def test_track_count_is_at_least_one_and_never_above_the_instances():
    listing = [("Avid", "Trim", "23.6", "AAX Native", "Mono / Mono", "1 active"),
               ("", "Dither", "23.6", "AAX Native", "Stereo / Stereo", "3 active"),
               ("", "Reverb", "23.6", "AAX Native", "Stereo / Stereo", "2 active"),
               ("", "Gate", "23.6", "AAX Native", "Mono / Mono", "0 active")]
    blocks = [track("A", plugins="\tTrim (mono)\tReverb (stereo)"), track("B", plugins="\tTrim (mono)"),
              track("C", plugins="\tTrim (mono)\tTrim (mono)")]
    session = extract(export(listing=listing, track_blocks=blocks).encode(), "x.txt")
    assert [(p.name, p.count, p.track_count) for p in session.plugins] == [
        ("Trim", 1, 1), ("Dither", 3, 1), ("Reverb", 2, 1), ("Gate", 0, 0)]


def test_empty_insert_fields_keep_the_slot_numbers():
    listing = [("Avid", "Trim", "23.6", "AAX Native", "Mono / Mono", "2 active")]
    session = extract(export(listing=listing, track_blocks=[
        track("Vox", plugins="\t\tTrim (mono)\t\t\tTrim (mono)\t")]).encode(), "x.txt")
    assert [p.slot for p in session.tracks[0].plugins] == ["2", "5"]


def test_track_state_comments_and_user_delay():
    blocks = [track("Vox", plugins="", state="Hidden Inactive SoloSafe ", comments="lead take 3",
                    delay="12 Samples"),
              track("Gtr", plugins="", state="Muted Solo ", comments="")]
    session = extract(export(track_blocks=blocks).encode(), "x.txt")
    assert [(t.name, t.state, t.notes) for t in session.tracks] == [
        ("Vox", "inactive, hidden", "lead take 3"), ("Gtr", "muted", None)]
    info = session.attributes["protools"]
    assert info["otherTrackStates"] == {"Vox": "SoloSafe", "Gtr": "Solo"}
    assert info["userDelays"] == {"Vox": "12 Samples"}


def test_comments_over_several_lines_are_the_notes():
    text = export(track_blocks=[track("Vox", plugins="", comments="first line\nsecond line")])
    assert extract(text.encode(), "x.txt").tracks[0].notes == "first line\nsecond line"


def test_older_files_heading_and_newer_marker_columns():
    more = ("F I L E S  I N  S E S S I O N\nFilename\tLocation\nKick.wav\tHD:Audio Files:\n\n\n"
            "O N L I N E  C L I P S  I N  S E S S I O N\nCLIP NAME\tSource File\nKick-01\tKick.wav\n\n\n"
            "M A R K E R S  L I S T I N G\n#   \tLOCATION     \tTIME REFERENCE    \tUNITS    \tNAME    \t"
            "TRACK NAME   \tTRACK TYPE   \tCOMMENTS\n"
            "1   \t01:00:00:00  \t0        \tSamples  \tVerse   \tMarkers   \tRuler   \tgo\n"
            "    \t             \t         \t         \t        \t          \t        \ton\n"
            "2   \t01:00:10:00  \t480000   \tSamples  \tChorus  \tMarkers   \tRuler   \t\n"
            "    \t             \t         \t         \t        \t          \t        \tlater line\n")
    session = extract(export(more=more).encode(), "x.txt")
    info = session.attributes["protools"]
    assert info["files"] == [{"name": "Kick.wav", "location": "HD:Audio Files:"}]
    assert info["onlineClips"] == ["Kick-01"]
    assert info["markers"] == [{"number": 1, "location": "01:00:00:00", "timeReference": 0, "units": "Samples",
                                "name": "Verse", "trackName": "Markers", "trackType": "Ruler",
                                "comments": "go\non"},
                               {"number": 2, "location": "01:00:10:00", "timeReference": 480000, "units": "Samples",
                                "name": "Chorus", "trackName": "Markers", "trackType": "Ruler",
                                "comments": "later line"}]
    assert [(m.name, m.t_sec, m.comment, m.track) for m in session.markers] == [
        ("Verse", 0.0, "go\non", None), ("Chorus", pytest.approx(480000 / 44100), "later line", None)]
    # The older listing holds online and offline files alike.
    assert [(f.path, f.name, f.offline) for f in session.media_files] == [("/Volumes/HD/Audio Files/Kick.wav",
                                                                          "Kick.wav", None)]


def markers_listing(*rows, columns=("#", "LOCATION", "TIME REFERENCE", "UNITS", "NAME", "COMMENTS")):
    """A markers listing with these columns and rows (tuples of cells)."""
    return ("M A R K E R S  L I S T I N G\n" + "\t".join(columns) + "\n"
            + "".join("\t".join(row) + "\n" for row in rows) + "\n\n")


def placed(session):
    return [(m.name, m.t_sec, m.end_sec, m.comment, m.track) for m in session.markers]


def test_track_markers_name_their_track_and_ruler_markers_none():
    columns = ("#", "LOCATION", "TIME REFERENCE", "UNITS", "NAME", "TRACK NAME", "TRACK TYPE", "COMMENTS")
    more = markers_listing(("1", "01:00:00:00", "0", "Samples", "Intro", "Markers", "Ruler", ""),
                           ("2", "01:00:01:00", "44100", "Samples", "Verse", "Markers 2", "Ruler", "Some comments"),
                           ("3", "01:00:05:00", "220500", "Samples", "Breath", "Vox Lead", "Track", "More comments"),
                           ("4", "01:00:06:00", "264600", "Samples", "Fix", "Gtr", "Track", " "),
                           columns=columns)
    assert placed(extract(export(more=more).encode(), "x.txt")) == [
        ("Intro", 0.0, None, None, None), ("Verse", 1.0, None, "Some comments", None),
        ("Breath", 5.0, None, "More comments", "Vox Lead"), ("Fix", 6.0, None, None, "Gtr")]


def test_tempo_based_markers_are_placed_by_their_location_where_it_is_a_time():
    # Ticks markers: TIME REFERENCE is in bars|beats, so LOCATION, in the session's time scale, places them.
    more = markers_listing(("1", "01:00:02:12", "3|3", "Ticks", "Timecode", "a"),
                           ("2", "01:00:02:12.50", "3|3| 735", "Ticks", "Subframes", ""),
                           ("3", "0:56", "29|1", "Ticks", "Min:Sec", ""),
                           ("4", "1:55.882", "58|4| 735", "Ticks", "Min:Sec ms", ""),
                           ("5", "2695168", "58|4", "Ticks", "Samples", ""),
                           ("6", "29|1", "58|4", "Ticks", "Bars|Beats", ""),
                           ("7", "84+03", "58|4", "Ticks", "Feet+Frames", ""))
    session = extract(export(more=more).encode(), "x.txt")  # 25 fps from 01:00:00:00, 44.1 kHz
    assert placed(session) == [
        ("Timecode", pytest.approx(2.48, abs=0.001), None, "a", None),
        ("Subframes", pytest.approx(2.5, abs=0.001), None, None, None),
        ("Min:Sec", 56.0, None, None, None),
        ("Min:Sec ms", pytest.approx(115.882, abs=0.001), None, None, None),
        ("Samples", pytest.approx(61.115, abs=0.001), None, None, None),
    ]
    # Bars|beats and feet+frames need the tempo map or a film rate the export does not give.
    assert session.attributes["protools"]["unplacedMarkers"] == 2
    assert len(session.attributes["protools"]["markers"]) == 7


def test_ntsc_and_drop_frame_timecode_and_midnight():
    more = markers_listing(("1", "01:00:05:00", "x", "Ticks", "Five", ""))
    text = export(more=more).replace("25 Frame", "23.976 Frame").replace("01:00:00:00", "00:59:55:00")
    assert placed(extract(text.encode(), "x.txt"))[0][1] == pytest.approx(10.01, abs=0.001)

    more = markers_listing(("1", "01:01:00;02", "x", "Ticks", "First of minute 1", ""),
                           ("2", "01:10:00;00", "x", "Ticks", "Ten minutes", ""))
    text = export(more=more).replace("25 Frame", "29.97 Drop Frame").replace("01:00:00:00", "01:00:00;00")
    # 01:01:00;00 and ;01 do not exist in drop frame: ;02 is 1800 frames in; ten minutes are 17982 frames.
    assert [m.t_sec for m in extract(text.encode(), "x.txt").markers] == [
        pytest.approx(1800 * 1001 / 30000, abs=0.001), pytest.approx(17982 * 1001 / 30000, abs=0.001)]

    more = markers_listing(("1", "00:00:10:00", "x", "Ticks", "After midnight", ""))
    text = export(more=more).replace("01:00:00:00", "23:59:50:00")
    assert placed(extract(text.encode(), "x.txt"))[0][1] == pytest.approx(20.0)


def test_without_a_sample_rate_markers_are_placed_by_their_location():
    more = markers_listing(("1", "01:00:10:00", "441000", "Samples", "By timecode", ""),
                           ("2", "441000", "441000", "Samples", "In samples", ""))
    text = export(more=more).replace("SAMPLE RATE:\t44100.000000\n", "")
    session = extract(text.encode(), "x.txt")
    assert session.sample_rate is None
    assert placed(session) == [("By timecode", 10.0, None, None, None)]
    assert session.attributes["protools"]["unplacedMarkers"] == 1


def test_an_empty_markers_listing_is_none_and_a_missing_one_unknown():
    assert extract(export(more=markers_listing()).encode(), "x.txt").markers == []
    session = extract(export().encode(), "x.txt")
    assert session.markers is None and session.media_files is None


def test_media_files_from_both_listings_each_once_as_posix_paths():
    folder = "Macintosh HD:Users:me:Songs:AC/DC Covers:Audio Files:"
    more = ("O N L I N E  F I L E S  I N  S E S S I O N\nFilename  \tLocation\n"
            f"Kick.wav  \t{folder}\nSnare.wav  \t{folder}\nKick.wav  \t{folder}\n"
            "Loop.aif  \tAudio SSD:Library:Loops:\nStem.wav  \tD:\\Sessions\\Audio Files\\\n\n\n"
            "O F F L I N E  F I L E S  I N  S E S S I O N\nFilename  \tLocation\n"
            f"Gone.wav  \t{folder}\nKick.wav  \t{folder}\n  \t{folder}\n\n\n")
    session = extract(export(more=more).encode(), "x.txt")
    songs = "/Users/me/Songs/AC:DC Covers/Audio Files/"
    assert [(f.path, f.name, f.offline) for f in session.media_files] == [
        (songs + "Kick.wav", "Kick.wav", False),
        (songs + "Snare.wav", "Snare.wav", False),
        ("/Volumes/Audio SSD/Library/Loops/Loop.aif", "Loop.aif", False),
        ("D:\\Sessions\\Audio Files\\Stem.wav", "Stem.wav", False),
        (songs + "Gone.wav", "Gone.wav", True),
    ]
    assert session.markers is None


def test_header_values_and_the_file_name_as_fallback():
    text = export(name="").replace("24-bit", "32-bit float").replace("44100.000000", "88200.000000")
    session = extract(text.encode(), "Mix Notes.txt")
    assert (session.name, session.sample_rate, session.bit_depth) == ("Mix Notes", 88200, 32)
    assert session.tracks is None and session.plugins is None
    assert session.attributes["protools"]["counts"] == {"audioTracks": 1, "audioClips": 0, "audioFiles": 0}


# --- refusals -------------------------------------------------------------------------------------

def test_plain_text_is_not_an_export():
    with pytest.raises(ExtractError, match="not a Pro Tools session info export: no SESSION NAME header"):
        extract(b"Shopping list\nmilk\neggs\n", "list.txt")


def test_empty_random_and_binary_input_are_refused():
    with pytest.raises(ExtractError, match="the file is empty"):
        extract(b"", "empty.txt")
    with pytest.raises(ExtractError, match="the file is empty"):
        extract(b"\r\n  \n", "blank.txt")
    with pytest.raises(ExtractError, match="binary data"):
        extract(b"SESSION NAME:\tx\n\x00\x01\x02\x03", "junk.txt")
    noise = random.Random(7).randbytes(64 * 1024)
    with pytest.raises(ExtractError, match="not a Pro Tools session info export"):
        extract(noise, "noise.txt")
    with pytest.raises(ExtractError, match="no SESSION NAME header"):
        extract(noise.replace(b"\x00", b"x"), "noise.txt")


def test_a_huge_single_line_is_refused():
    with pytest.raises(ExtractError, match="longer than 100,000 characters"):
        extract(b"SESSION NAME:\t" + b"a" * 5_000_000, "huge.txt")
    with pytest.raises(ExtractError, match="no SESSION NAME header"):
        extract(b"a" * 5_000_000, "huge.txt")


def test_values_the_index_cannot_take_are_refused():
    with pytest.raises(ExtractError, match="holds a value this index cannot take"):
        extract(export(name="n" * 5000).encode(), "long.txt")
    with pytest.raises(ExtractError, match="track 1 of the track listing has no name"):
        extract(export(track_blocks=[track(" ", plugins="")]).encode(), "x.txt")


# --- files as people keep them: saved by Pro Tools on Windows, re-saved by an editor or Excel -------

def text_of(data: bytes) -> str:
    """An export's text as Pro Tools wrote it (UTF-8, else Mac Roman), with \n line ends."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("mac_roman")
    return text.replace("\r\n", "\n").replace("\r", "\n")


AS_KEPT = {
    "UTF-16 LE": lambda text: b"\xff\xfe" + text.encode("utf-16-le"),
    "UTF-16 BE": lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
    "UTF-16 LE without a byte order mark": lambda text: text.encode("utf-16-le"),
    "UTF-16 BE without a byte order mark": lambda text: text.encode("utf-16-be"),
    "UTF-16 LE with CRLF line ends": lambda text: b"\xff\xfe" + text.replace("\n", "\r\n").encode(
        "utf-16-le"),
    "UTF-8 with a byte order mark": lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
    "CRLF line ends": lambda text: text.replace("\n", "\r\n").encode("utf-8"),
    "CR line ends": lambda text: text.replace("\n", "\r").encode("utf-8"),
}


@pytest.mark.parametrize("name", [PLUGINS, FPP_FINAL, EXTENDED_CHARS])
@pytest.mark.parametrize("variant", AS_KEPT)
def test_a_corpus_export_as_people_keep_it_reads_as_the_original(corpus, name, variant):
    data = corpus(name).read_bytes()
    original = extract(data, "x.txt")
    assert original.markers or original.plugins
    kept = AS_KEPT[variant](text_of(data))
    assert kept != data
    assert extract(kept, "x.txt") == original


@pytest.mark.parametrize("variant", [name for name in AS_KEPT if "UTF-16" in name])
def test_a_utf_16_export_decodes_accented_names_and_finds_inserts(variant):
    eq = ("Avid", "EQ3 7-Band", "23.6", "AAX Native", "Mono / Mono", "1 active")
    text = export(name="Café Señor", listing=[eq], track_blocks=[track("Voix déjà", plugins="\tEQ3 7-Band (mono)")])
    session = extract(AS_KEPT[variant](text), "x.txt")
    assert (session.name, session.sample_rate, session.bit_depth) == ("Café Señor", 44100, 24)
    assert [t.name for t in session.tracks] == ["Voix déjà"]
    assert instances(session.tracks[0]) == [("EQ3 7-Band", "Avid", "23.6", "AAX Native", "1", None)]
    assert usage(session) == [("EQ3 7-Band", "Avid", "23.6", "AAX Native", 1, 1)]


def test_extract_file_reads_a_utf_16_export(tmp_path):
    path = tmp_path / "Mix.txt"
    path.write_bytes(export(name="Mix 3", track_blocks=[track("Kick", plugins="")]).encode("utf-16"))
    session = extract_file(path)
    assert (session.name, [t.name for t in session.tracks], session.sources[0].extractor) == (
        "Mix 3", ["Kick"], "protools-text")


def test_utf_16_text_that_is_not_an_export_is_refused():
    with pytest.raises(ExtractError, match="not a Pro Tools session info export: the file is empty"):
        extract(" \r\n\t".encode("utf-16"), "blank.txt")
    with pytest.raises(ExtractError, match="not a Pro Tools session info export: no SESSION NAME header"):
        extract("Shopping list\r\nmilk\r\n".encode("utf-16"), "list.txt")
    with pytest.raises(ExtractError, match="not a Pro Tools session info export: it holds binary data"):
        extract("SESSION NAME:\tx\n\x00\x01".encode("utf-16"), "junk.txt")
