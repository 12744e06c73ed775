"""Loudness of an audio file: ITU-R BS.1770-4 integrated loudness, EBU Tech 3342 loudness range, sample peak and
the places where the signal reaches full scale, measured in one streaming pass over the file."""
import math
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
import pyloudnorm
import scipy.signal
import soundfile
from numpy.lib.stride_tricks import sliding_window_view

from app.analysis import AUDIO_SUFFIXES

# One read's worth of audio: large enough that numpy's per-call cost vanishes, small enough to keep memory flat.
CHUNK_SECONDS = 1.0
# BS.1770 gates on 400 ms blocks and EBU Tech 3342 on 3 s windows, both stepping by 100 ms: every window is a whole
# number of 100 ms sub-blocks, so keeping one energy per sub-block (10 floats a second) is enough to gate both.
SUB_BLOCKS_PER_SECOND = 10
MOMENTARY_SUB_BLOCKS = 4
SHORT_TERM_SUB_BLOCKS = 30
ABSOLUTE_GATE_LUFS = -70.0
INTEGRATED_RELATIVE_GATE_LU = -10.0
RANGE_RELATIVE_GATE_LU = -20.0
RANGE_PERCENTILES = (10, 95)
# BS.1770-4's channel gains in pyloudnorm's order (L, R, C, Ls, Rs): the surrounds count 1.41 (+1.5 dB).
CHANNEL_GAINS = (1.0, 1.0, 1.0, 1.41, 1.41)
# Six channels are taken as 5.1 in the WAV (SMPTE) order L, R, C, LFE, Ls, Rs; BS.1770 leaves the LFE out.
CHANNEL_GAINS_5_1 = (1.0, 1.0, 1.0, 0.0, 1.41, 1.41)
# The K-weighting shelf sits at 1.5 kHz: below this rate its filters are not meaningful.
MIN_LOUDNESS_RATE = 8000

