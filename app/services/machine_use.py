"""What each installed plug-in is to the archive: which rule matched it to the sessions' plugins and when a live
session last used it (the clean-up list is what nothing uses); and what removing a plugin would break, machine by
machine."""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select

from app.models import InstalledPlugin, Machine, Plugin, PluginUid, Session, SessionPlugin
from app.services.bulk import chunked
from app.services.machine_plugins import BY_ID, Shelf, described, plugin_matches


@dataclass
class InstalledUse:
    """An installed plug-in, the rules that matched the sessions' plugins to it (id, name) and when a live session
    last used it; `used` without a date when only undated sessions use it."""

    plugin: InstalledPlugin
    rules: list[str] = field(default_factory=list)
    used: bool = False
    last_used: datetime | None = None

    def unused_since(self, since: datetime | None) -> bool:
        """Whether no live session uses it, or (with `since`) none dated from `since` on; a plugin only undated
        sessions use is kept off the clean-up list."""
        if not self.used:
            return True
        return since is not None and self.last_used is not None and self.last_used < since


def _last_used(db_session, plugin_pks: list[int]) -> dict[int, datetime | None]:
    """When a live session last used each plugin (None when only undated ones do): the newest end of each plugin's
    range of the (plugin, date) index."""
    newest = (select(SessionPlugin.session_created_at).join(Session, Session.pk == SessionPlugin.session_pk)
              .where(SessionPlugin.plugin_pk == Plugin.pk, Session.deleted_at.is_(None),
                     SessionPlugin.session_created_at.is_not(None))
              .order_by(SessionPlugin.session_created_at.desc()).limit(1).correlate(Plugin).scalar_subquery())
    found = {}
    for chunk in chunked(plugin_pks):
        found.update(db_session.execute(select(Plugin.pk, newest).where(Plugin.pk.in_(chunk))).all())
    return found


def installed_use(db_session, machine: Machine,
                  plugins: list[InstalledPlugin] | None = None) -> dict[int, InstalledUse]:
    """Each of a machine's installed plug-ins (by pk; all of them, or these already read) with how the sessions'
    plugins matched it and its last use."""
    shelf = Shelf(db_session, machine, plugins)
    uses = {plugin.pk: InstalledUse(plugin) for plugin in shelf.plugins}
    matches = plugin_matches(db_session, shelf)
    last_used = _last_used(db_session, [pk for pk, match in matches.items() if not match.missing])
    for plugin_pk, match in matches.items():
        for installed_pk, rule in match.installed.items():
            use = uses[installed_pk]
            if rule not in use.rules:
                use.rules = sorted([*use.rules, rule], key=lambda name: name != BY_ID)
            use.used = True
            when = last_used.get(plugin_pk)
            if when is not None and (use.last_used is None or when > use.last_used):
                use.last_used = when
    return uses


@dataclass
class UnusedReport:
    """A machine's installed plug-ins that no live session uses (since a date, when given), as its inventory lists
    them."""

    machine: Machine
    since: datetime | None
    plugins: list[InstalledUse]
    installed: int


def unused_on_machine(db_session, name: str, since: datetime | None) -> UnusedReport | None:
    """Machine `name`'s installed plug-ins no live session uses, or none dated from `since` on, by format, vendor
    and name; None when no machine has that name."""
    machine = db_session.scalar(select(Machine).where(Machine.name == name))
    if machine is None:
        return None
    uses = installed_use(db_session, machine)
    unused = [use for use in uses.values() if use.unused_since(since)]
    unused.sort(key=lambda use: (use.plugin.format, (use.plugin.vendor or "").lower(), use.plugin.name.lower(),
                                 use.plugin.pk))
    return UnusedReport(machine, since, unused, len(uses))


@dataclass
class MachineImpact:
    """What removing a plugin from one machine would do: the installed plug-ins that are it, how many live sessions
    would then open with a plugin missing, and how many of the sessions' plugins (spellings, versions) that is."""

    machine: str
    removed: list[str]
    sessions: int
    plugins: int


def _sessions_using(db_session, plugin_pks: list[int]) -> int:
    if not plugin_pks:
        return 0
    return db_session.scalar(select(func.count(func.distinct(SessionPlugin.session_pk)))
                             .join(Session, Session.pk == SessionPlugin.session_pk)
                             .where(SessionPlugin.plugin_pk.in_(plugin_pks), Session.deleted_at.is_(None)))


def _impact_on(db_session, machine: Machine, target, product_key: str | None) -> MachineImpact:
    shelf = Shelf(db_session, machine)
    removed = {pk for match in plugin_matches(db_session, shelf, target).values() for pk in match.installed}
    # A product goes in every format, those no session needs too.
    removed |= {plugin.pk for plugin in shelf.by_product.get(product_key, [])}
    if not removed:
        return MachineImpact(machine.name, [], 0, 0)
    gone = [plugin for plugin in shelf.plugins if plugin.pk in removed]
    uids = sorted({plugin.uid for plugin in gone if plugin.uid})
    keys = sorted({shelf.product_keys[plugin.pk] for plugin in gone})
    # The plugins that could lose an installed plug-in: the same products, and those a removed id matched.
    candidates = plugin_matches(db_session, shelf, or_(
        Plugin.product_key.in_(keys), Plugin.pk.in_(select(PluginUid.plugin_pk).where(PluginUid.uid.in_(uids)))))
    # A plugin is lost when every installed plug-in it matched goes; one that another stands for is not.
    lost = sorted(pk for pk, match in candidates.items() if match.installed and set(match.installed) <= removed)
    return MachineImpact(machine.name, sorted({described(plugin) for plugin in gone}),
                         _sessions_using(db_session, lost), len(lost))


def uninstall_impact(db_session, *, plugin_id: str | None = None,
                     product_key: str | None = None) -> list[MachineImpact] | None:
    """Per machine, what removing the installed plug-ins that are a plugin (by pluginId) or a product (by key) would
    do to the live sessions; None when no plugin has that id or key."""
    target = Plugin.id == plugin_id if plugin_id is not None else Plugin.product_key == product_key
    if db_session.scalar(select(Plugin.pk).where(target).limit(1)) is None:
        return None
    machines = db_session.scalars(select(Machine).order_by(Machine.name)).all()
    return [_impact_on(db_session, machine, target, product_key) for machine in machines]
