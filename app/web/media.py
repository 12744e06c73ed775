"""Media: the missing-media report, the archive-wide answer to "which sessions lost their audio files"."""
from flask import Blueprint

from app.auth import requires
from app.extensions import db
from app.list_params import MissingMediaParams
from app.services.media import MissingMediaQuery, artists_with_missing_media, every_missing_media, missing_media
from app.web.csv_files import csv_response
from app.web.rendering import list_params, render_page

bp = Blueprint("media", __name__)


def _query() -> MissingMediaQuery:
    params = list_params(MissingMediaParams)
    return MissingMediaQuery(artist=tuple(params.artist), folder=params.folder, page=params.page)


@bp.get("/media/missing")
@requires("viewer")
def missing():
    """The files of live sessions that a scan did not find (or that the session lists offline), by session."""
    query = _query()
    rows, files, sessions, pages = missing_media(db.session, query)
    return render_page("media/missing.html", "results", query=query, rows=rows, files=files, sessions=sessions,
                       pages=pages, page=min(query.page, pages), artists=artists_with_missing_media(db.session))


@bp.get("/media/missing.csv")
@requires("viewer")
def missing_csv():
    """The missing-media report as CSV: every file the filters select, streamed."""
    batches = ([(r.session_id, r.session_name, r.artist, r.project, r.session_path, r.name, r.path,
                 "not found by the last scan" if r.exists is False else "offline in the session") for r in rows]
               for rows in every_missing_media(db.session, _query()))
    return csv_response("missing-media.csv", ("session_id", "session", "artist", "project", "session_path",
                                              "file", "path", "why"), batches)
