"""DAWproject: tracks and channels in order, their devices, the transport and the metadata."""
import io
import os
import struct
import zipfile

import pytest

from app.extractors import ExtractError, extract_file
from app.extractors.dawproject import extract
from app.extractors.vocabulary import (
    AU, AUDIO, AUX, BUILT_IN, CLAP, FOLDER, GROUP, INSTRUMENT, MASTER, MIDI, VCA, VST2, VST3,
)


def plugins(track):
    return [(p.name, p.vendor, p.version, p.format, p.active) for p in track.plugins]


def test_bitwig_project_xml_from_the_format_readme(corpus):
    session = extract_file(corpus("dawproject/bitwig_README_example_project.xml"))
    assert [(t.name, t.type, t.format, t.state) for t in session.tracks] == [
        ("Bass", INSTRUMENT, "stereo", None),
        ("Drumloop", AUDIO, "stereo", None),
        ("Master", MASTER, "stereo", None),
    ]
    assert [plugins(t) for t in session.tracks] == [[("Surge XT", None, None, CLAP, True)], [], []]
    assert (session.name, session.artist, session.daw, session.daw_version, session.bpm) == (
        "bitwig_README_example_project", None, "Bitwig Studio", "5.0", 149.0)
    assert session.attributes == {"format_version": "1.0", "time_signature": "4/4"}


@pytest.mark.parametrize("name, master_plugins", [
    ("perivar_testfile", []),
    ("perivar_testfile2", [("Limiter", None, None, VST3, None)]),  # no <Enabled>: the file does not say
])
def test_dawproject_archives_with_a_master_and_five_note_tracks(corpus, name, master_plugins):
    session = extract_file(corpus(f"dawproject/{name}.dawproject"))
    assert [(t.name, t.type, t.format, t.state) for t in session.tracks] == [
        ("Master", MASTER, "stereo", None),
        ("Track 1", MIDI, "stereo", None),
        ("Track 2", MIDI, "stereo", None),
        ("Track 3", MIDI, "stereo", None),
        ("Track 4", MIDI, "stereo", None),
        ("Track 5", MIDI, "stereo", None),
    ]
    assert [plugins(t) for t in session.tracks] == [master_plugins, [], [], [], [], []]
    # metadata.xml is an empty <MetaData/>: the name is the file's
    assert (session.name, session.artist, session.daw, session.daw_version, session.bpm) == (
        name, None, "Test", "1.0", 120.0)
    assert session.attributes == {"format_version": "1.0"}


def test_a_pre_1_0_draft_in_its_json_container_is_refused(corpus):
    with pytest.raises(ExtractError, match="unsupported DAWproject version"):
        extract_file(corpus("dawproject/bitwig_v0.1_sends.dawproject"))


# Hand-made projects.

PROJECT = """<?xml version="1.0" encoding="UTF-8"?>
<Project version="{version}">
  <Application name="{daw}" version="5.1.9"/>
  <Transport><Tempo unit="bpm" value="87.5"/><TimeSignature numerator="6" denominator="8"/></Transport>
  <Structure>{structure}</Structure>
</Project>"""


def project(structure="", version="1.0", daw="Bitwig Studio"):
    return PROJECT.format(structure=structure, version=version, daw=daw).encode()


