"""Templates sessions are started from, each with the opening track layout that recognises its sessions."""
from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime

# Where a registered template came from: a file of a templates folder, or an indexed session someone chose.
FROM_FOLDER, FROM_SESSION = "folder", "session"


class Template(db.Model):
    """A registered template: its name (what sessions started from it carry in `template`), the DAW it belongs to,
    where it came from, and its tracks as [name, type] pairs in order. A removed one waits until restored."""

    __tablename__ = "templates"

    pk: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    name: Mapped[str] = mapped_column(String(1000), unique=True)
    daw: Mapped[str | None] = mapped_column(String(1000))
    source: Mapped[str] = mapped_column(String(20))
    path: Mapped[str | None] = mapped_column(Text)
    session_id: Mapped[str | None] = mapped_column(String(200))
    layout: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
