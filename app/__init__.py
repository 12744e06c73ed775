"""Session Stats: a self-hosted index of a studio's DAW sessions."""
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None, web=True):
    """Build the Flask app; `config` overrides settings (tests pass their own). Without `web`, the app has no pages,
    API or request handling: what a command needs to read and write the index, started in a fraction of the time."""
    # Imported here, not at the top: the command line and the extractors import `app.*` without the server side.
    from flask import Flask

    from app.config import load_config
    from app.credentials import init_credentials
    from app.database import bind_migrations, configure_engine
    from app.extensions import db, jobs

    config = dict(config or {})
    app = Flask(
        __name__,
        instance_path=config.pop("INSTANCE_PATH", None) or _instance_path_from_env(),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    load_config(app, config)
    app.json.sort_keys = False

    from app import models  # noqa: F401  (the models must be known before migrations run)

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, float(app.config["WRITE_WAIT_SECONDS"]))
    init_credentials(app)
    jobs.init_app(app, _job_tasks)
    if web:
        bind_migrations(app)
        _init_web(app)
    return app


def _job_tasks():
    """The job queue's runner, tasks and periodic tasks; imported when the queue is first used."""
    from huey import crontab

    from app.remote.sync import queue_due_syncs_now
    from app.remote.webhooks import deliver_due_now
    from app.scanning import run_job
    from app.services.backups import run_scheduled_backup
    from app.services.webhooks import DELIVER

    # How often a consumer asks whether a scheduled backup is due, and whether a sync or a webhook's retry is.
    backup_check, every_minute = crontab(minute="*/5"), crontab(minute="*")
    return run_job, [(DELIVER, deliver_due_now)], [
        ("scheduled_backup", backup_check, run_scheduled_backup), ("scheduled_syncs", every_minute, queue_due_syncs_now),
        ("webhook_retries", every_minute, deliver_due_now)]


def _init_web(app):
    from app.api import bp as api_bp
    from app.auth import check_every_view_declares_access, init_auth
    from app.errors import bp as errors_bp
    from app.extensions import csrf, limiter
    from app.params import init_params
    from app.security import init_security
    from app.uploads import init_uploads
    from app.web import blueprints as web_blueprints
    from app.web.rendering import init_rendering

    init_params(app)  # first: a query string over its limit is refused before anything parses it
    init_security(app)
    csrf.init_app(app)
    # The access check identifies the caller, which the rate limits are keyed on: it goes first.
    init_uploads(app)
    init_auth(app)
    limiter.init_app(app)
    app.register_blueprint(errors_bp)
    app.register_blueprint(api_bp)
    for blueprint in web_blueprints:
        app.register_blueprint(blueprint)
    init_rendering(app)
    check_every_view_declares_access(app)


def _instance_path_from_env():
    path = os.environ.get("SESSION_STATS_INSTANCE_PATH")
    return str(Path(path).resolve()) if path else str(PROJECT_ROOT / "instance")
