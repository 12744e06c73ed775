"""Serving the app with waitress: in this process, or in several processes that share one listening socket."""
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time

log = logging.getLogger(__name__)

# How often the parent looks for a serving process that has died, and how long it gives one to stop.
SUPERVISE_SECONDS = 1.0
STOP_SECONDS = 10.0


def serve_here(app, host: str, port: int, threads: int) -> None:
    """Serve `app` from this process until it is stopped."""
    from waitress import serve

    serve(app, host=host, port=port, threads=threads)


def serve_in_processes(host: str, port: int, threads: int, processes: int) -> None:
    """Serve from `processes` processes accepting on one socket, until this process is stopped (SIGINT or SIGTERM);
    one that dies is replaced. Each builds its own app, so no database connection crosses a process."""
    listener = socket.create_server((host, port), backlog=1024)
    # Spawned, not forked: a fresh interpreter inherits no thread, lock or connection of this one.
    spawn = multiprocessing.get_context("spawn")
    stopping = []
    previous = {number: signal.signal(number, lambda *_: stopping.append(True))
                for number in (signal.SIGINT, signal.SIGTERM)}
    children = [_start(spawn, listener, threads) for _ in range(processes)]
    try:
        while not stopping:
            time.sleep(SUPERVISE_SECONDS)
            for index, child in enumerate(children):
                if not child.is_alive() and not stopping:
                    log.warning("serving process %s ended (exit code %s); starting another", child.pid,
                                child.exitcode)
                    children[index] = _start(spawn, listener, threads)
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.join(STOP_SECONDS)
            if child.is_alive():
                child.kill()
        listener.close()
        for number, handler in previous.items():
            signal.signal(number, handler)


def _start(spawn, listener, threads):
    child = spawn.Process(target=_serve_on, args=(listener, threads, os.getpid()), daemon=True)
    child.start()
    return child


def _serve_on(listener: socket.socket, threads: int, parent: int) -> None:
    from waitress import serve

    from app import create_app

    threading.Thread(target=_end_with, args=(parent,), daemon=True).start()
    serve(create_app(), sockets=[listener], threads=threads)


def _end_with(parent: int) -> None:
    """End this process when its parent has gone, however it went (even killed), so the port is not kept."""
    while os.getppid() == parent:
        time.sleep(SUPERVISE_SECONDS)
    os._exit(0)
