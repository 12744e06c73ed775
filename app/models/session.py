"""A session and what belongs to it: tags, tracks, plugin instances, usage rollup, sources."""
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime

# Child rows are keyed by their parent and position: no surrogate keys, no rowid.
WITHOUT_ROWID = {"sqlite_with_rowid": False}
LIVE = text("deleted_at IS NULL")
TRASHED = text("deleted_at IS NOT NULL")
# How a session's template became known: its file named it, or its opening tracks matched a registered template's.
NAMED_BY_FILE, MATCHED_BY_LAYOUT = "file", "layout"
# The indexes sorted lists are read from differ per database, so migrations make them and autogenerate leaves them
# alone (SORT_INDEXES). On SQLite, the sessions by (figure, deleted_at) for each figure a list sorts by, not partial
# (without statistics, SQLite would walk a partial index of every live session for counts that a small one, missing
# files or open notes, answers), the few live sessions with a missing file, open notes or missing media, and each
# DAW's, by date, and the plugin usage by (plugin_pk, session_created_at). On PostgreSQL, partial indexes of the live
# sessions in each list order, of those few and of each DAW's newest first, and the plugin usage newest first: ties
# on pk and the place of nulls included, which PostgreSQL needs to read a page in order from an index.
SORT_INDEXES = ("ix_sessions_by_", "ix_sessions_sorted_", "ix_sessions_missing", "ix_sessions_open_notes",
                "ix_session_plugins_")


def made_by_models(name, type_, parent_names) -> bool:
    """Alembic's include_name: false for what migrations make by hand, per database (the full-text search tables
    and the sort indexes), which autogenerate must leave alone."""
    return not (type_ == "table" and name.startswith("session_search")
                or type_ == "index" and name.startswith(SORT_INDEXES))


class Session(db.Model):
    """One DAW session or project."""

    __tablename__ = "sessions"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(200), unique=True)
    fingerprint: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(String(1000))
    artist: Mapped[str | None] = mapped_column(String(1000))
    project: Mapped[str | None] = mapped_column(String(1000))
    path: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    bit_depth: Mapped[int | None] = mapped_column(Integer)
    bpm: Mapped[float | None] = mapped_column(Float)
    key: Mapped[str | None] = mapped_column(String(1000))
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)
    daw: Mapped[str | None] = mapped_column(String(1000))
    daw_version: Mapped[str | None] = mapped_column(String(1000))
    template: Mapped[str | None] = mapped_column(String(1000))
    # How the template became known: NAMED_BY_FILE or MATCHED_BY_LAYOUT.
    template_from: Mapped[str | None] = mapped_column(String(20))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_favorite: Mapped[bool] = mapped_column(Boolean, default=False)
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    is_complete: Mapped[bool] = mapped_column(Boolean, default=False)
    rating: Mapped[str | None] = mapped_column(String(20))
    attributes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The fields people edited by hand, each with the value the session's file gave for it last: an ingest writes
    # a file's value here instead of over the edit, until someone asks for the file's value again.
    edited: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when an archive scan no longer finds the session's file; cleared when it is found again.
    missing_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Kept current by the ingest service, so lists sort and sum them without touching child rows.
    track_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    instance_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    plugin_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # What sits on its timeline and beside it, kept current the same way: events per kind ({kind: n}, trashed
    # notes left out), open notes, media files and the missing among them, and attached files.
    event_counts: Mapped[dict[str, int] | None] = mapped_column(JSON(none_as_null=True))
    open_note_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    media_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    missing_media_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    attachment_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The time the session's file says was spent on it (FL Studio keeps one), in seconds.
    work_seconds: Mapped[float | None] = mapped_column(Float)
    # The time worked on it, kept current the same way, and the rule that gave it (WORKED_FROM): its logged
    # activities when it has any, else its end minus its start, else the file's own figure, else none.
    worked_seconds: Mapped[int | None] = mapped_column(Integer)
    worked_from: Mapped[str | None] = mapped_column(String(20))
    # When anything of the session last changed in the index (an ingest, an edit, its timeline, its work log, the
    # trash), set by `live_change`: what a sync asks for with updatedSince.
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The remote source a sync brought it from, and when that source stopped having it (it stays here).
    # (Sources are never deleted, only marked removed.)
    remote_source_pk: Mapped[int | None] = mapped_column(Integer)
    gone_at_source_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When someone first and last edited the session's metadata (flags, rating, note, tags, fields) by hand.
    metadata_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    metadata_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Lists read live sessions only: partial indexes over them hold everything a filter, a sort by
    # date and a count need, without visiting the wide table rows.
    __table_args__ = (
        Index("ix_sessions_created_at", "created_at", sqlite_where=LIVE, postgresql_where=LIVE),
        Index("ix_sessions_artist_created_at", "artist", "created_at", sqlite_where=LIVE, postgresql_where=LIVE),
        Index("ix_sessions_project_created_at", "project", "created_at", sqlite_where=LIVE, postgresql_where=LIVE),
        # A DAW holds many sessions: with other filters (a tag and more; a tag alone has its kept count), the
        # count looks up each of their sessions here (SQLite) or joins them with all of the DAW's (PostgreSQL),
        # without visiting the table. By date, a DAW's sessions are in the sort indexes.
        Index("ix_sessions_daw", "daw", "pk", sqlite_where=LIVE, postgresql_where=LIVE),
        Index("ix_sessions_template", "template", sqlite_where=LIVE, postgresql_where=LIVE),
        Index("ix_sessions_remote_source_pk", "remote_source_pk"),
        Index("ix_sessions_trashed", "deleted_at", sqlite_where=TRASHED, postgresql_where=TRASHED),
        Index("ix_sessions_metadata_updated_at", "metadata_updated_at", sqlite_where=LIVE, postgresql_where=LIVE),
        Index("ix_sessions_changed_at", "changed_at"),
    )


