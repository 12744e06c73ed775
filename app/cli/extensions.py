"""`session-stats extensions`: what extensions are installed, and which are on."""
import click

from app.cli import cli
from app.cli.common import with_app_context
from app.hooks import disabled_names, installed_extensions


@cli.group()
def extensions():
    """Python packages that add hooks and file formats (entry-point group session_stats.extensions)."""


@extensions.command("list")
@with_app_context
def list_extensions():
    """Each installed extension: name, where it comes from, what it adds, and whether it is on."""
    off = disabled_names()
    for extension in installed_extensions():
        state = "failed to load" if extension.error else ("disabled" if extension.name in off else "enabled")
        adds = ", ".join(extension.hooks) or "nothing"
        click.echo(f"{extension.name}\t{state}\t{extension.origin}\t{adds}")
        if extension.error:
            click.echo(f"  {extension.error}")
    unknown = off - {extension.name for extension in installed_extensions()}
    if unknown:
        click.echo(f"Disabled in the settings but not installed: {', '.join(sorted(unknown))}")
