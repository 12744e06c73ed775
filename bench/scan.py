"""Archive scan throughput: a generated tree of session files in six formats, first scan and no-change rescan.

Run with `make bench-scan`. Writes FILES session files into bench/data/scan/archive (kept between
runs, rewritten when its size differs), each a typical session of SIZE written in its real format
by bench/extract.py's writers, in folders per client and project as studios keep them. Then, on a
fresh SQLite index, times:

- the first scan (every file read and ingested), as `session-stats scan` runs it;
- a no-change rescan (every file skipped as unchanged);
- reading alone: the same files through the same reader processes, with no database, which is
  what a scan limited by parsing would take;
- ingest alone: the sessions read, ingested in the scan's batches, with no reading.

Writes its section of bench/RESULTS.md.
"""
import os
import platform
import shutil
import time
from pathlib import Path

from app import create_app
from app.database import unit_of_work, upgrade_database
from app.extensions import db
from app.models import Job
from app.scanning import run_job, start_scan
from app.scanning.readers import Readers
from app.scanning.scan import BATCH_SESSIONS
from app.scanning.walk import FoundFile
from app.services.bulk import chunked
from app.services.ingest import ingest_sessions
from bench.extract import FORMATS, Size
from bench.results import write_section

FILES = 10_000
CLIENTS, PROJECTS_PER_CLIENT = 40, 25
# About a typical session: 40 tracks, 120 plugin instances (FL Studio: 28 channels, 12 inserts of 4 effects).
SIZE = Size(tracks=40, plugins=3, state_bytes=256, clips=4, fl_inserts=12, fl_slots=4)
HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "scan"
ARCHIVE = DATA / "archive"
MARKER = ARCHIVE / ".complete"


def archive_files() -> list[Path]:
    """The tree's session files, written first when the tree is absent or of another size."""
    if MARKER.exists() and MARKER.read_text() == f"{FILES} {SIZE}":
        return sorted(p for p in ARCHIVE.rglob("*") if p.is_file() and p != MARKER)
    shutil.rmtree(ARCHIVE, ignore_errors=True)
    started = time.perf_counter()
    paths = []
    for number in range(FILES):
        label, _, name, write = FORMATS[number % len(FORMATS)]
        client = number % CLIENTS
        folder = ARCHIVE / f"Client {client:02}" / f"Project {number // CLIENTS % PROJECTS_PER_CLIENT:02}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"Session {number:05}{Path(name).suffix}"
        write(path, SIZE)
        paths.append(path)
    MARKER.write_text(f"{FILES} {SIZE}")
    print(f"wrote {FILES:,} session files in {time.perf_counter() - started:.0f} s", flush=True)
    return sorted(paths)


def timed_scan(app) -> tuple[float, Job]:
    with app.app_context():
        started = time.perf_counter()
        with unit_of_work():
            job = start_scan(db.session, [str(ARCHIVE)], [], "bench")
        run_job(job.pk)
        seconds = time.perf_counter() - started
        db.session.expire_all()
        return seconds, db.session.get(Job, job.pk)


def reading_alone(paths: list[Path], processes: int, seconds: float) -> tuple[float, list]:
    """Every file read by the scan's reader processes, with no database."""
    started = time.perf_counter()
    results = []
    with Readers(processes, seconds) as readers:
        for answers in readers.read([(FoundFile(str(path), 0, 0), None) for path in paths], timeout=1.0):
            results += [examined for _, examined in answers]
    return time.perf_counter() - started, results


def ingest_alone(app, sessions: list) -> float:
    """The sessions ingested in the scan's batch size into an empty index, with no reading."""
    with app.app_context():
        started = time.perf_counter()
        for batch in chunked(sessions, BATCH_SESSIONS):
            with unit_of_work():
                ingest_sessions(db.session, list(batch))
        return time.perf_counter() - started


def fresh_app(name: str):
    instance = DATA / name
    shutil.rmtree(instance, ignore_errors=True)
    app = create_app({"INSTANCE_PATH": str(instance)})
    with app.app_context():
        upgrade_database()
    return app


def main():
    paths = archive_files()
    megabytes = sum(p.stat().st_size for p in paths) / 1e6
    app = fresh_app("instance")
    processes = app.config["SCAN_PROCESSES"]
    first_seconds, first = timed_scan(app)
    assert first.status == "succeeded" and first.result["added"] == FILES, first.result
    print(f"first scan: {first_seconds:.1f} s, {FILES / first_seconds:,.0f} files/s", flush=True)
    rescan_seconds, rescan = timed_scan(app)
    assert rescan.result["unchanged"] == FILES, rescan.result
    print(f"no-change rescan: {rescan_seconds:.2f} s, {FILES / rescan_seconds:,.0f} files/s", flush=True)
    read_seconds, results = reading_alone(paths, processes, app.config["SCAN_READ_SECONDS"])
    print(f"reading alone: {read_seconds:.1f} s", flush=True)
    ingest_seconds = ingest_alone(fresh_app("ingest-only"), [r.session for r in results])
    print(f"ingest alone: {ingest_seconds:.1f} s", flush=True)

    lines = [
        f"`make bench-scan` on this machine ({os.cpu_count()} cores, Python {platform.python_version()}, SQLite, "
        f"{processes} reading processes). A generated tree of {FILES:,} session files ({megabytes:,.0f} MB) in "
        f"{CLIENTS} client folders of {PROJECTS_PER_CLIENT} projects, the six formats in turn (Pro Tools text "
        f"export, REAPER, Ableton Live, FL Studio, Studio One, DAWproject), each session {SIZE.tracks} tracks of "
        f"{SIZE.plugins} plugins written in its real format. One run each; the tree is warm in the page cache.",
        "",
        "| run | seconds | files/s |",
        "|---|---:|---:|",
        f"| first scan (read and ingest everything) | {first_seconds:.1f} | {FILES / first_seconds:,.0f} |",
        f"| no-change rescan (everything skipped) | {rescan_seconds:.2f} | {FILES / rescan_seconds:,.0f} |",
        f"| reading alone, same processes, no database | {read_seconds:.1f} | {FILES / read_seconds:,.0f} |",
        f"| ingest alone, batches of {BATCH_SESSIONS}, no reading | {ingest_seconds:.1f} | "
        f"{FILES / ingest_seconds:,.0f} |",
        "",
        f"The first scan takes {first_seconds / read_seconds:.2f}x the time of reading alone and "
        f"{first_seconds / ingest_seconds:.2f}x that of ingesting alone.",
    ]
    write_section("Scan", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
