"""What breaks on a machine: each plugin the live sessions use, matched to the plug-ins the machine has installed;
the sessions that would open with plugins missing there, or with an older version than they were saved with.

A plugin is installed when the machine has it in the format the session needs (Pro Tools' AAX Native, AAX DSP and
AudioSuite all need the AAX bundle; VST2, VST3, AU, CLAP and LV2 need themselves), matched by these rules in
order, the first that holds being recorded:

1. id: an id a session file gave the plugin is the installed plug-in's id;
2. name: the installed plug-in is the same product (vendor and name through the normaliser: vendor aliases,
   case, `(x64)`, `.64`, channel suffixes, format words).

Built-in devices, JSFX and DirectX plugins are the DAW's or the system's own: never missing.
"""
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache

from sqlalchemy import exists, func, select, union_all

from app.catalogue.identity import Correction
from app.extractors.vocabulary import AAX_DSP, AAX_NATIVE, AU, AUDIOSUITE, CLAP, LV2, VST2, VST3, plugin_format
from app.models import InstalledPlugin, Machine, Plugin, PluginTotal, PluginUid, Session, SessionPlugin
from app.services.bulk import chunked
from app.services.identities import plugin_identity, stored_corrections
from app.services.machines import release
from app.services.queries import SessionQuery, session_conditions

# The installed format a session's plugin needs, by the format word the extractors write.
NEEDS = {AAX_NATIVE: "AAX", AAX_DSP: "AAX", AUDIOSUITE: "AAX", VST2: "VST2", VST3: "VST3", AU: "AU", CLAP: "CLAP",
         LV2: "LV2"}
BY_ID, BY_NAME = "id", "name"
MISSING, DRIFT = "missing", "drift"


def described(plugin: InstalledPlugin) -> str:
    """An installed plug-in as the reports name it: format and version ("VST3 3.24.0")."""
    return f"{plugin.format} {plugin.version}" if plugin.version else plugin.format


@dataclass
class PluginMatch:
    """How one plugin the sessions use stands on a machine: the installed plug-ins that are it (each with the rule
    that matched), or none and what the machine has of the same product instead."""

    plugin_pk: int
    version: str | None
    installed: dict[int, str] = field(default_factory=dict)
    same_product: list[InstalledPlugin] = field(default_factory=list)
    matched: list[InstalledPlugin] = field(default_factory=list)

    @property
    def missing(self) -> bool:
        """Whether the machine lacks it."""
        return not self.installed

    @property
    def drifted(self) -> bool:
        """Whether the session saved it with a newer version than any the machine has of it."""
        saved = release(self.version)
        versions = [release(plugin.version) for plugin in self.matched]
        return bool(saved) and bool(versions) and all(versions) and saved > max(versions)

    def instead(self) -> list[str]:
        """For a missing plugin, what the machine has of the same product; for an installed one, what it has."""
        return sorted({described(plugin) for plugin in (self.same_product if self.missing else self.matched)})


@lru_cache(maxsize=4)
def _product_keys(corrections: tuple[Correction, ...]) -> dict[tuple, str]:
    """Installed plug-ins' product keys under these corrections, filled as they are worked out: a machine's
    inventory changes seldom and is read on every report."""
    return {}


class Shelf:
    """A machine's installed plug-ins, found by id and by product."""

    def __init__(self, db_session, machine: Machine, plugins: list[InstalledPlugin] | None = None):
        corrections = tuple(stored_corrections(db_session))
        self.plugins = plugins if plugins is not None else db_session.scalars(
            select(InstalledPlugin).where(InstalledPlugin.machine_pk == machine.pk).order_by(InstalledPlugin.pk)).all()
        self.by_uid, self.by_product = defaultdict(list), defaultdict(list)
        self.product_keys = {}
        known = _product_keys(corrections)
        for plugin in self.plugins:
            spelling = (plugin.name, plugin.vendor, plugin.format)
            if spelling not in known:
                known[spelling] = plugin_identity("", *spelling, list(corrections)).key
            key = known[spelling]
            self.product_keys[plugin.pk] = key
            self.by_product[key].append(plugin)
            if plugin.uid:
                self.by_uid[plugin.format, plugin.uid].append(plugin)

    def match(self, row, uids: set[str]) -> PluginMatch:
        """How a used plugin (pk, format, product_key, version) stands here."""
        needed = NEEDS[plugin_format(row.format or "")]
        found = PluginMatch(row.pk, row.version, same_product=self.by_product.get(row.product_key, []))
        by_id = [plugin for uid in sorted(uids) for plugin in self.by_uid.get((needed, uid), [])]
        by_name = [plugin for plugin in found.same_product if plugin.format == needed]
        for rule, plugins in ((BY_ID, by_id), (BY_NAME, by_name)):
            for plugin in plugins:
                if plugin.pk not in found.installed:
                    found.installed[plugin.pk] = rule
                    found.matched.append(plugin)
        return found


