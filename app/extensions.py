"""Flask extensions, created once here and bound to the app in create_app."""
import signal
import threading
from pathlib import Path

from flask import current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints let later migrations alter them, also in SQLite's batch mode.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def _csrf():
    from flask_wtf.csrf import CSRFProtect
    return CSRFProtect()


def _login_manager():
    from flask_login import LoginManager
    return LoginManager()


def _limiter():
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address
    return Limiter(key_func=get_remote_address)


# The web's own extensions (csrf, login_manager, limiter) are made when first imported, still once each: a command
# that serves no pages starts without loading them.
_MADE_ON_FIRST_USE = {"csrf": _csrf, "login_manager": _login_manager, "limiter": _limiter}


def __getattr__(name):
    if name not in _MADE_ON_FIRST_USE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    extension = globals()[name] = _MADE_ON_FIRST_USE[name]()
    return extension


class JobQueue:
    """The huey queue that background jobs run on: SqliteHuey in instance/, or RedisHuey with a Redis URL.

    Each app gets its own huey, made the first time the app queues or runs a job, so that a command that
    never does starts without it. `tasks()` returns what it runs: `runner`, which runs a Job row's work
    as the task `run_job(job_pk)`; (name, function) pairs, each queued with `call(name)`; and periodic
    ones, (name, crontab, function), which run on whichever consumer takes them (each decides whether
    anything is due). Each runs inside the app's context.
    """

    def __init__(self):
        self._making = threading.Lock()

    def init_app(self, app, tasks):
        """Keep `tasks` for the app's huey, made when first needed."""
        app.extensions["huey.tasks"] = tasks

    def huey_of(self, app):
        """The app's huey, made from its settings with its tasks on first use."""
        # Its tasks run on other threads, where `current_app` means nothing: they keep the app itself.
        app = getattr(app, "_get_current_object", lambda: app)()
        with self._making:
            if "huey" not in app.extensions:
                app.extensions["huey"] = self._make_huey(app, *app.extensions["huey.tasks"]())
        return app.extensions["huey"]

    @staticmethod
    def _make_huey(app, runner, tasks, periodic):
        from huey import RedisHuey, SqliteHuey

        name = app.config["JOB_QUEUE_NAME"]
        if app.config["REDIS_URL"]:
            huey = RedisHuey(name, url=app.config["REDIS_URL"], results=False)
        else:
            Path(app.instance_path).mkdir(parents=True, exist_ok=True)
            huey = SqliteHuey(name, filename=str(Path(app.instance_path) / "jobs.db"), results=False)

        def in_context(function):
            def run(*args):
                with app.app_context():
                    function(*args)
            return run

        app.extensions["huey.run_job"] = huey.task(name="run_job")(in_context(runner))
        for task_name, function in tasks:
            app.extensions[f"huey.{task_name}"] = huey.task(name=task_name)(in_context(function))
        for task_name, schedule, function in periodic:
            app.extensions[f"huey.{task_name}"] = huey.periodic_task(schedule, name=task_name)(in_context(function))
        return huey

    def task(self, app, name: str):
        """The app's task `name`: run_job, or one of its other tasks."""
        self.huey_of(app)
        return app.extensions[f"huey.{name}"]

    def start_consumer(self, app, workers: int = 1):
        """Run the app's queued jobs and periodic tasks on threads of this process, beside other work; returns the
        consumer to stop."""
        consumer = self.create_consumer(app, workers)
        # huey installs signal handlers for a run loop of its own, which is not used here: the process keeps its own.
        handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        consumer.start()
        for number, handler in handlers.items():
            signal.signal(number, handler)
        return consumer

    def create_consumer(self, app, workers: int = 1):
        """A consumer of the app's queue on `workers` threads that also runs the periodic tasks."""
        return self.huey_of(app).create_consumer(workers=workers, worker_type="thread", periodic=True)

    def enqueue(self, job_pk: int) -> None:
        """Queue the job for the next free worker."""
        self.task(current_app, "run_job")(job_pk)

    def call(self, task_name: str) -> None:
        """Queue one of the app's other tasks."""
        self.task(current_app, task_name)()


jobs = JobQueue()
