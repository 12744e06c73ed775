"""Session files in, wire models out: one module per format, chosen by the file's name.

Each format module has `extract(data, filename)`: a pure function from the file's bytes to a
SessionStatsSession with what the file says. `extract_file` reads the file within the size
caps, picks the module, and adds what follows from the file itself: its path, a fingerprint
derived from that path (so that re-reading a changed file updates the same session), its
modification time, a source naming the extractor, and whether each media file it names is on
disk (`found_media`). Every failure is one ExtractError.
A Pro Tools session file is completed with the plug-ins of the Session Info text export saved
beside it under the same name (`text_export_beside`), since the binary file's are not read.
"""
from dataclasses import dataclass
from functools import cache
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType, SimpleNamespace

from app.extractors.errors import ExtractError
from app.extractors.limits import read_file
from app.file_paths import display_name, stored_path
from app.wire import SessionStatsSession, SessionStatsSessionSource

__all__ = ["ExtractError", "Extractor", "extract_file", "extractor_for", "file_fingerprint", "text_export_beside"]

PROTOOLS_SESSION = "protools-session"
PROTOOLS_SESSION_SUFFIXES = (".ptx", ".ptf", ".pts")


@dataclass(frozen=True)
class Extractor:
    """One format: its name (recorded in the session's source), what it reads, and its module's `extract`."""

    name: str
    label: str
    source_type: str
    module: ModuleType | SimpleNamespace


# Built on first use: the format modules import this package's errors and limits.
@cache
def _formats() -> dict[str, Extractor]:
    from app.extractors import ableton, dawproject, fl_studio, protools_session, protools_text, reaper, studio_one

    reaper_project = Extractor("reaper", "REAPER project", "archive", reaper)
    pro_tools_session = Extractor(PROTOOLS_SESSION, "Pro Tools session", "protools", protools_session)
    return {
        ".txt": Extractor("protools-text", "Pro Tools session info text export", "protools", protools_text),
        ".ptx": pro_tools_session,
        ".ptf": pro_tools_session,
        ".pts": pro_tools_session,
        ".rpp": reaper_project,
        ".rpp-bak": reaper_project,
        ".als": Extractor("ableton", "Ableton Live set", "archive", ableton),
        ".flp": Extractor("fl-studio", "FL Studio project", "archive", fl_studio),
        ".song": Extractor("studio-one", "Studio One song", "archive", studio_one),
        ".dawproject": Extractor("dawproject", "DAWproject file", "archive", dawproject),
        ".xml": Extractor("dawproject", "DAWproject project.xml", "archive", dawproject),
    }


# Pro Tools saves a template as a session file under another suffix: read as one when templates are asked for.
TEMPLATE_SUFFIXES = {".ptxt": ".ptx"}
# Backups and autosaves are copies of a session kept beside it; reading them would count it twice.
BACKUP_SUFFIXES = (".rpp-bak",)


def _from_extension(suffix: str) -> Extractor | None:
    """The extractor an enabled extension adds for files with this suffix, or None."""
    from app.hooks import extension_extractors

    reader = extension_extractors().get(suffix)
    if reader is None:
        return None

    def extract(data: bytes, filename: str) -> SessionStatsSession:
        found = reader.extract(data, filename)
        return found if isinstance(found, SessionStatsSession) else SessionStatsSession.model_validate(found)
    return Extractor(reader.name, f"{suffix} file (read by the extension {reader.name})", "archive",
                     SimpleNamespace(extract=extract))


def extractor_for(path: Path, backups: bool = False, templates: bool = False) -> Extractor | None:
    """The extractor for a file by its name (a built-in format's, else an extension's), or None when none (or a
    skipped backup) matches. With `templates`, a template file reads as the session format it belongs to."""
    suffix = path.suffix.lower()
    if templates:
        suffix = TEMPLATE_SUFFIXES.get(suffix, suffix)
    if suffix in BACKUP_SUFFIXES and not backups:
        return None
    return _formats().get(suffix) or (_from_extension(suffix) if suffix else None)


def file_fingerprint(path: Path) -> str:
    """The fingerprint of the session a file holds: its absolute path, as the index stores paths."""
    return f"file:{stored_path(str(path.resolve()))}"