# A float sample this close to 1.0 is at full scale (float files may also go past it).
FULL_SCALE = 1.0 - 1e-6
# Integer PCM read as float is divided by 2**(bits - 1), so its positive maximum code falls just short of 1.0.
PCM_BITS = {"PCM_S8": 8, "PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32}
# Full-scale runs closer than this are one event to a listener (and to anyone reading the list).
CLIP_MERGE_SECONDS = 0.010
MAX_CLIPS = 1000


class AnalysisError(Exception):
    """An audio file that cannot be measured, with the reason in words."""


@dataclass(frozen=True)
class Loudness:
    """What measure_loudness found in one audio file."""

    integrated_lufs: float | None  # None: silence, shorter than one 400 ms block, or a layout BS.1770 cannot weigh
    loudness_range_lu: float | None  # None likewise, or shorter than one 3 s window
    sample_peak_dbfs: float | None  # None: every sample is zero
    duration_sec: float
    sample_rate: int
    channels: int
    clips: list[tuple[float, float]] = field(default_factory=list)  # (start_sec, end_sec), at most MAX_CLIPS


def measure_loudness(path: str | PathLike, filename: str | None = None) -> Loudness:
    """Measure the file at `path` in CHUNK_SECONDS reads, so memory stays flat whatever its length; `filename`
    (the path's own name when not given) says what kind of file it is."""
    path = Path(path)
    name = filename or path.name
    if Path(name).suffix.lower() not in AUDIO_SUFFIXES:
        raise AnalysisError(f"{name}: unsupported file type; reads {', '.join(sorted(AUDIO_SUFFIXES))}")
    if not path.is_file():
        raise AnalysisError(f"{name}: no such file")
    try:
        with soundfile.SoundFile(path) as audio:
            return _measure(audio)
    except soundfile.SoundFileError as exc:
        raise AnalysisError(f"{name}: not a readable audio file ({_reason(exc)})") from exc
    except OSError as exc:
        raise AnalysisError(f"{name}: cannot read the file ({exc.strerror or exc})") from exc


def _reason(exc: soundfile.SoundFileError) -> str:
    """libsndfile's own words, without the path soundfile puts in front of them."""
    message = getattr(exc, "error_string", None) or str(exc)
    return message.rstrip(".")


def _measure(audio: soundfile.SoundFile) -> Loudness:
    """The streaming pass over an open file."""
    rate, channels = audio.samplerate, audio.channels
    gains = _channel_gains(channels)
    energy = _KWeightedEnergy(rate, channels, gains) if gains is not None and rate >= MIN_LOUDNESS_RATE else None
    clips = _ClipFinder(rate, _full_scale(audio.subtype))
    chunk = max(1, round(rate * CHUNK_SECONDS))
    peak = 0.0
    frames = 0
    while True:
        # float64 so the K-weighting filters keep their precision over hours of samples.
        block = audio.read(chunk, dtype="float64", always_2d=True)
        if not len(block):
            break
        magnitude = np.abs(block)
        block_peak = float(magnitude.max())
        if not math.isfinite(block_peak):
            raise AnalysisError(f"{Path(audio.name).name}: damaged audio, it holds samples that are not numbers")
        peak = max(peak, block_peak)
        clips.feed(magnitude, frames)
        if energy is not None:
            energy.feed(block)
        frames += len(block)
    integrated = loudness_range = None
    if energy is not None:
        integrated = _integrated_loudness(energy.windows(MOMENTARY_SUB_BLOCKS))
        loudness_range = _loudness_range(energy.windows(SHORT_TERM_SUB_BLOCKS))
    return Loudness(
        integrated_lufs=integrated,
        loudness_range_lu=loudness_range,
        sample_peak_dbfs=20.0 * math.log10(peak) if peak > 0 else None,
        duration_sec=frames / rate,
        sample_rate=rate,
        channels=channels,
        clips=clips.ranges(),
    )


def _channel_gains(channels: int) -> np.ndarray | None:
    """BS.1770-4 weights per channel, or None for layouts whose speaker positions a file does not tell us."""
    if channels <= len(CHANNEL_GAINS):
        return np.array(CHANNEL_GAINS[:channels])
    if channels == len(CHANNEL_GAINS_5_1):
        return np.array(CHANNEL_GAINS_5_1)
    return None


def _full_scale(subtype: str) -> float:
    """The magnitude from which a sample of this encoding counts as full scale."""
    bits = PCM_BITS.get(subtype)
    if bits is None:
        return FULL_SCALE
    # The largest positive code, e.g. 32767 / 32768 for 16 bits; below FULL_SCALE only for 8 and 16 bits.
    return min(FULL_SCALE, (2 ** (bits - 1) - 1) / 2 ** (bits - 1))


def _loudness(mean_square: float) -> float:
    """BS.1770 loudness in LUFS of a K-weighted, channel-weighted mean square."""
    return -0.691 + 10.0 * math.log10(mean_square)


def _mean_square(lufs: float) -> float:
    """The inverse of _loudness: gates are compared as energies so silent blocks never meet log10(0)."""
    return 10.0 ** ((lufs + 0.691) / 10.0)


def _integrated_loudness(blocks: np.ndarray) -> float | None:
    """BS.1770-4 gated loudness of the 400 ms blocks' mean squares: an absolute gate, then one 10 LU below."""
    above_absolute = blocks[blocks > _mean_square(ABSOLUTE_GATE_LUFS)]
    if not len(above_absolute):
        return None
    relative = _mean_square(_loudness(above_absolute.mean()) + INTEGRATED_RELATIVE_GATE_LU)
    # Never empty: the loudest block is always above a gate set below the mean.
    return _loudness(above_absolute[above_absolute > relative].mean())


def _loudness_range(windows: np.ndarray) -> float | None:
    """EBU Tech 3342 loudness range of the 3 s windows' mean squares: the spread from the 10th to 95th percentile."""
    above_absolute = windows[windows > _mean_square(ABSOLUTE_GATE_LUFS)]
    if not len(above_absolute):
        return None
    relative = _mean_square(_loudness(above_absolute.mean()) + RANGE_RELATIVE_GATE_LU)
    levels = [_loudness(value) for value in above_absolute[above_absolute >= relative]]
    low, high = np.percentile(levels, RANGE_PERCENTILES)
    return float(high - low)


class _KWeightedEnergy:
    """K-weighted, channel-weighted energy of each 100 ms sub-block, fed a chunk at a time."""

    def __init__(self, rate: int, channels: int, gains: np.ndarray):
        self.rate = rate
        # pyloudnorm's own K-weighting (pre-filter shelf, then RLB high-pass) as biquads; they are applied here as
        # second-order sections whose state carries from one chunk to the next, which pyloudnorm's one-shot
        # lfilter over the whole signal cannot do.
        stages = list(pyloudnorm.Meter(rate)._filters.values())
        self.sections = np.array([np.concatenate([stage.b, stage.a]) for stage in stages])
        self.state = np.zeros((len(stages), 2, channels))
        self.gains = gains * math.prod(stage.passband_gain for stage in stages) ** 2
        self.pending = np.empty(0)  # energy of samples not yet making up a whole sub-block
        self.sums: list[float] = []

    def _edge(self, sub_block):
        """Sample index where sub-block k starts: floor(k * rate / 10), exact for rates like 11025 too."""
        return sub_block * self.rate // SUB_BLOCKS_PER_SECOND

    def feed(self, block: np.ndarray) -> None:
        """Filter one chunk (frames x channels) and add up its sub-blocks, keeping a partial one for the next."""
        filtered, self.state = scipy.signal.sosfilt(self.sections, block, axis=0, zi=self.state)
        energy = np.concatenate([self.pending, np.square(filtered) @ self.gains])
        first = len(self.sums)
        # Where the next sub-blocks end, relative to the start of `energy`; a sub-block is never shorter than
        # rate // 10 samples, so this many candidates cover every one that can be complete.
        candidates = np.arange(first + 1, first + 2 + len(energy) // (self.rate // SUB_BLOCKS_PER_SECOND))
        ends = self._edge(candidates) - self._edge(first)
        ends = ends[ends <= len(energy)]
        if len(ends):
            # reduceat sums from each start to the next one, the last one to the end of what it is given.
            starts = np.concatenate([[0], ends[:-1]])
            self.sums.extend(np.add.reduceat(energy[:ends[-1]], starts).tolist())
            energy = energy[ends[-1]:]
        self.pending = energy

    def windows(self, sub_blocks: int) -> np.ndarray:
        """Mean square of every window of `sub_blocks` whole sub-blocks, stepping one sub-block (100 ms) at a time."""
        if len(self.sums) < sub_blocks:
            return np.empty(0)
        energies = sliding_window_view(np.array(self.sums), sub_blocks).sum(axis=1)
        edges = self._edge(np.arange(len(self.sums) + 1))
        samples = edges[sub_blocks:] - edges[:-sub_blocks]
        return energies / samples


class _ClipFinder:
    """Runs of full-scale samples (on any channel), merged when closer than CLIP_MERGE_SECONDS."""

    def __init__(self, rate: int, threshold: float):
        self.rate = rate
        self.threshold = threshold
        self.min_gap = max(1, round(rate * CLIP_MERGE_SECONDS))
        self.runs: list[list[int]] = []  # [first sample, one past the last], in samples from the file's start
        self.full = False

    def feed(self, magnitude: np.ndarray, offset: int) -> None:
        """Add the runs found in one chunk of absolute sample values that starts at sample `offset`."""
        hot = (magnitude >= self.threshold).any(axis=1)
        if self.full or not hot.any():
            return
        edges = np.flatnonzero(np.diff(hot.astype(np.int8), prepend=0, append=0))
        starts, ends = edges[0::2], edges[1::2]
        # Merge inside the chunk with numpy; only the first run may still join the last one of earlier chunks.
        opens_group = np.concatenate([[True], starts[1:] - ends[:-1] >= self.min_gap])
        closes_group = np.concatenate([opens_group[1:], [True]])
        for start, end in zip((starts[opens_group] + offset).tolist(), (ends[closes_group] + offset).tolist()):
            if self.runs and start - self.runs[-1][1] < self.min_gap:
                self.runs[-1][1] = end
            elif len(self.runs) < MAX_CLIPS:
                self.runs.append([start, end])
            else:
                # Stop here: a later run must not be merged across the one left out.
                self.full = True
                return

    def ranges(self) -> list[tuple[float, float]]:
        """The runs as (start_sec, end_sec), the end being where the last full-scale sample ends."""
        return [(start / self.rate, end / self.rate) for start, end in self.runs]
