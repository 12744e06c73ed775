"""The plugin a REAPER plugin block names: its format, name, vendor, id and preset (see app/extractors/reaper.py)."""
import re
from dataclasses import dataclass

from app.extractors.vocabulary import BUILT_IN, JS, VST2, VST3, plugin_format, plugin_uid, vendor_name
from app.wire import MAX_NAME, SessionStatsPluginInstance

INSTRUMENT_PREFIXES = {"vsti", "vst3i", "aui", "clapi", "lv2i", "dxi"}
# Notes REAPER adds in parentheses that are not part of a plugin's name or vendor.
_CHANNEL_NOTE = re.compile(r"\d+\s*(?:outs?|ins?|ch)|\d+\s*->\s*\d+\s*ch|mono|stereo", re.IGNORECASE)
_ARCHITECTURE_NOTE = re.compile(r"x86|x64|x86_64|arm64|arm64ec", re.IGNORECASE)


@dataclass
class Plugin:
    """A plugin instance as its block names it."""

    name: str
    vendor: str | None
    format: str | None
    slot: str
    active: bool | None
    instrument: bool
    preset: str | None = None
    uid: str | None = None



def preset_name(values: list[str]) -> str | None:
    """A PRESETNAME's value; None when empty or a placeholder such as "<disabled>"."""
    if not values or not values[0].strip():
        return None
    preset = values[0].strip()
    if preset.startswith("<") and preset.endswith(">"):
        return None
    return preset[:MAX_NAME]


def plugin_of_block(tag: str, values: list[str], slot: str, active: bool | None) -> Plugin | None:
    """The plugin a plugin block names, or None when it names none."""
    first = values[0].strip() if values else ""
    if tag == "JS":
        return Plugin(first[:MAX_NAME], None, JS, slot, active, False) if first else None
    if tag == "VIDEO_EFFECT":
        return Plugin((first or "Video processor")[:MAX_NAME], vendor_name("Cockos"), BUILT_IN, slot, active, False)
    prefix, separator, rest = first.partition(":")
    known_prefix = bool(separator) and plugin_format(prefix) is not None
    if known_prefix:
        format_, described = plugin_format(prefix), rest.strip()
    else:
        format_, described = _format_by_block(tag, values), first
    name, vendor = _name_and_vendor(described)
    if not name:
        return None
    instrument = known_prefix and prefix.strip().lower() in INSTRUMENT_PREFIXES
    return Plugin(name[:MAX_NAME], vendor_name(vendor), format_, slot, active, instrument, uid=_uid(tag, values))


def _uid(tag: str, values: list[str]) -> str | None:
    """The id a plugin block gives: VST2's number or the VST3 class id in braces after the file name ("1919251321<…>",
    "821777587{…}"), or the CLAP id that follows the display name."""
    if tag == "CLAP":
        return plugin_uid(values[1]) if len(values) > 1 else None
    if tag != "VST":
        return None
    for value in values[2:]:
        match = _VST_ID.match(value.strip())
        if match:
            return plugin_uid(match["class_id"] or match["number"])
    return None


_VST_ID = re.compile(r"^(?P<number>-?\d+)(?:\{(?P<class_id>[0-9A-Fa-f]{32})\}|<[0-9A-Fa-f]*>)$")


def _format_by_block(tag: str, values: list[str]) -> str | None:
    """The format of a plugin whose display string has no format prefix."""
    if tag == "VST":
        return VST3 if len(values) > 1 and values[1].lower().endswith(".vst3") else VST2
    return plugin_format(tag)


def _name_and_vendor(described: str) -> tuple[str, str | None]:
    """Name and vendor of "Name (Vendor) (64 out)": channel notes dropped, then the vendor taken."""
    text, vendor = described, None
    while (group := _last_group(text)) is not None:
        before, inside = group
        if _CHANNEL_NOTE.fullmatch(inside):
            text = before
            continue
        if before:
            text, vendor = before, inside or None
        break
    group = _last_group(text)
    if group is not None and group[0] and _ARCHITECTURE_NOTE.fullmatch(group[1]):
        text = group[0]
    return text.strip(), vendor


def _last_group(text: str) -> tuple[str, str] | None:
    """The text before a final "(...)" and what the parentheses hold; None when it has none."""
    if not text.endswith(")"):
        return None
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        if text[index] == ")":
            depth += 1
        elif text[index] == "(":
            depth -= 1
            if depth == 0:
                return text[:index].rstrip(), text[index + 1:-1].strip()
    return None


def instance(plugin: Plugin) -> SessionStatsPluginInstance:
    """The wire instance of a plugin read."""
    return SessionStatsPluginInstance(
        name=plugin.name,
        vendor=plugin.vendor,
        format=plugin.format,
        slot=plugin.slot,
        preset=plugin.preset,
        active=plugin.active,
        uid=plugin.uid,
    )