def archive(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    return buffer.getvalue()


def test_nested_tracks_are_flattened_in_document_order_with_their_groups():
    structure = """
      <Track name="Drums" contentType="tracks">
        <Channel role="submix" audioChannels="2"/>
        <Track name="Kick" contentType="audio"><Channel role="regular" audioChannels="1"/></Track>
        <Track name="Percussion" contentType="tracks">
          <Track name="Shaker" contentType="audio" loaded="false">
            <Channel role="regular"><Mute value="true"/></Channel>
          </Track>
        </Track>
      </Track>
      <Track name="Keys" contentType="notes"><Channel role="regular"/></Track>
      <Track name="Reverb" contentType="audio"><Channel role="effect"/></Track>
      <Track name="Faders" contentType="automation"><Channel role="vca"/></Track>
      <Channel name="Cue" role="regular"/>
      <Track name="Master" contentType="audio notes"><Channel role="master" audioChannels="2"/></Track>"""
    session = extract(project(structure), "Set.dawproject")
    assert [(t.name, t.type, t.format, t.state) for t in session.tracks] == [
        ("Drums", GROUP, "stereo", None),
        ("Kick", AUDIO, "mono", None),
        ("Percussion", FOLDER, None, None),  # members but no channel summing them
        ("Shaker", AUDIO, None, "inactive, muted"),
        ("Keys", MIDI, None, None),
        ("Reverb", AUX, None, None),
        ("Faders", VCA, None, None),
        ("Cue", None, None, None),
        ("Master", MASTER, "stereo", None),
    ]


def test_devices_keep_their_order_format_vendor_version_and_state():
    structure = """
      <Track name="Lead" contentType="notes"><Channel role="regular"><Devices>
        <Vst3Plugin deviceName="Serum" deviceRole="instrument" deviceVendor="Xfer Records" pluginVersion="1.3.6">
          <Enabled value="true"/></Vst3Plugin>
        <Vst2Plugin deviceName="Pro-Q 3" deviceRole="audioFX" deviceVendor="FabFilter Software Instruments">
          <Enabled value="false"/></Vst2Plugin>
        <AuPlugin deviceName="AUDelay" deviceRole="audioFX" deviceVendor="Apple Inc." loaded="false"/>
        <ClapPlugin deviceName="Surge XT Effects" deviceRole="audioFX" deviceVendor="Surge Synth Team"/>
        <Equalizer deviceName="EQ+" deviceRole="audioFX"><Enabled value="true"/></Equalizer>
        <Compressor deviceName="Compressor" deviceRole="audioFX" deviceVendor="Bitwig GmbH"/>
        <BuiltinDevice deviceName="Tool" deviceRole="audioFX"/>
      </Devices></Channel></Track>"""
    [lead] = extract(project(structure), "Set.dawproject").tracks
    assert lead.type == INSTRUMENT
    assert plugins(lead) == [
        ("Serum", "Xfer Records", "1.3.6", VST3, True),
        ("Pro-Q 3", "FabFilter", None, VST2, False),
        ("AUDelay", "Apple", None, AU, False),
        ("Surge XT Effects", "Surge Synth Team", None, CLAP, None),
        ("EQ+", "Bitwig", None, BUILT_IN, True),
        ("Compressor", "Bitwig", None, BUILT_IN, None),
        ("Tool", "Bitwig", None, BUILT_IN, None),
    ]


def test_built_in_devices_of_an_unknown_program_have_no_vendor():
    structure = ('<Track name="A" contentType="audio"><Channel><Devices>'
                 '<Limiter deviceName="Limiter" deviceRole="audioFX"/></Devices></Channel></Track>')
    [track] = extract(project(structure, daw="Some DAW"), "x.xml").tracks
    assert plugins(track) == [("Limiter", None, None, BUILT_IN, None)]


def test_metadata_names_the_session_and_fills_attributes():
    metadata = b"""<MetaData><Title>Night Drive</Title><Artist>The Lows</Artist><Album>Late</Album>
      <OriginalArtist>Someone</OriginalArtist><Year>2024</Year><Comment> </Comment></MetaData>"""
    session = extract(archive({"project.xml": project(), "metadata.xml": metadata}), "nd.dawproject")
    assert (session.name, session.artist, session.daw, session.daw_version, session.bpm) == (
        "Night Drive", "The Lows", "Bitwig Studio", "5.1.9", 87.5)
    assert session.attributes == {"format_version": "1.0", "time_signature": "6/8", "album": "Late",
                                  "original_artist": "Someone", "year": "2024"}
    untitled = extract(archive({"project.xml": project(), "metadata.xml": b"<MetaData><Year>2024</Year></MetaData>"}),
                       "Untitled.dawproject")
    assert (untitled.name, untitled.artist) == ("Untitled", None)


@pytest.mark.parametrize("version", ["0.5", "0.9.9", "", "one"])
def test_versions_before_1_0_or_unreadable_are_refused(version):
    with pytest.raises(ExtractError, match="unsupported DAWproject version"):
        extract(project(version=version), "x.xml")
    with pytest.raises(ExtractError, match="unsupported DAWproject version"):
        extract(archive({"project.xml": project(version=version)}), "x.dawproject")


def test_later_versions_are_read():
    assert extract(project(version="1.1"), "x.xml").daw == "Bitwig Studio"


def test_an_xml_document_that_is_not_a_project_is_refused():
    with pytest.raises(ExtractError, match="not a DAWproject file: its XML document is <Ableton>, not <Project>"):
        extract(b'<?xml version="1.0"?><Ableton MajorVersion="5"/>', "x.xml")


@pytest.mark.parametrize("data", [b"", b"   \n", b"just some text", os.urandom(4096).replace(b"<", b"")])
def test_what_is_neither_zip_nor_xml_is_refused(data):
    with pytest.raises(ExtractError, match="not a DAWproject file"):
        extract(data, "x.dawproject")


def test_a_damaged_zip_or_one_without_project_xml_is_refused():
    with pytest.raises(ExtractError, match="not a DAWproject file: it is not a zip archive"):
        extract(b"PK\x03\x04" + os.urandom(100), "x.dawproject")
    with pytest.raises(ExtractError, match="not a DAWproject file: the zip archive has no project.xml"):
        extract(archive({"metadata.xml": b"<MetaData/>"}), "x.dawproject")


def test_broken_xml_is_refused():
    with pytest.raises(ExtractError, match="project.xml of the DAWproject file is not well-formed XML"):
        extract(b"<Project version='1.0'><Structure>", "x.xml")


def declare_size(zipped: bytes, size: int) -> bytes:
    """The zip with its last member's central directory entry claiming `size` expanded bytes."""
    at = zipped.rindex(b"PK\x01\x02") + 24
    return zipped[:at] + struct.pack("<I", size) + zipped[at + 4:]


def test_a_member_claiming_to_expand_past_the_cap_is_refused():
    with pytest.raises(ExtractError, match="project.xml in the DAWproject file expands past 256 MB"):
        extract(declare_size(archive({"project.xml": project()}), 2**31), "x.dawproject")


def test_a_member_that_lies_about_its_size_is_damaged():
    padded = project() + b"<!--" + b" " * 100_000 + b"-->"
    with pytest.raises(ExtractError, match="project.xml in the DAWproject file is damaged"):
        extract(declare_size(archive({"project.xml": padded}), 100), "x.dawproject")


LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY lol "lol">'
          b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
          b'<Project version="1.0"><Application name="&lol2;" version="1"/></Project>')


