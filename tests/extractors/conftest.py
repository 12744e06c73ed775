"""Extractor tests read the real session files in ../shared/corpus where they are."""
import os
from pathlib import Path

import pytest

# ../shared/corpus beside the project, unless SESSION_STATS_CORPUS names another folder.
CORPUS = Path(os.environ.get("SESSION_STATS_CORPUS") or Path(__file__).resolve().parents[3] / "shared" / "corpus")


@pytest.fixture
def corpus():
    """A function from a corpus file's name (e.g. "rpp/perlence_vst.RPP") to its path; skips without the corpus."""
    if not CORPUS.is_dir():
        pytest.skip(f"the corpus of real session files is not at {CORPUS}")

    def path(name: str) -> Path:
        found = CORPUS / name
        if not found.is_file():
            pytest.skip(f"{name} is not in the corpus at {CORPUS}")
        return found
    return path
