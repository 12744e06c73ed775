"""Ableton Live sets: the real sets of the corpus (Live 8 to 12), small hand-made sets for each rule, hostile bytes."""
import gzip
import io
import random
import struct

import pytest

from app.extractors import ExtractError, extract_file
from app.extractors.ableton import WHAT, extract, read_set
from app.extractors.limits import parse_xml
from app.extractors.vocabulary import (
    AU,
    AUDIO,
    AUX,
    BUILT_IN,
    GROUP,
    MASTER,
    MIDI,
    VST2,
    VST3,
)
from app.wire import MAX_NAME, MAX_PLUGINS_PER_TRACK, MAX_TRACKS
from tests.extractors.conftest import CORPUS


def built_in(name, active=True):
    return (name, "Ableton", BUILT_IN, active, None)


def vst2(name, active=True):
    return (name, None, VST2, active, None)


def vst3(name, vendor=None, active=True):
    return (name, vendor, VST3, active, None)


def au(name, vendor, active=True):
    return (name, vendor, AU, active, None)


def tracks_of(session):
    return [(track.name, track.type, track.state) for track in session.tracks]


def plugins_of(session):
    """Each track's name with its instances as (name, vendor, format, active, version)."""
    return {track.name: [(p.name, p.vendor, p.format, p.active, p.version) for p in track.plugins]
            for track in session.tracks}


def assert_liveread_set(session, name, version, bpm):
    assert session.name == name
    assert session.daw == "Ableton Live"
    assert session.daw_version == version
    assert session.bpm == bpm
    assert session.sample_rate is None and session.bit_depth is None
    for track in session.tracks:
        assert all(p.preset is None and p.slot is None for p in track.plugins)


# ---- the corpus: every value below was read from the decompressed XML ----

def test_live_10_skeleton(corpus):
    session = extract_file(corpus("als/abletoolz_10.0.1.als"))
    assert_liveread_set(session, "abletoolz_10.0.1", "10.0.1", 174.0)
    assert tracks_of(session) == [
        ("Drum Bus", AUDIO, None), ("Kicks", GROUP, None), ("3-Audio", AUDIO, None),
        ("10-Maschine 2", MIDI, None), ("12-Group", GROUP, None), ("Bass", MIDI, None),
        ("A-Kick SC", AUX, None), ("B-Guitar Rig 5", AUX, None), ("Master", MASTER, None),
    ]
    assert plugins_of(session) == {
        "Drum Bus": [vst2("FabFilter Pro-Q.64"), vst2("FabFilter Pro-C.64"),
                     built_in("Audio Effect Rack"), built_in("Saturator"), built_in("EQ Eight"),
                     built_in("EQ Eight")],
        "Kicks": [vst2("FabFilter Pro-C.64"), built_in("Gate"), built_in("EQ Eight")],
        "3-Audio": [vst2("iZotope Alloy (Mono)")],
        "10-Maschine 2": [vst2("Maschine 2")],
        "12-Group": [],
        "Bass": [built_in("Arpeggiator"), built_in("Sampler"), vst2("FabFilter Volcano 2.64"),
                 vst2("FabFilter Pro-Q.64"), vst2("FabFilter Pro-C (SC).64"), vst2("Flux STTool.64")],
        "A-Kick SC": [],
        "B-Guitar Rig 5": [vst2("Guitar Rig 5")],
        "Master": [built_in("EQ Eight"), vst2("FabFilter Pro-L.64", active=False), vst2("iZotope Ozone 4"),
                   vst2("SPAN")],
    }


def test_live_11_skeleton_with_vst3_and_racks(corpus):
    session = extract_file(corpus("als/abletoolz_11.0.12.als"))
    assert_liveread_set(session, "abletoolz_11.0.12", "11.0.12", 172.0)
    return_a = "A-FabFilter Pro-C (SC).64 | EQ Eight | Reverb | FabFilter Pro-C (SC).64"
    assert tracks_of(session) == [
        ("Drum bus", AUDIO, None), ("Drms", GROUP, None), ("snr2", AUDIO, None), ("kcksnr1", GROUP, None),
        ("8-Drums to MIDI", MIDI, None), ("9-MIDI", MIDI, None), (return_a, AUX, None),
        ("B-Bass Send Stack-1", AUX, None), ("Master", MASTER, None),
    ]
    # The Drum Rack holds 16 pads, each an Instrument Rack with a Simpler, Glue Compressor and EQ Eight.
    pad = [built_in("Instrument Rack"), built_in("Simpler"), built_in("Glue Compressor"), built_in("EQ Eight")]
    assert plugins_of(session) == {
        "Drum bus": [vst2("Tremolator", active=False), built_in("Multiband Dynamics", active=False)],
        "Drms": [],
        # Torque and Smack Attack were added through the browser's search: no vendor folder.
        "snr2": [vst2("SieQ"), built_in("EQ Eight"), built_in("Utility"),
                 vst3("Torque-Live Stereo", active=False), vst3("Smack Attack Stereo")],
        "kcksnr1": [vst2("Texture"), vst2("Solid EQ")],
        "8-Drums to MIDI": [built_in("Drum Rack"), *pad * 16, built_in("Erosion"), vst3("Pro-C 2")],
        "9-MIDI": [],
        return_a: [vst2("FabFilter Pro-C (SC).64"), built_in("EQ Eight"), built_in("Reverb"),
                   vst2("FabFilter Pro-C (SC).64")],
        "B-Bass Send Stack-1": [
            built_in("Audio Effect Rack"), vst2("Wolfram"), vst2("Density64", active=False),
            vst2("iZotope Trash 2"), built_in("Gate", active=False), built_in("EQ Eight"),
            vst2("FabFilter Pro-Q 2 x64"), built_in("Saturator", active=False), vst2("FabFilter Pro-Q 2 x64"),
        ],
        "Master": [built_in("Utility", active=False), vst3("Pro-L 2", "FabFilter"), vst2("SPAN"),
                   vst2("mvMeter x64")],
    }


