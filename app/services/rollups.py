"""Maintained aggregates over the live sessions, so that pages read counts instead of computing them.

Per session, its tracks, plugin instances and distinct plugins, and what its timeline holds
(columns of `sessions`); per plugin, instances, sessions and tracks (`plugin_totals`); per facet
value, sessions (`live_counts`, with the index totals, each product's sessions per month, and the
open notes and missing media files in all, per artist and per project). What some
sessions count before a change and after it gives the difference to apply, so every total
equals a recount; `app.services.derived.live_change` does this for every writer, and
`app.services.recount` computes the same figures from the rows alone, another way, to check them.
"""
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import ARRAY, String, bindparam, case, cast, delete, func, or_, select, tuple_, update

from app.models import (Attachment, Credit, Event, LiveCount, MediaFile, Plugin, PluginTotal, Product, Session, SessionPlugin,
                        Tag, Track)
from app.models.timeline import NOTE
from app.services.bulk import among, chunked, dialect_insert, update_changed
from app.services.work_time import count_started, count_work

PLUGIN_TOTALS = ("instances", "sessions", "tracks")
TOTAL = "total"
PRODUCT_MONTHS = "months of "
PLUGIN_MONTHS = "plugin months of "
DAW_MONTHS = "daw months of "
DAW_TAGS = "tags of daw "
# Facets of a session read from its plugins: the sessions with at least one plugin of that value.
PLUGIN_FACETS = ("vendor", "format", "product")
# Live counts of open notes and missing media files (not sessions): in all (TOTAL), per artist and per project.
OPEN_NOTES = "open notes"
MISSING_MEDIA = "missing media"
TIMELINE_TOTALS = (OPEN_NOTES, MISSING_MEDIA)
BY_ARTIST = " by artist"
BY_PROJECT = " by project"
# Per month a session was made (YYYY-MM, followed by the dimension's name), per template: its live sessions, those
# with a worked time, and their worked seconds added up.
TEMPLATE_SESSIONS = "template sessions in "
TEMPLATE_TIMED = "template timed sessions in "
TEMPLATE_SECONDS = "template worked seconds in "


@dataclass
class Counted:
    """What some live sessions add to the maintained aggregates (or a difference of two such)."""

    plugins: Counter = field(default_factory=Counter)  # (plugin pk, one of PLUGIN_TOTALS) → n
    values: Counter = field(default_factory=Counter)  # (dimension, value) → n

    def plus(self, other: "Counted") -> "Counted":
        """The sum of this and `other` (of two disjoint sets of sessions)."""
        plugins, values = Counter(self.plugins), Counter(self.values)
        plugins.update(other.plugins)
        values.update(other.values)
        return Counted(plugins, values)

    def minus(self, other: "Counted") -> "Counted":
        """The change from `other` to this."""
        plugins, values = Counter(self.plugins), Counter(self.values)
        plugins.subtract(other.plugins)
        values.subtract(other.values)
        return Counted(plugins, values)


def refresh_session_counts(db_session, session_pks) -> None:
    """Recount tracks, plugin instances and distinct plugins of these sessions, and what sits on their timelines."""
    table = Session.__table__
    for chunk in chunked(list(session_pks)):
        db_session.execute(update(table).where(table.c.pk.in_(chunk)).values(
            track_count=select(func.count()).where(Track.session_pk == table.c.pk).scalar_subquery(),
            instance_count=select(func.coalesce(func.sum(SessionPlugin.count), 0))
            .where(SessionPlugin.session_pk == table.c.pk).scalar_subquery(),
            plugin_count=select(func.count()).where(SessionPlugin.session_pk == table.c.pk).scalar_subquery(),
        ))
        update_changed(db_session, table, TIMELINE_COLUMNS, timeline_counts(db_session, chunk), chunk, NO_TIMELINE)


# What each session keeps of its timeline, in the order `timeline_counts` gives it.
TIMELINE_COLUMNS = ("event_counts", "open_note_count", "media_count", "missing_media_count", "attachment_count")
NO_TIMELINE = (None, 0, 0, 0, 0)


