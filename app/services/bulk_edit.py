"""Changing many sessions at once: a tag added or removed, a flag set or cleared, the trash; and undoing that.

A bulk edit is one statement per kind of row over all the sessions it changes, in the caller's
unit of work, with every derived figure of those sessions updated once. It answers which sessions
it changed, so that undoing it changes those back and no others. Like an edit on a session's page,
it marks the field as edited, so that later ingests keep the value.
"""
from dataclasses import dataclass

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import bindparam, delete, func, insert, select, update

from app.models import Session, Source, Tag
from app.sample_data import SAMPLE_EXTRACTOR
from app.models.types import utc_now
from app.services.bulk import chunked
from app.services.derived import live_change
from app.services.queries import SessionQuery, is_sample, select_sessions, session_tags
from app.wire import TagName, problem_message

# The most sessions one bulk edit changes: its undo record stays a reasonable size.
BULK_MAX = 10_000
# Action → (flag column, value it sets) for the flag actions.
FLAG_ACTIONS = {"favourite": ("is_favorite", True), "unfavourite": ("is_favorite", False),
                "test": ("is_test", True), "not_test": ("is_test", False),
                "complete": ("is_complete", True), "not_complete": ("is_complete", False)}
TAG_ACTIONS = ("add_tag", "remove_tag")
ACTIONS = (*TAG_ACTIONS, *FLAG_ACTIONS, "trash", "restore")
# Each action and the action that undoes it.
INVERSE = {"add_tag": "remove_tag", "remove_tag": "add_tag", "trash": "restore", "restore": "trash",
           "favourite": "unfavourite", "unfavourite": "favourite", "test": "not_test", "not_test": "test",
           "complete": "not_complete", "not_complete": "complete"}


class BulkEditError(ValueError):
    """A bulk edit that cannot be done as asked; nothing was changed."""


@dataclass
class BulkEdit:
    """What a bulk edit did: its action and tag, how many sessions it was given, the ids of those it changed."""

    action: str
    tag: str | None
    selected: int
    changed: list[str]


def sessions_by_id(db_session, ids: list[str], trashed: bool = False) -> list[int]:
    """The pks of the live (or trashed) sessions with these ids; unknown ids are left out."""
    state = Session.deleted_at.is_not(None) if trashed else Session.deleted_at.is_(None)
    pks = []
    for chunk in chunked(list(dict.fromkeys(ids))):
        pks += db_session.scalars(select(Session.pk).where(Session.id.in_(chunk), state)).all()
    return pks


def sessions_matching(db_session, query: SessionQuery) -> list[int]:
    """The pks of the live sessions `query` selects; BulkEditError beyond BULK_MAX."""
    rows, total = select_sessions(db_session, query, [Session.pk], BULK_MAX, 0)
    if total > BULK_MAX:
        raise BulkEditError(f"{total:,} sessions match; one bulk action changes at most {BULK_MAX:,}. "
                            "Narrow the list first.")
    return [row.pk for row in rows]


def bulk_edit(db_session, session_pks: list[int], action: str, tag: str | None = None) -> BulkEdit:
    """Apply `action` (one of ACTIONS; a tag action with `tag`) to these sessions; what it changed."""
    if action not in ACTIONS:
        raise BulkEditError(f"{action!r} is not a bulk action; choose one of {', '.join(ACTIONS)}.")
    if len(session_pks) > BULK_MAX:
        raise BulkEditError(f"One bulk action changes at most {BULK_MAX:,} sessions; {len(session_pks):,} were given.")
    if action in TAG_ACTIONS:
        try:
            tag = TypeAdapter(TagName).validate_python(tag or "")
        except ValidationError as exc:
            raise BulkEditError(f"The tag {problem_message(exc.errors()[0])}.") from None
        if not tag:
            raise BulkEditError("Give the tag to add or remove.")
    else:
        tag = None
    with live_change(db_session, session_pks):
        if action in TAG_ACTIONS:
            changed = _edit_tags(db_session, session_pks, tag, add=action == "add_tag")
        elif action in FLAG_ACTIONS:
            changed = _set_flag(db_session, session_pks, *FLAG_ACTIONS[action])
        else:
            changed = _move(db_session, session_pks, to_trash=action == "trash")
    ids = dict(_ids(db_session, changed))
    return BulkEdit(action, tag, len(session_pks), [ids[pk] for pk in changed])


