"""Ingest: upsert sessions by fingerprint, set-based, within the caller's unit of work."""
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from app import metrics
from app.gc_pause import gc_paused
from app.models import (Credit, Event, MediaFile, Meta, Plugin, PluginUid, Session, SessionPlugin, Source, Tag, Track,
                        TrackPlugin)
from app.models.meta import LAST_INGESTED_AT
from app.models.session import MATCHED_BY_LAYOUT, NAMED_BY_FILE
from app.models.timeline import FILE_SOURCE, MARKER
from app.models.types import utc_now
from app.normalize import derive_plugin_usage, fingerprint, instance_plugin_id, iso_utc, track_plugin_ids
from app.services import templates
from app.services.bulk import chunked, delete_children, dialect_insert, insert_rows
from app.services.derived import live_change
from app.services.identities import add_products, plugin_identity, stored_corrections
from app.services.session_values import FLAG_COLUMNS, SESSION_COLUMNS, keeping_edits, session_values
from app.wire import SessionStatsSession


class IngestError(Exception):
    """A payload the index cannot take; nothing was changed.

    `problems` holds (session index, field path inside that session, message).
    """

    def __init__(self, status: int, message: str, problems: list[tuple[int, str, str]]):
        super().__init__(message)
        self.status = status
        self.message = message
        self.problems = problems


@dataclass
class IngestResult:
    """What an ingest did, by session id."""

    inserted: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    trashed: list[str] = field(default_factory=list)
    last_ingested_at: datetime | None = None

    def counts(self) -> dict:
        """How many sessions were inserted, updated and trashed."""
        return {"inserted": len(self.inserted), "updated": len(self.updated), "trashed": len(self.trashed)}

    def summary(self) -> dict:
        """The answer to an ingest request: counts and ids per outcome, and lastIngestedAt."""
        return {
            **self.counts(),
            "insertedIds": self.inserted, "updatedIds": self.updated, "trashedIds": self.trashed,
            "lastIngestedAt": iso_utc(self.last_ingested_at),
        }


def ingest_sessions(
    db_session, sessions: list[SessionStatsSession], *, replace: bool = False, ingested_at: datetime | None = None,
) -> IngestResult:
    """Upsert `sessions`; with `replace`, move every other live session to the trash.

    Absent fields keep their stored values; present `tracks` replace tracks and instances;
    `plugins` given are kept, otherwise derived from the tracks. `ingested_at` (now by
    default) becomes lastIngestedAt. Runs within the caller's unit of work; IngestError
    (and nothing written) for a payload the index cannot take.
    """
    try:
        with gc_paused():
            result = _ingest(db_session, sessions, replace, ingested_at or utc_now())
    except IntegrityError as exc:
        raise IngestError(409, "Another ingest wrote the same sessions at the same moment; nothing was "
                               "changed, send the request again.", []) from exc
    metrics.INGESTED.labels("inserted").inc(len(result.inserted))
    metrics.INGESTED.labels("updated").inc(len(result.updated))
    return result


def _ingest(db_session, sessions, replace, now):
    # Ingests wait for each other here, on PostgreSQL too, before they read what is stored.
    _set_meta(db_session, LAST_INGESTED_AT, iso_utc(now))

    fingerprints = [fingerprint(s) for s in sessions]
    _refuse_duplicates(fingerprints, "fingerprint", "fingerprint")
    _refuse_duplicates([s.id for s in sessions], "id", "id")
    stored = _stored_sessions(db_session, fingerprints)
    _refuse_id_conflicts(db_session, sessions, fingerprints, stored)
    recognised = _recognised_templates(db_session, sessions, stored, fingerprints)
    sessions = [s.model_copy(update={"template": recognised[i]}) if i in recognised else s
                for i, s in enumerate(sessions)]
    # Each instance's pluginId, worked out once: the rollup, the plugin rows and the instance rows need it.
    instance_ids = [track_plugin_ids(s.tracks or ()) for s in sessions]
    usages = [_usage(index, s, ids) for index, (s, ids) in enumerate(zip(sessions, instance_ids))]
    plugin_pks = _plugin_pks(db_session, sessions, instance_ids, usages)

    result = IngestResult(last_ingested_at=now)
    with live_change(db_session, [row.pk for row in stored.values()]) as change:
        pks, created = _upsert_sessions(db_session, sessions, fingerprints, stored, recognised, result)
        stored_pks = {row.pk for row in stored.values()}
        change.created(pk for pk in pks.values() if pk not in stored_pks)
        _write_children(db_session, sessions, instance_ids, usages, plugin_pks, stored, fingerprints, pks, created)
        _write_timeline(db_session, sessions, stored, pks, now)
        if replace:
            doomed = _live_sessions_except(db_session, set(pks.values()))
            change.touching([row.pk for row in doomed])
            _move_to_trash(db_session, [row.pk for row in doomed], now)
            result.trashed = [row.id for row in doomed]
    return result


