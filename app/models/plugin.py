"""Plugin definitions (one row per distinct pluginId), the products they belong to, and admins' corrections."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utc_now


class Plugin(db.Model):
    """A plugin as a file spells it: vendor, name, version and format; `id` is the pluginId.

    `product_key` is the canonical product it belongs to (see app.catalogue.identity).
    """

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


class PluginUid(db.Model):
    """An id a session file gave a plugin (VST3 class id, VST2 number, AU codes, CLAP id): kept once seen, so that
    matching installed plug-ins by id reads this small table, not every instance."""

    __tablename__ = "plugin_uids"

    plugin_pk: Mapped[int] = mapped_column(ForeignKey("plugins.pk", ondelete="CASCADE"), primary_key=True)
    uid: Mapped[str] = mapped_column(String(200), primary_key=True)


class PluginTotal(db.Model):
    """A plugin's use across the live sessions, maintained on every write (the plugins page reads it)."""

    __tablename__ = "plugin_totals"

    plugin_pk: Mapped[int] = mapped_column(ForeignKey("plugins.pk", ondelete="CASCADE"), primary_key=True)
    instances: Mapped[int] = mapped_column(Integer)
    sessions: Mapped[int] = mapped_column(Integer)
    tracks: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_plugin_totals_instances", "instances"),)


class Product(db.Model):
    """A canonical product: what the plugins of one product_key are, whatever their spelling, version or format."""

    __tablename__ = "products"

    key: Mapped[str] = mapped_column(String(2100), primary_key=True)
    vendor: Mapped[str | None] = mapped_column(String(1000))
    name: Mapped[str] = mapped_column(String(1000))
    category: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (
        Index("ix_products_vendor", "vendor"),
        Index("ix_products_category", "category"),
    )


class ProductCorrection(db.Model):
    """An admin's rule over the normaliser: a product (by key) or one plugin (by pluginId) gets a vendor, a name or
    a category. The newest rule for a match wins; removing it undoes it."""

    __tablename__ = "product_corrections"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_kind: Mapped[str] = mapped_column(String(20))
    match: Mapped[str] = mapped_column(String(4100))
    vendor: Mapped[str | None] = mapped_column(String(1000))
    name: Mapped[str | None] = mapped_column(String(1000))
    category: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    created_by: Mapped[str] = mapped_column(String(200))
