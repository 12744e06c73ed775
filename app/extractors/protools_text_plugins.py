"""The plug-ins of a Pro Tools session info export: its plug-in listing, and the inserts of each track found in it
(see app/extractors/protools_text.py)."""
import bisect
import re
from dataclasses import dataclass, field

from app.extractors.vocabulary import AUDIOSUITE
from app.wire import SessionStatsPluginInstance, SessionStatsPluginUsage

# The channel format Pro Tools appends to an insert's name: (mono), (stereo), (mono/stereo), (5.1)...
_CHANNELS = r"(?:mono|stereo|lcrs?|quad|\d+(?:\.\d+)+|\d+ ?ch)"
CHANNEL_SUFFIX = re.compile(rf"\({_CHANNELS}(?: ?/ ?{_CHANNELS})?\)$", re.IGNORECASE)
# A track line may cut a long name short; shorter beginnings than this match too much to trust.
MIN_PREFIX = 3
# How many trailing words of an insert's name may be dropped to find it in the listing.
MAX_DROPPED_WORDS = 3


@dataclass
class ListedPlugin:
    """One plug-in of the listing (rows with the same identity merged) and where tracks use it."""

    name: str
    vendor: str | None
    version: str | None
    format: str | None
    count: int | None
    tracks: set[int] = field(default_factory=set)
    instances: int = 0


class Listing:
    """The plug-in listing, found by the names the track lines give its plug-ins."""

    def __init__(self, plugins: list[ListedPlugin]):
        self.plugins = plugins
        self._exact: dict[str, ListedPlugin] = {}
        self._folded: dict[str, ListedPlugin] = {}
        # Inserts on tracks are never AudioSuite: for a name listed in several formats, prefer the others.
        for plugin in sorted(plugins, key=lambda p: p.format == AUDIOSUITE):
            self._exact.setdefault(plugin.name, plugin)
            self._folded.setdefault(plugin.name.casefold(), plugin)
        self._keys = sorted(self._folded)
        self._found: dict[str, ListedPlugin | None] = {}

    def named(self, name: str) -> ListedPlugin | None:
        """The listed plug-in of exactly this name, else of this name in another case, or None."""
        return self._exact.get(name) or self._folded.get(name.casefold())

    def find(self, name: str) -> ListedPlugin | None:
        """The listed plug-in an insert's name (channel format stripped) stands for, or None."""
        if name not in self._found:
            folded = name.casefold()
            self._found[name] = self.named(name) or self._unique_prefix(folded) or self._without_last_words(folded)
        return self._found[name]

    def _unique_prefix(self, folded: str) -> ListedPlugin | None:
        """The one listed name that begins with this (cut short) name; None when none or several do."""
        if len(folded) < MIN_PREFIX:
            return None
        start = bisect.bisect_left(self._keys, folded)
        starting = [key for key in self._keys[start:start + 2] if key.startswith(folded)]
        return self._folded[starting[0]] if len(starting) == 1 else None

    def _without_last_words(self, folded: str) -> ListedPlugin | None:
        """The listed name this name begins with, up to a word boundary (an unknown channel format...)."""
        words = folded.split(" ")
        for end in range(len(words) - 1, max(len(words) - 1 - MAX_DROPPED_WORDS, 0), -1):
            found = self._folded.get(" ".join(words[:end]))
            if found:
                return found
        return None


def inserts(text: str, position: int, listing: Listing | None) -> list[SessionStatsPluginInstance]:
    """The inserts of a `PLUG-INS:` line; each takes vendor, version, format and name from the listing."""
    cells = text.split("\t")
    if not cells[0].strip():
        cells = cells[1:]  # the space between the label and the first tab
    inserts = []
    # The slot is the position on the line, empty fields counted, so a gap keeps the later numbers.
    for slot, cell in enumerate(cells, start=1):
        written = cell.strip()
        if not written:
            continue
        name = CHANNEL_SUFFIX.sub("", written).rstrip() or written
        # A name that really ends in parentheses ("Upmix (5.1)") is found as written before stripping.
        plugin = (listing.named(written) or listing.find(name)) if listing else None
        if plugin is None:
            inserts.append(SessionStatsPluginInstance(name=name, slot=str(slot)))
            continue
        plugin.tracks.add(position)
        plugin.instances += 1
        inserts.append(SessionStatsPluginInstance(name=plugin.name, vendor=plugin.vendor, version=plugin.version,
                                                  format=plugin.format, slot=str(slot)))
    return inserts


def usage(listing: Listing) -> list[SessionStatsPluginUsage]:
    """The session's plug-in usage as the listing gives it."""
    usage = []
    for plugin in listing.plugins:
        count = plugin.count if plugin.count is not None else plugin.instances
        # The listing's count is authoritative, but track lines can miss inserts (tracks left out
        # of the export, instances the export does not name per track): the tracks found naming
        # the plug-in are a floor, raised to one when it is used at all, and capped by the count.
        track_count = min(count, max(len(plugin.tracks), 1 if count else 0))
        usage.append(SessionStatsPluginUsage(name=plugin.name, vendor=plugin.vendor, version=plugin.version,
                                             format=plugin.format, count=count, track_count=track_count))
    return usage
