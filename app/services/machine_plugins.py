"""What breaks on a machine: each plugin the live sessions use, matched to the plug-ins the machine has installed,
and the sessions that would open with plugins missing there.

A plugin is installed when the machine has it in the format the session needs (Pro Tools'
AAX Native, AAX DSP and AudioSuite all need the AAX bundle; VST2, VST3, AU, CLAP and LV2 need
themselves), matched by these rules in order, the first that holds being recorded:

1. id: an id a session file gave the plugin is the installed plug-in's id;
2. name: the installed plug-in is the same product (vendor and name through the normaliser:
   vendor aliases, case, `(x64)`, `.64`, channel suffixes, format words).

Built-in devices, JSFX and DirectX plugins are the DAW's or the system's own: never missing.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from app.catalogue.identity import Correction
from app.extractors.vocabulary import AAX_DSP, AAX_NATIVE, AU, AUDIOSUITE, CLAP, LV2, VST2, VST3, plugin_format
from app.models import InstalledPlugin, Machine, Plugin, PluginTotal, PluginUid, Session, SessionPlugin
from app.services.bulk import chunked
from app.services.identities import plugin_identity, stored_corrections
from app.services.queries import SessionQuery, session_conditions

# The installed format a session's plugin needs, by the format word the extractors write.
NEEDS = {AAX_NATIVE: "AAX", AAX_DSP: "AAX", AUDIOSUITE: "AAX", VST2: "VST2", VST3: "VST3", AU: "AU", CLAP: "CLAP",
         LV2: "LV2"}
BY_ID, BY_NAME = "id", "name"


@dataclass
class PluginMatch:
    """How one plugin the sessions use stands on a machine: installed (and by which rule), or missing with what
    the machine has of the same product instead ("VST3 3.24.0")."""

    plugin_pk: int
    rule: str | None
    instead: list[str] = field(default_factory=list)

    @property
    def missing(self) -> bool:
        """Whether the machine lacks it."""
        return self.rule is None


def _installed_key(plugin, corrections: list[Correction]) -> str:
    return plugin_identity("", plugin.name, plugin.vendor, plugin.format, corrections).key


def plugin_matches(db_session, machine: Machine) -> dict[int, PluginMatch]:
    """Every plugin the live sessions use that a machine could have, matched to its installed plug-ins."""
    corrections = stored_corrections(db_session)
    installed = db_session.scalars(select(InstalledPlugin).where(InstalledPlugin.machine_pk == machine.pk)).all()
    by_uid = {(plugin.format, plugin.uid) for plugin in installed if plugin.uid}
    by_product = defaultdict(list)
    for plugin in installed:
        by_product[_installed_key(plugin, corrections)].append(plugin)
    used = db_session.execute(select(Plugin.pk, Plugin.format, Plugin.product_key).join(
        PluginTotal, PluginTotal.plugin_pk == Plugin.pk).where(PluginTotal.sessions > 0)).all()
    uids = defaultdict(set)
    for chunk in chunked([row.pk for row in used]):
        for plugin_pk, uid in db_session.execute(select(PluginUid.plugin_pk, PluginUid.uid).where(
                PluginUid.plugin_pk.in_(chunk))):
            uids[plugin_pk].add(uid)
    matches = {}
    for row in used:
        needed = NEEDS.get(plugin_format(row.format or ""))
        if needed is None:
            continue
        same_product = by_product.get(row.product_key, [])
        if any((needed, uid) in by_uid for uid in uids[row.pk]):
            matches[row.pk] = PluginMatch(row.pk, BY_ID)
        elif any(plugin.format == needed for plugin in same_product):
            matches[row.pk] = PluginMatch(row.pk, BY_NAME)
        else:
            matches[row.pk] = PluginMatch(row.pk, None, sorted(
                {f"{plugin.format} {plugin.version}" if plugin.version else plugin.format for plugin in same_product}))
    return matches


@dataclass
class MissingPlugin:
    """A plugin a session uses that the machine lacks, and what it has of the same product instead."""

    plugin_id: str
    name: str
    vendor: str | None
    version: str | None
    format: str | None
    instead: list[str]


@dataclass
class SessionWithMissing:
    """A live session that would open with plugins missing."""

    session_id: str
    name: str
    artist: str | None
    daw: str | None
    created_at: datetime | None
    missing: list[MissingPlugin]


@dataclass
class MissingReport:
    """A page of the sessions that would open with plugins missing on a machine, newest first, and how many in
    all; how many distinct plugins are missing."""

    machine: Machine
    sessions: list[SessionWithMissing]
    total: int
    missing_plugins: int
    limit: int
    offset: int


def missing_on_machine(db_session, name: str, query: SessionQuery, limit: int, offset: int) -> MissingReport | None:
    """The sessions passing `query`'s filters that use plugins machine `name` lacks, most recent first; None when no
    machine has that name."""
    machine = db_session.scalar(select(Machine).where(Machine.name == name))
    if machine is None:
        return None
    matches = plugin_matches(db_session, machine)
    missing = {pk: match for pk, match in matches.items() if match.missing}
    if not missing:
        return MissingReport(machine, [], 0, 0, limit, offset)
    with_missing = (select(SessionPlugin.session_pk).where(SessionPlugin.plugin_pk.in_(sorted(missing)))
                    .distinct().scalar_subquery())
    live = select(Session).where(*session_conditions(db_session, query), Session.pk.in_(with_missing))
    total = db_session.scalar(select(func.count()).select_from(live.subquery()))
    page = db_session.scalars(live.order_by(Session.created_at.desc().nulls_last(), Session.pk.desc())
                              .limit(limit).offset(offset)).all()
    per_session = defaultdict(list)
    rows = db_session.execute(
        select(SessionPlugin.session_pk, Plugin).join(Plugin, Plugin.pk == SessionPlugin.plugin_pk)
        .where(SessionPlugin.session_pk.in_([session.pk for session in page]),
               SessionPlugin.plugin_pk.in_(sorted(missing)))
        .order_by(SessionPlugin.session_pk, func.lower(Plugin.name), Plugin.pk)).all() if page else []
    for session_pk, plugin in rows:
        per_session[session_pk].append(MissingPlugin(plugin.id, plugin.name, plugin.vendor, plugin.version,
                                                     plugin.format, missing[plugin.pk].instead))
    return MissingReport(machine, [SessionWithMissing(session.id, session.name, session.artist, session.daw,
                                                      session.created_at, per_session[session.pk])
                                   for session in page], total, len(missing), limit, offset)
