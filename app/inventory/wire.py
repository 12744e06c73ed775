"""A machine's inventory of installed plug-ins as JSON (camelCase on the wire), as `inventory collect` writes it and
the server takes it."""
from typing import Annotated, Literal

from pydantic import Field

from app.wire import MAX_NAME, Id, Name, ShortText, Timestamp, WireModel

# A studio machine holds hundreds of plug-ins, a large one a few thousand.
MAX_INSTALLED = 20_000
MAX_PATH = 4096

AAX, AU, CLAP, LV2, VST2, VST3 = "AAX", "AU", "CLAP", "LV2", "VST2", "VST3"
InstalledFormat = Literal["AAX", "AU", "CLAP", "LV2", "VST2", "VST3"]
# How an entry was identified: from the bundle's own metadata, from a DAW's scan of it, or only from its file name.
BUNDLE, REAPER_CACHE, LIVE_DATABASE, FILE_NAME = "bundle", "REAPER's plug-in cache", "Live's plug-in database", \
    "file name"
IdentifiedBy = Literal["bundle", "REAPER's plug-in cache", "Live's plug-in database", "file name"]
FilePath = Annotated[str, Field(max_length=MAX_PATH, pattern=r"^[^\x00]*$")]


class InstalledPlugin(WireModel):
    """One plug-in a machine has: what it is called, by whom, which version and format, and the id DAWs know it by
    (VST3: the class id, 32 hex digits; AU: type:subtype:manufacturer; VST2: the unique id as a signed number;
    CLAP: its reverse-domain id)."""

    format: InstalledFormat
    name: Name
    vendor: ShortText | None = None
    version: ShortText | None = None
    uid: Id | None = None
    bundle_id: ShortText | None = None
    category: ShortText | None = None
    path: FilePath | None = None
    identified_by: IdentifiedBy


class Unreadable(WireModel):
    """A bundle or file the collection could not read, and why."""

    path: FilePath
    reason: Annotated[str, Field(max_length=MAX_NAME)]


class Inventory(WireModel):
    """What one machine has installed, when it was collected, and what could not be read."""

    machine: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00/]*\S[^\x00/]*$")]
    os: ShortText | None = None
    collected_at: Timestamp
    plugins: Annotated[list[InstalledPlugin], Field(max_length=MAX_INSTALLED)]
    unreadable: Annotated[list[Unreadable], Field(max_length=MAX_INSTALLED)] = []
