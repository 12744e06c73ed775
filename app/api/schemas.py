"""What the /api/sessions and /api/products routes take and give, as Pydantic models: they validate
requests and describe both directions in the OpenAPI document."""
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StrictBool, WithJsonSchema

from app.services.metadata import MAX_TAGS
from app.services.queries import SessionQuery
from app.services.stats import SessionStats
from app.wire import MAX_NAME, NO_NUL, LongText, TagName

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000_000
QueryText = Annotated[str, Field(max_length=MAX_NAME, pattern=NO_NUL)]
IsoTimestamp = Annotated[str | None, Field(description="ISO 8601 in UTC; null when not known.")]


def _moment(value):
    """A date (a whole day) or a date and time (timezone-aware; UTC when none is given) from ISO 8601 text."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError("must be ISO 8601 text")
    try:
        if "T" not in value and " " not in value:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value)
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):
        raise ValueError("must be an ISO 8601 date (2026-03-01) or date and time (2026-03-01T14:30:00Z)") from None


Moment = Annotated[date | datetime, PlainValidator(_moment), WithJsonSchema(
    {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]})]


class SessionListParams(BaseModel):
    """The query of GET /api/sessions/: filters (all must hold), then the page."""

    model_config = ConfigDict(extra="forbid")

    liked: bool | None = Field(None, description="Only sessions marked (true) or not marked (false) as favorites.")
    test: bool | None = Field(None, description="Only test sessions (true) or only real ones (false).")
    complete: bool | None = Field(None, description="Only sessions marked complete (true) or not (false).")
    plugin: QueryText | None = Field(None, description="Sessions using a plugin whose name (as its file spells it, "
                                                       "or its product's) contains this text, in any case.")
    product: list[QueryText] = Field([], description="Sessions using this product, by its key as /api/products "
                                                     "gives it, or this exact plugin by its pluginId (repeat for "
                                                     "any of several).")
    vendor: list[QueryText] = Field([], description="Sessions using a product of this vendor (exact, as "
                                                    "/api/products names it; repeat for any of several).")
    daw: list[QueryText] = Field([], description="Sessions made in this DAW (exact, as the dashboard shows it; "
                                                 "repeat for any of several).")
    artist: list[QueryText] = Field([], description="Sessions for this artist (exact; repeat for any of several).")
    tag: list[QueryText] = Field([], description="Sessions with this tag (exact; repeat for any of several).")
    q: QueryText | None = Field(None, description="Full-text search: every word, as a word or the start of one, in "
                                                  "the name, artist, project, notes, tags, tracks or plugins.")
    from_date: Moment | None = Field(None, description="Sessions created at or after this date (from its start) "
                                                       "or date and time.")
    to_date: Moment | None = Field(None, description="Sessions created at or before this date (to its end) or "
                                                     "date and time.")
    limit: int = Field(100, ge=1, le=MAX_LIMIT, description="How many sessions to return.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many matching sessions to skip first.")

    def session_query(self) -> SessionQuery:
        """The filters as the sessions query the list runs."""
        return SessionQuery(
            q=self.q or "", artist=tuple(self.artist), daw=tuple(self.daw), tag=tuple(self.tag),
            plugin=tuple(self.product), vendor=tuple(self.vendor), plugin_name=self.plugin or "", favorite=self.liked, test=self.test,
            complete=self.complete, date_from=self.from_date, date_to=self.to_date)


class LikedParams(BaseModel):
    """The query of GET /api/sessions/recent/liked."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(10, ge=1, le=MAX_LIMIT, description="How many sessions to return.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many liked sessions to skip first.")


class MetadataUpdate(BaseModel):
    """A change to a session's metadata: only the fields present change; `tags` replaces the whole list."""

    model_config = ConfigDict(extra="forbid", strict=True)

    is_test: StrictBool = None
    is_complete: StrictBool = None
    is_favorite: StrictBool = None
    user_rating: Literal["like", "dislike"] | None = Field(None, description="null clears the rating.")
    user_note: LongText | None = Field(None, description="null clears the note.")
    tags: Annotated[list[TagName], Field(max_length=MAX_TAGS)] = Field(
        None, description="The session's tags, in order; [] removes them all.")


class SessionMetadata(BaseModel):
    """What people set on a session by hand."""

    is_test: bool
    is_complete: bool
    is_favorite: bool
    user_rating: Literal["like", "dislike"] | None
    user_note: str | None
    tags: list[str]
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


class ProductListParams(BaseModel):
    """The query of GET /api/products: filters (all must hold), then the page."""

    model_config = ConfigDict(extra="forbid")

    q: QueryText | None = Field(None, description="Every word in the product's name, vendor or category, or in a "
                                                  "spelling of one of its plugins (any case).")
    vendor: list[QueryText] = Field([], description="Products of this vendor (exact; repeat for any of several).")
    category: list[QueryText] = Field([], description="Products of this category (exact; repeat for any of several).")
    limit: int = Field(100, ge=1, le=MAX_LIMIT, description="How many products to return, most used first.")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="How many matching products to skip first.")


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
