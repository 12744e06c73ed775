"""Hypothesis strategies that turn a real session file into a damaged one: over its bytes, and over its structure
(lines and tokens of text formats, elements and attributes of XML, events of FL Studio's stream), re-packed in the
file's own container (gzip, zip) so that the damage reaches the parser."""
import gzip
import io
import struct
import zipfile
from xml.etree import ElementTree

from defusedxml.ElementTree import fromstring
from hypothesis import strategies as st

# Values a damaged or hostile file may hold where a name, a number or a flag is expected.
HOSTILE_TEXT = ["", " ", "-1", "0", "1e308", "-1e308", "NaN", "inf", "99999999999999999999999", "0x7fffffff",
                "4294967296", "-0", "1.5.5", "%s%n", "../../../etc/passwd", "C:\\\\", "\u202e", "é" * 3,
                "\ufffd", "A" * 70_000, "{" * 50, "<" * 20, "\"", "'", "true", "null", "1/0", "12:99:99:99"]


def byte_mutation(data: bytes) -> st.SearchStrategy[bytes]:
    """`data` with a few byte-level changes: flipped, inserted, deleted, repeated or cut off."""
    size = max(len(data), 1)
    positions = st.integers(0, size - 1)
    operation = st.one_of(
        st.tuples(st.just("flip"), positions, st.integers(1, 255)),
        st.tuples(st.just("insert"), positions, st.binary(min_size=1, max_size=64)),
        st.tuples(st.just("delete"), positions, st.integers(1, 256)),
        st.tuples(st.just("repeat"), positions, st.integers(1, 256), st.integers(2, 64)),
        st.tuples(st.just("cut"), positions),
        st.tuples(st.just("number"), positions, st.sampled_from([0, 0xFF, 0x7F, 0x80, 0xFFFF, 0x7FFFFFFF,
                                                                  0xFFFFFFFF, 0x80000000])),
    )
    return st.lists(operation, min_size=1, max_size=6).map(lambda ops: _apply_bytes(data, ops))


def _apply_bytes(data: bytes, operations) -> bytes:
    out = bytearray(data)
    for name, at, *rest in operations:
        at = min(at, len(out))
        if name == "flip" and at < len(out):
            out[at] ^= rest[0]
        elif name == "insert":
            out[at:at] = rest[0]
        elif name == "delete":
            del out[at:at + rest[0]]
        elif name == "repeat":
            out[at:at] = bytes(out[at:at + rest[0]]) * rest[1]
        elif name == "cut":
            del out[at:]
        elif name == "number":
            out[at:at + 4] = struct.pack("<I", rest[0])
    return bytes(out)


def line_mutation(text: bytes) -> st.SearchStrategy[bytes]:
    """A text file with lines dropped, repeated, swapped, or a token replaced by a hostile value."""
    lines = text.split(b"\n")
    index = st.integers(0, len(lines) - 1)
    operation = st.one_of(
        st.tuples(st.just("drop"), index), st.tuples(st.just("repeat"), index, st.integers(2, 200)),
        st.tuples(st.just("swap"), index, index),
        st.tuples(st.just("token"), index, st.integers(0, 8), st.sampled_from(HOSTILE_TEXT)),
    )
    return st.lists(operation, min_size=1, max_size=8).map(lambda ops: _apply_lines(list(lines), ops))


def _apply_lines(lines: list[bytes], operations) -> bytes:
    for name, at, *rest in operations:
        if at >= len(lines):
            continue
        if name == "drop":
            del lines[at]
        elif name == "repeat":
            lines[at:at + 1] = [lines[at]] * rest[0]
        elif name == "swap" and rest[0] < len(lines):
            lines[at], lines[rest[0]] = lines[rest[0]], lines[at]
        elif name == "token":
            separator = b"\t" if b"\t" in lines[at] else b" "
            tokens = lines[at].split(separator)
            tokens[min(rest[0], len(tokens) - 1)] = rest[1].encode("utf-8", "surrogatepass")
            lines[at] = separator.join(tokens)
    return b"\n".join(lines)


def xml_mutation(document: bytes) -> st.SearchStrategy[bytes]:
    """An XML document with elements dropped, repeated or moved, and attributes or texts made hostile (as lines, when
    it is not XML as written: Studio One's undeclared prefix)."""
    try:
        root = fromstring(document)
    except ElementTree.ParseError:
        return line_mutation(document)
    count = sum(1 for _ in root.iter())
    index = st.integers(0, count - 1)
    operation = st.one_of(
        st.tuples(st.just("drop"), index), st.tuples(st.just("repeat"), index, st.integers(2, 50)),
        st.tuples(st.just("move"), index, index),
        st.tuples(st.just("attribute"), index, st.integers(0, 6), st.sampled_from(HOSTILE_TEXT)),
        st.tuples(st.just("text"), index, st.sampled_from(HOSTILE_TEXT)),
    )
    return st.lists(operation, min_size=1, max_size=8).map(lambda ops: _apply_xml(document, ops))


