"""Plugin definitions: one row per distinct pluginId."""
from sqlalchemy import ForeignKey, Index, Integer, String
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


class PluginTotal(db.Model):
    """A plugin's use across the live sessions, maintained on every write (the plugins page reads it)."""

    __tablename__ = "plugin_totals"

    plugin_pk: Mapped[int] = mapped_column(ForeignKey("plugins.pk", ondelete="CASCADE"), primary_key=True)
    instances: Mapped[int] = mapped_column(Integer)
    sessions: Mapped[int] = mapped_column(Integer)
    tracks: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_plugin_totals_instances", "instances"),)
