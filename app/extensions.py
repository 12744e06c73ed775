"""Flask extensions, created once here and bound to the app in create_app."""
import signal
from pathlib import Path

from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from huey import RedisHuey, SqliteHuey, crontab
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
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address)
# How often a consumer asks whether a scheduled backup is due, and whether a sync or a webhook's retry is.
BACKUP_CHECK = crontab(minute="*/5")
EVERY_MINUTE = crontab(minute="*")


class JobQueue:
    """The huey queue that background jobs run on: SqliteHuey in instance/, or RedisHuey with a Redis URL.

    Each app gets its own huey, with one task, `run_job(job_pk)`, that runs the Job row's work
    through `runner` inside the app's context; the `tasks` given, (name, function) pairs, each queued
    with `call(name)`; and the `periodic` ones, (name, crontab, function), which run on whichever
    consumer takes them (each decides whether anything is due).
    """

    def init_app(self, app, runner, tasks=(), periodic=()):
        """Make the app's huey from its settings and register the job task, the other tasks and the periodic ones."""
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

        app.extensions["huey"] = huey
        app.extensions["huey.run_job"] = huey.task(name="run_job")(in_context(runner))
        for task_name, function in tasks:
            app.extensions[f"huey.{task_name}"] = huey.task(name=task_name)(in_context(function))
        for task_name, schedule, function in periodic:
            app.extensions[f"huey.{task_name}"] = huey.periodic_task(schedule, name=task_name)(in_context(function))

    @property
    def huey(self):
        """The current app's huey."""
        return current_app.extensions["huey"]

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

    @staticmethod
    def create_consumer(app, workers: int = 1):
        """A consumer of the app's queue on `workers` threads that also runs the periodic tasks."""
        return app.extensions["huey"].create_consumer(workers=workers, worker_type="thread", periodic=True)

    def enqueue(self, job_pk: int) -> None:
        """Queue the job for the next free worker."""
        current_app.extensions["huey.run_job"](job_pk)

    def call(self, task_name: str) -> None:
        """Queue one of the app's other tasks."""
        current_app.extensions[f"huey.{task_name}"]()


jobs = JobQueue()
