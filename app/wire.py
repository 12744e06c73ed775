"""The Session Stats JSON wire format as Pydantic models (camelCase on the wire).

Input rules: unknown keys are ignored; types are strict (no "48000" for a number); sizes
are capped so that one payload cannot exhaust the server. `id`, `fingerprint`,
`tracks[].id` and `plugins` may be omitted: the ingest service fills them.
"""
import math
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic.alias_generators import to_camel

MAX_NAME = 1000
MAX_TEXT = 100_000
MAX_TRACKS = 10_000
MAX_PLUGINS_PER_TRACK = 1_000
MAX_PLUGIN_USAGES = 100_000
MAX_TAGS = 500
MAX_TAG = 200
MAX_ATTRIBUTES_DEPTH = 32
MAX_SOURCES = 100
MAX_CREDITS = 500
MAX_ID = 200
# The index is unique on fingerprints, and PostgreSQL indexes at most about 2,700 bytes of a text.
MAX_FINGERPRINT_BYTES = 2600
# Names are indexed too, some joined (a plugin's id is its vendor, name, version and format, lower-cased): in UTF-8,
# lower-cased as well, a name takes at most MAX_NAME_BYTES and a plugin's version or format MAX_DETAIL, so that the
# longest entry fits.
MAX_NAME_BYTES = 1000
MAX_DETAIL = 200
MAX_MARKERS = 10_000
MAX_MEDIA_FILES = 100_000
# The most time a file or a log may say was spent on one session: ten years.
MAX_WORK_SECONDS = 10 * 366 * 24 * 3600
# A position on a session's timeline, in seconds: at most 100 days.
MAX_SECONDS = 100 * 24 * 3600
# The largest value of an SQL INTEGER column (PostgreSQL's is 32 bits).
MAX_COUNT = 2**31 - 1
# PostgreSQL cannot hold a NUL character in text.
NO_NUL = r"^[^\x00]*$"
ISO_DATE_START = re.compile(r"\d{4}-\d{2}-\d{2}")
# A session id goes into URLs as one path segment: letters, digits and - _ . : ~, starting with a letter or digit.
SESSION_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:~-]*$"
# Ids that a session's own URLs already use for something else (/sessions/new).
RESERVED_SESSION_IDS = frozenset({"new", "gone"})
WHITESPACE = re.compile(r"\s+")


def _iso_text(value):
    """A timestamp comes as ISO 8601 text: a number would be read as seconds since 1970."""
    if isinstance(value, datetime) or (isinstance(value, str) and ISO_DATE_START.match(value)):
        return value
    raise ValueError("must be an ISO 8601 date and time, such as 2026-03-01T14:30:00Z")


def _within_utc(moment: datetime) -> datetime:
    """A moment that is still within years 1 to 9999 in UTC, where it is stored."""
    if moment.tzinfo is not None:
        try:
            moment.astimezone(UTC)
        except OverflowError:
            raise ValueError("is outside the years 1 to 9999 in UTC") from None
    return moment


def _not_reserved(session_id: str) -> str:
    if session_id in RESERVED_SESSION_IDS:
        raise ValueError(f"{session_id!r} is reserved: the URLs of the dashboard and the API use it")
    return session_id


def utf8_size(text: str) -> int:
    """How many bytes `text` takes in UTF-8, as given or lower-cased, whichever is more."""
    return max(len(text.encode("utf-8", "surrogatepass")), len(text.lower().encode("utf-8", "surrogatepass")))


def _at_most_bytes(limit: int) -> AfterValidator:
    def check(text: str) -> str:
        # No character takes more than four bytes, lower-cased or not: most names need no encoding.
        if len(text) * 4 > limit and utf8_size(text) > limit:
            raise ValueError(f"must be at most {limit:,} bytes in UTF-8")
        return text
    return AfterValidator(check)


def _single_spaced(value):
    """Text trimmed, each run of whitespace one space."""
    return WHITESPACE.sub(" ", value).strip() if isinstance(value, str) else value