def extract_file(path: str | Path, backups: bool = False, templates: bool = False) -> SessionStatsSession:
    """The session in a file, or ExtractError saying why it cannot be read (never another error).

    The session's paths are as the index stores them (see app.file_paths), as are the errors'.
    """
    path = Path(path)
    extractor = extractor_for(path, backups, templates)
    if extractor is None:
        if path.suffix.lower() in BACKUP_SUFFIXES:
            raise ExtractError("a backup file, skipped (ask for backups to read it)", stored_path(str(path)))
        known = ", ".join(sorted({*_formats(), *BACKUP_SUFFIXES}))
        raise ExtractError(f"not a session file this version reads (it reads {known})", stored_path(str(path)))
    try:
        data = read_file(path)
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        session = extractor.module.extract(data, display_name(path.name))
    except ExtractError as exc:
        raise ExtractError(exc.message, stored_path(str(path))) from exc
    except OSError as exc:
        raise ExtractError(f"cannot read the file: {exc.strerror or exc}", stored_path(str(path))) from exc
    except Exception as exc:  # a damaged file must never stop the caller: say what broke
        raise ExtractError(f"damaged or not a {extractor.label} ({type(exc).__name__}: {exc})",
                           stored_path(str(path))) from exc
    resolved = path.resolve()
    if session.media_files is not None:
        session = session.model_copy(update={"media_files": found_media(resolved.parent, session.media_files)})
    session = session.model_copy(update={
        "path": stored_path(str(resolved)),
        "fingerprint": file_fingerprint(path),
        "created_at": session.created_at or modified,
        "updated_at": modified,
        "sources": [SessionStatsSessionSource(type=extractor.source_type, path=stored_path(str(resolved)),
                                              extractor=extractor.name)],
    })
    return _with_text_export(path, session) if extractor.name == PROTOOLS_SESSION else session


# Where a session's audio is looked for besides the path it names: its folder and the DAWs' own audio folders.
MEDIA_FOLDERS = ("", "Audio Files", "Audio", "Samples", "Media")


def _media_on_disk(folder: Path, named: str) -> Path | None:
    """The file a session names, at its path (relative ones from the session's folder) or, moved with the session,
    by its name in the session's folder or its audio folders; None when it is nowhere."""
    given = Path(named)
    # Windows paths (from Live and FL Studio) keep their backslashes here: the name is what follows the last.
    name = named.replace("\\", "/").rsplit("/", 1)[-1]
    candidates = [given if given.is_absolute() else folder / given]
    candidates += [folder / sub / name for sub in MEDIA_FOLDERS if name]
    for candidate in dict.fromkeys(candidates):
        if candidate.is_file():
            return candidate
    return None


def found_media(folder: Path, media_files: list) -> list:
    """Each media file with whether it was found (as `_media_on_disk` looks) and its size."""
    found = []
    for media in media_files:
        try:
            on_disk = _media_on_disk(folder, media.path)
            update = {"exists": on_disk is not None, "size_bytes": on_disk.stat().st_size if on_disk else None}
        except (OSError, ValueError):  # unreadable folder, or a path the file system cannot take: not known
            update = {"exists": None, "size_bytes": None}
        found.append(media.model_copy(update=update))
    return found


def text_export_beside(path: Path) -> Path | None:
    """The Session Info text export beside a Pro Tools session file (same name, .txt, any case), or None."""
    path = Path(path)
    if path.suffix.lower() not in PROTOOLS_SESSION_SUFFIXES:
        return None
    wanted = f"{path.stem}.txt"
    try:
        found = sorted(entry for entry in path.parent.iterdir()
                       if entry.name.casefold() == wanted.casefold() and entry.is_file())
    except OSError:
        return None
    exact = path.with_name(wanted)
    return exact if exact in found else next(iter(found), None)


def _with_text_export(path: Path, session: SessionStatsSession) -> SessionStatsSession:
    """A Pro Tools session completed with the plug-ins its text export beside it lists, when there is one."""
    from app.extractors.protools_session import complete_with_text_export

    export = text_export_beside(path)
    if export is None:
        return session
    try:
        text_session = extract_file(export)
    except ExtractError as exc:
        attributes = {**(session.attributes or {}), "text_export_error": f"{display_name(export.name)}: {exc.message}"}
        return session.model_copy(update={"attributes": attributes})
    return complete_with_text_export(session, text_session, display_name(export.name))
