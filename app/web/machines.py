"""Machines: each studio machine's installed plug-ins as its last inventory said, its history, and (editors)
sending an inventory from the browser."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from pydantic import ValidationError

from app.auth import audit, principal, requires
from app.database import unit_of_work
from app.extensions import db
from app.inventory.wire import Inventory
from app.list_params import MachineReportParams, UnusedParams
from app.payloads import validation_details
from app.services.machine_plugins import DRIFT, MISSING, machine_report
from app.services.machine_use import installed_use, unused_on_machine
from app.services.machines import MachineError, list_machines, machine_inventory, receive_inventory
from app.web.forms import InventoryUploadForm
from app.web.rendering import is_fragment_request, list_params, render_page

bp = Blueprint("machines", __name__, url_prefix="/machines")
# Problems listed under the upload form; the rest are counted.
SHOWN_PROBLEMS = 5


def _index(form, status=200):
    summaries = list_machines(db.session)
    formats = sorted({name for summary in summaries for name in summary.formats})
    return render_template("machines/index.html", summaries=summaries, formats=formats, form=form), status


@bp.get("")
@requires("viewer")
def index():
    """Every machine that sent an inventory, with its plug-ins counted per format."""
    return _index(InventoryUploadForm())


def _refused(form, message: str, details=()):
    shown = [f"{detail['path']}: {detail['message']}" if detail["path"] else detail["message"]
             for detail in details[:SHOWN_PROBLEMS]]
    more = len(details) - len(shown)
    form.inventory.errors = [message, *shown, *([f"… and {more} more."] if more > 0 else [])]
    return _index(form, 422)


@bp.post("/inventory")
@requires("editor")
def upload():
    """Receive an inventory file sent from the browser, as the API would."""
    form = InventoryUploadForm()
    if not form.validate_on_submit():
        return _index(form, 422)
    try:
        inventory = Inventory.model_validate_json(form.inventory.data.read())
    except ValidationError as exc:
        return _refused(form, "This file is not an inventory Session Stats reads: nothing was changed.",
                        validation_details(exc))
    name = (form.machine.data or "").strip() or inventory.machine
    try:
        with unit_of_work():
            received = receive_inventory(db.session, name, inventory, principal().name)
            audit("inventory.received", target=name,
                  details={"plugins": len(inventory.plugins), "changes": received.changes})
    except MachineError as exc:
        return _refused(form, exc.message)
    changed = ", ".join(f"{count} {change}" for change, count in sorted(received.changes.items())) or "no change"
    flash(f"Inventory of {name} received: {len(inventory.plugins)} plug-ins"
          + ("." if received.created else f" ({changed} since the last one)."))
    return redirect(url_for("machines.show", machine_name=name))


def _found(found, machine_name):
    if found is None:
        abort(404, description=f"No machine is named {machine_name!r}.")
    return found


@bp.get("/<machine_name>")
@requires("viewer")
def show(machine_name):
    """A machine's installed plug-ins with how the sessions' plugins match them, what its collection could not read,
    and its history."""
    found = _found(machine_inventory(db.session, machine_name), machine_name)
    return render_template("machines/show.html", found=found, machine=found.machine,
                           uses=installed_use(db.session, found.machine, found.plugins))


def _report_page(machine_name, kind):
    """The report of `kind` for the query string's filters and page; 404 for a machine nobody sent. The page comes
    at once and asks for its count after (counting every session affected takes longer than a page)."""
    params = list_params(MachineReportParams)
    counted = is_fragment_request()
    report = _found(machine_report(db.session, machine_name, kind, params.session_query(), params.limit,
                                   params.offset, counted=counted), machine_name)
    return render_page("machines/report.html", "summary", report=report, machine=report.machine, params=params)


@bp.get("/<machine_name>/missing")
@requires("viewer")
def missing(machine_name):
    """The sessions (filtered as the sessions list is) that would open with plugins missing on the machine."""
    return _report_page(machine_name, MISSING)


@bp.get("/<machine_name>/drift")
@requires("viewer")
def drift(machine_name):
    """The sessions (filtered as the sessions list is) saved with newer plugin versions than the machine has."""
    return _report_page(machine_name, DRIFT)


def unused_report(machine_name):
    """The unused plug-ins report for the query string's since; 404 for a machine nobody sent."""
    return _found(unused_on_machine(db.session, machine_name, list_params(UnusedParams).since_moment), machine_name)


@bp.get("/<machine_name>/unused")
@requires("viewer")
def unused(machine_name):
    """The machine's installed plug-ins no live session uses (since a date): the clean-up list."""
    report = unused_report(machine_name)
    return render_template("machines/unused.html", report=report, machine=report.machine)
