"""Bounded reading of untrusted session files: size caps on files, gzip and zip members; hardened XML."""
import errno
import gzip
import io
import os
import stat
import zipfile
import zlib
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

from app.extractors.errors import ExtractError

# A session file above this size is not a session file (the largest real ones are a few MB; a text
# export saved as UTF-16 takes twice the bytes of the same text in UTF-8, still far below).
MAX_FILE_BYTES = 64 * 2**20
# What a compressed session may expand to: Ableton sets and Studio One songs stay far below.
MAX_EXPANDED_BYTES = 256 * 2**20
MAX_ZIP_MEMBERS = 10_000


def file_kind(mode: int) -> str | None:
    """What a file that is not a regular file is, in words ("a named pipe (FIFO)"); None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISDIR, "a folder")):
        if test(mode):
            return kind
    return "not a regular file"


def open_regular(path) -> BinaryIO:
    """`path` opened for reading when it is a regular file; OSError otherwise. Opening does not wait: a named pipe
    with no writer would block a plain open forever."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        kind = file_kind(os.fstat(fd).st_mode)
        if kind is not None:
            raise OSError(errno.EINVAL, f"{kind}, not a regular file: scans read regular files only")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_file(path: Path) -> bytes:
    """The bytes of `path`, refused when it is not a regular file or larger than MAX_FILE_BYTES."""
    try:
        with open_regular(path) as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ExtractError(f"cannot read the file: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise ExtractError(f"the file is larger than {MAX_FILE_BYTES // 2**20} MB, too large for a session file")
    return data


def gunzip(data: bytes, what: str) -> bytes:
    """`data` decompressed, refused when it is not gzip or expands past MAX_EXPANDED_BYTES."""
    if not data.startswith(b"\x1f\x8b"):
        raise ExtractError(f"not a {what}: it is not gzip-compressed")
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            expanded = stream.read(MAX_EXPANDED_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise ExtractError(f"the {what} is damaged: {exc}") from exc
    if len(expanded) > MAX_EXPANDED_BYTES:
        raise ExtractError(f"the {what} expands past {MAX_EXPANDED_BYTES // 2**20} MB; refused")
    return expanded

# What zipfile raises on a damaged archive besides BadZipFile: offsets before the archive's start (ValueError from
# seek), an unknown compression or version field (RuntimeError and its subclass for what is not implemented), a
# stream that ends early or does not inflate.
ZIP_DAMAGE = (zipfile.BadZipFile, ValueError, RuntimeError, OSError, EOFError, zlib.error)


def open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """`data` as a zip archive, refused when it is not one or holds too many members."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except ZIP_DAMAGE as exc:
        raise ExtractError(f"not a {what}: it is not a zip archive ({exc})") from exc
    if len(archive.infolist()) > MAX_ZIP_MEMBERS:
        raise ExtractError(f"the {what} holds more than {MAX_ZIP_MEMBERS:,} files; refused")
    return archive


def read_member(archive: zipfile.ZipFile, name: str, what: str) -> bytes:
    """One member of a zip archive, refused when missing or when it expands past MAX_EXPANDED_BYTES."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ExtractError(f"the {what} has no {name}") from None
    if info.file_size > MAX_EXPANDED_BYTES:
        raise ExtractError(f"{name} in the {what} expands past {MAX_EXPANDED_BYTES // 2**20} MB; refused")
    try:
        with archive.open(info) as member:
            content = member.read(MAX_EXPANDED_BYTES + 1)
    except ZIP_DAMAGE as exc:
        raise ExtractError(f"{name} in the {what} is damaged: {exc}") from exc
    if len(content) > MAX_EXPANDED_BYTES:
        raise ExtractError(f"{name} in the {what} expands past {MAX_EXPANDED_BYTES // 2**20} MB; refused")
    return content


def parse_xml(data: bytes, what: str) -> Element:
    """The root element of an XML document; DTDs, entities and external references are refused."""
    try:
        return ElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except ElementTree.ParseError as exc:
        raise ExtractError(f"the {what} is not well-formed XML: {exc}") from exc
    except LookupError as exc:  # the XML declaration names an encoding Python does not know
        raise ExtractError(f"the {what} declares a text encoding that does not exist: {exc}") from exc
    except (ValueError, RecursionError) as exc:  # defusedxml's refusals are ValueErrors
        raise ExtractError(f"the {what} is refused: {exc}") from exc
