"""The media files sessions play, across the archive: which are missing, and where."""
from dataclasses import dataclass

from sqlalchemy import func, select

from app.models import LiveCount, MediaFile, Session
from app.services.bulk import page_count
from app.services.rollups import BY_ARTIST, MISSING_MEDIA, kept_total

PAGE_SIZE = 100


@dataclass(frozen=True)
class MissingMediaQuery:
    """Which missing files the report lists: of these artists' sessions (any when none), under this folder."""

    artist: tuple[str, ...] = ()
    folder: str = ""
    page: int = 1


def _missing(db_session, query: MissingMediaQuery):
    statement = (select(Session.id.label("session_id"), Session.name.label("session_name"), Session.artist,
                        Session.project, Session.path.label("session_path"), MediaFile.name, MediaFile.path,
                        MediaFile.offline, MediaFile.exists)
                 .join(Session, Session.pk == MediaFile.session_pk)
                 .where(MediaFile.missing, Session.deleted_at.is_(None)))
    if db_session.get_bind().dialect.name == "postgresql":
        # The kept count says it too, and lets PostgreSQL read the few sessions with missing media in the report's
        # order from their index (SQLite does better from the missing files, without it).
        statement = statement.where(Session.missing_media_count > 0)
    if query.artist:
        statement = statement.where(Session.artist.in_(query.artist))
    if query.folder:
        statement = statement.where(Session.path.startswith(query.folder, autoescape=True))
    return statement.order_by(Session.artist.nulls_last(), Session.name, Session.pk, MediaFile.position)


def missing_media(db_session, query: MissingMediaQuery) -> tuple[list, int, int, int]:
    """A page of the missing files the query selects; how many files and sessions in all; the page count."""
    statement = _missing(db_session, query)
    if query == MissingMediaQuery(page=query.page):
        # Unnarrowed: the files from the counts kept on write, the sessions from the index of those that have some.
        files = kept_total(db_session, MISSING_MEDIA)
        sessions = db_session.scalar(select(func.count()).select_from(Session).where(
            Session.deleted_at.is_(None), Session.missing_media_count > 0))
    else:
        counted = statement.subquery()
        files, sessions = db_session.execute(select(func.count(),
                                                    func.count(func.distinct(counted.c.session_id)))).one()
    pages = page_count(files, PAGE_SIZE)
    rows = db_session.execute(statement.offset((min(query.page, pages) - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return rows, files, sessions, pages


def every_missing_media(db_session, query: MissingMediaQuery, batch: int = 1000):
    """Every missing file the query selects, a batch of rows at a time."""
    yield from db_session.execute(_missing(db_session, query).execution_options(yield_per=batch)).partitions()


def artists_with_missing_media(db_session) -> list[tuple[str, int]]:
    """The artists whose live sessions have missing files, with how many, from the counts kept on write."""
    return db_session.execute(select(LiveCount.value, LiveCount.count)
                              .where(LiveCount.dimension == MISSING_MEDIA + BY_ARTIST)
                              .order_by(LiveCount.count.desc(), LiveCount.value)).all()