def used_plugins(db_session, *conditions) -> tuple[list, dict[int, set[str]]]:
    """The plugins (pk, format, product_key, version) the live sessions use that a machine could have installed,
    passing `conditions`, and the ids session files gave each."""
    rows = [row for row in db_session.execute(
        select(Plugin.pk, Plugin.format, Plugin.product_key, Plugin.version)
        .join(PluginTotal, PluginTotal.plugin_pk == Plugin.pk).where(PluginTotal.sessions > 0, *conditions)).all()
        if plugin_format(row.format or "") in NEEDS]
    uids = defaultdict(set)
    for chunk in chunked([row.pk for row in rows]):
        for plugin_pk, uid in db_session.execute(select(PluginUid.plugin_pk, PluginUid.uid).where(
                PluginUid.plugin_pk.in_(chunk))):
            uids[plugin_pk].add(uid)
    return rows, uids


def plugin_matches(db_session, shelf: Shelf, *conditions) -> dict[int, PluginMatch]:
    """Every plugin the live sessions use that a machine could have (passing `conditions`), matched to its
    installed plug-ins."""
    rows, uids = used_plugins(db_session, *conditions)
    return {row.pk: shelf.match(row, uids[row.pk]) for row in rows}


@dataclass
class AffectedPlugin:
    """A plugin a session uses that the machine lacks, or has only in an older version; and what it has of the same
    product (missing) or of the plugin itself (older)."""

    plugin_id: str
    name: str
    vendor: str | None
    version: str | None
    format: str | None
    instead: list[str]


@dataclass
class AffectedSession:
    """A live session that would open with plugins missing, or older than it was saved with."""

    session_id: str
    name: str
    artist: str | None
    daw: str | None
    created_at: datetime | None
    plugins: list[AffectedPlugin]


@dataclass
class MachineReport:
    """A page of the sessions a machine would open with plugins missing (or older), newest first; whether more
    follow; how many in all when counted; and how many distinct plugins are missing (or older)."""

    machine: Machine
    kind: str
    sessions: list[AffectedSession]
    more: bool
    total: int | None
    plugins: int
    limit: int
    offset: int


def _newest_using(db_session, plugin_pks: list[int], query: SessionQuery, depth: int) -> list[int]:
    """The first `depth` live sessions passing `query`'s filters that use any of these plugins, newest first."""
    conditions = session_conditions(db_session, query)
    if replace(SessionQuery(), sort=query.sort, descending=query.descending, page=query.page,
               page_size=query.page_size) != query:
        # Filtered: the sessions passing the filters, newest first, each asked whether it uses one.
        return list(db_session.scalars(select(Session.pk).where(*conditions, _uses_any(plugin_pks))
                                       .order_by(Session.created_at.desc().nulls_last(), Session.pk.desc())
                                       .limit(depth)))
    # Each plugin's sessions are one range of the (plugin, date) index: the first n of the union
    # are among the first n of each range, so each range is cut there before merging.
    newest_first = (SessionPlugin.session_created_at.desc().nulls_last(), SessionPlugin.session_pk.desc())
    ranges = [select(SessionPlugin.session_pk, SessionPlugin.session_created_at)
              .join(Session, Session.pk == SessionPlugin.session_pk)
              .where(SessionPlugin.plugin_pk == pk, *conditions).order_by(*newest_first).limit(depth).subquery()
              for pk in plugin_pks]
    merged = union_all(*(select(*part.c) for part in ranges)).subquery()
    created_at = func.max(merged.c.session_created_at)
    return list(db_session.scalars(select(merged.c.session_pk).group_by(merged.c.session_pk)
                                   .order_by(created_at.desc().nulls_last(), merged.c.session_pk.desc())
                                   .limit(depth)))


