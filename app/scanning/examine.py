"""Reading one found file, in a worker process: its content hash, whether it is a session file, its session.

`examine` never raises for a bad file: every outcome is an Examined value, so one damaged or
vanished file cannot stop a scan.
"""
import hashlib
from dataclasses import dataclass
from pathlib import Path

from app.extractors import ExtractError, extract_file, extractor_for
from app.extractors.limits import open_regular
from app.extractors.text_encoding import UTF8_BOM, utf16_text
from app.file_paths import real_path
from app.wire import SessionStatsSession

HEAD_BYTES = 4096
# How each format's files begin (DAWproject: a zip, or XML with a <Project>; Ableton: gzip, or XML).
SIGNATURES = {
    "protools-session": b"\x030010111100101011",
    "protools-text": b"SESSION NAME:",
    "reaper": b"<REAPER_PROJECT",
    "fl-studio": b"FLhd",
    "studio-one": b"PK\x03\x04",
}
# Other programs write files with these extensions too: one that does not begin as a session is
# passed over; for the other extensions a mismatch is an error.
SHARED_EXTENSIONS = {".txt", ".xml"}
# Text formats whose extractors read UTF-16 as well: their signature is looked for in the decoded text.
UTF16_FORMATS = ("protools-text", "reaper")

INDEXED, FAILED, IGNORED, UNCHANGED = "indexed", "failed", "ignored", "unchanged"


@dataclass
class Examined:
    """What reading a file gave: a session, an error, not a session file, or the same content as before."""

    path: str
    outcome: str
    content_hash: str | None = None
    extractor: str | None = None
    session: SessionStatsSession | None = None
    error: str | None = None


def _looks_like(name: str, suffix: str, head: bytes) -> bool:
    text = utf16_text(head, SIGNATURES[name]) if name in UTF16_FORMATS else None
    if text is not None:
        head = text.encode("utf-8")
    start = head.removeprefix(UTF8_BOM).lstrip()
    if name == "dawproject":
        return start.startswith(b"PK\x03\x04") if suffix == ".dawproject" else b"<Project" in head
    if name == "ableton":
        # Gzip as Live writes it, or the same XML kept uncompressed.
        return start.startswith((b"\x1f\x8b", b"<"))
    # An extension's format has no signature here: its own extractor says whether the file is one.
    return name not in SIGNATURES or start.startswith(SIGNATURES[name])


def _hash(path: str) -> tuple[str, bytes]:
    with open_regular(path) as handle:
        head = handle.read(HEAD_BYTES)
        handle.seek(0)
        return hashlib.file_digest(handle, "sha256").hexdigest(), head


def examine(path: str, known_hash: str | None) -> Examined:
    """Hash the file; unless its content is `known_hash`, check how it begins and extract its session.

    The walk has already decided the file is wanted, backups included when asked for (and a template file reads as
    the session format it belongs to, for a templates folder). `path` is as the index stores it.
    """
    on_disk = real_path(path)
    suffix = Path(path).suffix.lower()
    extractor = extractor_for(Path(path), backups=True, templates=True)
    name = extractor.name if extractor else None
    try:
        content_hash, head = _hash(on_disk)
    except FileNotFoundError:
        return Examined(path, FAILED, extractor=name, error="the file disappeared during the scan")
    except OSError as exc:
        return Examined(path, FAILED, extractor=name, error=f"cannot read the file: {exc.strerror or exc}")
    if known_hash is not None and content_hash == known_hash:
        return Examined(path, UNCHANGED, content_hash, name)
    if not _looks_like(name, suffix, head):
        if suffix in SHARED_EXTENSIONS:
            return Examined(path, IGNORED, content_hash, name)
        return Examined(path, FAILED, content_hash, name,
                        error=f"its content does not match its extension ({suffix}, {extractor.label}): "
                              "the file is damaged, or another kind of file")
    try:
        session = extract_file(on_disk, backups=True, templates=True)
    except ExtractError as exc:
        return Examined(path, FAILED, content_hash, name, error=exc.message)
    return Examined(path, INDEXED, content_hash, name, session)
