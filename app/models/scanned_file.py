"""What the archive scan last saw of each session file, so that a rescan reads only what changed."""
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime

# What became of a file at its last scan.
INDEXED = "indexed"        # read, and its session is in the index
FAILED = "failed"          # could not be read; the error says why
IGNORED = "ignored"        # has a session file's extension but is not one (e.g. a .txt that is not an export)
COMPANION = "companion"    # a text export read together with the Pro Tools session beside it
MISSING = "missing"        # gone from the disk since an earlier scan
FILE_STATUSES = (INDEXED, FAILED, IGNORED, COMPANION, MISSING)


class ScannedFile(db.Model):
    """A session file as the last scan found it: size, modification time, content hash and outcome."""

    __tablename__ = "scanned_files"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    session_pk: Mapped[int | None] = mapped_column(ForeignKey("sessions.pk", ondelete="SET NULL"), index=True)
    extractor: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    job_pk: Mapped[int | None] = mapped_column(ForeignKey("jobs.pk", ondelete="SET NULL"))
