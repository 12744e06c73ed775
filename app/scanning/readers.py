"""The processes that read a scan's files: each reads one file at a time, within a time limit, and dies with the scan.

A reader that spends longer than the limit on one file (a share that stops answering, a parser
that spins) is killed and replaced, and that file alone becomes a file error; the files queued
behind it go to the new reader. Readers are started as new programs (this process has threads,
so it does not fork), as children of the thread running the scan, and ask the kernel to kill
them when that thread ends: neither a crash nor kill -9 leaves a reader behind. (The fork server
would be their parent instead, and it waits for its children to end.) Stopping the readers kills
them at once, wherever they are.
"""
import ctypes
import multiprocessing
import signal
import time
from collections import deque
from multiprocessing.connection import wait

from app.scanning import examine as examining
from app.scanning.examine import Examined, examine

# Files sent to one reader ahead of its answers: enough that it keeps reading while the scan writes a batch.
QUEUED_PER_READER = 16
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """Have the kernel kill this process when the thread that started it ends (Linux).

    Elsewhere, or when the parent ended before this was asked, the reader still ends when the scan's end of its pipe
    closes, unless it is stuck reading.
    """
    try:
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _read_files(connection) -> None:
    """A reader's life: examine each (path, known hash) received and send back what it gave, until the pipe closes."""
    _die_with_parent()
    while True:
        try:
            path, known = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(examine(path, known))


class Reader:
    """One reader process, the files sent to it in order, and when it started on the first of them."""

    def __init__(self, context):
        self.connection, theirs = context.Pipe()
        self.process = context.Process(target=_read_files, args=(theirs,), daemon=True)
        self.process.start()
        theirs.close()
        self.queue: deque = deque()
        self.since = time.monotonic()

    def send(self, item, known) -> None:
        """Queue a file (`item.path` as the index stores it) for this reader; OSError when the reader is gone."""
        self.connection.send((item.path, known))
        if not self.queue:
            self.since = time.monotonic()
        self.queue.append((item, known))

    def answered(self) -> None:
        """The first queued file is done: the next one starts now."""
        self.queue.popleft()
        self.since = time.monotonic()

    def kill(self) -> None:
        """Stop the process at once and close its pipe."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.connection.close()


class Readers:
    """`count` reader processes with a per-file time limit, as a context manager that kills them on leaving."""

    def __init__(self, count: int, seconds: float):
        self.context = multiprocessing.get_context("spawn")
        self.seconds = seconds
        self.readers = [Reader(self.context) for _ in range(count)]

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop()

    def has_room(self) -> bool:
        """Whether a reader can take another file."""
        return any(len(reader.queue) < QUEUED_PER_READER for reader in self.readers)

    def pending(self) -> int:
        """Files sent and not yet answered."""
        return sum(len(reader.queue) for reader in self.readers)

    def send(self, item, known) -> None:
        """Give a file to the reader with the fewest waiting."""
        reader = min(self.readers, key=lambda reader: len(reader.queue))
        try:
            reader.send(item, known)
        except OSError:  # it died while it had nothing to read
            self._replace(reader).send(item, known)

    def answers(self, timeout: float) -> list:
        """(item, Examined) for each file read within `timeout` seconds, and for each file a reader died on or took
        longer than the limit over (that reader replaced)."""
        done = []
        by_connection = {reader.connection: reader for reader in self.readers if reader.queue}
        for connection in wait(list(by_connection), timeout):
            reader = by_connection[connection]
            while reader.queue and self._answer(reader, done) and reader.connection.poll():
                pass
        now = time.monotonic()
        for reader in list(self.readers):
            if reader.queue and now - reader.since > self.seconds:
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
        done.append((reader.queue[0][0], examined))
        reader.answered()
        return True

    def _replace(self, reader: Reader, done: list | None = None, why: str | None = None) -> Reader:
        """Kill a reader and start another; with `why`, its current file fails for that reason; the files queued
        behind it go to the new one."""
        reader.kill()
        if why is not None:
            item, _ = reader.queue.popleft()
            done.append((item, Examined(item.path, examining.FAILED, error=why)))
        fresh = Reader(self.context)
        self.readers[self.readers.index(reader)] = fresh
        for item, known in reader.queue:
            fresh.send(item, known)
        return fresh

    def stop(self) -> None:
        """Kill every reader, wherever it is."""
        for reader in self.readers:
            reader.kill()
