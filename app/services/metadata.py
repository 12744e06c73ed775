"""Editing a session's metadata: fields people set by hand, validated, saved at once."""
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import delete, func, select, update

from app.models import Session, Tag
from app.models.types import utc_now
from app.services.ingest import column_values
from app.services.rollups import apply_change, counted
from app.services.search import index_sessions
from app.services.stats import forget_stats
from app.wire import LongText, Name, Rating, ShortText, problem_message

MAX_TAGS = 200
# Editable fields that are part of a session's stats: changing one drops the cached stats.
STATS_FIELDS = {"bpm", "key"}


class MetadataChange(BaseModel):
    """The editable fields; only those present in a change are written."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name | None = None
    artist: ShortText | None = None
    project: ShortText | None = None
    key: ShortText | None = None
    bpm: float | None = Field(default=None, gt=0, lt=1000, allow_inf_nan=False)
    notes: LongText | None = None
    tags: list[ShortText] | None = Field(default=None, max_length=MAX_TAGS)
    is_favorite: bool | None = None
    is_test: bool | None = None
    is_complete: bool | None = None
    rating: Rating | None = None

    @field_validator("name")
    @classmethod
    def _name_is_required(cls, value):
        if value is None:
            raise ValueError("a session needs a name")
        return value

    @field_validator("tags")
    @classmethod
    def _distinct_tags(cls, tags):
        seen = []
        for tag in tags or []:
            if tag and tag not in seen:
                seen.append(tag)
        return seen


class MetadataError(ValueError):
    """A refused change: (field, message) for each problem; nothing was saved."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems))
        self.problems = problems


def parse_change(values: dict) -> MetadataChange:
    """Validate a change; MetadataError naming each bad field."""
    try:
        return MetadataChange.model_validate(values)
    except ValidationError as exc:
        raise MetadataError([(".".join(str(p) for p in error["loc"]) or "change", problem_message(error))
                             for error in exc.errors()]) from None


def update_metadata(db_session, session_id: str, change: MetadataChange) -> bool:
    """Write the fields present in `change` to a live session and re-index it; False when there is none."""
    table = Session.__table__
    pk = db_session.scalar(select(table.c.pk).where(table.c.id == session_id, table.c.deleted_at.is_(None)))
    if pk is None:
        return False
    if not change.model_fields_set:
        return True
    before = counted(db_session, [pk])
    now = utc_now()
    values = column_values(change.model_dump(exclude_unset=True, exclude={"tags"}))
    db_session.execute(update(table).where(table.c.pk == pk).values(
        **values, metadata_updated_at=now,
        metadata_created_at=func.coalesce(table.c.metadata_created_at, now)))
    if change.model_fields_set & STATS_FIELDS:
        forget_stats(db_session, [pk])
    if "tags" in change.model_fields_set:
        db_session.execute(delete(Tag).where(Tag.session_pk == pk))
        db_session.add_all(Tag(session_pk=pk, name=name, position=i) for i, name in enumerate(change.tags or []))
    db_session.flush()
    apply_change(db_session, counted(db_session, [pk]).minus(before))
    index_sessions(db_session, [pk])
    db_session.commit()
    return True
