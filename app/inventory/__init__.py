"""Collecting a machine's inventory of installed plug-ins without loading any plug-in code: the bundles and files
in its plug-in folders, and the DAW plug-in caches it is given. Pure: folders in, an Inventory out."""
import os
import platform
import socket
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from app.file_paths import stored_path
from app.inventory.bundles import READERS, BundleError
from app.inventory.caches import is_cache, read_cache
from app.inventory.wire import MAX_PATH, InstalledPlugin, Inventory, Unreadable
from app.wire import MAX_NAME

MAC, WINDOWS, LINUX = "macOS", "Windows", "Linux"


def this_system() -> str:
    """The operating system this runs on, as inventories name it."""
    return {"Darwin": MAC, "Windows": WINDOWS}.get(platform.system(), platform.system() or LINUX)


def _windows_vst2_folders(environ) -> list[Path]:
    """The VST2 folders hosts are told about in the registry (VSTPluginsPath), and the usual ones."""
    folders = []
    try:
        import winreg
        for view in (winreg.KEY_WOW64_64KEY, winreg.KEY_WOW64_32KEY):
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, r"SOFTWARE\VST", 0, winreg.KEY_READ | view) as key:
                folders.append(Path(winreg.QueryValueEx(key, "VSTPluginsPath")[0]))
    except (ImportError, OSError):
        pass
    programs = Path(environ.get("ProgramFiles", r"C:\Program Files"))
    common = Path(environ.get("CommonProgramFiles", r"C:\Program Files\Common Files"))
    return [*folders, programs / "VSTPlugins", programs / "Steinberg" / "VSTPlugins", common / "VST2",
            common / "Steinberg" / "VST2"]


def standard_folders(system: str, home: Path, environ) -> list[Path]:
    """The plug-in folders of an operating system (and those its environment adds), whether or not they exist."""
    if system == MAC:
        kinds = ("VST", "VST3", "Components", "CLAP")
        return [*(Path("/Library/Audio/Plug-Ins") / kind for kind in kinds),
                *(home / "Library/Audio/Plug-Ins" / kind for kind in kinds),
                Path("/Library/Application Support/Avid/Audio/Plug-Ins")]
    extra = [Path(folder) for name in ("CLAP_PATH", "VST3_PATH", "VST_PATH", "LV2_PATH")
             for folder in environ.get(name, "").split(os.pathsep) if folder]
    if system == WINDOWS:
        common = Path(environ.get("CommonProgramFiles", r"C:\Program Files\Common Files"))
        return [common / "VST3", common / "Avid" / "Audio" / "Plug-Ins", common / "CLAP",
                *_windows_vst2_folders(environ), *extra]
    return [home / ".vst3", Path("/usr/lib/vst3"), Path("/usr/local/lib/vst3"), home / ".clap", Path("/usr/lib/clap"),
            Path("/usr/local/lib/clap"), home / ".vst", Path("/usr/lib/vst"), Path("/usr/local/lib/vst"),
            home / ".lv2", Path("/usr/lib/lv2"), Path("/usr/local/lib/lv2"), *extra]


def _found(path: Path, plugins: list, unreadable: list) -> None:
    """Read one bundle, plug-in file or cache into the lists."""
    try:
        if is_cache(path):
            listed, failed = read_cache(path)
            plugins.extend(listed)
            unreadable.extend(failed)
        else:
            plugins.extend(READERS[path.suffix.lower()](path))
    except BundleError as exc:
        unreadable.append(_unreadable(path, str(exc)))
    except ValidationError as exc:  # a value no inventory can hold (a path longer than any file system's)
        unreadable.append(_unreadable(path, f"holds a value an inventory cannot keep: {exc.errors()[0]['msg']}"))


def _unreadable(path: Path, reason: str) -> Unreadable:
    return Unreadable(path=stored_path(str(path))[:MAX_PATH], reason=reason[:MAX_NAME])


def _walk(folder: Path, plugins: list, unreadable: list) -> None:
    """Every bundle, plug-in file and cache below a folder; a bundle is read as one and not walked into."""
    for parent, folders, files in os.walk(folder, onerror=lambda exc: unreadable.append(
            _unreadable(Path(exc.filename or folder), f"cannot list the folder: {exc.strerror or exc}"))):
        folders.sort()
        for name in sorted(folders):
            if Path(name).suffix.lower() in READERS:
                _found(Path(parent) / name, plugins, unreadable)
        folders[:] = [name for name in folders if Path(name).suffix.lower() not in READERS]
        for name in sorted(files):
            path = Path(parent) / name
            if path.suffix.lower() in READERS or is_cache(path):
                _found(path, plugins, unreadable)


def collect_inventory(paths: list[Path], machine: str | None = None, system: str | None = None) -> Inventory:
    """The inventory of the plug-ins in `paths` (folders to walk, bundles, plug-in files or DAW caches), or of the
    standard plug-in folders of this system when none are given."""
    system = system or this_system()
    plugins: list[InstalledPlugin] = []
    unreadable: list[Unreadable] = []
    if not paths:
        paths = [folder for folder in standard_folders(system, Path.home(), os.environ) if folder.is_dir()]
    for path in paths:
        if path.suffix.lower() in READERS or is_cache(path):
            _found(path, plugins, unreadable)
        elif path.is_dir():
            _walk(path, plugins, unreadable)
        else:
            unreadable.append(_unreadable(path, "not a folder, a plug-in or a DAW plug-in cache"))
    return Inventory(machine=machine or socket.gethostname() or "this machine", os=system,
                     collected_at=datetime.now(UTC), plugins=plugins, unreadable=unreadable)