def test_live_11_audio_units(corpus):
    session = extract_file(corpus("als/abletoolz_11.3.41.als"))
    assert_liveread_set(session, "abletoolz_11.3.41", "11.3.41", 120.0)
    assert tracks_of(session) == [
        ("1-MIDI", MIDI, None), ("2-Audio", AUDIO, None), ("3-Analog Lab V", MIDI, None), ("Master", MASTER, None),
    ]
    assert plugins_of(session) == {
        "1-MIDI": [au("AUBandpass", "Apple"), au("AULowpass", "Apple")],
        "2-Audio": [au("AUPitch", "Apple")],
        "3-Analog Lab V": [au("Analog Lab V", "Arturia")],
        "Master": [],
    }


def test_live_9_skeleton_with_drum_racks(corpus):
    session = extract_file(corpus("als/abletoolz_9.0.1.als"))
    assert_liveread_set(session, "abletoolz_9.0.1", "9.0.1", 174.0)
    assert tracks_of(session) == [
        ("1-Group", GROUP, None), ("2-Drum Rack", MIDI, None), ("3-Drum Rack", MIDI, None),
        ("4-Audio", AUDIO, None), ("A-Return", AUX, None), ("B-Return", AUX, None), ("Master", MASTER, None),
    ]
    simpler = built_in("Simpler")
    assert plugins_of(session) == {
        "1-Group": [vst2("FabFilter Pro-Q"), vst2("SatsonChannel"), built_in("EQ Eight")],
        "2-Drum Rack": [built_in("Drum Rack"), built_in("Instrument Rack"), simpler, simpler, simpler,
                        built_in("Instrument Rack"), *[simpler] * 5, vst2("URS Strip Pro Native")],
        "3-Drum Rack": [built_in("Drum Rack"), simpler, built_in("Instrument Rack"), simpler, simpler, simpler,
                        vst2("CamelPhat3"), vst2("Midnight Compressor")],
        "4-Audio": [vst2("CamelPhat3"), vst2("Midnight Compressor")],
        "A-Return": [],
        "B-Return": [],
        "Master": [vst2("SatsonChannel"), vst2("SatsonBuss"), vst2("FabFilter Pro-Q")],
    }


def test_live_12_main_track(corpus):
    session = extract_file(corpus("als/dawtool_L12-automation.als"))
    assert_liveread_set(session, "dawtool_L12-automation", "12.0b16", 120.0)
    assert tracks_of(session) == [("1-Audio", AUDIO, None), ("Main", MASTER, None)]
    assert plugins_of(session) == {"1-Audio": [], "Main": []}


def test_live_8_set_with_unnamed_tracks_and_automated_values(corpus):
    session = extract_file(corpus("als/dawtool_live8-patch-markers-auto.als"))
    # Live 8 keeps the tempo only as automation: 95.3 before the song starts, then 138.3 and 160.
    assert_liveread_set(session, "dawtool_live8-patch-markers-auto", "8.1.4", 95.3)
    assert tracks_of(session) == [
        ("1-Group", GROUP, None), ("2-Audio", AUDIO, "muted"), ("3-Audio", AUDIO, None), ("4-Audio", AUDIO, None),
        ("5-Audio", AUDIO, None), ("6-Audio", AUDIO, None), ("7-MIDI", MIDI, None), ("8-MIDI", MIDI, None),
        ("9-MIDI", MIDI, None), ("10-MIDI", MIDI, None), ("synth saw", MIDI, None), ("12-MIDI", MIDI, None),
        ("13-MIDI", MIDI, None), ("14-MIDI", MIDI, None), ("pad", MIDI, None), ("pad", MIDI, None),
        ("17-MIDI", MIDI, None), ("A-Return", AUX, None), ("B-Return", AUX, None), ("Master", MASTER, None),
    ]
    sampler, simpler, compressor, reverb = (built_in(n) for n in ("Sampler", "Simpler", "Compressor", "Reverb"))
    drum_rack = built_in("Drum Rack")
    strings = [built_in("Instrument Rack"), built_in("Tension"), built_in("EQ Eight"), built_in("Chorus"),
               built_in("Ping Pong Delay"), reverb, compressor]
    pad = [built_in("Instrument Rack"), built_in("Chord"), built_in("Operator"), reverb, built_in("Phaser"),
           built_in("Chord"), built_in("Operator"), reverb, built_in("Phaser"), built_in("Operator"),
           built_in("Simple Delay"), built_in("Filter Delay"), built_in("Auto Pan"),
           built_in("Compressor", active=False)]
    # Two tracks are named "pad": compare track by track, in order.
    assert [[(p.name, p.vendor, p.format, p.active, p.version) for p in t.plugins] for t in session.tracks] == [
        [], [], [compressor, reverb], [compressor], [compressor], [],
        [  # 7-MIDI: a Drum Rack of four Drum Racks
            drum_rack,
            drum_rack, sampler, reverb, sampler, sampler, sampler, sampler, built_in("Auto Pan"),
            drum_rack, simpler, compressor, reverb, sampler, compressor, simpler, compressor, simpler, simpler,
            drum_rack, sampler, compressor, sampler, reverb, compressor, simpler, simpler, simpler,
            drum_rack, simpler, sampler, simpler, simpler, simpler,
        ],
        [built_in("Collision")],
        [built_in("Instrument Rack"), built_in("Tension"), built_in("EQ Eight"), reverb, built_in("Simple Delay"),
         built_in("Auto Pan")],
        [built_in("Analog")],
        [built_in("Analog"), reverb, built_in("Audio Effect Rack"), built_in("Chorus"), built_in("Chorus"),
         built_in("Utility"), built_in("Chorus"), built_in("Utility"), compressor],
        [built_in("Instrument Rack"), built_in("Arpeggiator"), sampler, built_in("Dynamic Tube"),
         built_in("Chorus"), built_in("Ping Pong Delay")],
        strings, strings, pad, pad,
        [built_in("Operator"), built_in("Auto Filter")],
        [], [], [],
    ]


