"""Fuzzing the extractors: each format's real files (../shared/corpus) mutated by Hypothesis, over bytes and over
structure, and read by the format's `extract`. Every input must give a session that survives the wire format's
round trip, or an ExtractError, within a time bound (and, run as `python -m tests.fuzz`, a memory bound): any other
exception, a hang or a runaway allocation is a failure, kept with its input for triage.
"""
import gzip
import hashlib
import signal
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import HypothesisWarning
from hypothesis import strategies as st

from app.extractors import ExtractError, ableton, dawproject, fl_studio, protools_session, protools_text, reaper
from app.extractors import studio_one
from app.wire import SessionStatsSession
from tests.extractors.conftest import CORPUS
from tests.fuzz.mutations import (byte_mutation, fl_event_mutation, gzip_of, line_mutation, xml_mutation,
                                  zip_entry_mutation)

REGRESSIONS = Path(__file__).parent / "regressions"
# Inputs tried per Hypothesis run; runs repeat (each with a new seed) until the time asked for is spent. A short
# fuzzing run makes short Hypothesis runs, so that it ends near its time even where inputs are slow to make (a large
# Live set is unpacked, mutated and packed again for each).
EXAMPLES_PER_RUN = 200
EXAMPLES_PER_SECOND = 10


def _structure_of(suffix: str):
    """How a file of this suffix is mutated as a structure (its bytes are mutated for every format)."""
    if suffix in (".rpp", ".txt"):
        return line_mutation
    if suffix == ".als":
        return lambda data: gzip_of(xml_mutation(gzip.decompress(data)))
    if suffix in (".song", ".dawproject"):
        return lambda data: zip_entry_mutation(data, xml_mutation)
    if suffix == ".xml":
        return xml_mutation
    if suffix == ".flp":
        return fl_event_mutation
    return None


@dataclass(frozen=True)
class Target:
    """A format to fuzz: its extractor, and where its real files are."""

    name: str
    extract: object
    folder: str
    suffixes: tuple[str, ...]

    def files(self) -> list[Path]:
        """Its corpus files, in name order."""
        return sorted(path for path in (CORPUS / self.folder).glob("*") if path.suffix.lower() in self.suffixes)

    def inputs(self) -> st.SearchStrategy[tuple[str, bytes]]:
        """(file name, damaged content) drawn from every corpus file of the format."""
        choices = []
        for path in self.files():
            data = path.read_bytes()
            structure = _structure_of(path.suffix.lower())
            mutated = st.one_of(byte_mutation(data), structure(data)) if structure else byte_mutation(data)
            choices.append(st.tuples(st.just(f"fuzzed{path.suffix.lower()}"), mutated))
        return st.one_of(choices)


TARGETS = {target.name: target for target in (
    Target("reaper", reaper.extract, "rpp", (".rpp",)),
    Target("protools-text", protools_text.extract, "pt_session_text", (".txt",)),
    Target("protools-session", protools_session.extract, "ptx", (".ptx", ".ptf", ".pts")),
    Target("ableton", ableton.extract, "als", (".als",)),
    Target("fl-studio", fl_studio.extract, "flp", (".flp",)),
    Target("studio-one", studio_one.extract, "song", (".song",)),
    Target("dawproject", dawproject.extract, "dawproject", (".dawproject", ".xml")),
)}


class TooSlow(Exception):
    """An input read for longer than the time bound."""


def check(target: Target, filename: str, data: bytes, seconds: float) -> str:
    """"read" or "refused" for an input that keeps the property; raises what broke it otherwise."""
    def out_of_time(*_):
        raise TooSlow(f"reading took longer than {seconds:g} s")
    previous = signal.signal(signal.SIGALRM, out_of_time)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        try:
            session = target.extract(data, filename)
        except ExtractError:
            return "refused"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    SessionStatsSession.model_validate_json(session.model_dump_json(by_alias=True))
    return "read"


@dataclass
class Report:
    """What a fuzzing run of one format did."""

    name: str
    seconds: float = 0.0
    outcomes: Counter = field(default_factory=Counter)
    failures: dict[str, Path | None] = field(default_factory=dict)

    @property
    def inputs(self) -> int:
        """How many inputs were read."""
        return sum(self.outcomes.values())

    def line(self) -> str:
        """The run in words."""
        return (f"{self.name}: {self.seconds:.0f} s, {self.inputs:,} inputs ({self.outcomes['read']:,} read, "
                f"{self.outcomes['refused']:,} refused), {len(self.failures)} failures")


def fuzz(name: str, seconds: float, time_bound: float = 5.0, failures: Path | None = None) -> Report:
    """Fuzz one format for `seconds`; each distinct failure is kept (its minimal input saved under `failures`)."""
    target, report = TARGETS[name], Report(name)
    last = {}

    @settings(max_examples=min(EXAMPLES_PER_RUN, max(1, int(seconds * EXAMPLES_PER_SECOND))), deadline=None,
              database=None, phases=[Phase.generate, Phase.shrink], suppress_health_check=list(HealthCheck))
    @given(target.inputs())
    def one(case):
        try:
            report.outcomes[check(target, *case, time_bound)] += 1
        except Exception as exc:
            # The first line says what broke; the same break found again is the same failure.
            last.update(case=case, error=f"{type(exc).__name__}: {exc}".replace("\n", " ")[:300])
            raise

    # A failing input of a megabyte makes a long repr that nobody reads: the input itself is kept.
    warnings.filterwarnings("ignore", category=HypothesisWarning)
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        last.clear()
        try:
            one()
        except Exception:
            if not last:  # Hypothesis itself failed, not an input
                raise
            # Hypothesis shrinks before it gives up: the last failing call had the smallest input.
            if last["error"] not in report.failures:
                report.failures[last["error"]] = _kept(failures, name, *last["case"], last["error"])
    report.seconds = time.monotonic() - started
    return report


def _kept(folder: Path | None, name: str, filename: str, data: bytes, error: str) -> Path | None:
    if folder is None:
        return None
    path = folder / name / f"{hashlib.sha256(data).hexdigest()[:16]}{Path(filename).suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.with_name(path.name + ".error.txt").write_text(error + "\n")
    return path
