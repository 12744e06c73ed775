"""`session-stats inventory`: what plug-ins a studio machine has installed."""
from pathlib import Path

import click

from app.cli import cli
from app.inventory import collect_inventory


@cli.group()
def inventory():
    """Installed plug-ins per machine: collect them on a studio machine."""


@inventory.command("collect", with_appcontext=False)
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
