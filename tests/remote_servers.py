"""Two real Session Stats servers for the sync tests: A, the remote, on SQLite; B, the test's `app`, pulling it."""
import itertools
import shutil
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass

from app import create_app
from app.extensions import db, jobs
from tests.auth import Auth
from tests.helpers import app_settings
from tests.served import served


class CountingRequests:
    """WSGI middleware that counts the requests by path, to see what a sync asked for."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.paths = Counter()

    def __call__(self, environ, start_response):
        self.paths[environ["PATH_INFO"]] += 1
        return self.wsgi_app(environ, start_response)


@dataclass
class Server:
    """A served app: its URL, an admin's client and a viewer token for others to pull it with."""

    app: object
    url: str
    client: object
    token: str
    requests: CountingRequests


def remote_app(tmp_path, sqlite_template, **settings):
    """A second app (A) on a SQLite database of its own."""
    folder = tmp_path / "remote"
    folder.mkdir()
    shutil.copyfile(sqlite_template, folder / "a.db")
    return create_app(app_settings(folder, f"sqlite:///{folder / 'a.db'}", CHANGE_MARGIN_SECONDS=0, **settings))


@contextmanager
def serving(app, consumer: bool = False):
    """`app` under waitress (and running its queued jobs and webhooks, with `consumer`) while the block runs."""
    app.wsgi_app = counting = CountingRequests(app.wsgi_app)
    auth = Auth(app)
    # Apart from the accounts the test's own Auth makes.
    auth.numbers = itertools.count(1000)
    running = jobs.start_consumer(app, workers=2) if consumer else None
    try:
        with served(app) as url:
            yield Server(app, url, auth.client("admin", token_role="admin"), auth.token("viewer"), counting)
    finally:
        if running is not None:
            running.stop(graceful=True)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
