"""Every table as CSV: the same URL as its page with .csv on the path, under the same filters and sort."""
from flask import abort

from app.auth import requires
from app.extensions import db
from app.list_params import MachineReportParams, PluginPageParams, SessionPageParams
from app.models import Session
from app.services.events import session_timeline
from app.services.plugins import every_plugin, plugin_columns
from app.services.facets import with_stored_spellings
from app.services.queries import every_session, session_tags
from app.services.sessions import session_detail
from app.timecode import format_position
from app.services.machine_plugins import DRIFT, MISSING, every_affected_session
from app.web import machines, plugins, sessions
from app.web.csv_files import csv_download, csv_response
from app.web.rendering import list_params

SESSION_HEADER = ("id", "name", "artist", "project", "daw", "created_at", "tracks", "plugin_instances",
                  "distinct_plugins", "open_notes", "missing_media_files", "tags", "path", "missing_since")
SESSION_COLUMNS = (Session.pk, Session.id, Session.name, Session.artist, Session.project, Session.daw,
                   Session.created_at, Session.track_count, Session.instance_count, Session.plugin_count,
                   Session.open_note_count, Session.missing_media_count, Session.path, Session.missing_at)


def _session_batches(query):
    for rows in every_session(db.session, query, SESSION_COLUMNS):
        tags = session_tags(db.session, [row.pk for row in rows])
        yield [(*row[1:12], "; ".join(tags.get(row.pk, ())), row.path, row.missing_at) for row in rows]


@sessions.bp.get("/sessions.csv")
@requires("viewer")
def sessions_csv():
    """Every session the list's filters select, in its sort, as CSV (all pages), streamed."""
    params = list_params(SessionPageParams)
    query = with_stored_spellings(db.session, params.session_query())
    return csv_response("sessions.csv", SESSION_HEADER, _session_batches(query))


def _detail(session_id):
    detail = session_detail(db.session, session_id)
    if detail is None:
        abort(404, description=f"No session has id {session_id!r}.")
    return detail


@sessions.bp.get("/sessions/<session_id>/tracks.csv")
@requires("viewer")
def tracks_csv(session_id):
    """A session's tracks with their plugin chains: a row per plugin instance (a track without plugins has one)."""
    rows = []
    for number, entry in enumerate(_detail(session_id)["tracks"], start=1):
        track = entry["track"]
        head = (number, track.name, track.type, track.format, track.state)
        rows.extend((*head, slot, p.name, p.vendor, p.version, p.format, p.preset, p.active)
                    for slot, p in enumerate(entry["plugins"], start=1))
        if not entry["plugins"]:
            rows.append((*head, *[None] * 7))
    return csv_download("tracks.csv", ("track", "track_name", "type", "format", "state", "slot", "plugin", "vendor",
                                       "version", "plugin_format", "preset", "active"), rows)


@sessions.bp.get("/sessions/<session_id>/plugins.csv")
@requires("viewer")
def session_plugins_csv(session_id):
    """A session's plugin usage: instances and tracks per plugin, with its product."""
    return csv_download("plugins.csv", ("product", "product_vendor", "category", "plugin", "vendor", "version",
                                        "format", "plugin_id", "instances", "tracks"),
                        [(p.product, p.product_vendor, p.category, p.name, p.vendor, p.version, p.format, p.id,
                          p.count, p.track_count) for p in _detail(session_id)["usage"]])


@sessions.bp.get("/sessions/<session_id>/events.csv")
@requires("viewer")
def events_csv(session_id):
    """A session's timeline: markers and notes in time order."""
    timeline = session_timeline(db.session, session_id)
    if timeline is None:
        abort(404, description=f"No live session has id {session_id!r}.")
    return csv_download("events.csv", ("position", "t_sec", "end_sec", "kind", "source", "text", "label", "comment",
                                       "track", "status", "author", "created_at", "updated_at", "id"),
                        [(format_position(e.t_sec), e.t_sec, e.end_sec, e.kind, e.source, e.text, e.label, e.comment,
                          e.track, e.status, e.author, e.created_at, e.updated_at, e.id) for e in timeline.events])


@plugins.bp.get("/plugins.csv")
@requires("viewer")
def plugins_csv():
    """Every product (or, with view=exact, every exact plugin) the list's filters select, in its sort, as CSV."""
    query = list_params(PluginPageParams).plugin_query()
    return csv_response("products.csv" if query.products else "plugins.csv", plugin_columns(query),
                        every_plugin(db.session, query))


REPORT_HEADER = ("session_id", "session", "artist", "daw", "created_at", "plugin", "vendor", "version", "format",
                 "plugin_id", "installed_instead")
# Sessions per read of a machine report written as CSV.
REPORT_BATCH = 500


def _report_csv(machine_name, kind):
    query = list_params(MachineReportParams).session_query()
    batches = every_affected_session(db.session, machine_name, kind, query, REPORT_BATCH)
    if batches is None:
        abort(404, description=f"No machine is named {machine_name!r}.")
    return csv_response(f"{kind}.csv", REPORT_HEADER, (
        [(session.session_id, session.name, session.artist, session.daw, session.created_at, plugin.name,
          plugin.vendor, plugin.version, plugin.format, plugin.plugin_id, "; ".join(plugin.instead))
         for session in sessions for plugin in session.plugins] for sessions in batches))


@machines.bp.get("/<machine_name>/missing.csv")
@requires("viewer")
def missing_csv(machine_name):
    """Every session the missing report's filters select, a row per missing plugin, as CSV."""
    return _report_csv(machine_name, MISSING)


@machines.bp.get("/<machine_name>/drift.csv")
@requires("viewer")
def drift_csv(machine_name):
    """Every session the version-drift report's filters select, a row per plugin saved newer, as CSV."""
    return _report_csv(machine_name, DRIFT)


@machines.bp.get("/<machine_name>/unused.csv")
@requires("viewer")
def unused_csv(machine_name):
    """The installed plug-ins no live session uses (since the query's date), as CSV."""
    report = machines.unused_report(machine_name)
    return csv_download("unused.csv", (
        "format", "name", "vendor", "version", "uid", "bundle_id", "path", "identified_by", "last_used"),
        [(use.plugin.format, use.plugin.name, use.plugin.vendor, use.plugin.version, use.plugin.uid,
          use.plugin.bundle_id, use.plugin.path, use.plugin.identified_by, use.last_used) for use in report.plugins])
