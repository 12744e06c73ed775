"""Studio One songs: mixer channels as tracks, their inserts and instruments, the song's metadata."""
import io
import os
import struct
import zipfile

import pytest

from app.extractors import ExtractError, extract_file
from app.extractors.studio_one import extract
from app.extractors.vocabulary import AUDIO, AUX, BUILT_IN, GROUP, INSTRUMENT, MASTER, VST2, VST3


def plugins(track):
    return [(p.name, p.vendor, p.version, p.format, p.active, p.preset) for p in track.plugins]


def test_studio_one_7_song_with_an_instrument_and_inserts(corpus):
    session = extract_file(corpus("song/owlplug_studioone7schema8.song"))
    assert [(t.name, t.type, t.format, t.state) for t in session.tracks] == [
        ("Sylenth1", INSTRUMENT, "stereo", None),
        ("Track", AUDIO, "mono", None),
        ("Main", MASTER, "stereo", None),
    ]
    sylenth, track, main = session.tracks
    assert plugins(sylenth) == [
        ("Sylenth1", None, None, VST2, None, "Par défaut"),
        ("Wobbleizer(64bit)", None, None, VST2, None, "Par défaut"),
    ]
    assert plugins(track) == [("Wobbleizer(64bit)", None, None, VST2, None, "Par défaut")]
    assert plugins(main) == [("iZotope Ozone 5", None, None, VST2, None, "Par défaut")]
    assert (session.name, session.artist, session.daw, session.daw_version) == (
        "OwlPlug", "Arthur Poiet", "Studio One", "7.2.3.108761")
    assert (session.bpm, session.sample_rate, session.bit_depth, session.key, session.duration_seconds) == (
        120.0, 44100, 24, None, 300.0)
    assert session.attributes == {"time_signature": "4/4", "creator": "Arthur", "year": "2025", "format_version": "8"}


def test_studio_one_5_song_with_one_audio_track(corpus):
    session = extract_file(corpus("song/paulomouat_test-song.song"))
    assert [(t.name, t.type, t.format, t.state, t.plugins) for t in session.tracks] == [
        ("normal file", AUDIO, "stereo", None, []),
        ("Main", MASTER, "stereo", None, []),
    ]
    assert (session.name, session.artist, session.daw, session.daw_version) == (
        "test-song", "Paulo Mouat", "Studio One", "5.3.0.65413")
    assert (session.bpm, session.sample_rate, session.bit_depth, session.key, session.duration_seconds) == (
        120.0, 96000, 32, None, 1200.0)
    assert session.attributes == {
        "time_signature": "4/4", "creator": "Paulo Mouat", "year": "2021", "format_version": "6"}


# Hand-made songs, written as Studio One writes them: `x:id` with the prefix never declared.

SONG = """<?xml version="1.0" encoding="UTF-8"?>
<Song><Attributes x:id="Root">
  <Attributes x:id="timeContext" sampleRate="48000">
    <TempoMap x:id="tempoMap"><TempoMapSegment start="0" tempo="0.4"/></TempoMap>
  </Attributes>
</Attributes></Song>"""

META = """<?xml version="1.0" encoding="UTF-8"?>
<MetaInformation>
  <Attribute id="Document:Title" value="Night Drive"/>
  <Attribute id="Document:Generator" value="Studio One/6.5.2.97440"/>
  <Attribute id="Media:Tempo" value="92.5"/>
  <Attribute id="Media:SampleRate" value="44100"/>
  <Attribute id="Media:KeySignature" value="{key}"/>
</MetaInformation>"""


def slot(name, sub_category, device_name=None, preset="default"):
    device = f'<Attributes x:id="deviceData" name="{device_name or name}"/>'
    return f"""<Attributes name="FX01">{device}
      <Attributes x:id="ghostData">
        <Attributes x:id="classInfo" name="{name}" subCategory="{sub_category}"/>
      </Attributes>
      <Attributes x:id="Presets" pname="{preset}"/>
    </Attributes>"""


def channel(tag, label, uid, inserts="", extra="", attributes=""):
    return f"""<{tag} label="{label}" {attributes}>
      <SpeakerSetup x:id="speakerType" type="Stereo"/>
      <UID x:id="uniqueID" uid="{{{uid}}}"/>
      <Attributes x:id="Inserts">{inserts}<Attributes x:id="Presets" pname="default"/>
        <Attributes x:id="Combinator" name="Combinator"/></Attributes>{extra}
    </{tag}>"""


