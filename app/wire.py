"""The Session Stats JSON wire format as Pydantic models (camelCase on the wire).

Input rules: unknown keys are ignored; types are strict (no "48000" for a number); sizes
are capped so that one payload cannot exhaust the server. `id`, `fingerprint`,
`tracks[].id` and `plugins` may be omitted: the ingest service fills them.
"""
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

MAX_NAME = 1000
MAX_TEXT = 100_000
MAX_TRACKS = 10_000
MAX_PLUGINS_PER_TRACK = 1_000
MAX_PLUGIN_USAGES = 100_000
MAX_TAGS = 500
MAX_TAG = 200
MAX_SOURCES = 100

Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
ShortText = Annotated[str, Field(max_length=MAX_NAME)]
LongText = Annotated[str, Field(max_length=MAX_TEXT)]
Timestamp = Annotated[datetime, Field(strict=False)]
Count = Annotated[int, Field(ge=0)]
SourceType = Literal["protools", "archive", "manual", "import"]
Rating = Literal["like", "dislike", "none"]


class WireModel(BaseModel):
    """Base of every wire type: camelCase aliases, strict types, unknown keys ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        strict=True,
        extra="ignore",
        allow_inf_nan=False,
    )


class PluginIdentity(WireModel):
    """What names a plugin: the pluginId, or vendor, name, version and format to derive it."""

    plugin_id: ShortText | None = None
    name: Name
    vendor: ShortText | None = None
    version: ShortText | None = None
    format: ShortText | None = None


class SessionStatsPluginInstance(PluginIdentity):
    """A plugin on a track."""

    slot: ShortText | None = None
    preset: ShortText | None = None
    active: bool | None = None


class SessionStatsPluginUsage(PluginIdentity):
    """How often one plugin is used in a session."""

    count: Count
    track_count: Count

    @field_validator("track_count")
    @classmethod
    def _tracks_within_instances(cls, track_count, info):
        if "count" in info.data and track_count > info.data["count"]:
            raise ValueError("trackCount cannot exceed count (instances)")
        return track_count


class SessionStatsTrack(WireModel):
    """A track of a session."""

    id: ShortText | None = None
    name: Name
    type: ShortText | None = None
    format: ShortText | None = None
    state: ShortText | None = None
    plugins: Annotated[list[SessionStatsPluginInstance], Field(max_length=MAX_PLUGINS_PER_TRACK)] | None = None
    notes: LongText | None = None


class SessionStatsSessionSource(WireModel):
    """Where a session came from."""

    type: SourceType
    path: LongText | None = None
    ingested_at: Timestamp | None = None
    extractor: ShortText | None = None


class SessionStatsSession(WireModel):
    """One DAW session with its tracks and plugin usage."""

    id: ShortText | None = None
    fingerprint: LongText | None = None
    name: Name
    artist: ShortText | None = None
    project: ShortText | None = None
    path: LongText | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    sample_rate: Annotated[int, Field(gt=0, le=10_000_000)] | None = None
    bit_depth: Annotated[int, Field(gt=0, le=256)] | None = None
    bpm: Annotated[float, Field(gt=0, le=10_000)] | None = None
    key: ShortText | None = None
    duration_seconds: Annotated[float, Field(ge=0)] | None = None
    notes: LongText | None = None
    tags: Annotated[list[Annotated[str, Field(max_length=MAX_TAG)]], Field(max_length=MAX_TAGS)] | None = None
    tracks: Annotated[list[SessionStatsTrack], Field(max_length=MAX_TRACKS)] | None = None
    plugins: Annotated[list[SessionStatsPluginUsage], Field(max_length=MAX_PLUGIN_USAGES)] | None = None
    sources: Annotated[list[SessionStatsSessionSource], Field(max_length=MAX_SOURCES)] | None = None
    daw: ShortText | None = None
    daw_version: ShortText | None = None
    template: ShortText | None = None
    started_at: Timestamp | None = None
    ended_at: Timestamp | None = None
    is_favorite: bool | None = None
    is_test: bool | None = None
    is_complete: bool | None = None
    rating: Rating | None = None
    attributes: dict[str, Any] | None = None

    @field_validator("tracks")
    @classmethod
    def _unique_track_ids(cls, tracks):
        seen = set()
        for track in tracks or ():
            if track.id is not None:
                if track.id in seen:
                    raise ValueError(f"track id {track.id!r} appears twice")
                seen.add(track.id)
        return tracks


class SessionStatsData(WireModel):
    """A whole index: its sessions and when it was last ingested."""

    sessions: list[SessionStatsSession]
    last_ingested_at: Timestamp | None = None


class SessionsPayload(WireModel):
    """The `{sessions: [...]}` form of an ingestSessions payload."""

    sessions: list[SessionStatsSession]