def timeline_counts(db_session, session_pks=None) -> dict[int, tuple]:
    """Per session (these, or all), counted from the rows, in the order of TIMELINE_COLUMNS: events per kind (or
    None), open notes, media files, missing media files and attachments; sessions with none of them left out."""
    events = select(Event.session_pk, Event.kind, func.count(),
                    func.sum(case((Event.status == "open", 1), else_=0))).where(Event.deleted_at.is_(None))
    media = select(MediaFile.session_pk, func.count(), func.sum(case((MediaFile.missing, 1), else_=0)))
    attachments = select(Attachment.session_pk, func.count())
    if session_pks is not None:
        events = events.where(Event.session_pk.in_(session_pks))
        media = media.where(MediaFile.session_pk.in_(session_pks))
        attachments = attachments.where(Attachment.session_pk.in_(session_pks))
    found: dict[int, list] = {}

    def of(pk):
        return found.setdefault(pk, [None, *NO_TIMELINE[1:]])

    for pk, kind, n, open_notes in db_session.execute(events.group_by(Event.session_pk, Event.kind)):
        counts = of(pk)
        counts[0] = {**(counts[0] or {}), kind: n}
        counts[1] += open_notes if kind == NOTE else 0
    for pk, n, missing in db_session.execute(media.group_by(MediaFile.session_pk)):
        of(pk)[2:4] = [n, missing]
    for pk, n in db_session.execute(attachments.group_by(Attachment.session_pk)):
        of(pk)[4] = n
    return {pk: tuple(counts) for pk, counts in found.items()}


def _credited(rows) -> Counter:
    """The ("person", name) and ("role", role) facet values of credit rows (session_pk, name, role), once per
    session each: a person credited twice on one session counts that session once."""
    people, roles = set(), set()
    for session_pk, name, role in rows:
        people.add((session_pk, name))
        roles.add((session_pk, role))
    return Counter(("person", name) for _, name in people) + Counter(("role", role) for _, role in roles)


def counted(db_session, session_pks) -> Counted:
    """What those of these sessions that are live count in the maintained aggregates."""
    result = Counted()
    values = result.values
    plugin_facets = {}
    for chunk in chunked(list(session_pks)):
        months, daws = {}, {}
        for (pk, artist, project, daw, tracks, instances, created_at, open_notes, missing_media, started_at,
             template, worked_seconds) in db_session.execute(
                select(Session.pk, Session.artist, Session.project, Session.daw, Session.track_count,
                       Session.instance_count, Session.created_at, Session.open_note_count,
                       Session.missing_media_count, Session.started_at, Session.template, Session.worked_seconds)
                .where(Session.pk.in_(chunk), Session.deleted_at.is_(None))):
            count_started(values, started_at)
            count_timeline(values, artist, project, OPEN_NOTES, open_notes)
            count_timeline(values, artist, project, MISSING_MEDIA, missing_media)
            months[pk] = created_at.strftime("%Y-%m") if created_at is not None else None
            if daw is not None and months[pk] is not None:
                values[daw_months(daw), months[pk]] += 1
            count_template(values, template, months[pk], worked_seconds)
            values[TOTAL, "sessions"] += 1
            values[TOTAL, "tracks"] += tracks
            values[TOTAL, "instances"] += instances
            if artist is not None:
                values["artist", artist] += 1
            if daw is not None:
                values["daw", daw] += 1
                daws[pk] = daw
        if not months:
            continue
        live = list(months)
        count_work(db_session, live, values)
        for session_pk, name in db_session.execute(select(Tag.session_pk, Tag.name).where(Tag.session_pk.in_(live))):
            values["tag", name] += 1
            if session_pk in daws:
                values[daw_tags(daws[session_pk]), name] += 1
        values.update(_credited(db_session.execute(select(Credit.session_pk, Credit.name, Credit.role)
                                                   .where(Credit.session_pk.in_(live)))))
        for plugin_pk, instances, sessions, tracks in db_session.execute(
            select(SessionPlugin.plugin_pk, func.sum(SessionPlugin.count), func.count(),
                   func.sum(SessionPlugin.track_count))
            .where(SessionPlugin.session_pk.in_(live)).group_by(SessionPlugin.plugin_pk)
        ):
            result.plugins.update({(plugin_pk, "instances"): instances, (plugin_pk, "sessions"): sessions,
                                   (plugin_pk, "tracks"): tracks})
        plugins_of = plugins_of_sessions(db_session, live)
        learn_plugin_facets(db_session, plugin_facets, {pk for pks in plugins_of.values() for pk in pks})
        for session_pk, plugin_pks in plugins_of.items():
            facets = set()
            for plugin_pk in plugin_pks:
                facets.update(plugin_facets[plugin_pk])
            values.update(facets)
            if months[session_pk] is not None:
                values.update((product_months(value), months[session_pk])
                              for dimension, value in facets if dimension == "product")
                values.update((plugin_months(plugin_pk), months[session_pk]) for plugin_pk in plugin_pks)
    return result