def test_live_9_set_with_muted_tracks_and_audio_units(corpus):
    session = extract_file(corpus("als/dawtool_live9-patch-2-0point.als"))
    assert_liveread_set(session, "dawtool_live9-patch-2-0point", "9.7.1", 135.0)
    assert tracks_of(session) == [
        ("1-offline panda rack", MIDI, None), ("2-Audio", AUDIO, None), ("3-Audio", AUDIO, None),
        ("fx im[act", AUDIO, None), ("fx stems", AUDIO, "muted"), ("6-Audio", AUDIO, None),
        ("audio samp", AUDIO, None), ("junio chords", AUDIO, "muted"), ("9-GET_tom_03", MIDI, None),
        ("piano", MIDI, None), ("11-offline gentle flute", MIDI, None), ("12-Audio", AUDIO, None),
        ("fx atmos", AUDIO, None), ("Bass", GROUP, None), ("15-cool808", MIDI, None), ("16-cool808", MIDI, None),
        ("17-offline wave sub", MIDI, "muted"), ("rvb piano", MIDI, None), ("and clap", AUDIO, "muted"),
        ("funk samp", AUDIO, "muted"), ("funk samp2", AUDIO, "muted"),
        ("BOW_TO_MAURICE_FullKit_92_Fm", MIDI, "muted"), ("leads", AUDIO, "muted"), ("strings", AUDIO, None),
        ("25-Audio", AUDIO, None), ("A-Reverb", AUX, None), ("B-Delay", AUX, None), ("Master", MASTER, None),
    ]
    sampler, simpler, compressor, reverb = (built_in(n) for n in ("Sampler", "Simpler", "Compressor", "Reverb"))
    drum_rack, auto_filter = built_in("Drum Rack"), built_in("Auto Filter")
    cool808 = [built_in("Instrument Rack"), built_in("Operator"), built_in("Utility"), compressor,
               built_in("Multiband Dynamics"), built_in("Saturator")]
    assert plugins_of(session) == {
        "1-offline panda rack": [
            drum_rack,
            drum_rack, sampler, reverb, sampler, sampler, sampler, sampler, built_in("Auto Pan"),
            drum_rack, simpler, compressor, reverb, simpler, compressor, simpler, compressor, sampler, reverb,
            sampler,
            drum_rack, sampler, compressor, sampler, reverb, compressor, simpler, simpler, simpler,
            drum_rack, simpler, sampler, simpler, simpler, simpler,
            simpler,
        ],
        "2-Audio": [], "3-Audio": [reverb], "fx im[act": [], "fx stems": [], "6-Audio": [], "audio samp": [],
        "junio chords": [auto_filter],
        "9-GET_tom_03": [simpler],
        "piano": [built_in("Instrument Rack"), built_in("Velocity"), built_in("Instrument Rack"), *[simpler] * 8,
                  built_in("Utility"), built_in("EQ Eight"), built_in("Glue Compressor"), reverb, reverb],
        "11-offline gentle flute": [built_in("Instrument Rack"), built_in("Operator"),
                                    built_in("Frequency Shifter"), reverb],
        "12-Audio": [reverb], "fx atmos": [],
        "Bass": [au("FF Saturn", "FabFilter")],
        "15-cool808": cool808, "16-cool808": cool808,
        "17-offline wave sub": [built_in("Instrument Rack"), built_in("Operator"), built_in("Saturator")],
        "rvb piano": [built_in("Instrument Rack"), built_in("Tension"), built_in("EQ Three"),
                      built_in("Ping Pong Delay"), compressor, reverb, built_in("Simple Delay")],
        "and clap": [], "funk samp": [auto_filter], "funk samp2": [auto_filter, auto_filter],
        "BOW_TO_MAURICE_FullKit_92_Fm": [drum_rack, *[simpler] * 32],
        "leads": [], "strings": [built_in("EQ Eight")], "25-Audio": [],
        "A-Reverb": [reverb], "B-Delay": [built_in("Simple Delay")],
        "Master": [built_in("Auto Filter", active=False), au("FF Pro-Q 2", "FabFilter"), au("FF Pro-Q 2", "FabFilter"),
                   au("iZotope Ozone 7", "iZotope"), au("FF Pro-L", "FabFilter")],
    }


def test_live_11_vst2_and_vst3_instruments(corpus):
    session = extract_file(corpus("als/owlplug_ableton11Schema5.als"))
    assert_liveread_set(session, "owlplug_ableton11Schema5", "11.1", 120.0)
    assert tracks_of(session) == [
        ("1-Audio", AUDIO, None), ("2-Audio", AUDIO, None), ("3-Vital", MIDI, None), ("4-Tunefish4", MIDI, None),
        ("A-Reverb", AUX, None), ("B-Delay", AUX, None), ("Master", MASTER, None),
    ]
    assert plugins_of(session) == {
        "1-Audio": [], "2-Audio": [],
        "3-Vital": [vst2("Vital")],
        "4-Tunefish4": [vst3("Tunefish4", "Brain Control")],
        "A-Reverb": [built_in("Reverb")], "B-Delay": [built_in("Delay")], "Master": [],
    }


def test_live_11_vocal_chain_of_audio_units(corpus):
    session = extract_file(corpus("als/polisen_test_vocal_project.als"))
    assert_liveread_set(session, "polisen_test_vocal_project", "11.0", 160.0)
    assert tracks_of(session) == [
        ("1-Audio", AUDIO, None), ("2-helios 2", AUDIO, None), ("A-Reverb", AUX, None), ("B-Delay", AUX, None),
        ("Master", MASTER, None),
    ]
    assert plugins_of(session) == {
        "1-Audio": [au("Neutron 3 Equalizer", "iZotope"), au("Vocal Rider Live (m)", "Waves"),
                    au("Waves Tune Real-Time (m)", "Waves"), au("Doubler2 (s)", "Waves"), built_in("EQ Eight"),
                    au("Fresh Air", "Slate Digital")],
        "2-helios 2": [],
        "A-Reverb": [built_in("Reverb")], "B-Delay": [built_in("Delay")], "Master": [],
    }


