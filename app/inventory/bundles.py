"""Plug-ins read from their bundles and files without loading their code: VST3 `moduleinfo.json`, Audio Unit and
AAX `Info.plist`, and CLAP, VST2 and LV2 by their file names (with a Windows file's vendor and version from its
version resource).

Each reader takes a path and gives the plug-ins found there, or raises Unreadable's reason as
BundleError; a damaged bundle never stops the collection.
"""
import mmap
import plistlib
from functools import partial
from pathlib import Path

import json5
import pefile

from app.extractors.limits import open_regular
from app.extractors.vocabulary import plugin_uid
from app.file_paths import display_name, stored_path
from app.inventory.wire import AAX, AU, BUNDLE, CLAP, FILE_NAME, LV2, VST2, VST3, InstalledPlugin
from app.wire import MAX_NAME

# Metadata files are a few kilobytes; one larger than this is not one.
MAX_METADATA_BYTES = 1024 * 1024
# The class of a VST3 module that is the plug-in itself (its editor is a "Component Controller Class").
AUDIO_MODULE_CLASS = "Audio Module Class"


class BundleError(Exception):
    """Why a bundle or file cannot be read."""


def read_capped(path: Path, limit: int, kind: str) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (a `kind` of file); BundleError saying why not."""
    try:
        with open_regular(path) as file:
            data = file.read(limit + 1)
    except OSError as exc:
        raise BundleError(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise BundleError(f"{path.name} is larger than {limit // 1024:,} KB, too large for {kind}")
    return data


def _metadata(path: Path) -> bytes:
    return read_capped(path, MAX_METADATA_BYTES, "metadata")


def _text(value, limit: int = MAX_NAME) -> str | None:
    """A metadata value as text cut to a name, or None when it is not text or is blank."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    return value.replace("\x00", "").strip()[:limit] or None


def _plugin(bundle: Path, **fields) -> InstalledPlugin:
    return InstalledPlugin(path=stored_path(str(bundle)), **fields)


def read_info_plist(bundle: Path) -> dict:
    """A bundle's `Contents/Info.plist` (XML or binary) as a dictionary."""
    data = _metadata(bundle / "Contents" / "Info.plist")
    try:
        info = plistlib.loads(data)
    except Exception as exc:  # plistlib raises several kinds on damaged input
        raise BundleError(f"Info.plist is damaged ({type(exc).__name__}: {exc})") from exc
    if not isinstance(info, dict):
        raise BundleError("Info.plist holds no dictionary")
    return info


def _module_info(bundle: Path) -> dict | None:
    """The VST3 module's `moduleinfo.json` (where SDK 3.7.8 and later put it, else where 3.7.5 did), or None."""
    for place in (bundle / "Contents" / "Resources" / "moduleinfo.json", bundle / "Contents" / "moduleinfo.json"):
        if place.is_file():
            try:
                info = json5.loads(_metadata(place).decode("utf-8-sig"))
            except BundleError:
                raise
            except Exception as exc:  # json5 raises ValueError, and RecursionError on deep nesting
                raise BundleError(f"moduleinfo.json is not valid JSON5 ({type(exc).__name__}: {exc})") from exc
            if not isinstance(info, dict):
                raise BundleError("moduleinfo.json holds no object")
            return info
    return None


def _category(value) -> str | None:
    if isinstance(value, list):
        value = "|".join(filter(None, map(_text, value)))
    return _text(value)


def read_vst3(bundle: Path) -> list[InstalledPlugin]:
    """The plug-in classes of a VST3 bundle: from moduleinfo.json, else Info.plist, else the bundle's name."""
    if bundle.is_file():  # a single-file module (VST3 before bundles, on Windows)
        return read_by_file_name(bundle, VST3)
    info = _module_info(bundle)
    if info is None:
        if (bundle / "Contents" / "Info.plist").is_file():
            return [_from_plist(bundle, VST3)]
        return read_by_file_name(bundle, VST3)
    factory = info.get("Factory Info") if isinstance(info.get("Factory Info"), dict) else {}
    classes = info.get("Classes") if isinstance(info.get("Classes"), list) else []
    found = []
    for each in classes:
        if not isinstance(each, dict) or each.get("Category") != AUDIO_MODULE_CLASS:
            continue
        name = _text(each.get("Name")) or _text(info.get("Name"))
        if name is None:
            raise BundleError("moduleinfo.json names a plug-in class without a name")
        found.append(_plugin(
            bundle, format=VST3, name=name, vendor=_text(each.get("Vendor")) or _text(factory.get("Vendor")),
            version=_text(each.get("Version")) or _text(info.get("Version")), uid=plugin_uid(_text(each.get("CID"))),
            category=_category(each.get("Sub Categories")), identified_by=BUNDLE))
    if not found:
        raise BundleError(f"moduleinfo.json lists no plug-in ({AUDIO_MODULE_CLASS})")
    return found


