"""What every command shares: failing with a message, printing JSON, running inside the app."""
import functools
import gc
import json

import click


def echo_json(value):
    """Print `value` as indented JSON."""
    click.echo(json.dumps(value, indent=2))


def fail(message, details=()):
    """Stop the command with `message` (and each detail's path and message) on stderr and exit status 1."""
    for detail in details:
        message += f"\n  {detail['path']}: {detail['message']}"
    raise click.ClickException(message)


def with_app_context(command):
    """Run `command` inside an app context: the app a test runner hands over as Flask's ScriptInfo, else a new one."""

    @click.pass_context
    @functools.wraps(command)
    def run(ctx, *args, **kwargs):
        from flask import current_app
        from flask.cli import ScriptInfo

        from app import create_app

        if current_app:
            return ctx.invoke(command, *args, **kwargs)
        info = ctx.find_object(ScriptInfo)
        if info is not None:
            app = info.load_app()
        else:
            app = create_app(web=False)
            # A command run as a program: what is loaded by now lives until it exits, and the collector, left to scan it
            # again at every full collection, would take longer than the work of a small command.
            gc.freeze()
        with app.app_context():
            return ctx.invoke(command, *args, **kwargs)

    return run
