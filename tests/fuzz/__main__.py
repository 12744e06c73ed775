"""`python -m tests.fuzz [--seconds N] [--format NAME ...] [--log FILE] [--failures DIR]`: fuzz each format in
turn for N seconds within a memory bound, print what each run did, and exit 1 if any input broke an extractor."""
import argparse
import resource
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.extractors.conftest import CORPUS
from tests.fuzz import TARGETS, fuzz

# The most memory (address space) this process may take: a runaway allocation becomes a MemoryError, a failure.
MEMORY_BOUND = 3 * 1024**3


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--seconds", type=float, default=60, help="how long to fuzz each format")
    parser.add_argument("--format", action="append", choices=sorted(TARGETS), help="a format (default: all)")
    parser.add_argument("--time-bound", type=float, default=5.0, help="the most seconds one input may take")
    parser.add_argument("--log", type=Path, help="a TSV file to append each format's run to")
    parser.add_argument("--failures", type=Path, default=Path("fuzz-failures"),
                        help="where failing inputs are kept for triage")
    arguments = parser.parse_args()
    if not CORPUS.is_dir():
        parser.error(f"the corpus of real session files is not at {CORPUS} (set SESSION_STATS_CORPUS)")
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BOUND if hard == resource.RLIM_INFINITY
                                            else min(MEMORY_BOUND, hard), hard))
    broken = False
    for name in arguments.format or sorted(TARGETS):
        report = fuzz(name, arguments.seconds, arguments.time_bound, arguments.failures)
        print(report.line(), flush=True)
        for error, kept in report.failures.items():
            print(f"  {error}\n    input: {kept}", flush=True)
        broken = broken or bool(report.failures)
        if arguments.log:
            new = not arguments.log.exists()
            with arguments.log.open("a") as log:
                if new:
                    log.write("finished\tformat\tseconds\tinputs\tfailures\n")
                log.write(f"{datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}\t{name}\t{report.seconds:.0f}\t{report.inputs}\t"
                          f"{len(report.failures)}\n")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
