"""The parameters of each list, shared by the page and the API that show it: one name, one rule and one limit for
each, whichever of the two is asked."""
import base64
import binascii
import json
from datetime import UTC, date, datetime, time
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from app.params import (Moment, PageNumber, QueryText, RowNumber, SearchText, Texts, Whole, WholeNumbers, YesOrNo,
                        whole_number)
from app.services.plugins import PLUGIN_SORTS, PluginQuery
from app.services.queries import FACETS, PAGE_SIZE, PAGE_SIZES, SORTS, SessionQuery
from app.wire import CREDIT_ROLES, MAX_COUNT, MAX_ID, MAX_TRACKS

API_MAX_LIMIT = 500
WIRE_MAX_LIMIT = 1000
MAX_OFFSET = 1_000_000_000
# The sessions list's columns besides the name, and those it shows unless asked otherwise.
SESSION_COLUMNS = (
    "artist", "project", "daw", "date", "tracks", "instances", "plugins", "tags", "open_notes", "missing_media", "started",
    "worked", "path")
DEFAULT_COLUMNS = SESSION_COLUMNS[:-5]
# Sorts that list the largest or newest first unless asked otherwise.
DESCENDING_FIRST = ("date", "tracks", "instances", "plugins", "open_notes", "missing_media", "started", "worked",
                    "favorite")


def moment(value: date | datetime | None) -> datetime | None:
    """A date or moment as a moment: a date from its start, UTC."""
    return datetime.combine(value, time(), UTC) if type(value) is date else value


class Params(BaseModel):
    """A query: parameters no list knows are refused, so that a misspelt filter does not silently show everything."""

    model_config = ConfigDict(extra="forbid")


class SessionFilters(Params):
    """Which sessions a list shows: every filter given must hold."""

    q: SearchText = Field("", description="Full-text search: every word, as a word or the start of one, in the name, "
                                          "artist, project, notes, tags, tracks or plugins, or in the vendor, name or "
                                          "category of a product the session uses.")
    artist: Texts = Field([], description="Sessions for this artist (any case; repeat for any of several).")
    project: Texts = Field([], description="Sessions of this project (exact; repeat for any of several).")
    daw: Texts = Field([], description="Sessions made in this DAW (as the dashboard shows it, in any case; repeat "
                                       "for any of several).")
    tag: Texts = Field([], description="Sessions with this tag (any case; repeat for any of several).")
    template: Texts = Field([], description="Sessions started from this template, named by their file or recognised "
                                            "by their tracks (any case; repeat for any of several).")
    person: Texts = Field([], description="Sessions crediting this person (any case; repeat for any of several).")
    role: Texts = Field([], description="Sessions crediting someone in this role: artist, featured artist, producer, "
                                        "engineer, mix engineer, mastering engineer, assistant, writer or musician "
                                        "(repeat for any of several).")
    product: Texts = Field([], description="Sessions using this product, by its key as /api/products gives it, or "
                                           "this exact plugin by its pluginId (repeat for any of several).")
    plugin: QueryText = Field("", description="Sessions using a plugin whose name (as its file spells it, or its "
                                              "product's) contains this text, in any case.")
    vendor: Texts = Field([], description="Sessions using a product of this vendor (as /api/products names it, in "
                                          "any case; repeat for any of several).")
    format: Texts = Field([], description="Sessions using a plugin of this format (AAX Native, VST3, AU …, any case; "
                                          "repeat for any of several).")
    sample_rate: WholeNumbers = Field([], description="Sessions at this sample rate in Hz (repeat for any of several).")
    liked: YesOrNo | None = Field(None, description="Only sessions marked (true) or not marked (false) as favourites: "
                                                    "the favourite star, whatever the session's rating.")
    test: YesOrNo | None = Field(None, description="Only test sessions (true) or only real ones (false).")
    missing: YesOrNo | None = Field(None, description="Only sessions whose file the last archive scan did not find "
                                                      "(true), or only those it found or never looked for (false).")
    complete: YesOrNo | None = Field(None, description="Only sessions marked complete (true) or not (false).")
    source: QueryText = Field("", description="Only the sessions a sync brought from this remote source (its name).")
    gone_at_source: YesOrNo | None = Field(None, description="Only sessions a sync brought that their source trashed "
                                                             "or deleted since (true), or only the others (false).")
    has_open_notes: YesOrNo | None = Field(None, description="Only sessions with open timed notes (true), or only "
                                                             "those without (false).")
    has_missing_media: YesOrNo | None = Field(None, description="Only sessions with a media file that is missing "
                                                                "(true), or only those without (false).")
    from_date: Moment | None = Field(None, description="Sessions created at or after this date (from its start) or "
                                                       "date and time.")
    to_date: Moment | None = Field(None, description="Sessions created at or before this date (to its end) or date "
                                                     "and time.")
    started_from: Moment | None = Field(None, description="Sessions whose work started at or after this date (from "
                                                          "its start, UTC) or date and time.")
    started_to: Moment | None = Field(None, description="Sessions whose work started at or before this date (to its "
                                                        "end, UTC) or date and time.")
    job: RowNumber | None = Field(None, description="The sessions one job added, changed or found missing: an "
                                                    "archive scan, or a sync of a remote source.")

    @field_validator("to_date", "started_to")
    @classmethod
    def _dates_in_order(cls, end, info):
        start = info.data.get({"to_date": "from_date", "started_to": "started_from"}[info.field_name])
        if start and end and type(start) is type(end) and start > end:
            raise ValueError(f"must not be before {'from_date' if info.field_name == 'to_date' else 'started_from'}")
        return end

    def session_query(self, **list_state) -> SessionQuery:
        """The filters as the sessions query that a list runs."""
        filters = {name: tuple(value) if isinstance(value, list) else value
                   for name, value in self.model_dump(include=set(SessionFilters.model_fields)).items()}
        return SessionQuery(**filters, **list_state)


