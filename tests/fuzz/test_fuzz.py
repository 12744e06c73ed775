"""A short fuzzing run of every format (`make fuzz` runs as long as asked), and every input that once broke an
extractor, read again."""
import subprocess
import sys
from pathlib import Path

import pytest

from tests.extractors.conftest import CORPUS
from tests.fuzz import REGRESSIONS, TARGETS, check

# Seconds per format in `make test`: long enough for a few hundred inputs, short enough for the suite.
SHORT_RUN_SECONDS = 3


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_a_short_fuzzing_run_breaks_no_extractor(name, tmp_path):
    if not CORPUS.is_dir():
        pytest.skip(f"the corpus of real session files is not at {CORPUS}")
    # Under `make test` the cores are shared with other tests: the bound catches a hang, as for the regressions.
    run = subprocess.run([sys.executable, "-m", "tests.fuzz", "--format", name, "--seconds", str(SHORT_RUN_SECONDS),
                          "--time-bound", "30", "--failures", str(tmp_path)], capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith(f"{name}: ") and " 0 failures" in run.stdout


@pytest.mark.parametrize("path", sorted(REGRESSIONS.glob("*/*")), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_an_input_that_once_broke_an_extractor_is_read_or_refused(path: Path):
    assert check(TARGETS[path.parent.name], path.name, path.read_bytes(), seconds=30) in ("read", "refused")