def count_template(values: Counter, template: str | None, month: str | None, worked_seconds: int | None) -> None:
    """Add a live session of this template, made in this month, with this worked time, to `values`."""
    if template is None:
        return
    values["template", template] += 1
    if month is None:
        return
    values[TEMPLATE_SESSIONS + month, template] += 1
    if worked_seconds is not None:
        values[TEMPLATE_TIMED + month, template] += 1
        values[TEMPLATE_SECONDS + month, template] += worked_seconds


def count_timeline(values: Counter, artist, project, dimension: str, n: int) -> None:
    """Add `n` open notes or missing media files of a session of this artist and project to `values`."""
    if not n:
        return
    values[TOTAL, dimension] += n
    if artist is not None:
        values[dimension + BY_ARTIST, artist] += n
    if project is not None:
        values[dimension + BY_PROJECT, project] += n


def recount_products(db_session, product_keys, vendors) -> None:
    """Count again from the rows the live sessions of these products (in all and per month) and of these vendors.

    What a change of plugins' products moves: it counts per product and per vendor, whatever the number of
    sessions those use.
    """
    live = Session.deleted_at.is_(None)
    users = select(SessionPlugin.session_pk).join(Plugin, Plugin.pk == SessionPlugin.plugin_pk)
    counts: dict[tuple[str, str], int | None] = {}
    for key in sorted(product_keys):
        _lock_counts(db_session, [("product", key)], product_months(key))
        created = db_session.scalars(select(Session.created_at).where(
            live, Session.pk.in_(users.where(Plugin.product_key == key)))).all()
        counts[("product", key)] = len(created) or None
        months = Counter(created_at.strftime("%Y-%m") for created_at in created if created_at is not None)
        counts.update(((product_months(key), month), None) for month in db_session.scalars(
            select(LiveCount.value).where(LiveCount.dimension == product_months(key))))
        counts.update(((product_months(key), month), n) for month, n in months.items())
    for vendor in sorted(vendors):
        _lock_counts(db_session, [("vendor", vendor)])
        counts[("vendor", vendor)] = db_session.scalar(select(func.count()).select_from(Session).where(
            live, Session.pk.in_(users.join(Product, Product.key == Plugin.product_key)
                                 .where(Product.vendor == vendor)))) or None
    set_live_counts(db_session, counts)


def _lock_counts(db_session, keys: list[tuple[str, str]], dimension: str | None = None) -> None:
    """On PostgreSQL, hold these live counts (and every count of `dimension`) until the unit of work ends, so that no
    other writer adds to them between their recount and its write."""
    condition = tuple_(LiveCount.dimension, LiveCount.value).in_(keys)
    if dimension is not None:
        condition = or_(condition, LiveCount.dimension == dimension)
    db_session.execute(select(LiveCount.dimension).where(condition).with_for_update())


def plugins_of_sessions(db_session, session_pks) -> dict[int, list[int]]:
    """The pks of the plugins each of these sessions (at most a chunk) uses; sessions without plugins left out."""
    # One row per session, joined by the database: far fewer rows to carry than one per pair.
    return {session_pk: [int(pk) for pk in pks.split(",")] for session_pk, pks in db_session.execute(
        select(SessionPlugin.session_pk, func.aggregate_strings(cast(SessionPlugin.plugin_pk, String), ","))
        .where(among(db_session, SessionPlugin.session_pk, session_pks)).group_by(SessionPlugin.session_pk))}


def kept_total(db_session, name: str) -> int:
    """One of the index's totals kept on write (sessions, tracks, instances, missing media files ...)."""
    return db_session.scalar(select(LiveCount.count).where(LiveCount.dimension == TOTAL, LiveCount.value == name)) or 0


def product_months(product_key: str) -> str:
    """The dimension holding a product's live sessions per month (values YYYY-MM)."""
    return PRODUCT_MONTHS + product_key


def plugin_months(plugin_pk: int) -> str:
    """The dimension holding a plugin's live sessions per month (values YYYY-MM)."""
    return f"{PLUGIN_MONTHS}{plugin_pk}"


def daw_months(daw: str) -> str:
    """The dimension holding a DAW's live sessions per month (values YYYY-MM)."""
    return DAW_MONTHS + daw