class SessionPageParams(SessionFilters):
    """The sessions page: its filters, then the sort and the page."""

    sort: Literal[tuple(SORTS)] = "date"
    dir: Literal["asc", "desc"] | None = None
    page: PageNumber = 1
    size: Literal[PAGE_SIZES] = Field(PAGE_SIZE, description="Sessions per page.")
    cols: Annotated[list[Literal[SESSION_COLUMNS]], Field(max_length=len(SESSION_COLUMNS))] = Field(
        [], description="The columns to show besides the name (repeat for each), in the list's order; all but the "
                        "path when not given.")
    expand: Literal[FACETS] | None = None

    @field_validator("size", mode="before")
    @classmethod
    def _size_in_digits(cls, size):
        return whole_number(size)

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns shown besides the name, in the list's order."""
        return tuple(name for name in SESSION_COLUMNS if name in self.cols) if self.cols else DEFAULT_COLUMNS

    def session_query(self) -> SessionQuery:
        """The filters, sort and page as the sessions query."""
        descending = self.dir == "desc" if self.dir else self.sort in DESCENDING_FIRST
        return super().session_query(sort=self.sort, descending=descending, page=self.page, page_size=self.size)


class ApiPage(Params):
    """A page of an API list: how many items, after skipping how many."""

    limit: Whole = Field(100, ge=1, le=API_MAX_LIMIT, description="How many items to return.")
    offset: Whole = Field(0, ge=0, le=MAX_OFFSET, description="How many matching items to skip first.")


class SessionListParams(ApiPage, SessionFilters):
    """The query of GET /api/sessions/: filters (all must hold), then the page."""


class MachineReportParams(ApiPage, SessionFilters):
    """The query of a machine's missing-plugin and version-drift reports: the sessions list's filters (all must
    hold), then the page."""

    limit: Whole = Field(50, ge=1, le=API_MAX_LIMIT, description="How many sessions to return.")


class UnusedParams(Params):
    """The query of a machine's unused-plug-in report."""

    since: Moment | None = Field(None, description="Also list the plug-ins no live session dated at or after this "
                                                   "moment (a date from its start, UTC) uses.")

    @property
    def since_moment(self) -> datetime | None:
        """since as a moment (a date from its start, UTC)."""
        return moment(self.since)


class LikedParams(ApiPage):
    """The query of GET /api/sessions/recent/liked."""

    limit: Whole = Field(10, ge=1, le=API_MAX_LIMIT, description="How many sessions to return.")


class ProductFilters(Params):
    """Which products (or exact plugins) a list shows."""

    q: SearchText = Field("", description="Every word in the product's name, vendor or category, or in a spelling "
                                          "of one of its plugins (any case).")
    vendor: Texts = Field([], description="Products of this vendor (exact; repeat for any of several).")
    category: Texts = Field([], description="Products of this category (exact; repeat for any of several).")


class PluginPageParams(ProductFilters):
    """The plugins page: products or exact plugins, filtered, sorted and paged."""

    view: Literal["product", "exact"] = "product"
    format: Texts = []
    sort: Literal[tuple(PLUGIN_SORTS)] = "instances"
    dir: Literal["asc", "desc"] | None = None
    page: PageNumber = 1
    expand: Literal["vendor", "category", "format"] | None = None

    def plugin_query(self) -> PluginQuery:
        """The page's state as the plugins query."""
        descending = self.dir == "desc" if self.dir else self.sort not in ("name", "vendor", "category")
        return PluginQuery(products=self.view == "product", q=self.q, vendor=tuple(self.vendor),
                           format=tuple(self.format), category=tuple(self.category), sort=self.sort,
                           descending=descending, page=self.page)