def test_live_11_core_library_racks_and_max_for_live(corpus):
    session = extract_file(corpus("als/pyableton_test.als"))
    assert_liveread_set(session, "pyableton_test", "11.1.5", 180.0)
    assert tracks_of(session) == [
        ("Bass", MIDI, None), ("Drums", MIDI, None), ("Guitar", MIDI, None), ("Voice", MIDI, None),
        ("A-Reverb", AUX, None), ("B-Delay", AUX, None), ("Master", MASTER, None),
    ]
    # "MPE Control" is a Max for Live device (MPE Control.amxd): Live's, but the vendor is not stored.
    guitar = [built_in("Instrument Rack"), ("MPE Control", None, BUILT_IN, True, None), built_in("Tension"),
              built_in("Auto Filter"), built_in("EQ Three"), built_in("Compressor"), built_in("Reverb")]
    simpler, channel_eq = built_in("Simpler"), built_in("Channel EQ")
    rack, utility, auto_filter = built_in("Audio Effect Rack"), built_in("Utility"), built_in("Auto Filter")
    assert plugins_of(session) == {
        "Bass": guitar, "Guitar": guitar, "Voice": guitar,
        "Drums": [
            built_in("Instrument Rack"), built_in("Drum Rack"),
            *[simpler] * 7, channel_eq, simpler, simpler, channel_eq, simpler, simpler, channel_eq,
            simpler, simpler, channel_eq, simpler, channel_eq, simpler, channel_eq, simpler, channel_eq,
            # the Drum Rack's return chains
            rack, built_in("Hybrid Reverb"), rack, built_in("Glue Compressor"), built_in("Compressor"),
            built_in("Saturator"), auto_filter, utility, auto_filter, rack, built_in("Pedal"),
            # the "Master Bus" chain of the outer Instrument Rack
            rack, built_in("EQ Eight"), built_in("EQ Eight"), built_in("Drum Buss"), utility,
            built_in("Glue Compressor"),
        ],
        "A-Reverb": [built_in("Reverb")], "B-Delay": [built_in("Delay")], "Master": [],
    }


# ---- hand-made sets, one rule each ----

MASTER_TRACK = ('<MasterTrack><Name><EffectiveName Value="Master"/><UserName Value=""/></Name>'
                '<DeviceChain><Mixer><Tempo><Manual Value="128"/></Tempo></Mixer>'
                '<DeviceChain><Devices/></DeviceChain></DeviceChain></MasterTrack>')


def live_set(tracks="", master=MASTER_TRACK, creator="Ableton Live 11.3.41", more=""):
    """A gzip-compressed Live set holding `tracks` and `master`."""
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Ableton MajorVersion="5" MinorVersion="11.0_11300" '
           f'Creator="{creator}"><LiveSet><Tracks>{tracks}</Tracks>{master}{more}</LiveSet></Ableton>')
    return gzip.compress(xml.encode())


def track(tag="AudioTrack", name="Lead", devices="", speaker='<Manual Value="true"/>'):
    return (f'<{tag}><Name><EffectiveName Value="{name}"/><UserName Value=""/></Name><DeviceChain>'
            f'<Mixer><Speaker>{speaker}</Speaker></Mixer><DeviceChain><Devices>{devices}</Devices></DeviceChain>'
            f'</DeviceChain></{tag}>')


def device(tag, on="true", inside=""):
    switch = f'<On><Manual Value="{on}"/></On>' if on is not None else ""
    return f"<{tag}>{switch}{inside}</{tag}>"


def rack(tag, on, *chains, returns=()):
    """A rack with one branch per chain of devices (and Drum Rack return chains)."""
    def branches(kind, chain_list):
        return "".join(f"<{kind}><DeviceChain><AudioToAudioDeviceChain><Devices>{chain}</Devices>"
                       f"</AudioToAudioDeviceChain></DeviceChain></{kind}>" for chain in chain_list)
    inside = f"<Branches>{branches('AudioEffectBranch', chains)}</Branches>"
    if returns:
        inside += f"<ReturnBranches>{branches('ReturnBranch', returns)}</ReturnBranches>"
    return device(tag, on, inside)


def plugin(info, on="true", browser=None):
    context = f'<SourceContext><Value><BranchSourceContext><BrowserContentPath Value="{browser}"/>' \
              f'</BranchSourceContext></Value></SourceContext>' if browser else ""
    return device("PluginDevice", on, f"{context}<PluginDesc>{info}</PluginDesc>")


def only_track(data):
    return extract(data, "Song.als").tracks[0]


def instances(track_model):
    return [(p.name, p.vendor, p.format, p.active) for p in track_model.plugins]


def test_a_rack_switched_off_turns_off_everything_inside_it():
    devices = (rack("AudioEffectGroupDevice", "false", device("Eq8") + rack("AudioEffectGroupDevice", "true",
                                                                             device("Reverb")))
               + rack("InstrumentGroupDevice", "true", device("Operator") + device("Compressor2", on="false")))
    assert instances(only_track(live_set(track(devices=devices)))) == [
        ("Audio Effect Rack", "Ableton", BUILT_IN, False),
        ("EQ Eight", "Ableton", BUILT_IN, False),
        ("Audio Effect Rack", "Ableton", BUILT_IN, False),
        ("Reverb", "Ableton", BUILT_IN, False),
        ("Instrument Rack", "Ableton", BUILT_IN, True),
        ("Operator", "Ableton", BUILT_IN, True),
        ("Compressor", "Ableton", BUILT_IN, False),
    ]


def test_a_device_without_a_switch_is_neither_on_nor_off():
    assert instances(only_track(live_set(track(devices=device("Eq8", on=None))))) == [
        ("EQ Eight", "Ableton", BUILT_IN, None)]


def test_drum_rack_pads_come_before_its_return_chains():
    devices = rack("DrumGroupDevice", "true", device("OriginalSimpler"), device("MultiSampler"),
                   returns=[device("Reverb") + device("PingPongDelay")])
    assert [p.name for p in only_track(live_set(track("MidiTrack", devices=devices))).plugins] == [
        "Drum Rack", "Simpler", "Sampler", "Reverb", "Ping Pong Delay"]


def test_vst3_vendor_is_the_folder_of_lives_plugin_browser():
    pro_q = '<Vst3PluginInfo><Name Value="Pro-Q 3"/></Vst3PluginInfo>'
    devices = (plugin(pro_q, browser="query:Plugins#VST3:FabFilter%20Software%20Instruments:Pro-Q%203")
               + plugin(pro_q, on="false", browser="query:Find#Pro-Q%203")
               + plugin(pro_q))
    assert instances(only_track(live_set(track(devices=devices)))) == [
        ("Pro-Q 3", "FabFilter", VST3, True), ("Pro-Q 3", None, VST3, False), ("Pro-Q 3", None, VST3, True)]


