"""Counts over the live sessions that the writers keep current, so that pages read them."""
from sqlalchemy import Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class LiveCount(db.Model):
    """A count over the live sessions, maintained on every write: how many sessions have a facet value.

    Dimensions: artist, daw, tag, vendor, format and product (sessions with that value);
    "total" (values sessions, tracks and instances: the index's totals); "months of "
    followed by a product key (values YYYY-MM: that product's sessions per month); "plugin months of "
    followed by a plugin's pk (the same for one plugin); "daw months
    of " followed by a DAW's name (values YYYY-MM: that DAW's sessions per month); and the work per month
    (app/services/work_time.py): "work seconds of " followed by an activity kind (seconds), "sessions
    worked" and "sessions started".
    """

    __tablename__ = "live_counts"

    dimension: Mapped[str] = mapped_column(Text, primary_key=True)
    value: Mapped[str] = mapped_column(Text, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_live_counts_dimension_count", "dimension", "count"),)