def distinct_tags(tags: list[str] | None) -> list[str] | None:
    """Tags without empties, each once: the first spelling wins over later ones differing only in case."""
    if tags is None:
        return None
    seen, kept = set(), []
    for tag in tags:
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            kept.append(tag)
    return kept


def _finite_json(value, depth: int = 0):
    """Free JSON whose numbers are all finite (JSON has no Infinity or NaN), nested at most MAX_ATTRIBUTES_DEPTH."""
    if depth > MAX_ATTRIBUTES_DEPTH:
        raise ValueError(f"nests deeper than {MAX_ATTRIBUTES_DEPTH} levels")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("holds a number JSON cannot carry (too large, Infinity or NaN)")
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("holds a NUL character")
    if isinstance(value, dict):
        for key, item in value.items():
            _finite_json(key, depth + 1)
            _finite_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _finite_json(item, depth + 1)
    return value


# Validation errors in plain words, by Pydantic's error type; the others keep Pydantic's message.
PLAIN_WORDS = {
    "greater_than": "must be a number above {gt}",
    "greater_than_equal": "must be a number of at least {ge}",
    "less_than": "must be a number below {lt}",
    "less_than_equal": "must be a number of at most {le}",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "finite_number": "must be a finite number",
    "string_too_long": "must be at most {max_length} characters long",
    "too_long": "may have at most {max_length} items",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "missing": "is required",
}


def problem_message(error: dict) -> str:
    """A validation error's message in plain words."""
    context = error.get("ctx", {})
    if error["type"] == "string_pattern_mismatch" and context.get("pattern") == NO_NUL:
        return "must not contain a NUL character"
    if error["type"] == "string_too_short" and context.get("min_length") == 1:
        return "must not be empty"
    if error["type"] == "too_long" and isinstance(error.get("input"), str):
        return PLAIN_WORDS["string_too_long"].format(**context)
    if error["type"] in PLAIN_WORDS:
        limits = {name: int(value) if isinstance(value, float) and value.is_integer() else value
                  for name, value in context.items()}
        return PLAIN_WORDS[error["type"]].format(**limits)
    return error["msg"].removeprefix("Value error, ")


Id = Annotated[str, Field(max_length=MAX_ID, pattern=NO_NUL)]
SessionId = Annotated[str, Field(min_length=1, max_length=MAX_ID, pattern=SESSION_ID), AfterValidator(_not_reserved)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME, pattern=NO_NUL), _at_most_bytes(MAX_NAME_BYTES)]
ShortText = Annotated[str, Field(max_length=MAX_NAME, pattern=NO_NUL), _at_most_bytes(MAX_NAME_BYTES)]
Detail = Annotated[str, Field(max_length=MAX_DETAIL, pattern=NO_NUL), _at_most_bytes(MAX_DETAIL)]
LongText = Annotated[str, Field(max_length=MAX_TEXT, pattern=NO_NUL)]
Fingerprint = Annotated[str, Field(max_length=MAX_FINGERPRINT_BYTES, pattern=NO_NUL),
                        _at_most_bytes(MAX_FINGERPRINT_BYTES)]
Timestamp = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_within_utc), Field(strict=False)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
Bpm = Annotated[float, Field(gt=0, le=10_000, allow_inf_nan=False)]
TagName = Annotated[str, BeforeValidator(_single_spaced), Field(max_length=MAX_TAG, pattern=NO_NUL)]
# A session's tags: each trimmed and single-spaced, at most MAX_TAG characters, at most MAX_TAGS of them, each once
# in any case.
Tags = Annotated[list[TagName], Field(max_length=MAX_TAGS), AfterValidator(distinct_tags)]
Attributes = Annotated[dict[str, Any], AfterValidator(_finite_json)]
SourceType = Literal["protools", "archive", "manual", "import"]
Rating = Literal["like", "dislike", "none"]
Seconds = Annotated[float, Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False)]


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
    version: Detail | None = None
    format: Detail | None = None


class SessionStatsPluginInstance(PluginIdentity):
    """A plugin on a track; `uid` is the id the file gives it (VST3 class id, VST2 number, AU
    type:subtype:manufacturer, CLAP id), which inventories of installed plug-ins carry too."""

    uid: Id | None = None
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

    id: Id | None = None
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


