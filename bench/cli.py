"""How long `session-stats` takes to start and finish small jobs.

Run with `make bench-cli`. Times, in fresh processes on an instance in bench/data/cli (recreated each
run): `--help`; `extract` of one small REAPER file of the corpus; `ingest` of that file's POST body
into a migrated, empty SQLite index; and `extract --ingest` of the same file. Median of RUNS each, after
one run that is not counted. Python keeps the compiled modules, as an installed copy does, even where
PYTHONDONTWRITEBYTECODE is set for this shell.
Writes its section of bench/RESULTS.md.
"""
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.extract import CORPUS
from bench.results import write_section

RUNS = 7
HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "cli"


def timed(args: list[str], env: dict) -> float:
    """Seconds one `session-stats ARGS` takes in a new interpreter; fails on a non-zero exit."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "app.cli", *args], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main():
    shutil.rmtree(DATA, ignore_errors=True)
    DATA.mkdir(parents=True)
    env = {**os.environ, "SESSION_STATS_INSTANCE_PATH": str(DATA)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "app.cli", "setup"], env=env, check=True, capture_output=True)
    session_file = min(CORPUS.glob("rpp/*.rpp"), key=lambda path: path.stat().st_size)
    body = DATA / "body.json"
    body.write_bytes(subprocess.run([sys.executable, "-m", "app.cli", "extract", str(session_file)], env=env,
                                    check=True, capture_output=True).stdout)
    commands = [("`session-stats --help`", ["--help"]),
                (f"`session-stats extract {session_file.name}`", ["extract", str(session_file)]),
                ("`session-stats ingest body.json` (one session)", ["ingest", str(body)]),
                (f"`session-stats extract --ingest {session_file.name}`", ["extract", "--ingest", str(session_file)])]
    rows = []
    for label, args in commands:
        timed(args, env)
        seconds = statistics.median(timed(args, env) for _ in range(RUNS))
        rows.append(f"| {label} | {seconds:.2f} |")
        print(rows[-1])
    write_section("Command line", [
        f"`make bench-cli` on this machine ({os.cpu_count()} cores, Python {platform.python_version()}), median of "
        f"{RUNS} runs after one not counted, each in a new process, on SQLite, with the compiled modules kept. The session file is the corpus's smallest REAPER file "
        f"({session_file.stat().st_size:,} bytes); ingest writes it again each time, so it is an update after the "
        "first run.",
        "",
        "| command | seconds |",
        "|---|---:|",
        *rows,
    ])


if __name__ == "__main__":
    main()
