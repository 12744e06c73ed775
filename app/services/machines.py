"""Studio machines and their installed plug-ins: an inventory received replaces the machine's last one, and what it
changed (plug-ins added, removed, upgraded, downgraded) is kept as the machine's history."""
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, insert, select

from app.inventory.wire import Inventory
from app.models import InstalledPlugin, Machine, MachineChange
from app.models.machine import ADDED, DOWNGRADED, REMOVED, UPGRADED
from app.models.types import utc_now
from app.services.bulk import dialect_insert

# A machine's name goes into URLs as one path segment.
MACHINE_NAME = re.compile(r"^[^\x00-\x1f/\\?#%]*[^\x00-\x1f/\\?#%\s][^\x00-\x1f/\\?#%]*$")
MAX_MACHINE_NAME = 200
HISTORY_ROWS = 500
NUMBERS = re.compile(r"\d+")


class MachineError(Exception):
    """Why an inventory cannot be taken, with the HTTP status that says so."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class Received:
    """What receiving an inventory did."""

    machine: Machine
    created: bool
    changes: dict[str, int] = field(default_factory=dict)


@dataclass
class MachineSummary:
    """A machine as the machines list shows it: how many plug-ins of each format it has."""

    machine: Machine
    formats: dict[str, int]

    @property
    def total(self) -> int:
        """How many plug-ins in all."""
        return sum(self.formats.values())


def check_machine_name(name: str) -> str:
    """The name when a machine may have it; MachineError saying why not."""
    if not name or len(name) > MAX_MACHINE_NAME or not MACHINE_NAME.match(name):
        raise MachineError(f"A machine's name is 1 to {MAX_MACHINE_NAME} characters, not all spaces, without "
                           "control characters or / \\ ? # %.")
    return name


def _key(plugin) -> tuple[str, str, str]:
    """One plug-in across inventories, whatever its version: format, vendor and name, in any case."""
    return plugin.format, (plugin.vendor or "").casefold(), plugin.name.casefold()


def release(version: str | None) -> tuple[int, ...]:
    """A version's numbers for comparing, trailing zeros dropped ("3.21" and "3.21.0" are one release)."""
    numbers = [int(number) for number in NUMBERS.findall(version or "")[:8]]
    while numbers and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers)


def _newest(versions: set) -> str | None:
    return max(versions, key=lambda version: (release(version), version or "")) if versions else None


def _changes(before: list, after: list, at: datetime, machine_pk: int) -> list[dict]:
    """The history rows between two inventories: plug-ins added or removed, and those whose newest version
    changed."""
    old, new = defaultdict(set), defaultdict(set)
    shown = {}
    for plugins, versions in ((before, old), (after, new)):
        for plugin in plugins:
            versions[_key(plugin)].add(plugin.version)
            shown[_key(plugin)] = plugin
    rows = []
    for key in sorted(old.keys() | new.keys()):
        was, now = _newest(old.get(key, set())), _newest(new.get(key, set()))
        if key not in old:
            change = ADDED
        elif key not in new:
            change = REMOVED
        elif was == now or (release(was) == release(now) and release(now)):
            continue
        else:
            change = UPGRADED if release(now) > release(was) else DOWNGRADED
        plugin = shown[key]
        rows.append({"machine_pk": machine_pk, "at": at, "change": change, "format": plugin.format,
                     "name": plugin.name, "vendor": plugin.vendor, "from_version": was, "to_version": now})
    return rows


def receive_inventory(db_session, name: str, inventory: Inventory, received_from: str) -> Received:
    """Store `inventory` as machine `name`'s plug-ins, replacing the last one and keeping what changed; within the
    caller's unit of work. MachineError (409) for an inventory collected before the one the server has."""
    check_machine_name(name)
    now = utc_now()
    created = db_session.execute(dialect_insert(db_session, Machine.__table__).values(
        name=name, os=inventory.os, collected_at=inventory.collected_at, received_at=now,
        received_from=received_from, unreadable=[]).on_conflict_do_nothing(index_elements=["name"])
        .returning(Machine.__table__.c.pk)).first() is not None
    # Two inventories of one machine received at once: the second waits for the first and compares with it.
    machine = db_session.scalars(select(Machine).where(Machine.name == name).with_for_update()).one()
    if not created and inventory.collected_at < machine.collected_at:
        raise MachineError(f"This inventory of {name} was collected at {inventory.collected_at.isoformat()}, before "
                           f"the one the server has ({machine.collected_at.isoformat()}): nothing was changed.", 409)
    before = list(machine.plugins)
    rows = [{"machine_pk": machine.pk, **plugin.model_dump()} for plugin in inventory.plugins]
    changes = [] if created else _changes(before, inventory.plugins, now, machine.pk)
    db_session.execute(delete(InstalledPlugin).where(InstalledPlugin.machine_pk == machine.pk))
    if rows:
        db_session.execute(insert(InstalledPlugin), rows)
    if changes:
        db_session.execute(insert(MachineChange), changes)
    machine.os, machine.collected_at, machine.received_at = inventory.os, inventory.collected_at, now
    machine.received_from = received_from
    machine.unreadable = [item.model_dump() for item in inventory.unreadable]
    db_session.flush()
    db_session.expire(machine, ["plugins"])
    counted = defaultdict(int)
    for change in changes:
        counted[change["change"]] += 1
    return Received(machine, created, dict(counted))


def any_machine(db_session) -> bool:
    """Whether any machine has sent an inventory."""
    return db_session.scalar(select(Machine.pk).limit(1)) is not None


def list_machines(db_session) -> list[MachineSummary]:
    """Every machine by name, with its plug-ins counted per format."""
    machines = db_session.scalars(select(Machine).order_by(Machine.name)).all()
    formats = defaultdict(dict)
    for machine_pk, plugin_format, count in db_session.execute(
            select(InstalledPlugin.machine_pk, InstalledPlugin.format, func.count())
            .group_by(InstalledPlugin.machine_pk, InstalledPlugin.format)):
        formats[machine_pk][plugin_format] = count
    return [MachineSummary(machine, dict(sorted(formats[machine.pk].items()))) for machine in machines]


@dataclass
class MachineInventory:
    """A machine with its installed plug-ins (by format, vendor, name) and its newest history first."""

    machine: Machine
    plugins: list[InstalledPlugin]
    history: list[MachineChange]


def machine_inventory(db_session, name: str) -> MachineInventory | None:
    """A machine's inventory and history, or None when no machine has that name."""
    machine = db_session.scalar(select(Machine).where(Machine.name == name))
    if machine is None:
        return None
    plugins = db_session.scalars(select(InstalledPlugin).where(InstalledPlugin.machine_pk == machine.pk).order_by(
        InstalledPlugin.format, func.lower(InstalledPlugin.vendor), func.lower(InstalledPlugin.name),
        InstalledPlugin.pk)).all()
    history = db_session.scalars(select(MachineChange).where(MachineChange.machine_pk == machine.pk).order_by(
        MachineChange.at.desc(), MachineChange.pk).limit(HISTORY_ROWS)).all()
    return MachineInventory(machine, list(plugins), list(history))
