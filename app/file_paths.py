"""File paths as the index keeps them: any name a file system holds, as text every database takes.

A Linux file name is bytes. Python decodes the bytes that are not UTF-8 as lone surrogates
("surrogate escapes"), which neither SQLite nor PostgreSQL text can hold. The index keeps such
a byte as the four characters `\\xNN` (two upper-case hex digits, 80 to FF) and, so that this stays
reversible, a backslash as two backslashes; every other character is kept as it is. A stored
path therefore turns back into exactly the file it names, and the paths of almost every
archive (no backslash, all UTF-8) are stored unchanged.
"""
import re
import unicodedata

from markupsafe import Markup, escape

_UNDECODABLE = re.compile("[\udc80-\udcff]")
# Names from Macs and PCs copied off SMB shares keep the characters Windows refuses as private-use ones: the
# "SFM" mapping (macOS, Samba's fruit) and the "SFU" one (Services for Unix, Linux cifs `mapchars`).
_SHARE_CHARACTERS = str.maketrans({
    0xF020: '"', 0xF021: "*", 0xF022: ":", 0xF023: "<", 0xF024: ">", 0xF025: "?", 0xF026: "\\", 0xF027: "|",
    0xF028: " ", 0xF029: ".",
    0xF02A: "*", 0xF03A: ":", 0xF03C: "<", 0xF03E: ">", 0xF03F: "?", 0xF07C: "|",
})
# An escape of a stored path: a doubled backslash, or an undecodable byte (always 0x80 or more: ASCII decodes).
_ESCAPE = re.compile(r"(\\\\|\\x[89A-F][0-9A-F])")


def stored_path(path: str) -> str:
    """The path as the index stores it: backslashes doubled, each undecodable byte as `\\xNN`."""
    doubled = path.replace("\\", "\\\\")
    return _UNDECODABLE.sub(lambda match: f"\\x{ord(match.group()) - 0xDC00:02X}", doubled)


def real_path(stored: str) -> str:
    """The path on disk (undecodable bytes as surrogate escapes, as os functions take them) of a stored path."""
    return _ESCAPE.sub(lambda match: "\\" if match.group() == "\\\\" else chr(0xDC00 + int(match.group()[2:], 16)),
                       stored)


def display_name(name: str) -> str:
    """A file name as words for people: composed (NFC, as typed; Macs write names decomposed), with the characters
    shares stand in for given back, and each undecodable byte as the replacement character."""
    return unicodedata.normalize("NFC", _UNDECODABLE.sub("\ufffd", name).translate(_SHARE_CHARACTERS))


def shown_path(stored: str | None) -> Markup:
    """A stored path as HTML, each undecodable byte marked as such (the text stays the stored form, which the scan
    form takes back)."""
    if not stored:
        return Markup("")
    parts = []
    # split() puts each escape found at an odd index.
    for index, part in enumerate(_ESCAPE.split(stored)):
        if index % 2 and part != "\\\\":
            parts.append(Markup('<span class="raw-byte" title="Byte 0x{0} of the name is not UTF-8 text: the name is '
                                'kept exactly as it is on disk">{1}</span>').format(part[2:], part))
        else:
            parts.append(escape(part))
    return Markup("").join(parts)