def _uses_any(plugin_pks: list[int]):
    return exists().where(SessionPlugin.session_pk == Session.pk, SessionPlugin.plugin_pk.in_(plugin_pks))


def _count_using(db_session, plugin_pks: list[int], query: SessionQuery) -> int:
    return db_session.scalar(select(func.count()).select_from(Session).where(
        *session_conditions(db_session, query), _uses_any(plugin_pks)))


def _affected(db_session, machine: Machine, kind: str) -> dict[int, PluginMatch]:
    """The plugins the live sessions use that the machine lacks (MISSING) or has only older (DRIFT)."""
    matches = plugin_matches(db_session, Shelf(db_session, machine))
    return {pk: match for pk, match in matches.items()
            if (match.missing if kind == MISSING else not match.missing and match.drifted)}


def _affected_sessions(db_session, session_pks: list[int], affected: dict[int, PluginMatch]) -> list[AffectedSession]:
    """These sessions, in this order, each with the affected plugins it uses."""
    if not session_pks:
        return []
    sessions = {session.pk: session for session in db_session.scalars(select(Session).where(
        Session.pk.in_(session_pks)))}
    per_session = defaultdict(list)
    for session_pk, plugin in db_session.execute(
            select(SessionPlugin.session_pk, Plugin).join(Plugin, Plugin.pk == SessionPlugin.plugin_pk)
            .where(SessionPlugin.session_pk.in_(session_pks), SessionPlugin.plugin_pk.in_(sorted(affected)))
            .order_by(SessionPlugin.session_pk, func.lower(Plugin.name), Plugin.pk)):
        per_session[session_pk].append(AffectedPlugin(plugin.id, plugin.name, plugin.vendor, plugin.version,
                                                      plugin.format, affected[plugin.pk].instead()))
    return [AffectedSession(session.id, session.name, session.artist, session.daw, session.created_at,
                            per_session[session.pk]) for session in (sessions[pk] for pk in session_pks)]


def _machine(db_session, name: str) -> Machine | None:
    return db_session.scalar(select(Machine).where(Machine.name == name))


def machine_report(db_session, name: str, kind: str, query: SessionQuery, limit: int, offset: int,
                   counted: bool = True) -> MachineReport | None:
    """The sessions passing `query`'s filters that use plugins machine `name` lacks (kind MISSING) or has only in an
    older version than they were saved with (kind DRIFT), most recent first, counted unless not `counted`; None
    when no machine has that name."""
    machine = _machine(db_session, name)
    if machine is None:
        return None
    affected = _affected(db_session, machine, kind)
    if not affected:
        return MachineReport(machine, kind, [], False, 0, 0, limit, offset)
    newest = _newest_using(db_session, sorted(affected), query, offset + limit + 1)
    page = _affected_sessions(db_session, newest[offset:offset + limit], affected)
    total = _count_using(db_session, sorted(affected), query) if counted else None
    return MachineReport(machine, kind, page, len(newest) > offset + limit, total, len(affected), limit, offset)


def every_affected_session(db_session, name: str, kind: str, query: SessionQuery,
                           batch: int) -> Iterator[list[AffectedSession]] | None:
    """Every session of machine `name`'s report of `kind` under `query`'s filters, most recent first, in batches;
    None when no machine has that name."""
    machine = _machine(db_session, name)
    if machine is None:
        return None
    affected = _affected(db_session, machine, kind)
    session_pks = list(db_session.scalars(
        select(Session.pk).where(*session_conditions(db_session, query), _uses_any(sorted(affected)))
        .order_by(Session.created_at.desc().nulls_last(), Session.pk.desc()))) if affected else []
    return (_affected_sessions(db_session, chunk, affected) for chunk in chunked(session_pks, batch))
