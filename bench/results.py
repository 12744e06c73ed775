"""bench/RESULTS.md holds one section per benchmark; each run rewrites only its own."""
import re
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
TITLE = "# Benchmark results"


def write_section(heading: str, lines: list[str]) -> None:
    """Replace (or add) the section `## heading` of RESULTS.md with `lines`."""
    text = RESULTS.read_text() if RESULTS.exists() else TITLE + "\n"
    if not text.startswith(TITLE):
        text = TITLE + "\n"
    sections = re.split(r"(?m)^(?=## )", text)
    body = "\n".join([f"## {heading}", "", *lines]).rstrip() + "\n\n"
    kept = sections[1:]
    if any(s.startswith(f"## {heading}\n") for s in kept):
        # In its place: a run's diff shows only its own figures.
        merged = [body if s.startswith(f"## {heading}\n") else s for s in kept]
    else:
        order = {"## Ingest": 0, "## Pages": 1}
        merged = sorted([*kept, body], key=lambda s: order.get(s.split("\n", 1)[0], 9))
    RESULTS.write_text(sections[0].rstrip() + "\n\n" + "".join(merged))
