"""Plugin definitions: one row per distinct pluginId."""
from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class Plugin(db.Model):
    """A plugin as vendor, name, version and format; `id` is the pluginId."""

    __tablename__ = "plugins"

    # An integer surrogate key keeps the large plugin-keyed tables and indexes small.
    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(4100), unique=True)
    product_key: Mapped[str] = mapped_column(String(2100))
    name: Mapped[str] = mapped_column(String(1000))
    vendor: Mapped[str | None] = mapped_column(String(1000))
    version: Mapped[str | None] = mapped_column(String(1000))
    format: Mapped[str | None] = mapped_column(String(1000))

    __table_args__ = (
        Index("ix_plugins_product_key", "product_key"),
        Index("ix_plugins_vendor", "vendor"),
    )
