"""The `session-stats` command. Each area's commands live in a module of their own, imported only when one of them
runs, so that `--help` and `extract` start without loading the server side."""
import importlib
from typing import NamedTuple

import click

from app.gc_pause import gc_paused


class Entry(NamedTuple):
    module: str
    summary: str  # what `--help` lists; a test holds it equal to the command's own first sentence


COMMANDS = {
    "backup": Entry("app.cli.maintenance",
                    "Write the database and the instance files to one .tar.gz, consistently, while the server runs."),
    "db": Entry("flask_migrate.cli", "Perform database migrations."),
    "export": Entry("app.cli.sessions", "Write the whole index as SessionStatsData JSON to stdout, a session at a time."),
    "extensions": Entry("app.cli.extensions", "Python packages that add hooks and file formats (entry-point group "
                                              "session_stats.extensions)."),
    "extract": Entry("app.cli.files", "Read session files (Pro Tools text export, REAPER, Ableton Live, FL Studio, "
                                      "Studio One, DAWproject)."),
    "import-legacy": Entry("app.cli.sessions", "Import a SessionStatsData JSON file from the older JSON store."),
    "ingest": Entry("app.cli.sessions", "Ingest a file (or - for stdin) with the body of POST /api/session-stats."),
    "inventory": Entry("app.cli.inventory", "Installed plug-ins per machine: collect them on a studio machine, then "
                                            "send them to the server."),
    "keys": Entry("app.cli.sources", "The encryption keys of the secrets kept in the database (remote tokens, webhook "
                                     "secrets)."),
    "restore": Entry("app.cli.maintenance", "Check a backup, then restore it into this empty instance, migrate it and "
                                            "check its figures."),
    "rollups": Entry("app.cli.maintenance", "The figures the index keeps from its rows: products, counts, totals, "
                                            "search indexes, cached stats."),
    "routes": Entry("flask.cli", "Show the routes for the app."),
    "samples": Entry("app.cli.maintenance", "The sample sessions `setup --sample` loads (and `make run`), made up to "
                                            "try Session Stats with."),
    "scan": Entry("app.cli.scans", "Scan folders or files for sessions: new and changed files are read, unchanged "
                                      "ones skipped."),
    "serve": Entry("app.cli.server", "Serve the dashboard and API with a production WSGI server (waitress)."),
    "setup": Entry("app.cli.server", "Migrate the database; on first creation import instance/session-stats.json if "
                                     "present."),
    "shell": Entry("flask.cli", "Run a shell in the app context."),
    "sources": Entry("app.cli.sources", "Manage the remote Session Stats servers this one pulls sessions from."),
    "tokens": Entry("app.cli.accounts", "Manage API tokens."),
    "trash": Entry("app.cli.sessions", "The trash: sessions moved out of the index, which can come back."),
    "users": Entry("app.cli.accounts", "Manage the accounts that sign in to the dashboard."),
    "worker": Entry("app.cli.server", "Run queued background jobs (scans) and scheduled backups until stopped, without "
                                      "the web server."),
}

# Flask's and Flask-Migrate's own commands, which find the app through Flask's ScriptInfo.
FLASK_COMMANDS = {"db": "db", "routes": "routes_command", "shell": "shell_command"}


class LazyGroup(click.Group):
    """A group that imports a command's module when the command is asked for."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        entry = COMMANDS.get(name)
        if entry is None:
            return None
        # A command's modules make hundreds of thousands of objects that live as long as the process: the collector
        # would scan them again and again while they load.
        with gc_paused():
            module = importlib.import_module(entry.module)
        if name in FLASK_COMMANDS:
            _give_flask_the_app(ctx)
            return getattr(module, FLASK_COMMANDS[name])
        return self.commands[name]

    def format_commands(self, ctx, formatter):
        limit = formatter.width - 6 - max(map(len, COMMANDS))
        with formatter.section("Commands"):
            formatter.write_dl([(name, _shortened(entry.summary, limit))
                                for name, entry in sorted(COMMANDS.items())])


def _shortened(text, limit):
    return text if len(text) <= limit else text[:limit - 3].rsplit(" ", 1)[0] + "..."


def _give_flask_the_app(ctx):
    from flask.cli import ScriptInfo

    from app import create_app

    if ctx.find_object(ScriptInfo) is None:
        ctx.obj = ScriptInfo(create_app=create_app)


@click.group(cls=LazyGroup)
def cli():
    """Session Stats: index a studio's DAW sessions, tracks and plugins."""