def _apply_xml(document: bytes, operations) -> bytes:
    root = fromstring(document)
    for name, at, *rest in operations:
        elements = list(root.iter())
        parents = {child: parent for parent in elements for child in parent}
        element = elements[min(at, len(elements) - 1)]
        parent = parents.get(element)
        if name == "drop" and parent is not None:
            parent.remove(element)
        elif name == "repeat" and parent is not None:
            where = list(parent).index(element)
            for _ in range(rest[0] - 1):
                parent.insert(where, _copy(element))
        elif name == "move" and parent is not None:
            target = elements[min(rest[0], len(elements) - 1)]
            if element not in target.iter():
                parent.remove(element)
                target.append(element)
        elif name == "attribute" and element.attrib:
            keys = sorted(element.attrib)
            element.set(keys[min(rest[0], len(keys) - 1)], _xml_safe(rest[1]))
        elif name == "text":
            element.text = _xml_safe(rest[0])
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def _copy(element):
    return fromstring(ElementTree.tostring(element))


def _xml_safe(text: str) -> str:
    return "".join(character for character in text if character >= " " or character in "\t\n")


def gzip_of(strategy: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    """The documents of `strategy`, gzip-compressed (as Live saves its sets)."""
    return strategy.map(lambda data: gzip.compress(data, compresslevel=1))


def zip_entry_mutation(archive: bytes, mutate) -> st.SearchStrategy[bytes]:
    """A zip archive with one of its XML entries changed by `mutate` (a strategy from the entry's bytes)."""
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        entries = {info.filename: opened.read(info) for info in opened.infolist() if not info.is_dir()}
    xml_names = sorted(name for name in entries if name.endswith(".xml"))
    if not xml_names:
        return byte_mutation(archive)
    return st.sampled_from(xml_names).flatmap(
        lambda name: mutate(entries[name]).map(lambda changed: _rezip({**entries, name: changed})))


def _rezip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def fl_event_mutation(data: bytes) -> st.SearchStrategy[bytes]:
    """An FL Studio project with events of its stream changed: their ids, values and stated lengths, or dropped and
    repeated."""
    header, events = _fl_events(data)
    if not events:
        return byte_mutation(data)
    index = st.integers(0, len(events) - 1)
    operation = st.one_of(
        st.tuples(st.just("drop"), index), st.tuples(st.just("repeat"), index, st.integers(2, 100)),
        st.tuples(st.just("id"), index, st.integers(0, 255)),
        st.tuples(st.just("value"), index, st.binary(max_size=80)),
        st.tuples(st.just("length"), index, st.sampled_from([0, 1, 3, 0x7F, 0x3FFF, 0x0FFFFFFF])),
    )
    return st.lists(operation, min_size=1, max_size=8).map(lambda ops: _apply_fl(header, list(events), ops))


def _fl_events(data: bytes) -> tuple[bytes, list[tuple[int, bytes]]]:
    """The bytes before the event stream, and the events as (id, value); ([], data) when it is not read so."""
    start = data.find(b"FLdt")
    if start < 0:
        return data, []
    events, at = [], start + 8
    while at < len(data):
        event = data[at]
        at += 1
        if event < 192:
            size = (1, 2, 4)[event // 64]
        else:
            size = shift = 0
            while at < len(data):
                byte = data[at]
                at += 1
                size |= (byte & 0x7F) << shift
                shift += 7
                if not byte & 0x80:
                    break
        events.append((event, data[at:at + size]))
        at += size
    return data[:start], events


def _apply_fl(header: bytes, events: list, operations) -> bytes:
    stated = {}
    for name, at, *rest in operations:
        if at >= len(events):
            continue
        event, value = events[at]
        if name == "drop":
            del events[at]
        elif name == "repeat":
            events[at:at + 1] = [events[at]] * rest[0]
        elif name == "id":
            events[at] = (rest[0], value)
        elif name == "value":
            events[at] = (event, rest[0] if event >= 192 else (rest[0] + value)[:len(value)])
        elif name == "length" and event >= 192:
            stated[at] = rest[0]
    stream = bytearray()
    for position, (event, value) in enumerate(events):
        stream.append(event)
        if event >= 192:
            size = stated.get(position, len(value))
            while True:
                stream.append((size & 0x7F) | (0x80 if size > 0x7F else 0))
                size >>= 7
                if not size:
                    break
            stream += value
        else:
            stream += value.ljust((1, 2, 4)[event // 64], b"\0")[:(1, 2, 4)[event // 64]]
    return header + b"FLdt" + struct.pack("<I", len(stream)) + bytes(stream)