def undo_bulk_edit(db_session, action: str, tag: str | None, changed_ids: list[str]) -> BulkEdit:
    """Change back the sessions a bulk edit of `action` changed (by their ids); what the undo changed."""
    trashed = action == "trash"
    return bulk_edit(db_session, sessions_by_id(db_session, changed_ids, trashed=trashed), INVERSE[action], tag)


def _ids(db_session, pks):
    for chunk in chunked(pks):
        yield from db_session.execute(select(Session.pk, Session.id).where(Session.pk.in_(chunk))).all()


def _mark_edited(db_session, pks: list[int], field: str, before: dict[int, object]) -> None:
    """Record `field` as edited by hand on these sessions, each keeping the value the first edit replaced."""
    table = Session.__table__
    rows = []
    for chunk in chunked(pks):
        for pk, edited in db_session.execute(select(table.c.pk, table.c.edited).where(table.c.pk.in_(chunk))):
            edited = dict(edited or {})
            if field not in edited:
                edited[field] = before[pk]
                rows.append({"b_pk": pk, "b_edited": edited})
    if rows:
        db_session.execute(update(table).where(table.c.pk == bindparam("b_pk"))
                           .values(edited=bindparam("b_edited")).execution_options(synchronize_session=False), rows)


def _touch(db_session, pks: list[int]) -> None:
    now = utc_now()
    table = Session.__table__
    for chunk in chunked(pks):
        db_session.execute(update(table).where(table.c.pk.in_(chunk)).values(
            metadata_updated_at=now, metadata_created_at=func.coalesce(table.c.metadata_created_at, now)))


def _edit_tags(db_session, pks: list[int], tag: str, add: bool) -> list[int]:
    tags = session_tags(db_session, pks)
    has_it = {pk for pk in pks if tag.casefold() in (name.casefold() for name in tags.get(pk, []))}
    changed = [pk for pk in pks if (pk in has_it) != add]
    if not changed:
        return []
    if add:
        last = {}
        for chunk in chunked(changed):
            last |= dict(db_session.execute(select(Tag.session_pk, func.max(Tag.position))
                                            .where(Tag.session_pk.in_(chunk)).group_by(Tag.session_pk)).all())
        db_session.execute(insert(Tag), [{"session_pk": pk, "name": tag, "position": last.get(pk, -1) + 1}
                                         for pk in changed])
    else:
        for chunk in chunked(changed):
            db_session.execute(delete(Tag).where(Tag.session_pk.in_(chunk), func.lower(Tag.name) == tag.lower()))
    _mark_edited(db_session, changed, "tags", {pk: tags.get(pk, []) for pk in changed})
    _touch(db_session, changed)
    return changed


def _set_flag(db_session, pks: list[int], flag: str, value: bool) -> list[int]:
    table = Session.__table__
    before = {}
    for chunk in chunked(pks):
        before |= dict(db_session.execute(select(table.c.pk, table.c[flag]).where(table.c.pk.in_(chunk))).all())
    changed = [pk for pk in pks if bool(before.get(pk)) != value]
    for chunk in chunked(changed):
        db_session.execute(update(table).where(table.c.pk.in_(chunk)).values({flag: value}))
    _mark_edited(db_session, changed, flag, before)
    _touch(db_session, changed)
    return changed


def _move(db_session, pks: list[int], to_trash: bool) -> list[int]:
    table = Session.__table__
    state = table.c.deleted_at.is_(None) if to_trash else table.c.deleted_at.is_not(None)
    changed = []
    for chunk in chunked(pks):
        changed += db_session.scalars(select(table.c.pk).where(table.c.pk.in_(chunk), state)).all()
    for chunk in chunked(changed):
        db_session.execute(update(table).where(table.c.pk.in_(chunk)).values(deleted_at=utc_now() if to_trash else None))
    return changed


def has_samples(db_session) -> bool:
    """Whether any live session is a sample."""
    return db_session.scalar(select(Source.session_pk).join(Session, Session.pk == Source.session_pk).where(
        Source.extractor == SAMPLE_EXTRACTOR, Session.deleted_at.is_(None)).limit(1)) is not None


def remove_samples(db_session) -> int:
    """Move every live sample session to the trash, in the caller's unit of work; how many moved."""
    pks = db_session.scalars(select(Session.pk).where(Session.deleted_at.is_(None), is_sample())).all()
    with live_change(db_session, pks):
        return len(_move(db_session, pks, to_trash=True))
