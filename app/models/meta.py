"""Key/value facts about the index as a whole, such as lastIngestedAt."""
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db

LAST_INGESTED_AT = "lastIngestedAt"


class Meta(db.Model):
    """One named value."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str | None] = mapped_column(Text)
