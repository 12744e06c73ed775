"""Bounded reading of untrusted session files: size caps on files, gzip and zip members; hardened XML."""
import errno
import gzip
import io
import os
import pyexpat
import stat
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, SubElement

from defusedxml import DTDForbidden, ElementTree, EntitiesForbidden, ExternalReferenceForbidden

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
    with _xml_refusals(what):
        return ElementTree.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)


# In an outline for parse_xml_outline, an element whose content is kept whole.
WHOLE = "whole"


def parse_xml_outline(data: bytes, what: str, outline: dict, anywhere: frozenset[str] = frozenset()) -> Element:
    """The root element of an XML document with only what `outline` names, refused as parse_xml refuses.

    `outline` maps the names of the root's children to keep ("*": any name) to what to keep inside each, an outline
    again, or WHOLE. Elements named in `anywhere` are kept whole wherever they are, in the nearest element kept above
    them. Kept elements have their attributes and text; nobody reads a tail here, so none is kept.
    """
    # The whole document is still parsed, so what parse_xml refuses is refused here; what is not built costs little.
    parser = pyexpat.ParserCreate(None, "}")  # namespaces as ElementTree names them: "{uri}name"
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_unparsed_entity
    parser.ExternalEntityRefHandler = _refuse_external_reference
    parser.buffer_text = True
    root = None
    # For each open element: the kept element that holds what is kept inside it, and the outline inside it (None
    # when nothing is, but what `anywhere` names). Inside an element not kept, most of a document, the elements open
    # below it are only counted, in `below`.
    opened, below = [], 0
    text, text_of = [], None

    def keep(holder: Element | None, name: str, attributes: dict, inside) -> Element:
        nonlocal text_of
        name, attributes = _universal(name), {_universal(key): value for key, value in attributes.items()}
        element = Element(name, attributes) if holder is None else SubElement(holder, name, attributes)
        opened.append((element, inside))
        # An element's text is what comes before its first child or its end.
        text_of, parser.CharacterDataHandler = element, text.append
        return element

    def end_text() -> None:
        nonlocal text_of
        if text:
            text_of.text = "".join(text)
            text.clear()
        text_of, parser.CharacterDataHandler = None, None

    def start_root(name: str, attributes: dict) -> None:
        nonlocal root
        root = keep(None, name, attributes, outline)
        parser.StartElementHandler = start

    def start(name: str, attributes: dict) -> None:
        nonlocal below
        if text_of is not None:
            end_text()
        holder, inside = opened[-1]
        if inside is WHOLE or name in anywhere:
            inner = WHOLE
        elif inside is None:
            inner = None
        else:
            inner = inside.get(name, inside.get("*"))
        if inner is None:
            opened.append((holder, None))
            below, parser.StartElementHandler, parser.EndElementHandler = 0, start_skipped, end_skipped
        else:
            keep(holder, name, attributes, inner)

    def end(name: str) -> None:
        opened.pop()
        if text_of is not None:
            end_text()

    def start_skipped(name: str, attributes: dict) -> None:
        nonlocal below
        if name in anywhere:  # kept after all: the elements open above it are listed, as `start` would have
            opened.extend([opened[-1]] * below)
            parser.StartElementHandler, parser.EndElementHandler = start, end
            start(name, attributes)
        else:
            below += 1

    def end_skipped(name: str) -> None:
        nonlocal below
        if below:
            below -= 1
        else:
            parser.StartElementHandler, parser.EndElementHandler = start, end
            end(name)

    parser.StartElementHandler = start_root
    parser.EndElementHandler = end
    with _xml_refusals(what):
        # Fed and closed as ElementTree feeds and closes, so that a refusal reads the same as parse_xml's.
        parser.Parse(data, False)
        parser.Parse(b"", True)
    return root


def _universal(name: str) -> str:
    """ElementTree's name for a name expat reports: "uri}name" is "{uri}name"."""
    return "{" + name if "}" in name else name


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
