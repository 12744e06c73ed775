"""Import from the older JSON store: one SessionStatsData document."""
import json
from pathlib import Path

from app.services.ingest import IngestResult, ingest_sessions
from app.wire import SessionStatsData


def import_legacy(db_session, path: Path) -> IngestResult:
    """Ingest every session of a legacy JSON file, keeping its lastIngestedAt.

    Raises ValueError (not JSON), pydantic's ValidationError (not SessionStatsData) or
    IngestError; in each case nothing is changed.
    """
    data = SessionStatsData.model_validate(json.loads(path.read_bytes()))
    return ingest_sessions(db_session, data.sessions, ingested_at=data.last_ingested_at)