def mixer(*groups):
    body = "".join(f'<ChannelGroup name="{name}">{"".join(channels)}</ChannelGroup>' for name, channels in groups)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            f'<AudioMixer><Attributes x:id="channels">{body}</Attributes></AudioMixer>')


def song(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text.encode() if isinstance(text, str) else text)
    return buffer.getvalue()


def members(mixer_xml, **more):
    return {"metainfo.xml": META.format(key="-"), "Song/song.xml": SONG, "Devices/audiomixer.xml": mixer_xml, **more}


def test_every_kind_of_channel_becomes_a_track_in_the_consoles_order():
    mixer_xml = mixer(
        ("AudioInput", [channel("AudioInputChannel", "Input L", "I-1")]),
        ("AudioOutput", [channel("AudioOutputChannel", "Main", "M-1"), channel("AudioOutputChannel", "Cue", "M-2")]),
        ("AudioTrack", [channel("AudioTrackChannel", "Vocal", "A-1", attributes='mute="1"')]),
        ("AudioGroup", [channel("AudioGroupChannel", "Drum Bus", "B-1")]),
        ("AudioEffect", [channel("AudioEffectChannel", "Reverb", "F-1")]),
    )
    console = """<MixerConsole><Attributes x:id="channelSettings">
      <Section path="A1"><Attributes visible="1" order="3"/></Section>
      <Section path="B1"><Attributes visible="0" order="1"/></Section>
      <Section path="F1"><Attributes visible="1" order="2"/></Section>
    </Attributes></MixerConsole>"""
    session = extract(song(members(mixer_xml, **{"Devices/mixerconsole.xml": console})), "Night Drive.song")
    assert [(t.name, t.type, t.state) for t in session.tracks] == [
        ("Drum Bus", GROUP, "hidden"),
        ("Reverb", AUX, None),
        ("Vocal", AUDIO, "muted"),
        ("Main", MASTER, None),  # channels the console does not place keep their order, outputs last
        ("Cue", None, None),
    ]


def test_inserts_keep_their_order_and_built_in_effects_are_presonus():
    inserts = (slot("Pro EQ", "(Native)/EQ", device_name="Pro EQ (2)", preset="Vocal Air")
               + slot("Pro-Q 3", "VST3/EQ") + slot("Ozone 9", "VST2")
               + '<Attributes name="FX04"/>')  # an empty slot
    post = '<Attributes x:id="PostFaderInserts">' + slot("Limiter", "(Native)/Mastering") + "</Attributes>"
    mixer_xml = mixer(("AudioOutput", [channel("AudioOutputChannel", "Main", "M-1", inserts, extra=post)]))
    [main] = extract(song(members(mixer_xml)), "x.song").tracks
    assert plugins(main) == [
        ("Pro EQ", "PreSonus", None, BUILT_IN, None, "Vocal Air"),
        ("Pro-Q 3", None, None, VST3, None, "default"),
        ("Ozone 9", None, None, VST2, None, "default"),
        ("Limiter", "PreSonus", None, BUILT_IN, None, "default"),
    ]


def test_an_instrument_sits_on_the_first_channel_it_plays_into():
    synths = """<AudioSynthFolder>
      <Attributes name="Inst01">
        <Attributes x:id="deviceData" name="Mai Tai"/>
        <Attributes x:id="ghostData"><Attributes x:id="classInfo" name="Mai Tai" subCategory="(Native)"/></Attributes>
        <List x:id="synthChannels"><UID uid="{S-1}"/><UID uid="{S-2}"/></List>
      </Attributes>
      <Attributes x:id="Presets" pname="default"/>
    </AudioSynthFolder>"""
    mixer_xml = mixer(("AudioSynth", [channel("AudioSynthChannel", "Mai Tai", "S-1", slot("Chorus", "(Native)/Mod")),
                                      channel("AudioSynthChannel", "Mai Tai 2", "S-2")]))
    first, second = extract(song(members(mixer_xml, **{"Devices/audiosynthfolder.xml": synths})), "x.song").tracks
    assert (first.type, plugins(first)) == (INSTRUMENT, [
        ("Mai Tai", "PreSonus", None, BUILT_IN, None, None),
        ("Chorus", "PreSonus", None, BUILT_IN, None, "default"),
    ])
    assert (second.type, second.plugins) == (INSTRUMENT, [])


