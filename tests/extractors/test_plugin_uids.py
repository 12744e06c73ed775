"""The id each plugin instance's file gives it, read exactly from real sessions: what inventories of installed
plug-ins are matched by first."""
import pytest

from app.extractors import extract_file
from app.extractors.vocabulary import audio_unit_uid, plugin_uid


def ids(path) -> dict[tuple[str, str], str | None]:
    return {(plugin.format, plugin.name): plugin.uid for track in extract_file(path).tracks or ()
            for plugin in track.plugins or () if plugin.format != "built-in"}


@pytest.mark.parametrize("name, expected", [
    # REAPER: VST2's number before "<…>", the VST3 class id in braces, after the file name.
    ("rpp/exvertus_track2.rpp", {("VST2", "ReaSynth"): "1919251321",
                                 ("VST3", "FabFilter Pro-Q 3"): "72C4DB717A4D459AB97E51745D84B39D"}),
    ("rpp/exvertus_lighterfluid.rpp", {("VST2", "Absynth 5"): "1131179317", ("VST2", "Kontakt"): "1315513412",
                                       ("VST2", "Reaktor 6"): "1315525174",
                                       ("VST3", "Kontakt"): "5653544E6924446B6F6E74616B740000"}),
    # Ableton Live: VST2's UniqueId, the VST3 Uid's four numbers, the Audio Unit's three codes.
    ("als/abletoolz_11.3.41.als", {("AU", "AUBandpass"): "aufx:bpas:appl", ("AU", "AULowpass"): "aufx:lpas:appl"}),
    ("als/abletoolz_11.0.12.als", {("VST3", "Pro-C 2"): "79F415E3C8E74807AD5DA3CF7024F618",
                                   ("VST3", "Pro-L 2"): "AFD92F729A0447B7B5E8D1D568DEA985",
                                   ("VST2", "SPAN"): "880176950"}),
    # Studio One: a VST2 plugin's class id is "VST" and its four-character id ('syl1', 'ZnO5').
    ("song/owlplug_studioone7schema8.song", {("VST2", "Sylenth1"): "1937337393",
                                            ("VST2", "iZotope Ozone 5"): "1517178677"}),
    # FL Studio: a wrapped VST2 plugin's four characters ('1lys' stored, Sylenth1's 'syl1' as in Studio One); no id
    # is read for VST3.
    ("flp/pyflp_FL_20.8.4.flp", {("VST2", "Sylenth1"): "1937337393", ("VST3", "OTT"): None}),
    # DAWproject: deviceID as it is.
    ("dawproject/bitwig_README_example_project.xml", {("CLAP", "Surge XT"): "org.surge-synth-team.surge-xt"}),
])
def test_the_plugin_ids_of_real_sessions_are_read_exactly(corpus, name, expected):
    found = ids(corpus(name))
    assert {key: found.get(key) for key in expected} == expected


def test_ids_are_written_one_way_whatever_the_file_spells():
    assert plugin_uid("{72c4db71-7a4d-459a-b97e-51745d84b39d}") == "72C4DB717A4D459AB97E51745D84B39D"
    assert plugin_uid(" 72C4DB717A4D459AB97E51745D84B39D ") == "72C4DB717A4D459AB97E51745D84B39D"
    assert plugin_uid("org.surge-synth-team.surge-xt") == "org.surge-synth-team.surge-xt"
    assert plugin_uid("") is None and plugin_uid(None) is None
    assert audio_unit_uid(1635083896, 1651532147, 1634758764) == "aufx:bpas:appl"
    assert audio_unit_uid("1635083896", None, 1) is None
    assert audio_unit_uid(-1, 0, 0) is None