def test_vst2_browser_folders_are_the_users_own_and_the_version_number_is_not_read():
    info = ('<VstPluginInfo><PlugName Value="Guitar Rig 5"/><Version Value="1"/>'
            '<VstVersion Value="2400"/></VstPluginInfo>')
    devices = plugin(info, browser="query:Plugins#VST:Custom:Native%20Instruments:Guitar%20Rig%205")
    found = only_track(live_set(track(devices=devices))).plugins[0]
    assert (found.name, found.vendor, found.format, found.version, found.active) == (
        "Guitar Rig 5", None, VST2, None, True)


def test_audio_unit_vendor_is_its_manufacturer_and_a_missing_one_is_inactive():
    def unit(name, maker, unusable):
        return device("AuPluginDevice", "true", f'<PluginDesc><AuPluginInfo><Name Value="{name}"/>'
                      f'<Manufacturer Value="{maker}"/><IsUnusable Value="{unusable}"/></AuPluginInfo></PluginDesc>')
    devices = unit("SSL Channel", "Waves Audio Ltd.", "false") + unit("Diva", "u-he", "true")
    assert instances(only_track(live_set(track(devices=devices)))) == [
        ("SSL Channel", "Waves", AU, True), ("Diva", "u-he", AU, False)]


def test_max_for_live_devices_are_named_by_their_file():
    patch = ('<PatchSlot><Value><MxDPatchRef><FileRef><Path Value="C:\\Users\\me\\Max\\LFO Tool.amxd"/>'
             '</FileRef></MxDPatchRef></Value></PatchSlot>')
    devices = device("MxDeviceAudioEffect", "true", patch) + device("MxDeviceInstrument", "false")
    assert instances(only_track(live_set(track(devices=devices)))) == [
        ("LFO Tool", None, BUILT_IN, True), ("Max Instrument", None, BUILT_IN, False)]


def test_an_unknown_live_device_keeps_its_class_name():
    assert instances(only_track(live_set(track(devices=device("Roar2000"))))) == [
        ("Roar2000", "Ableton", BUILT_IN, True)]


def test_the_order_is_tracks_then_returns_then_master_and_the_preview_track_is_left_out():
    tracks = track("GroupTrack", "Drums") + track("AudioTrack", "Kick") + track("MidiTrack", "Bass") \
        + track("ReturnTrack", "A-Reverb")
    prehear = '<PreHearTrack><Name><EffectiveName Value="Master"/></Name></PreHearTrack>'
    session = extract(live_set(tracks, more=prehear), "Song.als")
    assert tracks_of(session) == [("Drums", GROUP, None), ("Kick", AUDIO, None), ("Bass", MIDI, None),
                                  ("A-Reverb", AUX, None), ("Master", MASTER, None)]
    assert session.bpm == 128.0


def test_a_muted_track():
    session = extract(live_set(track(speaker='<Manual Value="false"/>')), "Song.als")
    assert tracks_of(session)[0] == ("Lead", AUDIO, "muted")


def test_live_8_names_unnamed_tracks_and_reads_values_from_their_first_automation_event():
    def live8_track(tag, user=""):
        return (f'<{tag}><Name><UserName Value="{user}"/></Name><DeviceChain><Mixer><Speaker><ArrangerAutomation>'
                f'<Events><BoolEvent Time="-63072000" Value="false"/></Events></ArrangerAutomation></Speaker>'
                f'</Mixer><DeviceChain><Devices><Eq8><On><ArrangerAutomation><Events>'
                f'<BoolEvent Time="-63072000" Value="false"/></Events></ArrangerAutomation></On></Eq8>'
                f'</Devices></DeviceChain></DeviceChain></{tag}>')
    master = ('<MasterTrack><Name><UserName Value=""/></Name><MasterChain><Mixer><Tempo><ArrangerAutomation>'
              '<Events><FloatEvent Time="-63072000" Value="92.5"/><FloatEvent Time="8" Value="140"/></Events>'
              '</ArrangerAutomation></Tempo></Mixer><DeviceChain><Devices><Compressor2/></Devices></DeviceChain>'
              '</MasterChain></MasterTrack>')
    tracks = live8_track("AudioTrack") + live8_track("MidiTrack", "Keys") + live8_track("GroupTrack") \
        + live8_track("ReturnTrack") + live8_track("ReturnTrack")
    session = extract(live_set(tracks, master, creator="Ableton Live 8.1.4"), "Old.als")
    assert tracks_of(session) == [
        ("1-Audio", AUDIO, "muted"), ("Keys", MIDI, "muted"), ("3-Group", GROUP, "muted"),
        ("A-Return", AUX, "muted"), ("B-Return", AUX, "muted"), ("Master", MASTER, None),
    ]
    assert instances(session.tracks[0]) == [("EQ Eight", "Ableton", BUILT_IN, False)]
    assert instances(session.tracks[-1]) == [("Compressor", "Ableton", BUILT_IN, None)]
    assert session.bpm == 92.5 and session.daw_version == "8.1.4"


def test_returns_past_z_are_lettered_as_live_does():
    session = extract(live_set(track("ReturnTrack", name="") * 28), "Song.als")
    assert [t.name for t in session.tracks][25:] == ["Z-Return", "AA-Return", "AB-Return", "Master"]


def test_live_12_names_the_master_main():
    main = '<MainTrack><Name><EffectiveName Value=""/></Name></MainTrack>'
    session = extract(live_set(master=main, creator="Ableton Live 12.1.5"), "Song.als")
    assert tracks_of(session) == [("Main", MASTER, None)]
    assert session.bpm is None and session.daw_version == "12.1.5"


def test_session_name_comes_from_the_file_name_and_absent_or_odd_values_are_left_out():
    master = MASTER_TRACK.replace('Value="128"', 'Value="fast"')
    xml = (b'<?xml version="1.0"?><Ableton MajorVersion="5"><LiveSet><Tracks/>'
           + master.encode() + b'</LiveSet></Ableton>')
    session = extract(gzip.compress(xml), "My Song.als")
    assert session.name == "My Song" and session.daw == "Ableton Live"
    assert session.daw_version is None and session.bpm is None
    for odd in ("nan", "inf", "-120", "0", "20000"):
        data = live_set(master=MASTER_TRACK.replace('Value="128"', f'Value="{odd}"'))
        assert extract(data, "Song.als").bpm is None


def test_long_names_are_cut_to_what_the_wire_format_takes():
    session = extract(live_set(track(name="x" * 5000, devices=plugin(
        f'<VstPluginInfo><PlugName Value="{"p" * 5000}"/></VstPluginInfo>'))), "Song.als")
    assert len(session.tracks[0].name) == MAX_NAME and len(session.tracks[0].plugins[0].name) == MAX_NAME