# The roles a person is credited with on a session.
CREDIT_ROLES = ("artist", "featured artist", "producer", "engineer", "mix engineer", "mastering engineer",
                "assistant", "writer", "musician")
CreditRole = Literal[CREDIT_ROLES]


class SessionStatsCredit(WireModel):
    """A person credited on the session, and in which role."""

    name: Annotated[str, BeforeValidator(_single_spaced), Field(min_length=1, max_length=MAX_NAME, pattern=NO_NUL),
                    _at_most_bytes(MAX_NAME_BYTES)]
    role: CreditRole


def _distinct_credits(credits):
    seen = set()
    for credit in credits or ():
        key = (credit.name.casefold(), credit.role)
        if key in seen:
            raise ValueError(f"{credit.name!r} is credited as {credit.role} twice")
        seen.add(key)
    return credits


Credits = Annotated[list[SessionStatsCredit], Field(max_length=MAX_CREDITS), AfterValidator(_distinct_credits)]


class SessionStatsMarker(WireModel):
    """A marker on the session's timeline, in seconds from its start; a region also has `endSec`."""

    name: ShortText
    t_sec: Seconds
    end_sec: Seconds | None = None
    comment: LongText | None = None
    track: ShortText | None = None

    @field_validator("end_sec")
    @classmethod
    def _ends_after_start(cls, end_sec, info):
        if end_sec is not None and "t_sec" in info.data and end_sec < info.data["t_sec"]:
            raise ValueError("endSec cannot come before tSec")
        return end_sec


class SessionStatsMediaFile(WireModel):
    """An audio or video file the session plays, as the session names it (absolute or relative to its folder)."""

    path: Annotated[str, Field(min_length=1, max_length=MAX_TEXT, pattern=NO_NUL)]
    name: ShortText | None = None
    offline: bool | None = None
    # What a scan found where the path leads: whether a file is there, and its size.
    exists: bool | None = None
    size_bytes: Annotated[int, Field(ge=0, le=2**63 - 1)] | None = None


class SessionStatsSession(WireModel):
    """One DAW session with its tracks and plugin usage."""

    id: SessionId | None = None
    fingerprint: Fingerprint | None = None
    name: Name
    artist: ShortText | None = None
    project: ShortText | None = None
    path: LongText | None = None
    created_at: Timestamp | None = None
    updated_at: Timestamp | None = None
    sample_rate: Annotated[int, Field(gt=0, le=10_000_000)] | None = None
    bit_depth: Annotated[int, Field(gt=0, le=256)] | None = None
    bpm: Bpm | None = None
    key: ShortText | None = None
    duration_seconds: Annotated[float, Field(ge=0)] | None = None
    # The time the file says was spent working on it (FL Studio keeps one).
    work_seconds: Annotated[float, Field(ge=0, le=MAX_WORK_SECONDS, allow_inf_nan=False)] | None = None
    notes: LongText | None = None
    tags: Tags | None = None
    credits: Credits | None = None
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
    attributes: Attributes | None = None
    markers: Annotated[list[SessionStatsMarker], Field(max_length=MAX_MARKERS)] | None = None
    media_files: Annotated[list[SessionStatsMediaFile], Field(max_length=MAX_MEDIA_FILES)] | None = None

    @field_validator("path")
    @classmethod
    def _identifies_the_session(cls, path, info: ValidationInfo):
        """Without a fingerprint, the session is known by its path, name and creation time joined, which must fit
        the index of fingerprints."""
        if path is None or info.data.get("fingerprint", "") is not None:  # given (or refused already)
            return path
        # 40: the creation time and the separators.
        if utf8_size(path) + utf8_size(info.data.get("name") or "") + 40 > MAX_FINGERPRINT_BYTES:
            raise ValueError(f"is too long to know the session by (with its name, more than {MAX_FINGERPRINT_BYTES:,}"
                             " bytes in UTF-8): give the session a fingerprint")
        return path

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