def test_session_fields_come_from_metainfo_with_song_xml_as_fallback():
    mixer_xml = mixer(("AudioTrack", [channel("AudioTrackChannel", "Vocal", "A-1")]))
    session = extract(song(members(mixer_xml, **{"metainfo.xml": META.format(key="Am")})), "n.song")
    assert (session.name, session.daw, session.daw_version, session.bpm, session.sample_rate, session.key) == (
        "Night Drive", "Studio One", "6.5.2.97440", 92.5, 44100, "Am")
    assert session.artist is None and session.attributes is None
    bare = members(mixer_xml)
    del bare["metainfo.xml"]
    session = extract(song(bare), "Untitled Song.song")
    assert (session.name, session.daw, session.daw_version, session.bpm, session.sample_rate, session.key) == (
        "Untitled Song", "Studio One", None, 150.0, 48000, None)


def test_a_root_that_declares_the_x_prefix_reads_the_same():
    declared = mixer(("AudioTrack", [channel("AudioTrackChannel", "Vocal", "A-1", slot("Pro-C 2", "VST3"))])).replace(
        "<AudioMixer>", '<AudioMixer xmlns:x="http://example.com/x">')
    [track] = extract(song(members(declared)), "x.song").tracks
    assert (track.name, plugins(track)) == ("Vocal", [("Pro-C 2", None, None, VST3, None, "default")])


@pytest.mark.parametrize("data", [b"", b"not a zip at all", os.urandom(4096), b"PK\x03\x04 truncated"])
def test_what_is_not_a_zip_is_not_a_song(data):
    with pytest.raises(ExtractError, match="not a Studio One song: it is not a zip archive"):
        extract(data, "x.song")


def test_a_zip_without_the_songs_documents_is_refused():
    with pytest.raises(ExtractError, match="not a Studio One song: the zip archive has no Song/song.xml"):
        extract(song({"readme.txt": "hello"}), "x.song")
    with pytest.raises(ExtractError, match="the zip archive has no Devices/audiomixer.xml"):
        extract(song({"Song/song.xml": SONG}), "x.song")


def declare_size(archive: bytes, size: int) -> bytes:
    """The zip with its last member's central directory entry claiming `size` expanded bytes."""
    at = archive.rindex(b"PK\x01\x02") + 24
    return archive[:at] + struct.pack("<I", size) + archive[at + 4:]


def test_a_member_claiming_to_expand_past_the_cap_is_refused():
    bomb = song({"Devices/audiomixer.xml": mixer(), "Song/song.xml": SONG})
    with pytest.raises(ExtractError, match="Song/song.xml in the Studio One song expands past 256 MB"):
        extract(declare_size(bomb, 2**31), "x.song")


def test_a_member_that_lies_about_its_size_is_damaged():
    padded = SONG + "<!--" + " " * 100_000 + "-->"
    liar = declare_size(song({"Devices/audiomixer.xml": mixer(), "Song/song.xml": padded}), 200)
    with pytest.raises(ExtractError, match="Song/song.xml in the Studio One song is damaged"):
        extract(liar, "x.song")


def test_entity_expansion_inside_the_zip_is_refused():
    laughs = ('<?xml version="1.0"?><!DOCTYPE MetaInformation [<!ENTITY lol "lol">'
              '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
              '<MetaInformation><Attribute id="Document:Title" value="&lol2;"/></MetaInformation>')
    with pytest.raises(ExtractError, match="metainfo.xml in the Studio One song is refused"):
        extract(song(members(mixer(), **{"metainfo.xml": laughs})), "x.song")


def test_broken_xml_inside_the_zip_is_refused():
    with pytest.raises(ExtractError, match="Devices/audiomixer.xml in the Studio One song is not well-formed XML"):
        extract(song(members("<AudioMixer><ChannelGroup>")), "x.song")


# Markers and the media pool.

def test_corpus_songs_hold_only_their_start_and_end_markers_and_their_media_pool(corpus):
    # Both marker tracks hold just the Start and End markers every song has (markerType 2 and 3).
    owlplug = extract_file(corpus("song/owlplug_studioone7schema8.song"))
    assert (owlplug.markers, owlplug.media_files) == ([], [])  # its media pool is empty
    session = extract_file(corpus("song/paulomouat_test-song.song"))
    assert session.markers == []
    folder = "/Users/paulomouat/Documents/Studio One/Songs/test-song/raw"
    assert [(m.path, m.name, m.offline) for m in session.media_files] == [
        (f"{folder}/nf-0{number}.flac", f"nf-0{number}.flac", None) for number in (4, 3, 2, 1)]