def test_entity_expansion_is_refused_bare_or_inside_the_zip():
    with pytest.raises(ExtractError, match="project.xml of the DAWproject file is refused"):
        extract(LAUGHS, "x.xml")
    with pytest.raises(ExtractError, match="project.xml of the DAWproject file is refused"):
        extract(archive({"project.xml": LAUGHS}), "x.dawproject")
    with pytest.raises(ExtractError, match="metadata.xml of the DAWproject file is refused"):
        extract(archive({"project.xml": project(), "metadata.xml": LAUGHS.replace(b"Project", b"MetaData")}),
                "x.dawproject")


def test_deep_nesting_is_read_without_recursion():
    depth = 5_000
    structure = '<Track name="t" contentType="tracks">' * depth + "</Track>" * depth
    assert len(extract(project(structure), "x.xml").tracks) == depth


# Markers and media files.

def markers_of(session):
    return [(m.name, m.t_sec, m.comment) for m in session.markers]


def test_corpus_markers_in_beats_through_the_transport_tempo(corpus):
    session = extract_file(corpus("dawproject/perivar_testfile2.dawproject"))
    # <Markers> without a timeUnit: beats, at 120 BPM half a second each.
    assert markers_of(session) == [("Verse", 0.0, None), ("Chorus", pytest.approx(12.0, abs=0.001), None)]
    assert session.media_files == []
    session = extract_file(corpus("dawproject/perivar_testfile.dawproject"))
    assert (session.markers, session.media_files) == ([], [])


