"""The audio files a DAW renders beside a session (Pro Tools' Bounced Files, REAPER's Renders …), attached to the
session when a scan reads it: copied into the attachment store once, measured like any upload."""
import os
from collections import defaultdict
from pathlib import Path

from sqlalchemy import select

from app.database import unit_of_work
from app.extensions import jobs
from app.file_paths import display_name, real_path, stored_path
from app.models import Attachment, Session
from app.services.attachments import PLAYABLE, TooLarge, attach, store_blob
from app.services.hook_runs import start_attachment_hooks

# Folders beside a session file that hold what was rendered from it, compared in any case.
BOUNCE_FOLDERS = frozenset({"bounced files", "bounces", "renders", "render", "mixdown", "mixdowns", "exports"})
BOUNCE = "bounce"


def bounce_files(folder: Path) -> list[Path]:
    """The audio files in the bounce folders of a session's folder, by name (one listing of the folder: a scan asks
    once per folder, however many sessions it holds)."""
    found = []
    with os.scandir(folder) as entries:
        bounce_folders = sorted(entry.path for entry in entries
                                if entry.name.casefold() in BOUNCE_FOLDERS and entry.is_dir())
    for bounce_folder in bounce_folders:
        with os.scandir(bounce_folder) as entries:
            found += sorted(Path(entry.path) for entry in entries
                            if Path(entry.name).suffix.lower() in PLAYABLE and entry.is_file())
    return found


def attach_bounces(db_session, session_pks: list[int], store: Path, limit: int, started_by: str
                   ) -> list[tuple[str, str]]:
    """Attach each new bounce beside these sessions' files (one not yet attached by its name and size); the files
    that could not be, as (path, why)."""
    problems, beside = [], defaultdict(list)
    for pk, session_id, path in db_session.execute(select(Session.pk, Session.id, Session.path).where(
            Session.pk.in_(session_pks), Session.path.is_not(None))):
        beside[Path(real_path(path)).parent].append((pk, session_id))
    wanted = {}
    for folder, sessions in beside.items():
        try:
            files = bounce_files(folder)
        except OSError as exc:
            problems.append((stored_path(str(folder)), f"cannot look for bounces: {exc.strerror or exc}"))
            continue
        wanted.update({session: files for session in sessions if files})
    if not wanted:
        return problems
    known = set(db_session.execute(select(Attachment.session_pk, Attachment.filename, Attachment.size_bytes).where(
        Attachment.session_pk.in_([pk for pk, _ in wanted]), Attachment.kind == BOUNCE)).all())
    for (pk, session_id), files in wanted.items():
        for file in files:
            try:
                if (pk, display_name(file.name), file.stat().st_size) in known:
                    continue
                with file.open("rb") as content:
                    blob = store_blob(store, content, limit)
            except (OSError, TooLarge) as exc:
                problems.append((stored_path(str(file)), f"not attached: {getattr(exc, 'strerror', None) or exc}"))
                continue
            with unit_of_work(db_session):
                attachment = attach(db_session, session_id, display_name(file.name), BOUNCE, blob, started_by)
                job = start_attachment_hooks(db_session, attachment, started_by) if attachment else None
            if job is not None:
                jobs.enqueue(job.pk)
    return problems
