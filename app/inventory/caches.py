"""Plug-ins as the DAWs that scanned them list them, with the ids their sessions use: REAPER's plug-in caches
(`reaper-vstplugins64.ini`, `reaper-clap-*.ini`) and Ableton Live's plug-in database (`Live-files-*.db`)."""
import re
import sqlite3
from pathlib import Path

from app.extractors.vocabulary import plugin_uid
from app.file_paths import stored_path
from app.inventory.bundles import BundleError, read_capped
from app.inventory.wire import AU, CLAP, LIVE_DATABASE, REAPER_CACHE, VST2, VST3, InstalledPlugin, Unreadable
from app.wire import MAX_NAME

# A cache of thousands of plug-ins is a few megabytes.
MAX_CACHE_BYTES = 64 * 1024 * 1024
# "Name (Vendor)", as REAPER shows a plug-in; instruments end with "!!!VSTi".
NAME_AND_VENDOR = re.compile(r"^(?P<name>.*\S)\s*\((?P<vendor>[^()]*)\)$")
INSTRUMENT_MARK = "!!!VSTi"
# A VST3 id in REAPER's cache: a number, then the class id in braces.
VST3_ID = re.compile(r"\{(?P<cid>[0-9A-Fa-f]{32})\}")
# Live's device ids: device:<format>:<kind>:<id>.
LIVE_FORMATS = {"vst": VST2, "vst3": VST3, "au": AU, "clap": CLAP}


def is_cache(path: Path) -> bool:
    """Whether a file is one of the DAW plug-in lists this module reads."""
    name = path.name.lower()
    return (name.startswith(("reaper-vstplugins", "reaper-clap-")) and name.endswith(".ini")) or \
        (name.startswith("live-files-") and name.endswith(".db"))


def read_cache(path: Path) -> tuple[list[InstalledPlugin], list[Unreadable]]:
    """The plug-ins a DAW's cache lists, and the entries it says it could not scan."""
    if not path.is_file():
        raise BundleError("not a regular file: a DAW's plug-in cache is one")
    if path.name.lower().endswith(".db"):
        return read_live_database(path), []
    return read_reaper_cache(path)


def _name_and_vendor(text: str) -> tuple[str, str | None]:
    match = NAME_AND_VENDOR.match(text)
    if match:
        return match["name"][:MAX_NAME], match["vendor"].strip()[:MAX_NAME] or None
    return text.strip()[:MAX_NAME], None


def _ini_lines(path: Path) -> list[str]:
    data = read_capped(path, MAX_CACHE_BYTES, "a plug-in cache")
    return data.decode("utf-8", errors="replace").replace("\x00", "").splitlines()


def read_reaper_cache(path: Path) -> tuple[list[InstalledPlugin], list[Unreadable]]:
    """REAPER's caches: `[vstcache]` lines `file=hex,id,Name (Vendor)`; in the CLAP one a section per file with
    lines `clap.id=flags|Name (Vendor)`. A line with no name is a plug-in REAPER failed to scan."""
    found, failed = [], []
    section = None
    clap = path.name.lower().startswith("reaper-clap-")
    for line in _ini_lines(path):
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, equals, value = line.partition("=")
        if not equals or not key or section is None:
            continue
        if clap:
            if key == "_":
                continue
            _, _, shown = value.partition("|")
            name, vendor = _name_and_vendor(shown or key)
            found.append(InstalledPlugin(format=CLAP, name=name or key[:MAX_NAME], vendor=vendor, uid=plugin_uid(key),
                                         path=stored_path(section), identified_by=REAPER_CACHE))
            continue
        if section.lower() != "vstcache":
            continue
        fields = value.split(",", 2)
        if len(fields) < 3 or not fields[2].strip():
            failed.append(Unreadable(path=stored_path(key), reason=f"{path.name} says REAPER could not scan it"))
            continue
        shown = fields[2].strip()
        instrument = shown.endswith(INSTRUMENT_MARK)
        name, vendor = _name_and_vendor(shown.removesuffix(INSTRUMENT_MARK))
        vst3 = VST3_ID.search(fields[1])
        found.append(InstalledPlugin(
            format=VST3 if vst3 else VST2, name=name or key[:MAX_NAME], vendor=vendor,
            uid=plugin_uid(vst3["cid"] if vst3 else fields[1]),
            category="Instrument" if instrument else None, path=stored_path(key), identified_by=REAPER_CACHE))
    return found, failed


def read_live_database(path: Path) -> list[InstalledPlugin]:
    """Live's `plugins` table: each plug-in with its device id (`device:vst3:audiofx:<id>`), name, vendor and
    version. The file is opened read-only and never changed."""
    # Live's own file, not the index: plain sqlite3, read-only and immutable so that Live's file is never touched.
    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True) as connection:
            rows = connection.execute("SELECT dev_identifier, name, vendor, version FROM plugins").fetchall()
    except sqlite3.Error as exc:
        raise BundleError(f"not a Live plug-in database Session Stats reads ({exc})") from exc
    found = []
    for identifier, name, vendor, version in rows:
        parts = str(identifier or "").split(":", 3)
        plugin_format = LIVE_FORMATS.get(parts[1].lower()) if len(parts) == 4 and parts[0] == "device" else None
        if plugin_format is None or not str(name or "").strip():
            continue
        found.append(InstalledPlugin(
            format=plugin_format, name=str(name).strip()[:MAX_NAME], vendor=str(vendor or "").strip()[:MAX_NAME] or None,
            version=str(version or "").strip()[:MAX_NAME] or None, uid=plugin_uid(parts[3]),
            category=parts[2][:MAX_NAME] or None, path=stored_path(str(path)), identified_by=LIVE_DATABASE))
    return found
