"""The command line loads only what the command it runs needs: help and extraction start without the server side."""
import importlib
import json
import os
import subprocess
import sys

import click
import pytest

from app.cli import COMMANDS, cli
from tests.extractors.conftest import CORPUS

from tests.helpers import SEED_EXAMPLE

SERVER_SIDE = ("flask", "sqlalchemy", "huey", "alembic", "scipy")
# What a command that writes to the index does not need: the pages and the API, their own extensions, migrations,
# scans, the job queue.
WEB_SIDE = ("app.web", "app.api", "flask_limiter", "flask_wtf", "app.scanning", "flask_migrate", "alembic", "huey")


def run_and_list_modules(*args, env=None, modules=SERVER_SIDE):
    """Run `session-stats ARGS` in a fresh interpreter; its output, which of `modules` it had imported, and how many
    objects it had set aside from the garbage collector's scans."""
    script = ("import gc, json, sys\nfrom app.cli import cli\n"
              "try:\n    cli(sys.argv[1:])\nexcept SystemExit as exit:\n    code = exit.code\n"
              f"print(json.dumps({{'code': code, 'loaded': [m for m in {modules!r} if m in sys.modules], "
              "'frozen': gc.get_freeze_count()}), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120, env=env)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report, done.stdout


def test_help_lists_every_command_without_importing_the_server_side():
    report, output = run_and_list_modules("--help")
    assert report == {"code": 0, "loaded": [], "frozen": 0}
    listed = [line.split()[0] for line in output.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == sorted(COMMANDS)


def test_extract_reads_a_file_without_importing_the_server_side():
    path = next(CORPUS.glob("rpp/*.rpp"))
    report, output = run_and_list_modules("extract", str(path))
    assert report == {"code": 0, "loaded": [], "frozen": 0}
    [session] = json.loads(output)["payload"]["sessions"]
    assert session["daw"] == "REAPER" and session["path"] == str(path)


def test_ingest_writes_without_loading_the_web_side(tmp_path):
    env = {**os.environ, "SESSION_STATS_INSTANCE_PATH": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "app.cli", "setup"], env=env, check=True, capture_output=True, timeout=120)
    body = tmp_path / "body.json"
    body.write_text(json.dumps(SEED_EXAMPLE))
    report, output = run_and_list_modules("ingest", str(body), env=env, modules=WEB_SIDE)
    assert (report["code"], report["loaded"]) == (0, [])
    # What it loaded, and the app, live until it exits: the collector does not scan them again and again.
    assert report["frozen"] > 50_000
    [session_id] = json.loads(output)["insertedIds"]
    report, output = run_and_list_modules("export", env=env, modules=WEB_SIDE)
    assert (report["code"], report["loaded"]) == (0, [])
    [session] = json.loads(output)["sessions"]
    assert (session["id"], session["name"]) == (session_id, "Session A")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_each_listed_summary_is_the_commands_own_first_sentence(name):
    """The list `--help` prints comes from the table, so it must say what the command itself says."""
    context = click.Context(cli)
    command = cli.get_command(context, name)
    assert command is not None
    assert COMMANDS[name].summary == command.get_short_help_str(limit=1000)


def test_every_command_module_registers_only_the_commands_the_table_names():
    context = click.Context(cli)
    for module in {entry.module for entry in COMMANDS.values()}:
        importlib.import_module(module)
    registered = set(cli.commands)
    assert registered <= set(COMMANDS)
    assert cli.get_command(context, "nonesuch") is None


def test_flask_commands_find_the_app(app):
    result = app.test_cli_runner().invoke(cli, ["routes"])
    assert result.exit_code == 0, result.output
    assert "/api/session-stats" in result.output
    assert app.test_cli_runner().invoke(cli, ["db", "current"]).exit_code == 0
