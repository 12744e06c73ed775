"""Sessions summed up for scripts: what each is, its stats and its metadata, a page at a time."""
from sqlalchemy import select

from app.models import Credit, Session
from app.normalize import iso_utc
from app.services.queries import SessionQuery, select_sessions, session_tags
from app.services.stats import session_stats

COLUMNS = (Session.pk, Session.id, Session.path, Session.name, Session.artist, Session.project, Session.created_at,
           Session.is_test, Session.is_complete, Session.is_favorite, Session.rating, Session.notes,
           Session.metadata_created_at, Session.metadata_updated_at, Session.started_at, Session.ended_at,
           Session.worked_seconds, Session.worked_from, Session.template, Session.template_from)
# The liked sessions most recently edited (liked) first.
RECENTLY_LIKED = SessionQuery(liked=True, sort="edited")


def _metadata(row, tags: list[str], credits: list[dict]) -> dict:
    return {
        "is_test": row.is_test, "is_complete": row.is_complete, "is_favorite": row.is_favorite,
        "user_rating": row.rating, "user_note": row.notes, "tags": tags, "credits": credits,
        "created_at": iso_utc(row.metadata_created_at), "updated_at": iso_utc(row.metadata_updated_at),
    }


def session_credits(db_session, session_pks: list[int]) -> dict[int, list[dict]]:
    """The credits ({name, role}) of these sessions in their order, by session pk (those without are left out)."""
    credits = {}
    for session_pk, name, role in db_session.execute(select(Credit.session_pk, Credit.name, Credit.role).where(
            Credit.session_pk.in_(session_pks)).order_by(Credit.session_pk, Credit.position)):
        credits.setdefault(session_pk, []).append({"name": name, "role": role})
    return credits


def _summaries(db_session, rows) -> list[dict]:
    tags = session_tags(db_session, [row.pk for row in rows])
    credits = session_credits(db_session, [row.pk for row in rows])
    stats = session_stats(db_session, {row.pk: row.id for row in rows})
    return [{
        "session_id": row.id, "session_path": row.path, "name": row.name, "artist": row.artist,
        "project": row.project, "created_at": iso_utc(row.created_at), "started_at": iso_utc(row.started_at),
        "ended_at": iso_utc(row.ended_at), "worked_seconds": row.worked_seconds, "worked_from": row.worked_from,
        "template": row.template, "template_from": row.template_from, "stats": stats[row.pk],
        "metadata": _metadata(row, tags.get(row.pk, []), credits.get(row.pk, [])),
    } for row in rows]


def session_summaries(db_session, query: SessionQuery, limit: int, offset: int) -> dict:
    """The sessions `query` selects, `limit` from `offset` in its order, with stats and metadata; and how many match."""
    rows, total = select_sessions(db_session, query, COLUMNS, limit, offset)
    return {"sessions": _summaries(db_session, rows), "total_count": total, "limit": limit, "offset": offset}


def recently_liked(db_session, limit: int, offset: int = 0) -> dict:
    """The liked (favorite) sessions, most recently edited first, as `session_summaries` gives them."""
    return session_summaries(db_session, RECENTLY_LIKED, limit, offset)


def live_session(db_session, session_id: str):
    """The row of the live session with this id (the summary's columns), or None."""
    return db_session.execute(select(*COLUMNS).where(Session.id == session_id, Session.deleted_at.is_(None))
                              ).one_or_none()


def session_metadata(db_session, session_id: str) -> dict | None:
    """A live session's metadata with its id and path; None when there is no such session."""
    row = live_session(db_session, session_id)
    if row is None:
        return None
    tags = session_tags(db_session, [row.pk]).get(row.pk, [])
    credits = session_credits(db_session, [row.pk]).get(row.pk, [])
    return {"session_id": row.id, "session_path": row.path, **_metadata(row, tags, credits)}


def stats_of_session(db_session, session_id: str) -> tuple[bool, dict | None]:
    """Whether a live session has this id, and its stats (None when they cannot be computed)."""
    row = live_session(db_session, session_id)
    if row is None:
        return False, None
    stats = session_stats(db_session, {row.pk: row.id})[row.pk]
    return True, stats and {"session_id": row.id, "session_path": row.path, **stats}
