"""/api/rollups: check and rebuild every figure the index derives from its rows."""
from flask import request
from pydantic import ValidationError

from app.api import bp
from app.api.documented import documented
from app.api.schemas import RebuildAnswer, RebuildRequest
from app.auth import audit, requires
from app.database import unit_of_work
from app.errors import error_response, validation_problems
from app.extensions import db
from app.services.derived import check_derived, drift_report, rebuild_derived


@bp.post("/rollups/rebuild")
@requires("admin")
@documented(RebuildAnswer, "What differed, table by table, and whether it was repaired.", body=RebuildRequest,
            body_required=False, errors=(422,))
def rebuild_rollups_api():
    """Recount every maintained figure (counts, totals, search indexes, cached stats) from the rows and repair what
    differs; with {"check": true} only report it."""
    body = request.get_json(force=True, silent=True) if request.get_data() else {}
    try:
        options = RebuildRequest.model_validate(body)
    except ValidationError as exc:
        return error_response(422, "Invalid request.", validation_problems(exc))
    drift = check_derived(db.session)
    if options.check:
        return {"drift": drift_report(drift), "repaired": False}
    # A healthy index is found so by a read: only drift takes the write lock, to count its figures again and repair.
    with unit_of_work():
        report = drift_report(rebuild_derived(db.session, drift))
        audit("rollups.rebuilt", details={table: drift["rows"] for table, drift in report.items()})
    return {"drift": report, "repaired": bool(report)}
