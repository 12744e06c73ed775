"""The chunks of an FL Studio project and the flat stream of events in them (see app/extractors/fl_studio.py)."""
import struct
from collections.abc import Iterator

from app.extractors.errors import ExtractError

WHAT = "FL Studio project"

# A length longer than 5 varint bytes (35 bits) is beyond any file this reads; real projects
# hold some thousands of events (notes and clips are packed inside data events).
MAX_LENGTH_BYTES = 5
MAX_EVENTS = 2_000_000


def read_chunks(data: bytes) -> tuple[dict, Iterator[tuple[int, int | bytes]]]:
    """The header facts and the event stream, refused when the chunks are not an FL project's."""
    if not data.startswith(b"FLhd"):
        raise ExtractError(f"not an {WHAT}: it does not start with FLhd")
    if len(data) < 22:
        raise ExtractError(f"the {WHAT} is truncated: it ends inside its header")
    (header_size,) = struct.unpack_from("<I", data, 4)
    if header_size != 6:
        raise ExtractError(f"the {WHAT} is damaged: its header says it is {header_size} bytes long, not 6")
    file_format, channels, ppq = struct.unpack_from("<hHH", data, 8)
    if file_format != 0:
        raise ExtractError(f"not an {WHAT}: it is another kind of FL Studio file (format {file_format})")
    if data[14:18] != b"FLdt":
        raise ExtractError(f"the {WHAT} is damaged: its event data (FLdt) does not follow the header")
    (size,) = struct.unpack_from("<I", data, 18)
    if size > len(data) - 22:
        raise ExtractError(f"the {WHAT} is truncated: its events should take {size} bytes "
                           f"but only {len(data) - 22} are there")
    return {"channels": channels, "ppq": ppq}, read_events(data, 22, 22 + size)


def read_events(data: bytes, start: int, end: int) -> Iterator[tuple[int, int | bytes]]:
    """Each event between `start` and `end` as (id, number or bytes); every length is checked."""
    position, count = start, 0
    while position < end:
        count += 1
        if count > MAX_EVENTS:
            raise ExtractError(f"the {WHAT} is damaged: it holds more than {MAX_EVENTS:,} events")
        event_id, at = data[position], position
        position += 1
        if event_id < 192:
            size = 1 if event_id < 64 else 2 if event_id < 128 else 4
            if position + size > end:
                raise truncated(at)
            yield event_id, int.from_bytes(data[position:position + size], "little")
            position += size
            continue
        size, shift = 0, 0
        for length_bytes in range(MAX_LENGTH_BYTES + 1):
            if length_bytes == MAX_LENGTH_BYTES:
                raise ExtractError(f"the {WHAT} is damaged: the length of the event at byte {at} is not a valid number")
            if position >= end:
                raise truncated(at)
            byte = data[position]
            position += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if position + size > end:
            raise truncated(at)
        yield event_id, data[position:position + size]
        position += size


def truncated(at: int) -> ExtractError:
    """The error for an event that runs past the end of the data."""
    return ExtractError(f"the {WHAT} is truncated: the event at byte {at} runs past the end of the data")
