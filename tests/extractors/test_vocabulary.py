"""One vocabulary for plugin formats, track types and vendor names, whatever the DAW."""
import pytest

from app.extractors.vocabulary import PLUGIN_FORMATS, TRACK_TYPES, daw_maker, plugin_format, vendor_name


@pytest.mark.parametrize(("spelling", "vendor"), [
    ("iZotope, Inc.", "iZotope"), ("IZOTOPE", "iZotope"), ("Valhalla DSP, LLC", "Valhalla DSP"),
    ("Waves Audio Ltd.", "Waves"), ("Native Instruments GmbH", "Native Instruments"), ("Apple Inc.", "Apple"),
    ("  FabFilter  ", "FabFilter"), ("Acme Co., Ltd.", "Acme"), ("Some New Vendor", "Some New Vendor"),
    ("", None), ("  ", None), (None, None),
])
def test_vendor_spellings_become_one_name(spelling, vendor):
    assert vendor_name(spelling) == vendor


@pytest.mark.parametrize(("spelling", "format_"), [
    ("VST", "VST2"), ("VSTi", "VST2"), ("vst3i", "VST3"), ("AUi", "AU"), ("Audio Units", "AU"),
    ("AAX", "AAX Native"), ("AAX DSP", "AAX DSP"), ("AudioSuite", "AudioSuite"), ("CLAP", "CLAP"),
    ("JS", "JS"), ("LV2", "LV2"), ("DXi", "DX"), ("built-in", "built-in"), ("Rack Extension", None), (None, None),
])
def test_format_spellings_become_one_word(spelling, format_):
    assert plugin_format(spelling) == format_
    assert format_ is None or format_ in PLUGIN_FORMATS


def test_the_vocabulary_lists_and_makers():
    assert PLUGIN_FORMATS == ("AAX Native", "AAX DSP", "AudioSuite", "VST2", "VST3", "AU", "CLAP", "JS", "LV2", "DX",
                              "built-in")
    assert set(TRACK_TYPES) == {"audio", "midi", "instrument", "aux", "group", "folder", "vca", "master", "video"}
    assert (daw_maker("Bitwig Studio"), daw_maker("REAPER"), daw_maker("Unknown DAW"), daw_maker(None)) == (
        "Bitwig", "Cockos", None, None)