def test_corpus_audio_file_of_a_bare_project_xml_sits_beside_it(corpus):
    session = extract_file(corpus("dawproject/bitwig_README_example_project.xml"))
    assert session.markers == []
    assert [(m.path, m.name, m.offline) for m in session.media_files] == [
        ("audio/Drumfunk3 170bpm.wav", "Drumfunk3 170bpm.wav", None)]


def with_arrangement(arrangement, transport='<Tempo id="t" unit="bpm" value="90"/>'):
    return (f'<?xml version="1.0" encoding="UTF-8"?><Project version="1.0"><Application name="Bitwig Studio"/>'
            f'<Transport>{transport}</Transport><Structure/><Arrangement>{arrangement}</Arrangement>'
            f'</Project>').encode()


def test_markers_default_to_beats_keep_their_comment_and_come_in_time_order():
    session = extract(with_arrangement(
        '<Markers><Marker name="Bridge" time="48" comment="key change"/><Marker name="Intro" time="0"/>'
        '<Marker name="Verse" time="3"/><Marker time="6"/><Marker name="Before" time="-1"/>'
        '<Marker name="Nowhere" time="x"/></Markers>'), "project.xml")
    assert markers_of(session) == [("Intro", 0.0, None), ("Verse", 2.0, None), ("", 4.0, None),
                                   ("Bridge", 32.0, "key change")]


def test_markers_in_seconds_need_no_tempo_and_the_unit_may_come_from_the_arrangement():
    own = with_arrangement('<Markers timeUnit="seconds"><Marker name="Drop" time="61.25"/></Markers>', transport="")
    inherited = with_arrangement('<Markers><Marker name="Drop" time="61.25"/></Markers>', transport="").replace(
        b"<Arrangement>", b'<Arrangement timeUnit="seconds">')
    for data in (own, inherited):
        assert markers_of(extract(data, "project.xml")) == [("Drop", 61.25, None)]


def test_markers_in_beats_without_any_tempo_cannot_be_placed():
    session = extract(with_arrangement('<Markers><Marker name="A" time="4"/></Markers>', transport=""), "p.xml")
    assert session.markers == []
    assert extract(with_arrangement(""), "p.xml").markers == []


def test_tempo_automation_holds_or_ramps_from_each_point():
    automation = ('<TempoAutomation unit="bpm"><Target parameter="t"/>'
                  '<RealPoint time="0" value="120"/>'  # held (the default) until beat 8
                  '<RealPoint time="8" value="60" interpolation="linear"/>'  # ramps to 120 at beat 12
                  '<RealPoint time="12" value="120" interpolation="hold"/></TempoAutomation>')
    markers = '<Markers><Marker name="A" time="8"/><Marker name="B" time="12"/><Marker name="C" time="14"/></Markers>'
    session = extract(with_arrangement(automation + markers), "p.xml")
    # 8 beats at 120 = 4 s; the ramp from 60 to 120 over 4 beats takes 4 * ln 2; then 2 beats at 120.
    assert markers_of(session) == [("A", 4.0, None), ("B", pytest.approx(6.773, abs=0.001), None),
                                   ("C", pytest.approx(7.773, abs=0.001), None)]


def test_points_targeting_the_transport_tempo_inside_the_lanes_are_its_automation():
    lanes = ('<Lanes timeUnit="beats"><Lanes><Points unit="bpm"><Target parameter="t"/>'
             '<RealPoint time="0" value="60"/><RealPoint time="4" value="240"/></Points></Lanes></Lanes>')
    session = extract(with_arrangement(lanes + '<Markers><Marker name="A" time="8"/></Markers>'), "p.xml")
    assert markers_of(session) == [("A", 5.0, None)]  # 4 beats at 60, 4 at 240
    # Before its first point, a tempo automation holds that point's tempo.
    late = lanes.replace('time="0" value="60"', 'time="2" value="60"')
    session = extract(with_arrangement(late + '<Markers><Marker name="A" time="8"/></Markers>'), "p.xml")
    assert markers_of(session) == [("A", 5.0, None)]


