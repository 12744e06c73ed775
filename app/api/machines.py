"""/api/machines: studio machines and the plug-ins each has installed, as their inventories say."""
from pydantic import BaseModel, Field

from app.api import bp
from app.api.documented import documented
from app.api.sessions import json_body
from app.auth import audit, principal, requires
from app.database import unit_of_work
from app.errors import error_response
from app.extensions import db
from app.inventory.wire import Inventory, Unreadable
from app.normalize import iso_utc
from app.services.machine_use import installed_use
from app.services.machines import MachineError, list_machines, machine_inventory, receive_inventory


class MachineAnswer(BaseModel):
    """A machine and how many plug-ins of each format its last inventory listed."""

    name: str
    os: str | None
    collected_at: str = Field(description="When its last inventory was collected, ISO 8601 in UTC.")
    received_at: str = Field(description="When the server received it.")
    received_from: str = Field(description="Who sent it (an account, or a token).")
    formats: dict[str, int] = Field(description="Installed plug-ins per format.")
    unreadable_count: int = Field(description="Bundles and files the collection could not read.")


class MachineList(BaseModel):
    """Every machine, by name."""

    machines: list[MachineAnswer]


class MachineChangeAnswer(BaseModel):
    """A plug-in an inventory added, removed, upgraded or downgraded."""

    at: str
    change: str
    format: str
    name: str
    vendor: str | None
    from_version: str | None
    to_version: str | None


class InstalledPluginAnswer(BaseModel):
    """A plug-in the machine has, as its inventory read it (the inventory's fields, in this API's spelling)."""

    format: str
    name: str
    vendor: str | None
    version: str | None
    uid: str | None = Field(description="The id DAWs know it by (VST3 class id, AU type:subtype:manufacturer, …).")
    bundle_id: str | None
    category: str | None
    path: str | None
    identified_by: str = Field(description="bundle, REAPER's plug-in cache, Live's plug-in database, or file name.")
    matched_by: list[str] = Field(description="The rules that matched the sessions' plugins to it: id (an id a "
                                              "session file gave), name (the same product); empty when none uses it.")
    used: bool = Field(description="Whether a live session uses it.")
    last_used: str | None = Field(description="When the newest live session using it was created (None when unused, "
                                               "or used only by undated sessions).")


INVENTORY_FIELDS = ("format", "name", "vendor", "version", "uid", "bundle_id", "category", "path", "identified_by")


class MachineDetail(MachineAnswer):
    """A machine with its installed plug-ins, what could not be read, and its history, newest first."""

    plugins: list[InstalledPluginAnswer]
    unreadable: list[Unreadable]
    history: list[MachineChangeAnswer]


class InventoryReceived(MachineAnswer):
    """The machine after the inventory, whether it is new, and how many plug-ins changed, per change."""

    created: bool
    changes: dict[str, int]


def installed_answer(use) -> dict:
    """An installed plug-in with its use, as the API gives it."""
    return {**{name: getattr(use.plugin, name) for name in INVENTORY_FIELDS}, "matched_by": use.rules,
            "used": use.used, "last_used": iso_utc(use.last_used)}


def _machine(machine, formats: dict[str, int]) -> dict:
    return {"name": machine.name, "os": machine.os, "collected_at": iso_utc(machine.collected_at),
            "received_at": iso_utc(machine.received_at), "received_from": machine.received_from,
            "formats": formats, "unreadable_count": len(machine.unreadable or [])}


def _formats(plugins) -> dict[str, int]:
    counted = {}
    for plugin in plugins:
        counted[plugin.format] = counted.get(plugin.format, 0) + 1
    return dict(sorted(counted.items()))


@bp.get("/machines")
@requires("viewer")
@documented(MachineList, "Every machine that sent an inventory, by name.")
def list_machines_api():
    """Every machine, with its plug-ins counted per format."""
    return {"machines": [_machine(summary.machine, summary.formats) for summary in list_machines(db.session)]}


@bp.get("/machines/<machine_name>")
@requires("viewer")
@documented(MachineDetail, "The machine's installed plug-ins and history.", errors=(404,))
def machine_api(machine_name):
    """A machine's installed plug-ins (by format, vendor and name), what could not be read, and its history."""
    found = machine_inventory(db.session, machine_name)
    if found is None:
        return error_response(404, f"No machine is named {machine_name!r}.")
    uses = installed_use(db.session, found.machine, found.plugins)
    return {**_machine(found.machine, _formats(found.plugins)),
            "plugins": [installed_answer(uses[plugin.pk]) for plugin in found.plugins],
            "unreadable": found.machine.unreadable,
            "history": [{"at": iso_utc(change.at), "change": change.change, "format": change.format,
                         "name": change.name, "vendor": change.vendor, "from_version": change.from_version,
                         "to_version": change.to_version} for change in found.history]}


@bp.post("/machines/<machine_name>/inventory")
@requires("editor")
@documented(InventoryReceived, "The machine after the inventory.", body=Inventory, errors=(400, 409, 422))
def receive_inventory_api(machine_name):
    """Replace a machine's installed plug-ins with an inventory (as `session-stats inventory collect` writes it),
    keeping what changed as its history; the machine is the one the URL names."""
    inventory, refused = json_body(Inventory, "Invalid inventory.")
    if refused:
        return refused
    try:
        with unit_of_work():
            received = receive_inventory(db.session, machine_name, inventory, principal().name)
            audit("inventory.received", target=machine_name,
                  details={"plugins": len(inventory.plugins), "changes": received.changes})
    except MachineError as exc:
        return error_response(exc.status, exc.message)
    return {**_machine(received.machine, _formats(inventory.plugins)), "created": received.created,
            "changes": received.changes}