def song_with(tracks="", tempo='<TempoMapSegment start="0" tempo="0.5"/>', pool=None):
    """A song whose song.xml has `tracks` and the tempo segments `tempo`, and `pool` as its mediapool.xml."""
    song_xml = (f'<?xml version="1.0" encoding="UTF-8"?><Song><Attributes x:id="Root"><Attributes x:id="timeContext">'
                f'<TempoMap x:id="tempoMap">{tempo}</TempoMap></Attributes><List x:id="Tracks">{tracks}</List>'
                f'</Attributes></Song>')
    more = {"Song/song.xml": song_xml}
    if pool is not None:
        more["Song/mediapool.xml"] = f'<?xml version="1.0" encoding="UTF-8"?><MediaPool>{pool}</MediaPool>'
    return extract(song(members(mixer(), **more)), "n.song")


def markers_of(session):
    return [(m.name, m.t_sec) for m in session.markers]


def test_markers_in_beats_or_seconds_without_the_start_and_end_in_time_order():
    tracks = ('<MarkerTrack timeFormat="2"><MarkerEvent markerType="2" timeFormat="2" name="Start"/>'
              '<MarkerEvent markerType="3" start="600" timeFormat="2" name="End"/>'
              '<MarkerEvent start="32" timeFormat="2" name="Chorus"/>'
              '<MarkerEvent timeFormat="2" name="Top"/>'  # start left out: 0
              '<MarkerEvent start="7.5" timeFormat="0" name="Hit"/>'
              '<MarkerEvent start="8" name="Track format"/>'  # the track's timeFormat: beats
              '<MarkerEvent start="x" timeFormat="2" name="Broken"/></MarkerTrack>')
    assert markers_of(song_with(tracks)) == [("Top", 0.0), ("Track format", 4.0), ("Hit", 7.5), ("Chorus", 16.0)]


def test_a_song_without_markers_has_none_and_tempo_segments_hold_from_their_start():
    assert song_with().markers == []
    tempo = '<TempoMapSegment start="0" end="16" tempo="0.5"/><TempoMapSegment start="16" end="1e200" tempo="1"/>'
    tracks = '<MarkerTrack><MarkerEvent start="20" timeFormat="2" name="Slow"/></MarkerTrack>'
    assert markers_of(song_with(tracks, tempo)) == [("Slow", 12.0)]  # 16 beats at 120 BPM, 4 at 60
    assert song_with(tracks, tempo="").markers == []  # no tempo map: beats cannot be placed
    assert song_with(tracks, tempo='<TempoMapSegment tempo="-1"/>').markers == []


def test_media_pool_files_once_each_as_paths_from_their_file_urls():
    clip = '<AudioClip mediaID="{{{id}}}"><Url x:id="path" type="1" url="{url}"/></AudioClip>'
    pool = ('<Attributes x:id="rootFolder"><MediaFolder name="Audio">'
            + clip.format(id="A", url="file:///C:/Users/me/Songs/Take 1.wav")
            + clip.format(id="B", url="file:///Users/me/Loops/Beat.aif")
            + clip.format(id="C", url="file://server/share/Pad.wav")
            + clip.format(id="D", url="file:///C:/Users/me/Songs/Take 1.wav")
            + '<MusicClip mediaID="{M}"><Url x:id="dataPath" type="1" url="media:///Performances/Keys.musicx"/>'
              '</MusicClip></MediaFolder></Attributes>'
            '<Attributes x:id="documentPath" type="1" url="file:///Users/me/Songs/n.song"/>')
    session = song_with(pool=pool)
    assert [(m.path, m.name) for m in session.media_files] == [
        ("C:/Users/me/Songs/Take 1.wav", "Take 1.wav"), ("/Users/me/Loops/Beat.aif", "Beat.aif"),
        ("//server/share/Pad.wav", "Pad.wav")]
    bare = song_with()  # no mediapool.xml: nothing read, the field left unset
    assert bare.media_files is None and "media_files" not in bare.model_fields_set
