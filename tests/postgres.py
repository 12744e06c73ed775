"""A throwaway PostgreSQL cluster for the test session, on a free loopback port."""
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


def server_binaries() -> Path | None:
    """The bin folder of the newest installed PostgreSQL server, if any."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """initdb + pg_ctl in a temporary folder; PostgreSQL refuses to run as root, so it runs as postgres."""

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.base = Path(tempfile.mkdtemp(prefix="session-stats-pg-"))
        self.data = self.base / "data"
        self.port = free_port()
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_owner:
            shutil.chown(self.base, "postgres", "postgres")

    def _run(self, *args):
        subprocess.run([*self.as_owner, *args], check=True, capture_output=True, text=True)

    def start(self):
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "-E", "UTF8", "--no-sync")
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
                  str(self.base / "server.log"), "-w", "start")

    def stop(self):
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def url(self, database="postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name) -> str:
        """Create an empty database and return its SQLAlchemy URL."""
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
                             autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def someone_waits_for_a_lock(url: str, seconds: float = 30) -> bool:
    """Whether, within `seconds`, a connection to the PostgreSQL database at `url` (SQLAlchemy form) waits for a
    lock another holds."""
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as watcher:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'").fetchone()[0]:
                return True
            time.sleep(0.05)
    return False
