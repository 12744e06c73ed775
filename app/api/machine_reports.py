"""What breaks on each machine: the sessions that would open with plugins missing or older than saved, the installed
plug-ins nothing uses, and what removing a plugin or product would do on every machine."""
from pydantic import BaseModel, Field

from app.api import bp
from app.api.documented import documented
from app.api.machines import InstalledPluginAnswer, installed_answer
from app.api.sessions import query_params
from app.auth import requires
from app.errors import error_response
from app.extensions import db
from app.list_params import MachineReportParams, UnusedParams
from app.normalize import iso_utc
from app.services.machine_plugins import DRIFT, MISSING, machine_report
from app.services.machine_use import uninstall_impact, unused_on_machine


class AffectedPluginAnswer(BaseModel):
    """A plugin the session uses that the machine lacks in the format the session needs, or has only in an older
    version."""

    plugin_id: str
    name: str
    vendor: str | None
    version: str | None = Field(description="The version the session saved it with.")
    format: str | None
    instead: list[str] = Field(description="Missing: what the machine has of the same product instead; older: what "
                                           "it has of the plugin; as format and version (\"VST3 3.24.0\").")


class AffectedSessionAnswer(BaseModel):
    """A live session that would open with plugins missing (or older) on the machine."""

    session_id: str
    name: str
    artist: str | None
    daw: str | None
    created_at: str | None
    plugins: list[AffectedPluginAnswer]


class MachineReportAnswer(BaseModel):
    """A page of the sessions a machine would open with plugins missing (or older than saved), most recent first."""

    machine: str
    total: int = Field(description="How many sessions pass the filters and are affected.")
    plugins: int = Field(description="How many distinct plugins the live sessions use that the machine lacks (or has "
                                     "older).")
    limit: int
    offset: int
    sessions: list[AffectedSessionAnswer]


class UnusedAnswer(BaseModel):
    """A machine's installed plug-ins that no live session uses (since a moment, when given)."""

    machine: str
    since: str | None
    installed: int = Field(description="How many plug-ins the machine has in all.")
    plugins: list[InstalledPluginAnswer]


class MachineImpactAnswer(BaseModel):
    """What removing the plugin from one machine would do."""

    machine: str
    removed: list[str] = Field(description="The installed plug-ins that are it, as format and version; empty when the "
                                           "machine does not have it.")
    sessions: int = Field(description="How many live sessions would then open with a plugin missing there: those "
                                      "using it with no other installed plug-in standing in.")
    plugins: int = Field(description="How many of the sessions' plugins (spellings, versions) would go missing.")


class ImpactAnswer(BaseModel):
    """Per machine, by name, what removing the plugin there would do."""

    machines: list[MachineImpactAnswer]


def _report(machine_name: str, kind: str):
    params, refused = query_params(MachineReportParams)
    if refused:
        return refused
    report = machine_report(db.session, machine_name, kind, params.session_query(), params.limit, params.offset)
    if report is None:
        return error_response(404, f"No machine is named {machine_name!r}.")
    return {"machine": report.machine.name, "total": report.total, "plugins": report.plugins,
            "limit": report.limit, "offset": report.offset,
            "sessions": [{"session_id": session.session_id, "name": session.name, "artist": session.artist,
                          "daw": session.daw, "created_at": iso_utc(session.created_at),
                          "plugins": [vars(plugin) for plugin in session.plugins]} for session in report.sessions]}


@bp.get("/machines/<machine_name>/missing")
@requires("viewer")
@documented(MachineReportAnswer, "The sessions that would open with plugins missing on the machine.",
            query=MachineReportParams, errors=(404, 422))
def missing_api(machine_name):
    """The live sessions (filtered as the sessions list is) that use plugins the machine lacks, most recent first,
    each with the missing plugins and what the machine has of the same product instead."""
    return _report(machine_name, MISSING)


@bp.get("/machines/<machine_name>/drift")
@requires("viewer")
@documented(MachineReportAnswer, "The sessions saved with newer plugin versions than the machine has.",
            query=MachineReportParams, errors=(404, 422))
def drift_api(machine_name):
    """The live sessions (filtered as the sessions list is) saved with a newer version of a plugin than any the
    machine has of it, most recent first, each with those plugins and the versions installed."""
    return _report(machine_name, DRIFT)


@bp.get("/machines/<machine_name>/unused")
@requires("viewer")
@documented(UnusedAnswer, "The installed plug-ins nothing uses.", query=UnusedParams, errors=(404, 422))
def unused_api(machine_name):
    """The machine's installed plug-ins that no live session uses, or (with since) none created since then: the
    clean-up list. A plug-in only undated sessions use is not on it."""
    params, refused = query_params(UnusedParams)
    if refused:
        return refused
    report = unused_on_machine(db.session, machine_name, params.since_moment)
    if report is None:
        return error_response(404, f"No machine is named {machine_name!r}.")
    return {"machine": report.machine.name, "since": iso_utc(report.since), "installed": report.installed,
            "plugins": [installed_answer(use) for use in report.plugins]}


def _impact(impacts, missing_message: str):
    if impacts is None:
        return error_response(404, missing_message)
    return {"machines": [vars(impact) for impact in impacts]}


@bp.get("/plugins/<path:plugin_id>/impact")
@requires("viewer")
@documented(ImpactAnswer, "What removing the plugin would do on each machine.", errors=(404,))
def plugin_impact_api(plugin_id):
    """Per machine, how many live sessions would open with a plugin missing if the installed plug-ins that are this
    plugin (by pluginId) were removed there, counting only sessions with no other installed plug-in standing in."""
    return _impact(uninstall_impact(db.session, plugin_id=plugin_id), f"No plugin has id {plugin_id!r}.")


@bp.get("/products/<path:product_key>/impact")
@requires("viewer")
@documented(ImpactAnswer, "What removing the product would do on each machine.", errors=(404,))
def product_impact_api(product_key):
    """Per machine, how many live sessions would open with a plugin missing if every installed plug-in of this
    product were removed there."""
    return _impact(uninstall_impact(db.session, product_key=product_key), f"No product has key {product_key!r}.")
