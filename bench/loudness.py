"""Loudness analysis throughput: seconds of audio measured per second of wall time.

Run with `python -m bench.loudness`. Writes one MINUTES-minute stereo 24-bit WAV at RATE Hz into a temporary
folder (a few chunks at a time, so the script itself stays small in memory): noise and a tone whose level
changes every few seconds, with a few full-scale bursts, so every part of `measure_loudness` has work to do.
Then times `measure_loudness` over it (median of RUNS, the file warm in the page cache) and prints the figure.
"""
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile

from app.analysis.loudness import measure_loudness

MINUTES = 10
RATE = 48000
CHANNELS = 2
RUNS = 3
WRITE_SECONDS = 10  # generated and written this much at a time


def write_test_file(path: Path) -> None:
    """A MINUTES-minute stereo WAV whose level steps between -30 and -10 dBFS, with a full-scale burst a minute."""
    rng = np.random.default_rng(1)
    with soundfile.SoundFile(path, "w", RATE, CHANNELS, subtype="PCM_24") as out:
        for start in range(0, MINUTES * 60, WRITE_SECONDS):
            t = (np.arange(WRITE_SECONDS * RATE) + start * RATE) / RATE
            level = 10 ** (rng.uniform(-30, -10, WRITE_SECONDS).repeat(RATE) / 20)
            tone = np.sin(2 * np.pi * 440 * t) * level
            chunk = np.column_stack([tone, tone]) + 0.02 * rng.standard_normal((len(t), CHANNELS))
            if start % 60 == 0:
                chunk[RATE:RATE + RATE // 100] = 1.0
            out.write(np.clip(chunk, -1.0, 1.0))


def main():
    with tempfile.TemporaryDirectory(prefix="bench-loudness-") as folder:
        path = Path(folder) / "ten_minutes.wav"
        write_test_file(path)
        megabytes = path.stat().st_size / 1e6
        seconds = []
        for _ in range(RUNS):
            started = time.perf_counter()
            measured = measure_loudness(path)
            seconds.append(time.perf_counter() - started)
        assert measured.duration_sec == MINUTES * 60 and len(measured.clips) == MINUTES, measured
    wall = statistics.median(seconds)
    print(f"bench.loudness on this machine ({os.cpu_count()} cores, Python {platform.python_version()}): "
          f"a {MINUTES}-minute {RATE} Hz stereo 24-bit WAV ({megabytes:,.0f} MB), median of {RUNS} runs")
    print(f"integrated {measured.integrated_lufs:.2f} LUFS, range {measured.loudness_range_lu:.1f} LU, "
          f"peak {measured.sample_peak_dbfs:.2f} dBFS, {len(measured.clips)} full-scale ranges")
    print(f"{wall:.2f} s wall time: {measured.duration_sec / wall:,.0f} s of audio analysed per second")


if __name__ == "__main__":
    main()
