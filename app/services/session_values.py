"""How a session's wire fields are stored: as columns of `sessions`, and in the record of people's edits."""
from datetime import datetime

from app.wire import SessionStatsSession

# Wire fields stored as columns of `sessions` (same names, snake_case).
SESSION_COLUMNS = (
    "name", "artist", "project", "path", "created_at", "updated_at", "sample_rate",
    "bit_depth", "bpm", "key", "duration_seconds", "notes", "daw", "daw_version",
    "template", "started_at", "ended_at", "is_favorite", "is_test", "is_complete",
    "rating", "attributes", "work_seconds",
)
FLAG_COLUMNS = ("is_favorite", "is_test", "is_complete")


def column_values(values: dict) -> dict:
    """Session field values as their columns store them: rating "none" is no rating, a null flag is off."""
    if values.get("rating") == "none":
        values["rating"] = None
    for flag in FLAG_COLUMNS:
        if flag in values and values[flag] is None:
            values[flag] = False
    return values


def session_values(session: SessionStatsSession) -> dict:
    """The columns of `sessions` the wire session gives, as they store them."""
    return column_values(
        {column: getattr(session, column) for column in SESSION_COLUMNS if column in session.model_fields_set})


def edited_value(value):
    """A field's value as the record of edits keeps it (JSON): a moment as ISO 8601 text."""
    return value.isoformat() if isinstance(value, datetime) else value


def keeping_edits(values: dict, edited: dict, session) -> dict:
    """`values` without the fields people edited: what the payload gives for those is kept as their file's value."""
    kept = dict(edited)
    for name in edited:
        if name in values:
            kept[name] = edited_value(values.pop(name))
        elif name == "tags" and "tags" in session.model_fields_set:
            kept[name] = session.tags or []
        elif name == "credits" and "credits" in session.model_fields_set:
            kept[name] = credit_values(session.credits)
    if kept != edited:
        values["edited"] = kept
    return values


def credit_values(credits) -> list[dict]:
    """Credits as the record of edits keeps them: [{name, role}]."""
    return [{"name": credit.name, "role": credit.role} for credit in credits or ()]
