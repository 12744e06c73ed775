"""Session Stats: a self-hosted index of a studio's DAW sessions."""
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None):
    """Build the Flask app; `config` overrides settings (tests pass their own)."""
    # Imported here, not at the top: the command line and the extractors import `app.*` without the server side.
    from flask import Flask

    from app.auth import check_every_view_declares_access, init_auth
    from app.config import load_config
    from app.database import configure_engine
    from app.credentials import init_credentials
    from app.extensions import BACKUP_CHECK, EVERY_MINUTE, csrf, db, jobs, limiter, migrate
    from app.params import init_params
    from app.security import init_security
    from app.uploads import init_uploads
    from app.web.rendering import init_rendering

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
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    with app.app_context():
        configure_engine(db.engine, float(app.config["WRITE_WAIT_SECONDS"]))
    init_security(app)
    init_params(app)
    csrf.init_app(app)
    # The access check identifies the caller, which the rate limits are keyed on: it goes first.
    init_uploads(app)
    init_auth(app)
    limiter.init_app(app)
    init_credentials(app)
    from app.remote.sync import queue_due_syncs_now
    from app.remote.webhooks import DELIVER, deliver_due_now
    from app.scanning import run_job
    from app.services.backups import run_scheduled_backup

    jobs.init_app(app, runner=run_job, tasks=[(DELIVER, deliver_due_now)], periodic=[
        ("scheduled_backup", BACKUP_CHECK, run_scheduled_backup), ("scheduled_syncs", EVERY_MINUTE, queue_due_syncs_now),
        ("webhook_retries", EVERY_MINUTE, deliver_due_now)])

    from app.api import bp as api_bp
    from app.errors import bp as errors_bp
    from app.web import blueprints as web_blueprints

    app.register_blueprint(errors_bp)
    app.register_blueprint(api_bp)
    for blueprint in web_blueprints:
        app.register_blueprint(blueprint)
    init_rendering(app)
    check_every_view_declares_access(app)
    return app


def _instance_path_from_env():
    path = os.environ.get("SESSION_STATS_INSTANCE_PATH")
    return str(Path(path).resolve()) if path else str(PROJECT_ROOT / "instance")