class Tag(db.Model):
    """A tag on a session, kept in the order it was given."""

    __tablename__ = "tags"

    session_pk: Mapped[int] = mapped_column(
        ForeignKey("sessions.pk", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)

    # With its sessions: a tag's are then read, and joined with another filter's, from this index alone.
    __table_args__ = (Index("ix_tags_name", "name", "session_pk"), WITHOUT_ROWID)


class Credit(db.Model):
    """A person credited on a session, in one role, in the order given."""

    __tablename__ = "credits"

    session_pk: Mapped[int] = mapped_column(ForeignKey("sessions.pk", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(1000))
    role: Mapped[str] = mapped_column(String(40))

    __table_args__ = (Index("ix_credits_name", "name"), Index("ix_credits_role", "role"), WITHOUT_ROWID)


class Track(db.Model):
    """A track, ordered within its session."""

    __tablename__ = "tracks"

    session_pk: Mapped[int] = mapped_column(
        ForeignKey("sessions.pk", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(1000))
    type: Mapped[str | None] = mapped_column(String(1000))
    format: Mapped[str | None] = mapped_column(String(1000))
    state: Mapped[str | None] = mapped_column(String(1000))
    notes: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (WITHOUT_ROWID,)


class TrackPlugin(db.Model):
    """A plugin instance on a track, in slot order."""

    __tablename__ = "track_plugins"

    session_pk: Mapped[int] = mapped_column(Integer, primary_key=True)
    track_position: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    plugin_pk: Mapped[int] = mapped_column(ForeignKey("plugins.pk"))
    slot: Mapped[str | None] = mapped_column(String(1000))
    preset: Mapped[str | None] = mapped_column(String(1000))
    active: Mapped[bool | None] = mapped_column(Boolean)
    # The id the file gives the plugin (VST3 class id, VST2 number, AU codes, CLAP id): what inventories match first.
    uid: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        ForeignKeyConstraint(
            ["session_pk", "track_position"],
            ["tracks.session_pk", "tracks.position"],
            ondelete="CASCADE",
        ),
        Index("ix_track_plugins_plugin_pk", "plugin_pk"),
        WITHOUT_ROWID,
    )


class SessionPlugin(db.Model):
    """Per-session plugin usage: instances and the number of tracks they sit on."""

    __tablename__ = "session_plugins"

    session_pk: Mapped[int] = mapped_column(
        ForeignKey("sessions.pk", ondelete="CASCADE"), primary_key=True
    )
    plugin_pk: Mapped[int] = mapped_column(ForeignKey("plugins.pk"), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    track_count: Mapped[int] = mapped_column(Integer)
    # A copy of the session's date, so "sessions using plugin X, newest first" is one index range (SORT_INDEXES).
    session_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (WITHOUT_ROWID,)


class Source(db.Model):
    """Where a session came from."""

    __tablename__ = "sources"

    session_pk: Mapped[int] = mapped_column(
        ForeignKey("sessions.pk", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    path: Mapped[str | None] = mapped_column(Text)
    ingested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    extractor: Mapped[str | None] = mapped_column(String(1000))

    # Finds the sessions one extractor read, such as the samples, without reading every source.
    __table_args__ = (Index("ix_sources_extractor", "extractor"), WITHOUT_ROWID)


class PurgedSession(db.Model):
    """A session deleted for good: syncs asking what went since a moment learn it is gone."""

    __tablename__ = "purged_sessions"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    purged_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_purged_sessions_purged_at", "purged_at"),)


class SessionStatsCache(db.Model):
    """A session's statistics as last computed, kept until the session changes or they are refreshed."""

    __tablename__ = "session_stats"

    session_pk: Mapped[int] = mapped_column(
        ForeignKey("sessions.pk", ondelete="CASCADE"), primary_key=True
    )
    # The computation's version: stats stored by an older one are computed again when read.
    version: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (WITHOUT_ROWID,)
