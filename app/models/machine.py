"""Studio machines, the plug-ins each has installed as its last inventory said, and how that changed over time."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.types import UTCDateTime

# What a new inventory did to one plug-in of the previous one.
ADDED, REMOVED, UPGRADED, DOWNGRADED = "added", "removed", "upgraded", "downgraded"


class Machine(db.Model):
    """A machine that sent an inventory: its OS, when the inventory was collected and received, and by whom; what
    the collection could not read, as [{path, reason}]."""

    __tablename__ = "machines"

    pk: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    os: Mapped[str | None] = mapped_column(String(1000))
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_from: Mapped[str] = mapped_column(String(200))
    unreadable: Mapped[list] = mapped_column(JSON, default=list)
    plugins: Mapped[list["InstalledPlugin"]] = relationship(back_populates="machine", cascade="all, delete-orphan",
                                                            order_by="InstalledPlugin.pk")


class InstalledPlugin(db.Model):
    """One plug-in a machine has, as its inventory read it."""

    __tablename__ = "installed_plugins"

    pk: Mapped[int] = mapped_column(primary_key=True)
    machine_pk: Mapped[int] = mapped_column(ForeignKey("machines.pk", ondelete="CASCADE"), index=True)
    format: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(1000))
    vendor: Mapped[str | None] = mapped_column(String(1000))
    version: Mapped[str | None] = mapped_column(String(1000))
    uid: Mapped[str | None] = mapped_column(String(200), index=True)
    bundle_id: Mapped[str | None] = mapped_column(String(1000))
    category: Mapped[str | None] = mapped_column(String(1000))
    path: Mapped[str | None] = mapped_column(Text)
    identified_by: Mapped[str] = mapped_column(String(40))
    machine: Mapped[Machine] = relationship(back_populates="plugins")


class MachineChange(db.Model):
    """A plug-in added, removed, upgraded or downgraded on a machine between two of its inventories."""

    __tablename__ = "machine_changes"

    pk: Mapped[int] = mapped_column(primary_key=True)
    machine_pk: Mapped[int] = mapped_column(ForeignKey("machines.pk", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    change: Mapped[str] = mapped_column(String(20))
    format: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(1000))
    vendor: Mapped[str | None] = mapped_column(String(1000))
    from_version: Mapped[str | None] = mapped_column(String(1000))
    to_version: Mapped[str | None] = mapped_column(String(1000))
