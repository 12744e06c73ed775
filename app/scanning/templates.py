"""Registering the templates a folder holds: each session file in it (and each Pro Tools .ptxt) is a template named
after the file, recognised later by its tracks."""
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from app.extractors import extractor_for
from app.file_paths import display_name, real_path, stored_path
from app.models.template import FROM_FOLDER
from app.scanning.examine import INDEXED, Examined
from app.scanning.readers import Readers
from app.scanning.walk import is_under
from app.services.templates import MIN_TRACKS, Registration, TemplateError, layout_of, register_templates

# A templates folder holds tens of files: one holding more is not one.
MAX_TEMPLATE_FILES = 500


@dataclass
class FolderRegistration:
    """What registering a folder's templates did, and the files it could not take with the reason."""

    registration: Registration
    problems: list[tuple[str, str]] = field(default_factory=list)


def template_files(folder: Path) -> list[Path]:
    """The files below `folder` that a format reads as a session or a template, in name order (TemplateError beyond
    MAX_TEMPLATE_FILES)."""
    found = []
    for parent, folders, names in os.walk(folder):
        folders.sort()
        for name in sorted(names):
            path = Path(parent) / name
            if extractor_for(path, templates=True) is not None:
                found.append(path)
                if len(found) > MAX_TEMPLATE_FILES:
                    raise TemplateError(f"{folder} holds more than {MAX_TEMPLATE_FILES} session files: name the "
                                        "folder of templates itself.")
    return found


class _TemplateFile(NamedTuple):
    path: str


def _read(files: list[Path], read_seconds: float) -> Iterator[Examined]:
    """What each file gave, in order, read by one reader within the scan's time limit per file (a file on a share
    that stops answering fails alone instead of holding the request)."""
    with Readers(1, read_seconds) as readers:
        for answers in readers.read([(_TemplateFile(stored_path(str(path))), None) for path in files], timeout=1):
            for _, examined in answers:
                yield examined


def register_template_folder(db_session, given: str, allowed_roots: list[Path], created_by: str,
                             read_seconds: float) -> FolderRegistration:
    """Register every template file below a folder (inside `allowed_roots` when there are any), each read within
    `read_seconds`; TemplateError when the folder cannot be used."""
    folder = Path(real_path(given)).expanduser().resolve()
    if allowed_roots and not is_under(str(folder), allowed_roots):
        raise TemplateError(f"{given} is outside the archive roots ({', '.join(map(str, allowed_roots))}).")
    try:
        is_folder = folder.is_dir()
    except OSError as exc:  # a name longer than the file system takes, say
        raise TemplateError(f"{given} cannot be looked at: {exc.strerror}.") from exc
    if not is_folder:
        raise TemplateError(f"{given} is not a folder.")
    found, problems = [], []
    for examined in _read(template_files(folder), read_seconds):
        if examined.outcome != INDEXED:
            problems.append((examined.path, examined.error
                             or "not a session file: it begins as another program's file with the same extension"))
            continue
        layout = layout_of(examined.session.tracks or ())
        if len(layout) < MIN_TRACKS:
            problems.append((examined.path,
                             f"has {len(layout)} tracks: a template is recognised by at least {MIN_TRACKS}"))
            continue
        name = display_name(Path(real_path(examined.path)).stem)
        if name in (taken for taken, *_ in found):
            problems.append((examined.path, f"another file of the folder already gives the template {name!r}"))
            continue
        found.append((name, examined.session.daw, examined.path, layout))
    if not found:
        raise TemplateError(f"No template could be read in {given}"
                            + (f": {problems[0][0]} {problems[0][1]}." if problems else " (no session files)."))
    return FolderRegistration(register_templates(db_session, found, FROM_FOLDER, created_by), problems)
