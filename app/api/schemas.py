"""What the /api routes take and give, as Pydantic models: they validate requests, build answers and describe both
directions in the OpenAPI document. The timeline's and the analytics' models are in modules of their own."""
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from app.services.stats import SessionStats
from app.services.work_time import WORKED_FROM
from app.wire import Credits, LongText, SessionsPayload, SessionStatsCredit, SessionStatsSession, Tags

IsoTimestamp = Annotated[str | None, Field(description="ISO 8601 in UTC; null when not known.")]
WORKED_SECONDS = "The time worked on the session, in seconds, by the rule worked_from names; null when nothing says."
WORKED_FROM_TEXT = ("Which rule gave worked_seconds: activities (the sum of its logged activities), start_end "
                    "(ended_at - started_at, without activities), file (the time its file says was spent, without "
                    "either); null when none applies.")


class MetadataUpdate(BaseModel):
    """A change to a session's metadata: only the fields present change; `tags` replaces the whole list."""

    model_config = ConfigDict(extra="forbid", strict=True)

    is_test: StrictBool = None
    is_complete: StrictBool = None
    is_favorite: StrictBool = None
    user_rating: Literal["like", "dislike"] | None = Field(None, description="null clears the rating.")
    user_note: LongText | None = Field(None, description="null clears the note.")
    tags: Tags = Field(
        None, description="The session's tags, in order; [] removes them all.")
    credits: Credits = Field(
        None, description="The people credited on the session, in order, each {name, role}; [] removes them all.")


class SessionMetadata(BaseModel):
    """What people set on a session by hand."""

    is_test: bool
    is_complete: bool
    is_favorite: bool
    user_rating: Literal["like", "dislike"] | None
    user_note: str | None
    tags: list[str]
    credits: list[SessionStatsCredit] = Field(description="The people credited on the session, each {name, role}.")
    created_at: IsoTimestamp = Field(description="When the metadata was first edited; null until then.")
    updated_at: IsoTimestamp = Field(description="When the metadata was last edited; null until then.")


class SessionMetadataAnswer(SessionMetadata):
    """A session's metadata with the session it belongs to."""

    session_id: str
    session_path: str | None


class SessionSummary(BaseModel):
    """A session in a list: what it is, its stats and its metadata."""

    session_id: str
    session_path: str | None
    name: str
    artist: str | None
    project: str | None
    created_at: IsoTimestamp
    started_at: IsoTimestamp = Field(description="When work on it started; null when not known.")
    ended_at: IsoTimestamp = Field(description="When work on it ended; null when not known.")
    worked_seconds: int | None = Field(description=WORKED_SECONDS)
    worked_from: Literal[WORKED_FROM] | None = Field(description=WORKED_FROM_TEXT)
    template: str | None = Field(description="The template the session was started from; null when not known.")
    template_from: Literal["file", "layout"] | None = Field(
        description="How the session's file or its tracks gave a template: file (the file names it) or layout (its "
                    "opening tracks match a registered template's); null when they give none. An editor may have "
                    "set another template by hand since.")
    stats: SessionStats | None = Field(description="null when they could not be computed (the server logs why).")
    metadata: SessionMetadata


class SessionList(BaseModel):
    """A page of sessions and how many match in all."""

    sessions: list[SessionSummary]
    total_count: int
    limit: int
    offset: int


class SessionStatsAnswer(SessionStats):
    """A session's stats with the session they belong to."""

    session_id: str
    session_path: str | None


class StatsRefreshAnswer(BaseModel):
    """Stats recomputed on request, and how."""

    session_id: str
    stats: SessionStats | None
    source: Literal["file", "index"] = Field(description="file: the session file was read again first; index: "
                                                         "computed from what the index holds.")
    file_error: str | None = Field(description="Why the session file could not be read again, when it could not.")
    job: int | None = Field(description="The scan job that read the file again.")
    message: str


class RebuildRequest(BaseModel):
    """What POST /api/rollups/rebuild is to do; an empty body rebuilds."""

    model_config = ConfigDict(extra="forbid", strict=True)

    check: StrictBool = Field(False, description="Only report what differs from a recount; change nothing.")


class DriftExample(BaseModel):
    """A row of a derived table that differed from a recount."""

    row: str = Field(description="Which row, in words: \"session 12\", \"plugin 7\", \"artist = Lumen\".")
    kept: Any = Field(description="What the table held.")
    counted: Any = Field(description="What a recount from the rows gives (null: the row should not exist).")


