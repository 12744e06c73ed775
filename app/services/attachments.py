"""Files attached to sessions, stored once by their content (SHA-256) under the attachments folder.

A file is written to a temporary name while its hash is computed, then moved to its hash's name
unless that is already there: two attachments of the same bytes share one stored file. Rows say
which session holds which content; a stored file is removed only once no row names it.
"""
import hashlib
import mimetypes
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select

from app.models import Attachment, Session
from app.models.types import utc_now
from app.normalize import iso_utc
from app.services.derived import live_change

KINDS = ("mix", "master", "stem", "reference", "document", "bounce", "other")
CHUNK = 1024 * 1024
# What the browser may play in the page; anything else is only ever downloaded.
PLAYABLE = {".wav": "audio/wav", ".aif": "audio/aiff", ".aiff": "audio/aiff", ".flac": "audio/flac",
            ".mp3": "audio/mpeg", ".m4a": "audio/mp4", ".ogg": "audio/ogg"}


class TooLarge(Exception):
    """The file is larger than the attachment limit; nothing was stored."""


@dataclass(frozen=True)
class Blob:
    """Stored content: its hash and size."""

    sha256: str
    size_bytes: int


def blob_path(folder: Path, sha256: str) -> Path:
    """Where the content with this hash is stored."""
    return Path(folder) / sha256[:2] / sha256


def store_blob(folder: Path, stream: BinaryIO, limit: int) -> Blob:
    """Copy `stream` into the store a chunk at a time (never whole in memory); TooLarge beyond `limit` bytes."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"larger than the limit of {limit:,} bytes")
                digest.update(chunk)
                out.write(chunk)
        target = blob_path(folder, digest.hexdigest())
        target.parent.mkdir(exist_ok=True)
        if target.exists():
            os.unlink(temporary)
        else:
            os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Blob(digest.hexdigest(), size)


def content_type_of(filename: str) -> str:
    """The type a file is served as, from its name alone (what a client claims is not trusted)."""
    suffix = Path(filename).suffix.lower()
    return PLAYABLE.get(suffix) or mimetypes.guess_type(filename)[0] or "application/octet-stream"


def is_playable(attachment: Attachment) -> bool:
    """Whether the page may play this attachment in an audio player."""
    return Path(attachment.filename).suffix.lower() in PLAYABLE


def attach(db_session, session_id: str, filename: str, kind: str, blob: Blob, author: str) -> Attachment | None:
    """Attach stored content to the live session with this id, within the caller's unit of work; None when there is
    no such session."""
    session = db_session.scalar(select(Session).where(Session.id == session_id, Session.deleted_at.is_(None)))
    if session is None:
        return None
    attachment = Attachment(id=str(uuid.uuid4()), session_pk=session.pk, sha256=blob.sha256,
                            filename=Path(filename.replace("\\", "/")).name[:1000] or "attachment",
                            kind=kind, content_type=content_type_of(filename),
                            size_bytes=blob.size_bytes, author=author, created_at=utc_now())
    with live_change(db_session, [session.pk]):
        db_session.add(attachment)
        db_session.flush()
    return attachment


def session_attachments(db_session, session_pk: int) -> list[Attachment]:
    """A session's attachments, newest first."""
    return list(db_session.scalars(select(Attachment).where(Attachment.session_pk == session_pk)
                                   .order_by(Attachment.created_at.desc(), Attachment.pk.desc())))


def attachment_by_id(db_session, attachment_id: str) -> Attachment | None:
    """The attachment with this id, when its session is live (a trashed session's attachments are hidden)."""
    return db_session.scalar(select(Attachment).join(Session, Session.pk == Attachment.session_pk)
                             .where(Attachment.id == attachment_id, Session.deleted_at.is_(None)))


def remove_unreferenced(db_session, folder: Path, hashes: set[str]) -> list[str]:
    """Delete the stored files of these hashes that no attachment names any more (after the unit of work that
    dropped the rows has committed); the hashes removed."""
    if not hashes:
        return []
    kept = set(db_session.scalars(select(Attachment.sha256).where(Attachment.sha256.in_(hashes))))
    removed = sorted(hashes - kept)
    for sha256 in removed:
        blob_path(folder, sha256).unlink(missing_ok=True)
    return removed


def hashes_of_session(db_session, session_id: str) -> set[str]:
    """The hashes of the content attached to the session with this id."""
    return set(db_session.scalars(select(Attachment.sha256).join(Session, Session.pk == Attachment.session_pk)
                                  .where(Session.id == session_id)))


def attachment_answer(attachment: Attachment, session_id: str) -> dict:
    """An attachment as the API gives it."""
    return {"id": attachment.id, "session_id": session_id, "filename": attachment.filename, "kind": attachment.kind,
            "content_type": attachment.content_type, "size_bytes": attachment.size_bytes,
            "sha256": attachment.sha256, "author": attachment.author, "created_at": iso_utc(attachment.created_at),
            "analysis": attachment.analysis, "analysis_error": attachment.analysis_error}
