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
# How often each consumer asks whether a scheduled backup is due.
BACKUP_CHECK = crontab(minute="*/5")


class JobQueue:
    """The huey queue that background jobs run on: SqliteHuey in instance/, or RedisHuey with a Redis URL.

    Each app gets its own huey, with one task, `run_job(job_pk)`, that runs the Job row's work
    through `runner` inside the app's context; and, given `scheduled_backup`, a periodic task that
    calls it every few minutes on whichever consumer takes it (it decides whether a backup is due).
    """

    def init_app(self, app, runner, scheduled_backup=None):
        """Make the app's huey from its settings and register the job task (and the backup check) on it."""
        name = app.config["JOB_QUEUE_NAME"]
        if app.config["REDIS_URL"]:
            huey = RedisHuey(name, url=app.config["REDIS_URL"], results=False)
        else:
            Path(app.instance_path).mkdir(parents=True, exist_ok=True)
            huey = SqliteHuey(name, filename=str(Path(app.instance_path) / "jobs.db"), results=False)

        @huey.task(name="run_job")
        def run_job(job_pk: int):
            with app.app_context():
                runner(job_pk)

        app.extensions["huey"] = huey
        app.extensions["huey.run_job"] = run_job
        if scheduled_backup is not None:
            @huey.periodic_task(BACKUP_CHECK, name="scheduled_backup")
            def check_backup_schedule():
                with app.app_context():
                    scheduled_backup()

            app.extensions["huey.scheduled_backup"] = check_backup_schedule

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


jobs = JobQueue()