class TableDrift(BaseModel):
    """How many rows of a derived table differed, and the first few."""

    rows: int
    examples: list[DriftExample]


class RebuildAnswer(BaseModel):
    """What a rebuild (or a check) found, table by table, and whether it was repaired."""

    drift: dict[str, TableDrift] = Field(description="Tables whose rows differed from a recount; empty when every "
                                                     "maintained figure was exact.")
    repaired: bool = Field(description="true when the rows that differed were rewritten from the recount.")


class ProductVariant(BaseModel):
    """One plugin of a product, exactly as files spell it, with its use over the live sessions."""

    plugin_id: str
    name: str
    vendor: str | None
    version: str | None
    format: str | None
    instances: int
    sessions: int
    tracks: int


class ProductAnswer(BaseModel):
    """A canonical product with its use over the live sessions (every variant together) and its variants."""

    key: str = Field(description="The product key: lower-cased vendor|product.")
    vendor: str | None
    name: str
    category: str | None
    sessions: int = Field(description="Live sessions using any of its variants (each counted once).")
    instances: int
    tracks: int
    variants: list[ProductVariant]


class ProductList(BaseModel):
    """A page of products and how many match in all."""

    products: list[ProductAnswer]
    total_count: int
    limit: int
    offset: int


class Problem(BaseModel):
    """One problem of a refused request."""

    path: str | int | None = Field(None, description="The parameter or field it concerns.")
    message: str | None = None


class ErrorBody(BaseModel):
    """What went wrong."""

    code: str
    message: str
    details: list[Problem | dict[str, Any]]


class Error(BaseModel):
    """Every error of the API."""

    error: ErrorBody


class IngestSessions(BaseModel):
    """Sessions to add to or update in the index: `{sessions: [...]}`, or one session without a `sessions` key."""

    action: Literal["ingestSessions"]
    payload: SessionsPayload | SessionStatsSession


class ReplaceSessions(BaseModel):
    """The whole index: every live session not in `payload` moves to the trash (admin)."""

    action: Literal["replaceSessions"]
    payload: list[SessionStatsSession]


class IngestSummary(BaseModel):
    """What an ingest did."""

    inserted: int
    updated: int
    trashed: int
    insertedIds: list[str]  # noqa: N815  (wire names are camelCase)
    updatedIds: list[str]  # noqa: N815
    trashedIds: list[str]  # noqa: N815
    lastIngestedAt: str | None  # noqa: N815


class WireSessionPage(BaseModel):
    """Live sessions in the wire format, a page at a time."""

    sessions: list[SessionStatsSession]
    lastIngestedAt: str | None = None  # noqa: N815
    nextCursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")  # noqa: N815
    servedAt: str = Field(  # noqa: N815
        description="A moment shortly before this page was read: every change made before it is in the answer. "
                    "Pass the first page's as updatedSince next time to get only what changed since.")


class GoneSession(BaseModel):
    """A session that left the live index."""

    id: str
    goneAt: str | None = Field(description="When it went to the trash or was deleted for good.")  # noqa: N815
    reason: Literal["trashed", "purged"]


class GoneSessionPage(BaseModel):
    """Sessions that went to the trash or were deleted for good, by id, a page at a time."""

    gone: list[GoneSession]
    nextCursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")  # noqa: N815
    servedAt: str = Field(  # noqa: N815
        description="A moment shortly before this page was read: pass the first page's as updatedSince next time.")


class SyncQueued(BaseModel):
    """What a source's webhook did."""

    queued: int | None = Field(description="The sync job queued (or already queued); null when the source is paused.")
    message: str


class Trashed(BaseModel):
    """A session moved to the trash."""

    trashed: str


class Purged(BaseModel):
    """A session deleted for good."""

    purged: str


REF = "#/components/schemas/{model}"
INGEST_REQUEST = {"oneOf": [{"$ref": REF.format(model=m.__name__)} for m in (IngestSessions, ReplaceSessions)],
                  "discriminator": {"propertyName": "action", "mapping": {
                      "ingestSessions": REF.format(model=IngestSessions.__name__),
                      "replaceSessions": REF.format(model=ReplaceSessions.__name__)}}}
