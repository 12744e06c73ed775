"""How a scan tells a session file by its first bytes: text formats as people keep them, UTF-16 included."""
import pytest

from app.scanning.examine import FAILED, IGNORED, INDEXED, examine

EXPORT = "SESSION NAME:\tMix 3\r\nSAMPLE RATE:\t48000.000000\r\n\r\nT R A C K  L I S T I N G\r\nTRACK NAME:\tKick\r\n"
PROJECT = '<REAPER_PROJECT 0.1 "7.10/win64" 1\r\n  <TRACK\r\n    NAME Bass\r\n  >\r\n>\r\n'
UTF16 = {
    "UTF-16 LE": lambda text: b"\xff\xfe" + text.encode("utf-16-le"),
    "UTF-16 BE": lambda text: b"\xfe\xff" + text.encode("utf-16-be"),
    "UTF-16 LE without a byte order mark": lambda text: text.encode("utf-16-le"),
    "UTF-16 BE without a byte order mark": lambda text: text.encode("utf-16-be"),
}


def examined(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return examine(str(path), None)


@pytest.mark.parametrize("encoding", UTF16)
def test_a_utf_16_pro_tools_export_is_read_not_passed_over(tmp_path, encoding):
    result = examined(tmp_path, "Mix.txt", UTF16[encoding](EXPORT))
    assert (result.outcome, result.extractor, result.error) == (INDEXED, "protools-text", None)
    assert (result.session.name, [t.name for t in result.session.tracks]) == ("Mix 3", ["Kick"])


@pytest.mark.parametrize("encoding", UTF16)
def test_a_utf_16_reaper_project_is_read(tmp_path, encoding):
    result = examined(tmp_path, "Song.rpp", UTF16[encoding](PROJECT))
    assert (result.outcome, result.extractor, result.error) == (INDEXED, "reaper", None)
    assert [t.name for t in result.session.tracks] == ["Bass"]


@pytest.mark.parametrize("data", [
    b"\xef\xbb\xbf\r\n  \t\r\n" + PROJECT.encode(),  # a byte order mark, then blank lines
    b"\xff\xfe" + ("\r\n\t" + PROJECT).encode("utf-16-le"),  # UTF-16, blank lines first
    PROJECT.replace("\r\n", "\r").encode(),  # classic Mac line ends
])
def test_a_reaper_project_as_people_keep_it_is_read(tmp_path, data):
    result = examined(tmp_path, "Song.rpp", data)
    assert (result.outcome, [t.name for t in result.session.tracks]) == (INDEXED, ["Bass"])


@pytest.mark.parametrize("data", [
    "Shopping list\r\nmilk\r\n".encode("utf-16"),
    "Shopping list\r\nmilk\r\n".encode("utf-16-le"),
    b"\xef\xbb\xbfShopping list\nmilk\n",
])
def test_other_text_files_with_the_export_extension_are_passed_over(tmp_path, data):
    result = examined(tmp_path, "list.txt", data)
    assert (result.outcome, result.session, result.error) == (IGNORED, None, None)


def test_a_utf_16_file_that_is_not_a_project_with_the_reaper_extension_is_a_file_error(tmp_path):
    result = examined(tmp_path, "Song.rpp", "Shopping list\r\n".encode("utf-16"))
    assert result.outcome == FAILED
    assert result.error == ("its content does not match its extension (.rpp, REAPER project): "
                            "the file is damaged, or another kind of file")
