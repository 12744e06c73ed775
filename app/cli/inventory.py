"""`session-stats inventory`: what plug-ins a studio machine has installed, collected there and sent to the
server."""
import os
from pathlib import Path
from urllib.parse import quote

import click
import httpx
from pydantic import ValidationError

from app.cli import cli
from app.cli.common import fail
from app.inventory import collect_inventory
from app.inventory.wire import Inventory

TOKEN_VARIABLE = "SESSION_STATS_TOKEN"


@cli.group()
def inventory():
    """Installed plug-ins per machine: collect them on a studio machine, then send them to the server."""


@inventory.command("collect")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--machine", default=None, help="The machine's name (default: its host name).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None,
              help="Write the inventory to this file (default: print it).")
def collect_command(paths, machine, output):
    """Write a JSON inventory of the plug-ins in PATHS (folders, bundles, REAPER's reaper-vstplugins64.ini and
    reaper-clap-*.ini, Live's Live-files-*.db), or in this system's standard plug-in folders when none are given.
    No plug-in code is loaded; what cannot be read is listed with the reason."""
    collected = collect_inventory(list(paths), machine)
    text = collected.model_dump_json(by_alias=True, exclude_none=True, indent=2)
    if output is None:
        click.echo(text)
    else:
        output.write_text(text + "\n", encoding="utf-8")
    click.echo(f"{len(collected.plugins)} plug-ins on {collected.machine} ({collected.os}); "
               f"{len(collected.unreadable)} could not be read.", err=True)
    for unreadable in collected.unreadable:
        click.echo(f"  {unreadable.path}: {unreadable.reason}", err=True)


@inventory.command("push")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--server", required=True, help="The Session Stats server's address, such as http://studio:5000.")
@click.option("--machine", default=None, help="Send it as this machine (default: the name in the file).")
def push_command(file, server, machine):
    """Send an inventory FILE to a server, as an editor's API token (read from SESSION_STATS_TOKEN) allows."""
    token = os.environ.get(TOKEN_VARIABLE)
    if not token:
        fail(f"Set {TOKEN_VARIABLE} to an API token of an editor or admin of the server.")
    try:
        collected = Inventory.model_validate_json(file.read_bytes())
    except ValidationError as exc:
        fail(f"{file} is not an inventory: {exc.errors()[0]['msg']} at {'.'.join(map(str, exc.errors()[0]['loc']))}")
    name = machine or collected.machine
    url = f"{server.rstrip('/')}/api/machines/{quote(name, safe='')}/inventory"
    try:
        answer = httpx.post(url, content=collected.model_dump_json(by_alias=True, exclude_none=True),
                            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                            timeout=120)
    except httpx.HTTPError as exc:
        fail(f"Cannot reach {server}: {exc}")
    try:
        body = answer.json()
    except ValueError:
        body = {}
    if answer.status_code != 200:
        error = body.get("error", {}) if isinstance(body, dict) else {}
        fail(f"The server refused the inventory ({answer.status_code}): {error.get('message') or answer.text[:200]}",
             error.get("details") or ())
    changes = ", ".join(f"{count} {change}" for change, count in sorted(body["changes"].items())) or "no change"
    click.echo(f"Sent {len(collected.plugins)} plug-ins as {name}: "
               + ("a new machine." if body["created"] else f"{changes} since its last inventory."))