def test_tempo_automation_timed_in_seconds_leaves_markers_in_beats_out_rather_than_misplacing_them():
    automation = ('<TempoAutomation timeUnit="seconds" unit="bpm"><Target parameter="t"/>'
                  '<RealPoint time="0" value="120"/><RealPoint time="2" value="60"/></TempoAutomation>')
    session = extract(with_arrangement(automation + '<Markers><Marker name="A" time="8"/></Markers>'), "p.xml")
    assert session.markers == []


def media(path, external=None, tag="Audio"):
    flag = f' external="{external}"' if external is not None else ""
    return f'<{tag} duration="1" sampleRate="48000" channels="2"><File path="{path}"{flag}/></{tag}>'


def test_media_files_once_per_path_and_embedded_ones_only_beside_a_bare_project_xml():
    clips = (f'<Lanes><Clips><Clip time="0" duration="4"><Warps>{media("audio/a.wav")}</Warps></Clip>'
             f'<Clip time="4" duration="4">{media("C:/Loops/b.wav", "true")}</Clip>'
             f'<Clip time="8" duration="4">{media("../shared/c.wav", "true")}</Clip>'
             f'<Clip time="9" duration="4">{media("audio/a.wav")}{media("film.mp4", "true", tag="Video")}</Clip>'
             f'<Clip time="12" duration="4">{media("C:/Loops/b.wav", "true")}</Clip></Clips></Lanes>')
    bare = extract(with_arrangement(clips), "project.xml")
    assert [(m.path, m.name) for m in bare.media_files] == [
        ("audio/a.wav", "a.wav"), ("C:/Loops/b.wav", "b.wav"), ("../shared/c.wav", "c.wav"), ("film.mp4", "film.mp4")]
    zipped = extract(archive({"project.xml": with_arrangement(clips)}), "song.dawproject")
    assert [m.path for m in zipped.media_files] == ["C:/Loops/b.wav", "../shared/c.wav", "film.mp4"]


def test_what_the_wire_format_cannot_carry_is_left_out():
    many = "".join(f'<Marker name="M{index}" time="{index}"/>' for index in range(10_005))
    session = extract(with_arrangement(f"<Markers>{many}</Markers>"), "p.xml")
    assert len(session.markers) == 10_000 and session.markers[-1].name == "M9999"
    long_path = "a" * 100_001
    session = extract(with_arrangement(f'<Lanes>{media(long_path, "true")}{media("", "true")}</Lanes>'), "p.xml")
    assert session.media_files == []


# Archives as people make them: by zipping the project's folder, on a Mac or with a Windows tool.

# What macOS keeps of a file's resource fork in "._name": an AppleDouble header, then Finder data.
APPLE_DOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + bytes(64)