def _four_characters(value) -> str | None:
    """An Audio Unit code: four characters, or a number holding them."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**32:
        value = value.to_bytes(4, "big").decode("latin-1")
    return value if isinstance(value, str) and len(value) == 4 else None


def _au_version(value) -> str | None:
    """major << 16 | minor << 8 | patch, as "major.minor.patch"."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**32:
        return f"{value >> 16}.{(value >> 8) & 0xFF}.{value & 0xFF}"
    return _text(value)


def read_audio_unit(bundle: Path) -> list[InstalledPlugin]:
    """The Audio Units a `.component` declares in its Info.plist's AudioComponents."""
    info = read_info_plist(bundle)
    components = info.get("AudioComponents")
    if not isinstance(components, list) or not components:
        raise BundleError("Info.plist declares no AudioComponents")
    found = []
    for component in components:
        if not isinstance(component, dict):
            continue
        codes = [_four_characters(component.get(key)) for key in ("type", "subtype", "manufacturer")]
        full_name = _text(component.get("name")) or _text(info.get("CFBundleName")) or display_name(bundle.stem)
        vendor, _, name = full_name.partition(": ")
        if not name:
            vendor, name = None, full_name
        found.append(_plugin(
            bundle, format=AU, name=name.strip() or full_name, vendor=(vendor or "").strip() or None,
            version=_au_version(component.get("version")) or _text(info.get("CFBundleShortVersionString")),
            uid=":".join(codes) if all(codes) else None, bundle_id=_text(info.get("CFBundleIdentifier")),
            category=_text(component.get("type")), identified_by=BUNDLE))
    if not found:
        raise BundleError("Info.plist's AudioComponents holds no component")
    return found


def _from_plist(bundle: Path, plugin_format: str) -> InstalledPlugin:
    """A bundle known by its Info.plist: name, version and bundle id."""
    info = read_info_plist(bundle)
    return _plugin(bundle, format=plugin_format,
                   name=_text(info.get("CFBundleName")) or display_name(bundle.stem),
                   version=_text(info.get("CFBundleShortVersionString")) or _text(info.get("CFBundleVersion")),
                   bundle_id=_text(info.get("CFBundleIdentifier")), identified_by=BUNDLE)


def read_aax(bundle: Path) -> list[InstalledPlugin]:
    """An AAX bundle: its Info.plist (bundle id and version), named after the bundle."""
    if not (bundle / "Contents" / "Info.plist").is_file():
        return read_by_file_name(bundle, AAX)
    plugin = _from_plist(bundle, AAX)
    # The bundle name is what Pro Tools shows; CFBundleName is often the binary's name.
    return [plugin.model_copy(update={"name": display_name(bundle.stem)[:MAX_NAME] or plugin.name})]


def _version_strings(program: pefile.PE) -> dict[str, str]:
    strings = {}
    for entry in (entry for group in getattr(program, "FileInfo", None) or () for entry in group):
        for table in getattr(entry, "StringTable", ()):
            strings.update({key.decode("latin-1"): value.decode("utf-8", "replace")
                            for key, value in table.entries.items()})
    return strings


def version_resource(path: Path) -> dict[str, str]:
    """A Windows program file's version strings (CompanyName, ProductVersion, FileVersion …); empty for any other
    file, or when it has none that can be read."""
    try:
        with open_regular(path) as file:
            if file.read(2) != b"MZ":
                return {}
            with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
                program = pefile.PE(data=data, fast_load=True)
                program.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_RESOURCE"]])
                strings = _version_strings(program)
                program.close()
                return strings
    # The version resource only adds a vendor and a version: a file pefile cannot read keeps its file name.
    except Exception:  # noqa: BLE001
        return {}


def read_by_file_name(path: Path, plugin_format: str) -> list[InstalledPlugin]:
    """A plug-in known by its file name (CLAP and VST2 hold their names in code, LV2 in Turtle), with the vendor and
    version of a Windows file's version resource."""
    name = display_name(path.stem).strip()[:MAX_NAME]
    if not name:
        raise BundleError("the file name is empty")
    strings = version_resource(path) if path.is_file() else {}
    version = _text(strings.get("ProductVersion") or strings.get("FileVersion"))
    return [_plugin(path, format=plugin_format, name=name, vendor=_text(strings.get("CompanyName")),
                    version=version.replace(", ", ".") if version else None, identified_by=FILE_NAME)]


def read_mac_bundle_or_file(path: Path, plugin_format: str) -> list[InstalledPlugin]:
    """A VST2 or CLAP plug-in: a macOS bundle known by its Info.plist, else by its file name."""
    if path.is_dir() and (path / "Contents" / "Info.plist").is_file():
        return [_from_plist(path, plugin_format)]
    return read_by_file_name(path, plugin_format)


# Suffix → reader. A suffix that is a folder is a bundle: it is read as one and not walked into.
READERS = {
    ".vst3": read_vst3,
    ".component": read_audio_unit,
    ".aaxplugin": read_aax,
    ".clap": partial(read_mac_bundle_or_file, plugin_format=CLAP),
    ".vst": partial(read_mac_bundle_or_file, plugin_format=VST2),
    ".dll": partial(read_by_file_name, plugin_format=VST2),
    ".so": partial(read_by_file_name, plugin_format=VST2),
    ".lv2": partial(read_by_file_name, plugin_format=LV2),
}
