"""Commands that write: a unit of work that explains a refusal, migrating, importing the older JSON store."""
from contextlib import contextmanager

import click
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from app.cli.common import fail
from app.database import database_unavailable, unit_of_work, upgrade_database
from app.extensions import db
from app.payloads import ingest_error_details, validation_details
from app.services.audit import COMMAND_LINE, record
from app.services.derived import reidentify
from app.services.identities import identity_plan
from app.services.ingest import IngestError
from app.services.legacy import import_legacy


@contextmanager
def writing():
    """A command's unit of work; a database that cannot take the write now is a message, not a traceback."""
    try:
        with unit_of_work():
            yield
    except DBAPIError as exc:
        unavailable = database_unavailable(exc)
        if unavailable is None:
            raise
        fail(f"{unavailable.message} Nothing was changed.")


def migrate() -> bool:
    """Migrate the database to the newest schema, then derive again the products that this version's normaliser
    and catalogue name otherwise (counts included); True when this created the tables."""
    created = upgrade_database()
    # A read finds that nothing changed; only a change takes the write lock.
    if identity_plan(db.session):
        with writing():
            plan = reidentify(db.session)
            record(db.session, COMMAND_LINE, "products.rederived", None,
                   {"plugins": len(plan.plugins), "products": len(plan.products)})
    return created


def import_legacy_file(path):
    """Import a SessionStatsData JSON file, or fail saying why nothing was imported."""
    try:
        with writing():
            result = import_legacy(db.session, path)
            record(db.session, COMMAND_LINE, "sessions.imported", str(path), result.counts())
    except ValidationError as exc:
        fail(f"{path} is not a SessionStatsData document; nothing was imported.", validation_details(exc))
    except ValueError as exc:
        fail(f"{path} is not valid JSON ({exc}); nothing was imported.")
    except IngestError as exc:
        fail(f"{path}: {exc.message} Nothing was imported.", ingest_error_details(exc, ("sessions",)))
    click.echo(f"Imported {path}: {len(result.inserted)} new and {len(result.updated)} updated sessions.")