def members_of(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zipped:
        return {name: zipped.read(name) for name in zipped.namelist()}


def in_folder(members: dict[str, bytes], folder: str, separator: str = "/") -> dict[str, bytes]:
    return {f"{folder}{separator}{name}": data for name, data in members.items()}


AS_ZIPPED = {
    "in a folder": lambda members: {"My Song/": b"", **in_folder(members, "My Song")},
    "in a folder, zipped on a Mac": lambda members: {
        "My Song/": b"", **in_folder(members, "My Song"), "__MACOSX/": b"", "__MACOSX/My Song/": b"",
        **in_folder({f"._{name}": APPLE_DOUBLE for name in members}, "__MACOSX/My Song"),
        "My Song/._project.xml": APPLE_DOUBLE},
    "with macOS's copies at the top": lambda members: {
        **members, "._project.xml": APPLE_DOUBLE, "__MACOSX/._project.xml": APPLE_DOUBLE},
    "in a folder, named with backslashes": lambda members: in_folder(members, "My Song", "\\"),
    "with a leading ./": lambda members: in_folder(members, "."),
    "in a folder two deep": lambda members: in_folder(members, "Projects/2024/My Song"),
    "with the metadata left out": lambda members: in_folder({"project.xml": members["project.xml"]}, "My Song"),
}


@pytest.mark.parametrize("variant", AS_ZIPPED)
def test_a_corpus_archive_as_people_zip_it_reads_as_the_original(corpus, variant):
    path = corpus("dawproject/perivar_testfile2.dawproject")
    original = extract(path.read_bytes(), "song.dawproject")
    assert original.tracks and original.markers
    assert extract(archive(AS_ZIPPED[variant](members_of(path))), "song.dawproject") == original


METADATA = b"<MetaData><Title>Night Drive</Title><Artist>The Lows</Artist></MetaData>"


@pytest.mark.parametrize("separator", ["/", "\\"])
def test_metadata_beside_project_xml_in_its_folder_names_the_session(separator):
    members = in_folder({"project.xml": project(), "metadata.xml": METADATA}, "Night Drive", separator)
    members["__MACOSX/Night Drive/._metadata.xml"] = APPLE_DOUBLE
    session = extract(archive(members), "nd.dawproject")
    assert (session.name, session.artist, session.daw, session.bpm) == (
        "Night Drive", "The Lows", "Bitwig Studio", 87.5)
    # Metadata in another folder than the project's is not the project's.
    elsewhere = extract(archive({"A/project.xml": project(), "B/metadata.xml": METADATA}), "nd.dawproject")
    assert (elsewhere.name, elsewhere.artist) == ("nd", None)


def test_project_xml_at_the_top_is_the_project_whatever_the_folders_hold():
    kept = '<Track name="Kept" contentType="audio"><Channel role="regular"/></Track>'
    other = '<Track name="Old copy" contentType="audio"><Channel role="regular"/></Track>'
    members = {"Backup/project.xml": project(other), "project.xml": project(kept), "Backup/metadata.xml": METADATA}
    session = extract(archive(members), "song.dawproject")
    assert ([t.name for t in session.tracks], session.name, session.artist) == (["Kept"], "song", None)


def test_several_project_xml_in_folders_and_none_at_the_top_are_refused():
    members = {"Song B/project.xml": project(), "Song A/project.xml": project(), "Song A/metadata.xml": METADATA}
    with pytest.raises(ExtractError) as refused:
        extract(archive(members), "songs.dawproject")
    assert refused.value.message == (
        "not a DAWproject file: the zip archive holds 2 project.xml files in folders (Song A/project.xml, "
        "Song B/project.xml) and none at its top, so it is several projects, not one")
    many = {f"Song {index}/project.xml": project() for index in range(5)}
    with pytest.raises(ExtractError, match=r"holds 5 project.xml files in folders \(Song 0/project.xml, "
                                           r"Song 1/project.xml, Song 2/project.xml, ...\) and none at its top"):
        extract(archive(many), "songs.dawproject")


def test_macos_copies_alone_are_no_project():
    members = {"__MACOSX/My Song/._project.xml": APPLE_DOUBLE, "My Song/._project.xml": APPLE_DOUBLE,
               "__MACOSX/project.xml": project(), "My Song/": b""}
    with pytest.raises(ExtractError) as refused:
        extract(archive(members), "song.dawproject")
    assert refused.value.message == "not a DAWproject file: the zip archive has no project.xml"


def test_a_pre_1_0_draft_in_a_folder_is_refused_as_one():
    with pytest.raises(ExtractError, match="unsupported DAWproject version: this file is from a draft before 1.0"):
        extract(archive({"Old Song/project.json": b"{}", "Old Song/metadata.json": b"{}"}), "old.dawproject")


def test_the_size_cap_holds_for_a_project_xml_in_a_folder():
    zipped = archive({"My Song\\metadata.xml": METADATA, "My Song\\project.xml": project()})
    with pytest.raises(ExtractError, match=r"My Song\\project.xml in the DAWproject file expands past 256 MB"):
        extract(declare_size(zipped, 2**31), "x.dawproject")
