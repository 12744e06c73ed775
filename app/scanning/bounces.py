"""The audio files a DAW renders beside a session (Pro Tools' Bounced Files, REAPER's Renders …), attached to the
session when a scan reads it: copied into the attachment store once, measured like any upload."""
from pathlib import Path

from sqlalchemy import select

from app.database import unit_of_work
from app.extensions import jobs
from app.models import Attachment, Session
from app.services.attachments import PLAYABLE, TooLarge, attach, store_blob
from app.services.hook_runs import start_attachment_hooks

# Folders beside a session file that hold what was rendered from it, compared in any case.
BOUNCE_FOLDERS = frozenset({"bounced files", "bounces", "renders", "render", "mixdown", "mixdowns", "exports"})
BOUNCE = "bounce"


def bounce_files(session_file: Path) -> list[Path]:
    """The audio files in the bounce folders beside a session file, by name."""
    found = []
    for folder in sorted(session_file.parent.iterdir()):
        if folder.is_dir() and folder.name.casefold() in BOUNCE_FOLDERS:
            found += [path for path in sorted(folder.iterdir())
                      if path.is_file() and path.suffix.lower() in PLAYABLE]
    return found


def attach_bounces(db_session, session_pks: list[int], store: Path, limit: int, started_by: str
                   ) -> list[tuple[str, str]]:
    """Attach each new bounce beside these sessions' files (one not yet attached by its name and size); the files
    that could not be, as (path, why)."""
    problems = []
    sessions = db_session.execute(select(Session.pk, Session.id, Session.path).where(
        Session.pk.in_(session_pks), Session.path.is_not(None))).all()
    for pk, session_id, path in sessions:
        known = set(db_session.execute(select(Attachment.filename, Attachment.size_bytes)
                                       .where(Attachment.session_pk == pk, Attachment.kind == BOUNCE)).all())
        try:
            found = [file for file in bounce_files(Path(path)) if (file.name, file.stat().st_size) not in known]
        except OSError as exc:
            problems.append((path, f"cannot look for its bounces: {exc.strerror or exc}"))
            continue
        for file in found:
            try:
                with file.open("rb") as content:
                    blob = store_blob(store, content, limit)
            except (OSError, TooLarge) as exc:
                problems.append((str(file), f"not attached: {getattr(exc, 'strerror', None) or exc}"))
                continue
            with unit_of_work(db_session):
                attachment = attach(db_session, session_id, file.name, BOUNCE, blob, started_by)
                job = start_attachment_hooks(db_session, attachment, started_by) if attachment else None
            if job is not None:
                jobs.enqueue(job.pk)
    return problems
