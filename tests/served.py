"""The app served over real HTTP by waitress, as in production, from a thread on a free loopback port."""
import threading
from contextlib import contextmanager

from waitress import wasyncore
from waitress.server import create_server


@contextmanager
def served(app, threads: int = 4):
    """`app` served by waitress with `threads` worker threads while the block runs; the base URL."""
    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    loop = threading.Thread(target=server.run, daemon=True)
    loop.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Closed from the server's own loop, between two of its polls: closing its sockets from here
        # would pull them out from under a poll in progress. With nothing left to watch, the loop ends.
        try:
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:
            # The loop's wake-up pipe is already gone (its loop has ended): close what is left from here.
            wasyncore.close_all(server._map)
        loop.join(timeout=10)
        server.task_dispatcher.shutdown()
