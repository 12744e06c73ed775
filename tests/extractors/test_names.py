"""What a file says is cut to the lengths the wire format and the index take."""
import pytest

from app.extractors.names import clip, clip_detail
from app.wire import MAX_DETAIL, MAX_NAME_BYTES, PluginIdentity, utf8_size


@pytest.mark.parametrize(("text", "clipped"), [
    ("  Lead Vocal  ", "Lead Vocal"),
    ("a" * 1200, "a" * 1000),
    ("\u4e00" * 400, "\u4e00" * 333),  # three bytes each
    ("\U0001f3b8" * 300, "\U0001f3b8" * 250),  # four bytes each
    ("\u0130" * 400, "\u0130" * 333),  # two bytes each, three lower-cased
    (None, None),
])
def test_a_name_is_cut_to_the_characters_and_bytes_it_may_take(text, clipped):
    assert clip(text) == clipped
    if clipped is not None:
        assert utf8_size(clipped) <= MAX_NAME_BYTES


def test_a_version_is_cut_to_what_a_plugins_id_leaves_it():
    version = clip_detail("1." * 300)
    assert len(version) == MAX_DETAIL
    assert PluginIdentity(name="Pro-Q 3", version=version).version == version