def _write_children(db_session, sessions, instance_ids, usages, plugin_pks, stored, fingerprints, pks, created):
    """Replace the tags, credits, tracks, usage and sources each session of the payload gives."""
    with_tags = [i for i, s in enumerate(sessions) if "tags" in s.model_fields_set
                 and "tags" not in _stored_edits(stored, fingerprints[i])]
    with_credits = [i for i, s in enumerate(sessions) if "credits" in s.model_fields_set
                    and "credits" not in _stored_edits(stored, fingerprints[i])]
    with_tracks = [i for i, s in enumerate(sessions) if "tracks" in s.model_fields_set]
    with_usage = [i for i, u in enumerate(usages) if u is not None]
    with_sources = [i for i, s in enumerate(sessions) if "sources" in s.model_fields_set]
    stored_pks = {row.pk for row in stored.values()}

    def existing(indexes):
        return [pks[i] for i in indexes if pks[i] in stored_pks]

    delete_children(db_session, Tag, existing(with_tags))
    delete_children(db_session, Credit, existing(with_credits))
    delete_children(db_session, TrackPlugin, existing(with_tracks))
    delete_children(db_session, Track, existing(with_tracks))
    delete_children(db_session, SessionPlugin, existing(with_usage))
    delete_children(db_session, Source, existing(with_sources))

    insert_rows(db_session, Tag, ("session_pk", "name", "position"), (
        (pks[i], name, position)
        for i in with_tags for position, name in enumerate(sessions[i].tags or ())
    ))
    insert_rows(db_session, Credit, ("session_pk", "position", "name", "role"), (
        (pks[i], position, credit.name, credit.role)
        for i in with_credits for position, credit in enumerate(sessions[i].credits or ())
    ))
    _insert_tracks(db_session, sessions, instance_ids, with_tracks, pks, plugin_pks)
    insert_rows(db_session, SessionPlugin, ("session_pk", "plugin_pk", "count", "track_count", "session_created_at"), (
        (pks[i], plugin_pks[pid], usage.count, usage.track_count, created[i])
        for i in with_usage for pid, usage in usages[i].items()
    ))
    insert_rows(db_session, Source, ("session_pk", "position", "type", "path", "ingested_at", "extractor"), (
        (pks[i], position, source.type, source.path, source.ingested_at, source.extractor)
        for i in with_sources for position, source in enumerate(sessions[i].sources or ())
    ))
    _copy_dates_to_rollup(db_session, sessions, stored, fingerprints, with_usage, pks, created)


def _write_timeline(db_session, sessions, stored, pks, now):
    """Replace the markers read from the file and the media files of each session whose payload gives them; what
    people and extensions added to the timeline stays."""
    with_markers = [i for i, s in enumerate(sessions) if "markers" in s.model_fields_set]
    with_media = [i for i, s in enumerate(sessions) if "media_files" in s.model_fields_set]
    stored_pks = {row.pk for row in stored.values()}
    events = Event.__table__
    for chunk in chunked([pks[i] for i in with_markers if pks[i] in stored_pks]):
        db_session.execute(delete(events).where(events.c.session_pk.in_(chunk), events.c.source == FILE_SOURCE))
    delete_children(db_session, MediaFile, [pks[i] for i in with_media if pks[i] in stored_pks])
    insert_rows(db_session, Event, ("id", "session_pk", "kind", "source", "t_sec", "end_sec", "text", "comment", "track",
                                "created_at", "updated_at"), (
        (str(uuid.uuid4()), pks[i], MARKER, FILE_SOURCE, marker.t_sec, marker.end_sec, marker.name, marker.comment,
         marker.track, now, now)
        for i in with_markers for marker in sessions[i].markers or ()
    ))
    insert_rows(db_session, MediaFile, ("session_pk", "position", "path", "name", "offline", "exists", "size_bytes",
                                    "missing"), (
        (pks[i], position, media.path, media.name, media.offline, media.exists, media.size_bytes,
         media_missing(media.exists, media.offline))
        for i in with_media for position, media in enumerate(sessions[i].media_files or ())
    ))


def media_missing(exists: bool | None, offline: bool | None) -> bool:
    """A media file is missing when a scan did not find it, or, never looked for, when its session says it is
    offline."""
    return exists is False or (exists is None and offline is True)


