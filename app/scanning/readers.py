"""The processes that read a scan's files: each reads one file at a time, within a time limit, and dies with the scan.

A reader that spends longer than the limit on one file (a share that stops answering, a parser
that spins) is killed and replaced, and that file alone becomes a file error; the files queued
behind it go to the new reader. Each reader is a program of its own (`run_reader`), a child of
the thread running the scan, talking over a socket pair: it imports only what reading needs
(never the program that started the scan, as multiprocessing would), and asks the kernel to
kill it when that thread ends, so neither a crash nor kill -9 leaves a reader behind. Stopping the readers kills them at once, wherever they are.
"""
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator
from multiprocessing.connection import Connection, wait

from app.scanning import examine as examining
from app.scanning.examine import Examined, examine

# Files sent to one reader ahead of its answers: enough that it keeps reading while the scan writes a batch.
QUEUED_PER_READER = 16
# A reader says so once it has started; until then (imports take a second or more on a busy machine) its first
# file's time does not run, this one does.
READY = "ready"
STARTUP_SECONDS = 120
PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when the thread that started it ends (Linux); end now if it already has."""
    try:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # elsewhere a reader ends when the scan's end of its socket closes
        pass
    if os.getppid() != parent:
        sys.exit(0)


def _read_files(connection: Connection) -> None:
    """A reader's life: examine each (path, known hash) received and send back what it gave, until the socket
    closes."""
    while True:
        try:
            path, known = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(examine(path, known))


class Reader:
    """One reader process, whether it has started, the files sent to it in order, and when it started on the first
    of them (or was started itself)."""

    def __init__(self):
        ours, theirs = socket.socketpair()
        # The reader finds what this process imports where this process finds it (extensions included).
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, sys.path))}
        with theirs:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from app.scanning.readers import run_reader; run_reader()",
                 str(theirs.fileno()), str(os.getpid())],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=environment)
        self.connection = Connection(ours.detach())
        self.ready = False
        self.queue: deque = deque()
        self.since = time.monotonic()

    def send(self, item, known) -> None:
        """Queue a file (`item.path` as the index stores it) for this reader; OSError when the reader is gone."""
        self.connection.send((item.path, known))
        if not self.queue and self.ready:
            self.since = time.monotonic()
        self.queue.append((item, known))

    def heard(self, message) -> bool:
        """Take a message from the process: it has started, or the first queued file is done (the next one starts
        now); whether it was a file's answer."""
        self.since = time.monotonic()
        if not self.ready and message == READY:
            self.ready = True
            return False
        self.queue.popleft()
        return True

    def overdue(self, seconds: float) -> bool:
        """Whether it has spent longer than `seconds` on its file (or on starting)."""
        limit = seconds if self.ready else max(seconds, STARTUP_SECONDS)
        return bool(self.queue) and time.monotonic() - self.since > limit

    def kill(self) -> None:
        """Stop the process at once and close its socket."""
        self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:  # stuck in the kernel (a share that stopped answering): it ends later
            pass
        self.connection.close()


class Readers:
    """`count` reader processes with a per-file time limit, as a context manager that kills them on leaving."""

    def __init__(self, count: int, seconds: float):
        self.seconds = seconds
        self.readers = [Reader() for _ in range(count)]

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop()

    def read(self, files: list, timeout: float) -> Iterator[list]:
        """Read `files`, (item, known hash) pairs: the answers come as lists, one at least every `timeout` seconds
        (an empty one when none came), in the order they are ready."""
        remaining = list(reversed(files))
        while remaining or any(reader.queue for reader in self.readers):
            while remaining and any(len(reader.queue) < QUEUED_PER_READER for reader in self.readers):
                self._send(*remaining.pop())
            yield self._answers(timeout)

    def _send(self, item, known) -> None:
        """Give a file to the reader with the fewest waiting."""
        reader = min(self.readers, key=lambda reader: len(reader.queue))
        try:
            reader.send(item, known)
        except OSError:  # it died while it had nothing to read
            self._replace(reader).send(item, known)

    def _answers(self, timeout: float) -> list:
        """(item, Examined) for each file read within `timeout` seconds, and for each file a reader died on or took
        longer than the limit over (that reader replaced)."""
        done = []
        by_connection = {reader.connection: reader for reader in self.readers if reader.queue}
        for connection in wait(list(by_connection), timeout):
            reader = by_connection[connection]
            while reader.queue and self._answer(reader, done) and reader.connection.poll():
                pass
        for reader in list(self.readers):
            if reader.overdue(self.seconds):
                self._replace(reader, done, f"reading it took longer than {self.seconds:g} s: the process reading "
                                            "it was stopped (the file system did not answer, or the file is built "
                                            "so that reading it never ends)")
        return done

    def _answer(self, reader: Reader, done: list) -> bool:
        """Take one answer from the reader; False when it died instead (it is then replaced)."""
        try:
            examined = reader.connection.recv()
        except (EOFError, OSError):
            self._replace(reader, done, "the process reading it stopped unexpectedly (out of memory, or killed)")
            return False
        item = reader.queue[0][0]
        if reader.heard(examined):
            done.append((item, examined))
        return True

    def _replace(self, reader: Reader, done: list | None = None, why: str | None = None) -> Reader:
        """Kill a reader and start another; with `why`, its current file fails for that reason; the files queued
        behind it go to the new one."""
        reader.kill()
        if why is not None:
            item, _ = reader.queue.popleft()
            done.append((item, Examined(item.path, examining.FAILED, error=why)))
        fresh = Reader()
        self.readers[self.readers.index(reader)] = fresh
        for item, known in reader.queue:
            fresh.send(item, known)
        return fresh

    def stop(self) -> None:
        """Kill every reader, wherever it is."""
        for reader in self.readers:
            reader.kill()


def run_reader() -> None:
    """The reader program's body: `python -c "…run_reader()" SOCKET_FD PARENT_PID`."""
    socket_fd, parent = map(int, sys.argv[1:3])
    _die_with_parent(parent)
    connection = Connection(socket_fd)
    connection.send(READY)
    _read_files(connection)
