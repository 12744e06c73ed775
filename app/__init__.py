"""Session Stats: a self-hosted index of a studio's DAW sessions."""
import os
from pathlib import Path

from flask import Flask

from app.config import load_config
from app.database import configure_engine
from app.extensions import db, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config=None):
    """Build the Flask app; `config` overrides settings (tests pass their own)."""
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
        configure_engine(db.engine)

    from app.api import bp as api_bp
    from app.errors import bp as errors_bp
    from app.web import bp as web_bp

    app.register_blueprint(errors_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)
    return app


def _instance_path_from_env():
    path = os.environ.get("SESSION_STATS_INSTANCE_PATH")
    return str(Path(path).resolve()) if path else str(PROJECT_ROOT / "instance")