class ProductListParams(ApiPage, ProductFilters):
    """The query of GET /api/products: filters (all must hold), then the page."""


class PageParams(Params):
    """A page of a list that has no filters."""

    page: PageNumber = 1


class MonthsParams(Params):
    """A page with a chart of months: the years it covers (`csv=months` answers the chart's numbers as CSV)."""

    range: Literal["1y", "3y", "10y", "all"] = "all"
    csv: Literal["months"] | None = None


class OverviewParams(MonthsParams):
    """The overview: its chart of months, and `csv=products` for the top products as CSV."""

    csv: Literal["months", "products"] | None = None


class UsagePageParams(MonthsParams, PageParams):
    """A plugin's or product's page: its sessions a page at a time, and the years its chart of months covers."""


class TrackRowParams(Params):
    """The manual entry form's next track row."""

    index: Annotated[Whole, Field(ge=0, lt=MAX_TRACKS)] = 0


class PeopleParams(PageParams):
    """The people page: everyone credited, or those credited in one role."""

    role: Literal[CREDIT_ROLES] | None = Field(None, description="Only people credited in this role.")


class AuditParams(PageParams):
    """The audit log: one action's entries, or all."""

    action: QueryText = ""


def encode_cursor(after: int | str) -> str:
    """An opaque continuation token of a list read in order: the pk (or id) it continues after."""
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode().rstrip("=")


def _cursor_value(cursor: str):
    try:
        return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))["after"]
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise ValueError("not a cursor from this API") from exc


def decode_cursor(cursor: str) -> int:
    """The pk a cursor continues after; ValueError when it is not one of ours."""
    after = _cursor_value(cursor)
    if type(after) is not int or not 0 <= after <= MAX_COUNT:
        raise ValueError("not a cursor from this API")
    return after


def decode_id_cursor(cursor: str) -> str:
    """The session id a cursor of the gone sessions continues after; ValueError when it is not one of ours."""
    after = _cursor_value(cursor)
    if type(after) is not str or len(after) > MAX_ID:
        raise ValueError("not a cursor from this API")
    return after


class WireListParams(Params):
    """The query of GET /api/session-stats: a page of sessions in the wire format."""

    limit: Whole = Field(100, ge=1, le=WIRE_MAX_LIMIT, description="How many sessions to return.")
    cursor: Annotated[QueryText, AfterValidator(decode_cursor)] | None = Field(
        None, description="The nextCursor of the page before.")
    updatedSince: Moment | None = Field(  # noqa: N815
        None, description="Only the sessions that changed in this index at or after this moment (a date from its "
                          "start, UTC): ingested again, edited, their timeline or work log changed, restored. Give "
                          "the answer's servedAt of the sync before to get only what changed since.")

    artist: QueryText = Field("", description="Only this artist's sessions.")
    tag: QueryText = Field("", description="Only sessions with this tag.")
    daw: QueryText = Field("", description="Only sessions of this DAW.")

    @property
    def changed_since(self) -> datetime | None:
        """updatedSince as a moment (a date from its start, UTC)."""
        return moment(self.updatedSince)

    @property
    def narrowing(self) -> dict[str, str]:
        """The artist, tag and DAW asked for, by name."""
        return {name: value for name in ("artist", "tag", "daw") if (value := getattr(self, name))}


class GoneListParams(Params):
    """The query of GET /api/session-stats/gone: the sessions that went to the trash or were deleted for good."""

    limit: Whole = Field(1000, ge=1, le=WIRE_MAX_LIMIT * 10, description="How many ids to return.")
    cursor: Annotated[QueryText, AfterValidator(decode_id_cursor)] | None = Field(
        None, description="The nextCursor of the page before.")
    updatedSince: Moment | None = Field(  # noqa: N815
        None, description="Only the sessions that went at or after this moment (a date from its start, UTC).")

    changed_since = WireListParams.changed_since


class MissingMediaParams(Params):
    """The missing-media report: the files of live sessions that are missing, for some artists or under a folder."""

    artist: Texts = Field([], description="Sessions for this artist (repeat for any of several).")
    folder: QueryText = Field("", description="Sessions whose file is under this folder (the start of its path).")
    page: PageNumber = 1