def daw_tags(daw: str) -> str:
    """The dimension holding a DAW's live sessions per tag (values the tags): a DAW holds so many sessions that
    counting those with a tag would read all of them."""
    return DAW_TAGS + daw


def learn_plugin_facets(db_session, known: dict, plugin_pks: set) -> None:
    """Add to `known` the (dimension, value) pairs of PLUGIN_FACETS for each of these plugins (the vendor is the
    product's)."""
    for chunk in chunked(list(plugin_pks - known.keys())):
        for pk, vendor, format_, product in db_session.execute(
            select(Plugin.pk, Product.vendor, Plugin.format, Plugin.product_key)
            .outerjoin(Product, Product.key == Plugin.product_key).where(Plugin.pk.in_(chunk))
        ):
            known[pk] = [(name, value) for name, value in zip(PLUGIN_FACETS, (vendor, format_, product))
                         if value is not None]


def count_given_templates(db_session, rows) -> None:
    """Add live sessions that had no template and were just given one, as (template, created_at, worked seconds)
    rows, to the live counts: nothing else they count depends on their template."""
    values: Counter = Counter()
    for template, created_at, worked_seconds in rows:
        count_template(values, template, created_at.strftime("%Y-%m") if created_at else None, worked_seconds)
    apply_change(db_session, Counted(values=values))


def apply_change(db_session, change: Counted) -> None:
    """Add a difference of `counted` results to the maintained aggregates, dropping what reaches zero."""
    plugins = {}
    for (pk, column), delta in change.plugins.items():
        if delta:
            plugins.setdefault(pk, dict.fromkeys(PLUGIN_TOTALS, 0))[column] = delta
    _add(db_session, PluginTotal.__table__, ["plugin_pk"], PLUGIN_TOTALS,
         [{"plugin_pk": pk, **deltas} for pk, deltas in plugins.items()], "sessions")
    _add(db_session, LiveCount.__table__, ["dimension", "value"], ("count",),
         [{"dimension": dimension, "value": value, "count": delta}
          for (dimension, value), delta in change.values.items() if delta], "count")


def _add(db_session, table, keys, columns, rows, gone_at_zero):
    if not rows:
        return
    # In key order, so that concurrent writers lock the rows they share in the same order (no deadlock).
    rows.sort(key=lambda row: [row[key] for key in keys])
    statement, parameters = dialect_insert(db_session, table), rows
    if db_session.get_bind().dialect.name == "postgresql":
        # All rows in one statement, a column an array: one statement a row (an executemany) costs PostgreSQL a
        # round of planning each, and a batch of sessions changes thousands of counts.
        names = [*keys, *columns]
        statement, parameters = statement.from_select(names, select(*(
            func.unnest(bindparam(f"{name}s", [row[name] for row in rows], type_=ARRAY(table.c[name].type)))
            for name in names))), None
    db_session.execute(statement.on_conflict_do_update(
        index_elements=keys, set_={c: table.c[c] + statement.excluded[c] for c in columns}), parameters)
    if any(row[gone_at_zero] < 0 for row in rows):
        db_session.execute(delete(table).where(table.c[gone_at_zero] <= 0))


def set_plugin_totals(db_session, totals: dict[int, tuple[int, int, int] | None]) -> None:
    """Write these plugins' totals as given; None removes a plugin's row."""
    _set(db_session, PluginTotal.__table__, ["plugin_pk"], PLUGIN_TOTALS,
         {(pk,): values for pk, values in totals.items()})


def set_live_counts(db_session, counts: dict[tuple[str, str], int | None]) -> None:
    """Write these live counts as given; None removes a count."""
    _set(db_session, LiveCount.__table__, ["dimension", "value"], ("count",),
         {key: None if count is None else (count,) for key, count in counts.items()})


def _set(db_session, table, keys, columns, values):
    gone = [key for key, row in values.items() if row is None]
    for chunk in chunked(gone):
        db_session.execute(delete(table).where(tuple_(*[table.c[k] for k in keys]).in_(chunk)))
    rows = [dict(zip(keys, key)) | dict(zip(columns, row)) for key, row in sorted(values.items()) if row is not None]
    if rows:
        statement = dialect_insert(db_session, table)
        db_session.execute(statement.on_conflict_do_update(
            index_elements=keys, set_={c: statement.excluded[c] for c in columns}), rows)