def _set_meta(db_session, key, value):
    table = Meta.__table__
    statement = dialect_insert(db_session, table).values(key=key, value=value)
    db_session.execute(statement.on_conflict_do_update(index_elements=["key"], set_={"value": value}))


def _refuse_duplicates(values, what, path):
    first_index = {}
    problems = []
    for index, value in enumerate(values):
        if value is None:
            continue
        if value in first_index:
            problems.append((index, path, f"the same {what} as session {first_index[value]} of this payload"))
        else:
            first_index[value] = index
    if problems:
        raise IngestError(422, f"Two sessions of the payload have the same {what}.", problems)


def _stored_sessions(db_session, fingerprints):
    table = Session.__table__
    stored = {}
    for chunk in chunked(fingerprints):
        query = select(table.c.pk, table.c.id, table.c.fingerprint, table.c.created_at, table.c.deleted_at,
                       table.c.edited, table.c.template).where(
            table.c.fingerprint.in_(chunk)
        )
        stored.update((row.fingerprint, row) for row in db_session.execute(query))
    return stored


def _refuse_id_conflicts(db_session, sessions, fingerprints, stored):
    table = Session.__table__
    given = {s.id: i for i, s in enumerate(sessions) if s.id is not None}
    problems = []
    for index, session in enumerate(sessions):
        row = stored.get(fingerprints[index])
        if row is not None and session.id is not None and session.id != row.id:
            problems.append((index, "id", f"the session with this fingerprint has id {row.id!r}"))
    for chunk in chunked(list(given)):
        query = select(table.c.id, table.c.fingerprint).where(table.c.id.in_(chunk))
        for row in db_session.execute(query):
            index = given[row.id]
            if row.fingerprint != fingerprints[index]:
                problems.append((index, "id", "this id belongs to a session with another fingerprint"))
    if problems:
        raise IngestError(409, "Session ids conflict with sessions already in the index.", problems)


def _usage(index, session, instance_ids):
    """The session's usage rollup by pluginId, or None when the payload leaves it as stored."""
    if "plugins" in session.model_fields_set:
        entries = [(instance_plugin_id(entry), entry) for entry in session.plugins or ()]
    elif "tracks" in session.model_fields_set:
        entries = [(entry.plugin_id, entry) for entry in derive_plugin_usage(session.tracks or [], instance_ids)]
    else:
        return None
    usage = {}
    for position, (pid, entry) in enumerate(entries):
        if pid in usage:
            raise IngestError(422, "A plugin is listed twice in a session's plugin usage.", [
                (index, f"plugins[{position}].pluginId", f"{pid!r} is listed twice"),
            ])
        usage[pid] = entry
    return usage


def _plugin_pks(db_session, sessions, instance_ids, usages):
    """Make sure every plugin of the payload has a row; return pk by pluginId."""
    definitions = {}
    for session, ids, usage in zip(sessions, instance_ids, usages):
        for track, track_ids in zip(session.tracks or (), ids):
            for instance, pid in zip(track.plugins or (), track_ids):
                definitions.setdefault(pid, instance)
        for pid, entry in (usage or {}).items():
            definitions.setdefault(pid, entry)
    table = Plugin.__table__
    pks = {}
    ids = list(definitions)
    for chunk in chunked(ids):
        pks.update(db_session.execute(select(table.c.id, table.c.pk).where(table.c.id.in_(chunk))).all())
    new = [(pid, d) for pid, d in definitions.items() if pid not in pks]
    if new:
        corrections = stored_corrections(db_session)
        identities = [plugin_identity(pid, d.name, d.vendor, d.format, corrections) for pid, d in new]
        add_products(db_session, identities)
        missing = [{"id": pid, "product_key": identity.key, "name": d.name, "vendor": d.vendor,
                    "version": d.version, "format": d.format} for (pid, d), identity in zip(new, identities)]
        # Another writer may add the same plugin meanwhile: theirs is as good as ours.
        db_session.execute(dialect_insert(db_session, table).on_conflict_do_nothing(), missing)
        for chunk in chunked([row["id"] for row in missing]):
            pks.update(db_session.execute(select(table.c.id, table.c.pk).where(table.c.id.in_(chunk))).all())
    return pks


