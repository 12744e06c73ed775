"""Editing a session's metadata: fields people set by hand, validated, saved at once."""
from datetime import datetime

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from sqlalchemy import delete, func, insert, select, update

from app.models import Credit, Session, Tag
from app.models.types import utc_now
from app.services.derived import live_change
from app.services.session_values import column_values, credit_values, edited_value
from app.wire import Bpm, Credits, LongText, Name, Rating, ShortText, Tags, Timestamp, problem_message


class MetadataChange(BaseModel):
    """The editable fields; only those present in a change are written."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Name | None = None
    artist: ShortText | None = None
    project: ShortText | None = None
    key: ShortText | None = None
    bpm: Bpm | None = None
    notes: LongText | None = None
    tags: Tags | None = None
    credits: Credits | None = None
    is_favorite: bool | None = None
    is_test: bool | None = None
    is_complete: bool | None = None
    rating: Rating | None = None
    template: ShortText | None = None
    started_at: Timestamp | None = None
    ended_at: Timestamp | None = None

    @field_validator("name")
    @classmethod
    def _name_is_required(cls, value):
        if value is None:
            raise ValueError("is required: a session needs a name")
        return value


# The fields that say when the work on a session happened (stored in UTC, kept as ISO text among the file's values
# of edited fields).
TIMING = {"started_at", "ended_at"}
# The fields kept in rows of their own rather than columns of `sessions`.
CHILD_FIELDS = {"tags", "credits"}


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


def _live_session_pk(db_session, session_id: str) -> int | None:
    # Locked on PostgreSQL until the unit of work ends, so that two edits of one session follow each other.
    table = Session.__table__
    return db_session.scalar(select(table.c.pk).where(table.c.id == session_id, table.c.deleted_at.is_(None))
                             .with_for_update())


def update_metadata(db_session, session_id: str, change: MetadataChange) -> bool:
    """Write the fields present in `change` to a live session; False when there is none."""
    pk = _live_session_pk(db_session, session_id)
    if pk is None:
        return False
    if TIMING & change.model_fields_set:
        _check_timing(db_session, pk, change)
    if change.model_fields_set:
        _write(db_session, pk, change)
    return True


def _check_timing(db_session, pk: int, change: MetadataChange) -> None:
    """Refuse a session that would end before it starts (MetadataError)."""
    stored = db_session.execute(select(Session.started_at, Session.ended_at).where(Session.pk == pk)).one()
    started, ended = (getattr(change, name) if name in change.model_fields_set else getattr(stored, name)
                      for name in ("started_at", "ended_at"))
    if started is not None and ended is not None and ended < started:
        raise MetadataError([("ended_at", "must not come before the start") if "ended_at" in change.model_fields_set
                             else ("started_at", "must not come after the end")])


def edit_tags(db_session, session_id: str, add: str | None = None, remove: str | None = None) -> list[str] | None:
    """Add a tag to a live session's tags (at the end) or remove one, as they are now; its tags after, or None
    when there is no such session. MetadataError when the tag is refused."""
    return _edit_list(db_session, session_id, "tags", add, remove)


def edit_credits(db_session, session_id: str, add: dict | None = None, remove: dict | None = None
                 ) -> list | None:
    """Credit a person in a role on a live session (at the end), or take a credit ({name, role}) away, from the
    credits as they are now; its credits after, or None when there is no such session. MetadataError when refused."""
    return _edit_list(db_session, session_id, "credits", add, remove)


def _edit_list(db_session, session_id: str, field: str, add, remove) -> list | None:
    pk = _live_session_pk(db_session, session_id)
    if pk is None:
        return None
    values = _stored_list(db_session, pk, field)
    if add:
        values.append(add)
    if remove in values:
        values.remove(remove)
    change = parse_change({field: values})
    _write(db_session, pk, change)
    return getattr(change, field)


def _stored_list(db_session, pk: int, field: str) -> list:
    """The session's tags (names) or credits ({name, role}) as stored, in order."""
    if field == "tags":
        return list(db_session.scalars(select(Tag.name).where(Tag.session_pk == pk).order_by(Tag.position)))
    return [{"name": name, "role": role} for name, role in db_session.execute(
        select(Credit.name, Credit.role).where(Credit.session_pk == pk).order_by(Credit.position))]


def reset_to_file_value(db_session, session_id: str, field: str) -> bool | None:
    """Give an edited field of a live session its file's value again (and ingests the field again); None when there
    is no such session, False when the field was not edited."""
    pk = _live_session_pk(db_session, session_id)
    if pk is None:
        return None
    table = Session.__table__
    edited = dict(db_session.scalar(select(table.c.edited).where(table.c.pk == pk)) or {})
    if field not in edited:
        return False
    file_value = edited.pop(field)
    values = {"edited": edited or None}
    with live_change(db_session, [pk]):
        if field == "tags":
            _replace_tags(db_session, pk, file_value)
        elif field == "credits":
            _replace_credits(db_session, pk, file_value)
        elif field in TIMING:
            values[field] = datetime.fromisoformat(file_value) if file_value else None
        else:
            values |= column_values({field: file_value})
        db_session.execute(update(table).where(table.c.pk == pk).values(values))
    return True


def _edits_after(db_session, pk: int, change: MetadataChange) -> dict:
    """The session's edited fields with those of `change` added, each first edit keeping the value it replaces."""
    table = Session.__table__
    fields = change.model_fields_set - CHILD_FIELDS
    row = db_session.execute(select(table.c.edited, *(table.c[name] for name in fields))
                             .where(table.c.pk == pk)).one()
    edited = dict(row.edited or {})
    for name in fields:
        edited.setdefault(name, edited_value(row._mapping[name]))
    for name in CHILD_FIELDS & change.model_fields_set - set(edited):
        edited[name] = _stored_list(db_session, pk, name)
    return edited


def _replace_tags(db_session, pk: int, tags: list[str]) -> None:
    db_session.execute(delete(Tag).where(Tag.session_pk == pk))
    if tags:
        db_session.execute(insert(Tag), [{"session_pk": pk, "name": name, "position": position}
                                         for position, name in enumerate(tags)])


def _replace_credits(db_session, pk: int, credits: list[dict]) -> None:
    db_session.execute(delete(Credit).where(Credit.session_pk == pk))
    if credits:
        db_session.execute(insert(Credit), [{"session_pk": pk, "position": position, **credit}
                                            for position, credit in enumerate(credits)])


def _write(db_session, pk: int, change: MetadataChange) -> None:
    now = utc_now()
    values = column_values(change.model_dump(exclude_unset=True, exclude=CHILD_FIELDS))
    table = Session.__table__
    with live_change(db_session, [pk]):
        db_session.execute(update(table).where(table.c.pk == pk).values(
            **values, edited=_edits_after(db_session, pk, change), metadata_updated_at=now,
            metadata_created_at=func.coalesce(table.c.metadata_created_at, now)))
        if "tags" in change.model_fields_set:
            _replace_tags(db_session, pk, change.tags)
        if "credits" in change.model_fields_set:
            _replace_credits(db_session, pk, credit_values(change.credits))