def test_racks_nested_deeper_than_python_recursion_are_read():
    depth = 300  # six elements a rack: 1,800 levels
    inner = device("Eq8")
    for _ in range(depth):
        inner = rack("AudioEffectGroupDevice", "true", inner)
    plugins = only_track(live_set(track(devices=inner))).plugins
    assert [p.name for p in plugins] == ["Audio Effect Rack"] * depth + ["EQ Eight"]


def test_racks_in_racks_past_the_cap_are_cut_and_deeper_than_the_parser_allows_are_refused():
    inner = device("Eq8")
    for _ in range(MAX_PLUGINS_PER_TRACK // 4):  # one device more than a track takes
        inner = rack("AudioEffectGroupDevice", "true", inner, *[device("Eq8")] * 3)
    plugins = only_track(live_set(track(devices=inner))).plugins
    assert len(plugins) == MAX_PLUGINS_PER_TRACK
    assert {p.name for p in plugins} == {"Audio Effect Rack", "EQ Eight"}
    for _ in range(400):
        inner = rack("AudioEffectGroupDevice", "true", inner)
    with pytest.raises(ExtractError, match="^the Ableton Live set nests elements deeper than 2,048; refused$"):
        extract(live_set(track(devices=inner)), "Song.als")


def test_too_many_tracks_are_refused():
    tracks = "<AudioTrack/>" * (MAX_TRACKS + 1)
    with pytest.raises(ExtractError, match="more than 10,000"):
        extract(live_set(tracks), "Song.als")


# ---- what is not a Live set, and hostile bytes ----

@pytest.mark.parametrize("data", [
    b"",
    bytes(random.Random(1).randrange(256) for _ in range(4096)),
    b"PK\x03\x04 a zip",
])
def test_anything_neither_gzip_nor_xml_is_refused(data):
    with pytest.raises(ExtractError, match="^not an Ableton Live set: it is neither gzip-compressed nor XML$"):
        extract(data, "Song.als")


def test_a_set_kept_as_plain_xml_reads_as_the_same_set_compressed():
    compressed = live_set(track(devices=device("Eq8")))
    plain = gzip.decompress(compressed)
    assert extract(plain, "Song.als") == extract(compressed, "Song.als")
    assert extract(b"\xef\xbb\xbf" + plain, "Song.als") == extract(compressed, "Song.als")
    with pytest.raises(ExtractError, match="holds no LiveSet"):
        extract(b'<?xml version="1.0"?><Ableton Creator="Ableton Live 11.0"/>', "Song.als")


def test_a_truncated_set_is_damaged():
    data = live_set(track(devices=device("Eq8") * 200))
    with pytest.raises(ExtractError, match="the Ableton Live set is damaged"):
        extract(data[: len(data) // 2], "Song.als")


def test_gzip_of_something_else_than_xml_is_refused():
    noise = gzip.compress(bytes(random.Random(2).randrange(256) for _ in range(4096)))
    with pytest.raises(ExtractError, match="not well-formed XML"):
        extract(noise, "Song.als")


def test_another_xml_document_is_not_a_live_set():
    with pytest.raises(ExtractError, match="not an Ableton Live set: the XML document is <Project>, not <Ableton>"):
        extract(gzip.compress(b'<?xml version="1.0"?><Project version="1.0"/>'), "Song.als")


def test_a_rack_preset_is_not_a_live_set():
    preset = b'<?xml version="1.0"?><Ableton MajorVersion="5"><GroupDevicePreset/></Ableton>'
    with pytest.raises(ExtractError, match="it holds no LiveSet"):
        extract(gzip.compress(preset), "Rack.als")


def test_a_gzip_bomb_is_refused_without_expanding_it_all():
    compressed = io.BytesIO()
    spaces = b" " * 2**20
    with gzip.GzipFile(fileobj=compressed, mode="wb") as stream:
        stream.write(b'<?xml version="1.0"?><Ableton><LiveSet>')  # a set's start, so that it is read on
        for _ in range(257):  # 257 MB of spaces, about 250 KB compressed
            stream.write(spaces)
    with pytest.raises(ExtractError, match="expands past 256 MB"):
        extract(compressed.getvalue(), "Song.als")


@pytest.mark.parametrize("doctype", [
    ('<!DOCTYPE Ableton [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
     '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'),
    '<!DOCTYPE Ableton [<!ENTITY d SYSTEM "file:///etc/passwd">]>',
])
def test_entities_are_refused(doctype):
    xml = f'<?xml version="1.0"?>{doctype}<Ableton><LiveSet><Tracks/><MasterTrack><Name>' \
          f'<EffectiveName Value="&d;"/></Name></MasterTrack></LiveSet></Ableton>'
    for data in (gzip.compress(xml.encode()), xml.encode()):  # Live's gzip, and a set kept as plain XML
        with pytest.raises(ExtractError, match="the Ableton Live set is refused"):
            extract(data, "Song.als")


def test_a_set_whose_root_element_starts_past_its_first_megabyte_is_refused():
    comments = "<!-- a comment -->" * (2**20 // 18 + 1)
    xml = f'<?xml version="1.0"?>{comments}<Ableton><LiveSet><Tracks/></LiveSet></Ableton>'
    with pytest.raises(ExtractError, match="^the Ableton Live set does not start its root element in its first 1 MB$"):
        extract(gzip.compress(xml.encode()), "Song.als")
    assert extract(gzip.compress(xml.replace(comments, "<!-- a comment -->" * 1000).encode()), "Song.als").tracks == []


def test_a_damaged_file_on_disk_names_its_path(tmp_path):
    path = tmp_path / "Broken.als"
    path.write_bytes(b"PK\x03\x04 not a Live set")
    with pytest.raises(ExtractError, match="neither gzip-compressed nor XML") as raised:
        extract_file(path)
    assert raised.value.path == str(path)


# ---- markers (locators) and media files (sample references) ----

def markers_of(session):
    return [(m.name, m.t_sec, m.comment) for m in session.markers]


def test_live_12_locators_in_seconds_through_the_tempo_ramps_of_the_main_tracks_envelope(corpus):
    # Tempo events: 60 BPM from before the song to beat 4, a ramp to 120 at beat 8, another to 200 at beat 12.
    # Each second below is the integral of 60 / tempo over the beats (dawtool's "theoretical" times agree).
    session = extract_file(corpus("als/dawtool_L12-automation.als"))
    assert session.bpm == 120.0  # the Manual value, which the automation overrides
    assert markers_of(session) == [  # in time order; the file lists them A B C D E Z
        ("A", 0.0, None), ("B", 4.0, None), ("D", pytest.approx(5.622, abs=0.001), None),
        ("C", pytest.approx(6.773, abs=0.001), None), ("Z", pytest.approx(7.636, abs=0.001), None),
        ("E", pytest.approx(8.905, abs=0.001), None),
    ]
    assert session.media_files == []


def test_live_8_locators_through_its_arranger_automation_and_samples_from_mac_alias_records(corpus):
    session = extract_file(corpus("als/dawtool_live8-patch-markers-auto.als"))
    # 95.3 BPM, a ramp to 138.3 by beat 4, a ramp to 160 by beat 200, then 160: b at beat 200, c at 318.
    assert markers_of(session) == [("b", pytest.approx(81.065, abs=0.001), None),
                                   ("c", pytest.approx(125.315, abs=0.001), None)]
    assert len(session.media_files) == 28  # 47 sample references
    first = session.media_files[0]
    assert (first.path, first.name, first.offline) == (
        "/Users/mark/Music/recording/samples/edsheeran-ateam.mp3", "edsheeran-ateam.mp3", None)
    assert session.media_files[-1].path == ("/Users/mark/Library/Application Support/Ableton/Library/Samples/"
                                            "Waveforms/Synth/Lead/Byte Sized/Byte Sized - C5.aif")


def test_live_9_locators_and_samples_relative_to_the_project_folder(corpus):
    session = extract_file(corpus("als/dawtool_live9-patch-2-0point.als"))
    # 135 BPM ramping to 175 over the first 4 beats, then 175: locators at beats 32, 64 and 128.
    assert markers_of(session) == [("Live9Marker", pytest.approx(11.157, abs=0.001), None),
                                   ("Live9Marker2", pytest.approx(22.128, abs=0.001), None),
                                   ("Live9Marker3", pytest.approx(44.071, abs=0.001), None)]
    assert len(session.media_files) == 154  # 298 references; this file keeps no absolute paths
    assert [m.path for m in session.media_files[:2]] == ["Samples/splice/Hat_Closed_02.wav",
                                                         "Samples/splice/TRW_DMX_Closed_Hat.wav"]


@pytest.mark.parametrize("name, count, first", [
    ("abletoolz_9.0.1", 14, "F:\\p30082\\p29579\\p62511\\Samples\\p35208\\p78476\\p11571.wav"),
    ("abletoolz_10.0.1", 2, "G:\\p25648\\p25076\\p54929\\Samples\\p57936\\p38251.wav"),
    ("abletoolz_11.0.12", 10, "D:/p64034/p66562/Samples/p35208/p05901/p75576.wav"),
    ("polisen_test_vocal_project", 3, "/Users/fredrik/Dropbox/Entropy Management/helios Project/Samples/Recorded/"
                                      "1-Audio 0001 [2021-08-02 132543].aif"),
    ("pyableton_test", 47, "C:/ProgramData/Ableton/Live 11 Suite/Resources/Core Library/Samples/One Shots/Drums/"
                           "Kick/Kick Felt Soft Dry Session.aif"),
    ("abletoolz_11.3.41", 0, None),
])
def test_sets_without_locators_list_their_distinct_samples(corpus, name, count, first):
    session = extract_file(corpus(f"als/{name}.als"))
    assert session.markers == []
    assert len(session.media_files) == count
    assert len({m.path for m in session.media_files}) == count
    assert (session.media_files[0].path if session.media_files else None) == first


def locators(*items):
    """Locators as (name, beat, annotation)."""
    inner = "".join(f'<Locator><Time Value="{beat}"/><Name Value="{name}"/><Annotation Value="{note}"/></Locator>'
                    for name, beat, note in items)
    return f"<Locators><Locators>{inner}</Locators></Locators>"


def master_with_tempo(manual="120", events="", pointee="8", other=""):
    """A Live 10+ master whose tempo (AutomationTarget 8) has an envelope of `events` pointing at `pointee`."""
    envelopes = (f'<AutomationEnvelope><EnvelopeTarget><PointeeId Value="{pointee}"/></EnvelopeTarget>'
                 f'<Automation><Events>{events}</Events></Automation></AutomationEnvelope>{other}')
    return (f'<MasterTrack><AutomationEnvelopes><Envelopes>{envelopes}</Envelopes></AutomationEnvelopes>'
            f'<Name><EffectiveName Value="Master"/></Name><DeviceChain><Mixer><Tempo><Manual Value="{manual}"/>'
            f'<AutomationTarget Id="8"/></Tempo></Mixer></DeviceChain></MasterTrack>')


def float_events(*points):
    return "".join(f'<FloatEvent Time="{beat}" Value="{bpm}"/>' for beat, bpm in points)


def test_a_set_without_locators_has_no_markers_and_one_without_a_tempo_cannot_place_them():
    assert extract(live_set(), "Song.als").markers == []
    assert extract(live_set(more="<Locators><Locators/></Locators>"), "Song.als").markers == []
    no_tempo = '<MasterTrack><Name><EffectiveName Value="Master"/></Name></MasterTrack>'
    unplaced = extract(live_set(master=no_tempo, more=locators(("A", 4, ""))), "Song.als")
    assert unplaced.markers is None and "markers" not in unplaced.model_fields_set  # stored markers stay


def test_a_constant_tempo_places_locators_at_beats_times_60_over_bpm_with_annotations_as_comments():
    session = extract(live_set(master=master_with_tempo("90"), more=locators(
        ("Chorus", 48, "big"), ("Intro", 0, ""), ("Verse", 16.5, "  "))), "Song.als")
    assert markers_of(session) == [("Intro", 0.0, None), ("Verse", 11.0, None), ("Chorus", 32.0, "big")]


def test_only_the_envelope_pointing_at_the_tempo_counts_and_two_events_on_one_beat_are_a_jump():
    unrelated = ('<AutomationEnvelope><EnvelopeTarget><PointeeId Value="10"/></EnvelopeTarget><Automation><Events>'
                 '<FloatEvent Time="0" Value="999"/></Events></Automation></AutomationEnvelope>')
    events = float_events((-63072000, 120), (8, 120), (8, 60))
    session = extract(live_set(master=master_with_tempo("100", events, other=unrelated),
                               more=locators(("Drop", 8, ""), ("End", 12, ""))), "Song.als")
    assert markers_of(session) == [("Drop", 4.0, None), ("End", 8.0, None)]
    # An envelope that points elsewhere leaves the manual tempo in charge.
    session = extract(live_set(master=master_with_tempo("100", events, pointee="9"),
                               more=locators(("Drop", 8, ""))), "Song.als")
    assert markers_of(session) == [("Drop", 4.8, None)]


def test_the_pre_song_event_is_the_tempo_at_the_start_and_locators_before_the_start_are_left_out():
    # A ramp from 60 BPM at the start to 120 at beat 4 takes 4 * ln 2 seconds.
    events = float_events((-63072000, 60), (4, 120))
    session = extract(live_set(master=master_with_tempo("120", events),
                               more=locators(("Early", -1, ""), ("Four", 4, ""), ("Odd", "x", ""))), "Song.als")
    assert markers_of(session) == [("Four", pytest.approx(2.773, abs=0.001), None)]


def sample(file_ref):
    return f"<AudioClip><SampleRef><FileRef>{file_ref}</FileRef></SampleRef></AudioClip>"


def mac_alias(posix_path, mount_point="/"):
    """A Mac OS alias record (version 2) with only the fields the extractor reads after its fixed part."""
    def field(tag, value):
        return struct.pack(">hH", tag, len(value)) + value + b"\0" * (len(value) % 2)
    fixed = b"\0" * 6 + b"\x00\x02" + b"\0" * 142
    return fixed + field(0x12, posix_path.encode()) + field(0x13, mount_point.encode()) + struct.pack(">hH", -1, 0)


def data(raw):
    return f"<Data>{raw.hex().upper()}</Data>"


def test_sample_paths_of_each_live_version_once_each_in_the_order_of_the_set():
    windows = data("C:\\Samples\\kick.wav".encode("utf-16-le") + b"\0\0")
    tracks = track(devices="".join([
        sample('<Path Value="/Users/me/Live 11/snare.wav"/><RelativePath Value="snare.wav"/>'),
        sample(f'<Type Value="1"/>{windows}<Name Value="kick.wav"/>'),
        sample(f'<Type Value="2"/>{data(mac_alias("Samples/hat.aif", "/Volumes/Drive"))}'),
        sample('<HasRelativePath Value="true"/><RelativePathType Value="1"/><RelativePath>'
               '<RelativePathElement Dir=""/><RelativePathElement Dir="Shared"/></RelativePath>'
               '<Name Value="pad.wav"/><Type Value="0"/>'),
        sample('<Path Value="/Users/me/Live 11/snare.wav"/>'),  # the same file again
        sample('<HasRelativePath Value="true"/><RelativePathType Value="2"/><RelativePath>'
               '<RelativePathElement Dir="Lib"/></RelativePath><Name Value="library.wav"/>'),  # nowhere to place it
        sample(f'<Type Value="1"/>{data("relative.wav".encode("utf-16-le"))}'),  # not an absolute path
        sample('<Type Value="1"/><Data>not hex</Data>'),
        sample(f'<Type Value="2"/>{data(mac_alias("")[:-8])}'),  # an alias without a path
        sample(f'<Type Value="2"/>{data(b"short")}'),
        sample(f'<Type Value="0"/>{data(b"unknown")}'),
        sample('<HasRelativePath Value="false"/><RelativePathType Value="3"/><Name Value="lost.wav"/>'),
        sample('<RelativePathType Value="3"/><RelativePath Value="Samples/Recorded/take.wav"/>'),
        "<AudioClip><SampleRef/></AudioClip>",
    ]))
    preview = "<PreHearTrack>" + sample('<Path Value="/preview.wav"/>') + "</PreHearTrack>"
    session = extract(live_set(tracks, more=preview), "Song.als")
    assert [(m.path, m.name, m.offline) for m in session.media_files] == [
        ("/Users/me/Live 11/snare.wav", "snare.wav", None),
        ("C:\\Samples\\kick.wav", "kick.wav", None),
        ("/Volumes/Drive/Samples/hat.aif", "hat.aif", None),
        ("../Shared/pad.wav", "pad.wav", None),
        ("Samples/Recorded/take.wav", "take.wav", None),
    ]


def test_samples_wherever_they_are_are_read_in_the_order_of_the_set_and_the_previews_are_not():
    def at(path):
        return f'<SampleRef><FileRef><Path Value="{path}"/></FileRef></SampleRef>'
    parameters = f"<ParameterList><FloatParameter><Preset>{at('/in-a-parameter.wav')}</Preset></FloatParameter>" \
                 "</ParameterList>"
    tracks = track(devices=device("OriginalSimpler", inside=parameters) + at("/as-a-device.wav")
                   + rack("AudioEffectGroupDevice", "true", device("Eq8", inside=f"<Unread>{at('/in-a-rack.wav')}"
                                                                                   "</Unread>")))
    more = (f"<PreHearTrack><Unread>{at('/preview.wav')}</Unread></PreHearTrack>"
            f"<Unread><Deeper>{at('/in-a-part.wav')}{at('/in-a-part.wav')}</Deeper></Unread>")
    document = live_set(tracks, more=more)
    session = extract(document, "Song.als")
    assert [m.path for m in session.media_files] == [
        "/in-a-parameter.wav", "/as-a-device.wav", "/in-a-rack.wav", "/in-a-part.wav"]
    assert session == read_set(parse_xml(gzip.decompress(document), WHAT), "Song.als")


def test_every_set_of_the_corpus_reads_the_same_track_by_track_as_from_the_whole_document(corpus):
    # Tracks are read as they end and emptied but for their name and mixer: anything read later from what is gone
    # would read as absent here.
    for path in sorted((CORPUS / "als").glob("*.als")):
        whole = parse_xml(gzip.decompress(path.read_bytes()), WHAT)
        assert extract(path.read_bytes(), path.name) == read_set(whole, path.name), path.name
