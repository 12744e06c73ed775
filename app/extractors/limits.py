"""Bounded reading of untrusted session files: size caps on files, gzip and zip members; hardened XML."""
import errno
import io
import os
import pyexpat
import stat
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Callable, Iterable
from xml.etree.ElementTree import Element

from defusedxml import DTDForbidden, ElementTree, EntitiesForbidden, ExternalReferenceForbidden
from isal import igzip, isal_zlib
from lxml import etree

from app.extractors.errors import ExtractError

# A session file above this size is not a session file (the largest real ones are a few MB; a text
# export saved as UTF-16 takes twice the bytes of the same text in UTF-8, still far below).
MAX_FILE_BYTES = 64 * 2**20
# What a compressed session may expand to: Ableton sets and Studio One songs stay far below.
MAX_EXPANDED_BYTES = 256 * 2**20
MAX_ZIP_MEMBERS = 10_000
GZIP_MAGIC = b"\x1f\x8b"


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


class _Expanding(io.RawIOBase):
    """The bytes gzip data expands to, as they are read: refused when damaged or past MAX_EXPANDED_BYTES."""

    def __init__(self, data: bytes, what: str):
        super().__init__()
        self._stream, self._what, self._size = igzip.GzipFile(fileobj=io.BytesIO(data)), what, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            count = self._stream.readinto(buffer)
        except (OSError, EOFError, isal_zlib.error) as exc:
            raise ExtractError(f"the {self._what} is damaged: {exc}") from exc
        self._size += count
        if self._size > MAX_EXPANDED_BYTES:
            raise ExtractError(f"the {self._what} expands past {MAX_EXPANDED_BYTES // 2**20} MB; refused")
        return count


def open_gzip(data: bytes, what: str) -> BinaryIO:
    """What `data` expands to, as a stream that is refused when damaged or past MAX_EXPANDED_BYTES."""
    if not data.startswith(GZIP_MAGIC):
        raise ExtractError(f"not a {what}: it is not gzip-compressed")
    return io.BufferedReader(_Expanding(data, what))


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
    with _xml_refusals(what):
        return ElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)


# How deep libxml2 nests elements once its limits for untrusted documents are lifted, as long plugin states need.
MAX_XML_DEPTH = 2048
# A document whose root element does not start within this many bytes is refused: only a DTD, which is refused
# anyway, or a long run of comments would put it further.
MAX_PROLOG_BYTES, PROLOG_CHUNK_BYTES = 2**20, 2**14


def parse_xml_streamed(open_document: Callable[[], BinaryIO], what: str, tags: Iterable[str],
                       on_end: Callable[[Element], None]) -> Element:
    """The root element of an XML document, refused as parse_xml refuses; `on_end` gets each element named in `tags`
    as soon as it ends, and may take what it holds out of the tree so that a large document is not held whole.

    The document is read from `open_document()` as it is parsed: once for its prolog, then once for the rest.
    """
    with open_document() as stream:
        _refuse_declarations(stream, what)
    # The prolog is clean: no DTD, so no entity but XML's own. libxml2 builds the tree in C, where expat calls Python
    # for every element; the whitespace that indents a document is not kept.
    with open_document() as stream:
        document = etree.iterparse(
            stream, events=("end",), tag=list(tags), huge_tree=True, resolve_entities=False, no_network=True,
            load_dtd=False, remove_comments=True, remove_pis=True, remove_blank_text=True)
        try:
            for _, element in document:
                on_end(element)
        except etree.XMLSyntaxError as exc:
            if "Excessive depth" in str(exc):
                raise ExtractError(f"the {what} nests elements deeper than {MAX_XML_DEPTH:,}; refused") from exc
            raise ExtractError(f"the {what} is not well-formed XML: {exc}") from exc
    return document.root


class _PrologRead(Exception):
    """The root element starts: everything a DTD could declare has been read."""


def _refuse_declarations(stream: BinaryIO, what: str) -> None:
    """Refuses, as parse_xml does, a document whose prolog has a DTD, declares entities or refers outside."""
    parser = pyexpat.ParserCreate(None, "}")
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_unparsed_entity
    parser.ExternalEntityRefHandler = _refuse_external_reference
    parser.StartElementHandler = _prolog_read
    with _xml_refusals(what):
        try:
            for _ in range(MAX_PROLOG_BYTES // PROLOG_CHUNK_BYTES):
                chunk = stream.read(PROLOG_CHUNK_BYTES)
                parser.Parse(chunk, not chunk)  # the end of the document, when nothing is left
        except _PrologRead:
            return
    raise ExtractError(f"the {what} does not start its root element in its first {MAX_PROLOG_BYTES // 2**20} MB")


def _prolog_read(name, attributes):
    raise _PrologRead


# defusedxml's refusals, raised where defusedxml raises them, so that they read the same.
def _refuse_dtd(name, system_id, public_id, has_internal_subset):
    raise DTDForbidden(name, system_id, public_id)


def _refuse_entity(name, is_parameter_entity, value, base, system_id, public_id, notation_name):
    raise EntitiesForbidden(name, value, base, system_id, public_id, notation_name)


def _refuse_unparsed_entity(name, base, system_id, public_id, notation_name):
    raise EntitiesForbidden(name, None, base, system_id, public_id, notation_name)


def _refuse_external_reference(context, base, system_id, public_id):
    raise ExternalReferenceForbidden(context, base, system_id, public_id)


@contextmanager
def _xml_refusals(what: str):
    """Why an XML document is refused, as an ExtractError."""
    try:
        yield
    except (ElementTree.ParseError, pyexpat.ExpatError) as exc:
        raise ExtractError(f"the {what} is not well-formed XML: {exc}") from exc
    except LookupError as exc:  # the XML declaration names an encoding Python does not know
        raise ExtractError(f"the {what} declares a text encoding that does not exist: {exc}") from exc
    except (ValueError, RecursionError) as exc:  # defusedxml's refusals are ValueErrors
        raise ExtractError(f"the {what} is refused: {exc}") from exc