def _recognised_templates(db_session, sessions, stored, fingerprints) -> dict[int, str]:
    """The template each session of the payload that gives its tracks but names none, and has none stored, was
    started from by its layout (payload index → template name)."""
    wanting = [i for i, s in enumerate(sessions) if "tracks" in s.model_fields_set and "template" not in
               s.model_fields_set and getattr(stored.get(fingerprints[i]), "template", None) is None]
    candidates = templates.match_candidates(db_session) if wanting else []
    recognised = {}
    for index in wanting if candidates else ():
        best = templates.best_template(templates.layout_of(sessions[index].tracks or ()), sessions[index].daw,
                                       candidates)
        if best is not None:
            recognised[index] = best[0]
    return recognised


def _upsert_sessions(db_session, sessions, fingerprints, stored, recognised, result):
    """Insert new sessions and update stored ones; return pk and created_at by payload index."""
    table = Session.__table__
    pks, created = {}, {}
    new_rows, new_indexes = [], []
    for index, session in enumerate(sessions):
        values = session_values(session)
        if "template" in values:
            values["template_from"] = (MATCHED_BY_LAYOUT if index in recognised
                                       else NAMED_BY_FILE if values["template"] else None)
        row = stored.get(fingerprints[index])
        if row is None:
            session_id = session.id or str(uuid.uuid4())
            new_rows.append({
                column: values.get(column) for column in SESSION_COLUMNS
            } | {flag: values.get(flag) or False for flag in FLAG_COLUMNS} | {
                "id": session_id, "fingerprint": fingerprints[index], "deleted_at": None,
                "template_from": values.get("template_from"),
            })
            new_indexes.append(index)
            result.inserted.append(session_id)
            created[index] = values.get("created_at")
        else:
            if row.edited:
                values = keeping_edits(values, row.edited, session)
            db_session.execute(update(table).where(table.c.pk == row.pk).values(values | {"deleted_at": None}))
            pks[index] = row.pk
            created[index] = values.get("created_at", row.created_at)
            result.updated.append(row.id)
    if new_rows:
        returned = db_session.execute(insert(table).returning(table.c.fingerprint, table.c.pk), new_rows)
        pk_by_fingerprint = dict(returned.all())
        for index in new_indexes:
            pks[index] = pk_by_fingerprint[fingerprints[index]]
    return pks, created


def _stored_edits(stored, session_fingerprint) -> dict:
    row = stored.get(session_fingerprint)
    return (row.edited if row is not None else None) or {}


def _insert_tracks(db_session, sessions, instance_ids, indexes, pks, plugin_pks):
    tracks, instances = [], []
    for i in indexes:
        session_pk = pks[i]
        # One random prefix per session keeps generated track ids unique without a UUID per track.
        generated = uuid.uuid4().hex
        for position, (track, ids) in enumerate(zip(sessions[i].tracks or (), instance_ids[i])):
            tracks.append((session_pk, position, track.id or f"{generated}-{position}", track.name,
                           track.type, track.format, track.state, track.notes))
            for slot_position, (instance, pid) in enumerate(zip(track.plugins or (), ids)):
                instances.append((session_pk, position, slot_position, plugin_pks[pid],
                                  instance.slot, instance.preset, instance.active, instance.uid))
    insert_rows(db_session, Track, ("session_pk", "position", "id", "name", "type", "format", "state", "notes"), tracks)
    insert_rows(db_session, TrackPlugin, ("session_pk", "track_position", "position", "plugin_pk", "slot", "preset",
                                      "active", "uid"), instances)
    uids = sorted({(row[3], row[7]) for row in instances if row[7]})
    if uids:
        # Another writer may record the same id meanwhile: one row is enough.
        db_session.execute(dialect_insert(db_session, PluginUid.__table__).on_conflict_do_nothing(),
                           [{"plugin_pk": plugin_pk, "uid": uid} for plugin_pk, uid in uids])


def _copy_dates_to_rollup(db_session, sessions, stored, fingerprints, with_usage, pks, created):
    """Keep the rollup's copy of created_at current for sessions whose rollup was kept."""
    rewritten = set(with_usage)
    table = SessionPlugin.__table__
    for index, session in enumerate(sessions):
        row = stored.get(fingerprints[index])
        if index in rewritten or row is None or "created_at" not in session.model_fields_set:
            continue
        if created[index] != row.created_at:
            db_session.execute(
                update(table).where(table.c.session_pk == pks[index]).values(session_created_at=created[index])
            )


def _live_sessions_except(db_session, keep_pks):
    table = Session.__table__
    live = db_session.execute(select(table.c.pk, table.c.id).where(table.c.deleted_at.is_(None))).all()
    return [row for row in live if row.pk not in keep_pks]


def _move_to_trash(db_session, session_pks, now):
    table = Session.__table__
    for chunk in chunked(session_pks):
        db_session.execute(update(table).where(table.c.pk.in_(chunk)).values(deleted_at=now))
