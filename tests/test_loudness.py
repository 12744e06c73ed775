"""Loudness, loudness range, sample peak and full-scale places of audio files written here with soundfile."""
import numpy as np
import pyloudnorm
import pytest
import soundfile

from app.analysis import loudness
from app.analysis.loudness import AUDIO_SUFFIXES, MAX_CLIPS, AnalysisError, Loudness, measure_loudness

RATE = 48000


def sine(seconds: float, dbfs: float, rate: int = RATE, hz: float = 1000.0) -> np.ndarray:
    """A sine whose peak is `dbfs`, as EBU Tech 3341 and 3342 specify their test signals."""
    t = np.arange(round(seconds * rate)) / rate
    return 10 ** (dbfs / 20) * np.sin(2 * np.pi * hz * t)


def stereo(mono: np.ndarray) -> np.ndarray:
    return np.column_stack([mono, mono])


def write(path, data, rate=RATE, subtype="FLOAT", **kwargs):
    soundfile.write(path, data, rate, subtype=subtype, **kwargs)
    return path


@pytest.mark.parametrize("subtype", ["FLOAT", "PCM_24"])
def test_tech_3341_case_1_stereo_sine_at_minus_23_dbfs(tmp_path, subtype):
    path = write(tmp_path / "case1.wav", stereo(sine(20, -23)), subtype=subtype)
    measured = measure_loudness(path)
    assert measured.integrated_lufs == pytest.approx(-23.0, abs=0.1)
    assert measured.sample_peak_dbfs == pytest.approx(-23.0, abs=0.1)
    assert measured.duration_sec == 20.0
    assert (measured.channels, measured.sample_rate) == (2, RATE)
    assert measured.clips == []
    # A steady tone has no loudness range.
    assert measured.loudness_range_lu == pytest.approx(0.0, abs=0.1)


def test_mono_is_3_lu_below_the_same_tone_in_stereo(tmp_path):
    measured = measure_loudness(write(tmp_path / "mono.wav", sine(5, -23)))
    assert measured.integrated_lufs == pytest.approx(-26.0, abs=0.1)
    assert measured.channels == 1


@pytest.mark.parametrize("rate", [44100, 11025])
def test_streamed_loudness_matches_pyloudnorm_over_the_whole_signal(tmp_path, rate):
    # Noise fading in over 12 s so the gates have something to do; 11025 Hz has sub-blocks of uneven length.
    rng = np.random.default_rng(7)
    fade = np.repeat(np.linspace(0.02, 1.0, 12), rate)[:, None]
    data = 0.1 * rng.standard_normal((12 * rate, 2)) * fade
    path = write(tmp_path / "noise.wav", data, rate=rate, subtype="DOUBLE")
    expected = pyloudnorm.Meter(rate).integrated_loudness(data)
    assert measure_loudness(path).integrated_lufs == pytest.approx(expected, abs=0.01)


def test_the_chunk_size_does_not_change_anything(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    data = stereo(sine(8, -12)) + 0.01 * rng.standard_normal((8 * RATE, 2))
    data[RATE:RATE + 300] = 1.0
    data[3 * RATE + 7] = -1.0
    path = write(tmp_path / "chunks.wav", data)
    whole_seconds = measure_loudness(path)
    # An odd chunk length puts chunk edges inside sub-blocks, windows and full-scale runs.
    monkeypatch.setattr(loudness, "CHUNK_SECONDS", 0.0123)
    odd_chunks = measure_loudness(path)
    assert odd_chunks.integrated_lufs == pytest.approx(whole_seconds.integrated_lufs, abs=1e-9)
    assert odd_chunks.loudness_range_lu == pytest.approx(whole_seconds.loudness_range_lu, abs=1e-9)
    assert odd_chunks.clips == whole_seconds.clips
    assert len(odd_chunks.clips) == 2


@pytest.mark.parametrize("subtype", ["FLOAT", "PCM_16", "PCM_24"])
def test_full_scale_places_are_reported_to_the_millisecond(tmp_path, subtype):
    data = sine(8, -20)
    # A burst of alternating full-scale samples over 2.000-2.010 s, and one sample at 5.5 s.
    data[round(2.0 * RATE):round(2.010 * RATE)] = np.resize([1.0, -1.0], round(0.010 * RATE))
    data[round(5.5 * RATE)] = 1.0  # written as the largest code by integer PCM
    measured = measure_loudness(write(tmp_path / "clipped.wav", data, subtype=subtype))
    assert [(round(start, 3), round(end, 3)) for start, end in measured.clips] == [(2.0, 2.01), (5.5, 5.5)]
    assert measured.sample_peak_dbfs == pytest.approx(0.0, abs=0.001)


def test_a_float_file_past_full_scale_clips_there(tmp_path):
    data = stereo(sine(2, -6))
    data[RATE, 1] = 1.7  # only the right channel, beyond 1.0 as float files allow
    measured = measure_loudness(write(tmp_path / "over.wav", data))
    assert measured.clips == [(1.0, 1.0 + 1 / RATE)]
    assert measured.sample_peak_dbfs == pytest.approx(20 * np.log10(1.7))


def test_full_scale_runs_closer_than_10_ms_are_one_range(tmp_path):
    data = sine(3, -20)
    for start_ms in (1000, 1005, 1014, 1040):  # 5 and 9 ms apart merge; the 26 ms gap does not
        data[start_ms * RATE // 1000] = -1.0
    measured = measure_loudness(write(tmp_path / "near.wav", data))
    assert [(round(start, 3), round(end, 3)) for start, end in measured.clips] == [(1.0, 1.014), (1.04, 1.04)]


def test_the_list_of_ranges_stops_at_the_cap(tmp_path):
    rate = 8000
    data = np.zeros(rate * 25)
    data[::rate // 50] = 1.0  # a full-scale sample every 20 ms: 1,250 separate ranges
    measured = measure_loudness(write(tmp_path / "many.wav", data, rate=rate))
    assert len(measured.clips) == MAX_CLIPS
    assert measured.clips[-1][0] == pytest.approx((MAX_CLIPS - 1) * 0.02)


@pytest.mark.parametrize(("name", "format_"), [("tone.flac", "FLAC"), ("tone.aiff", "AIFF"), ("tone.aif", "AIFF")])
def test_flac_and_aiff_are_read(tmp_path, name, format_):
    path = write(tmp_path / name, stereo(sine(5, -23)), subtype="PCM_24", format=format_)
    measured = measure_loudness(path)
    assert measured.integrated_lufs == pytest.approx(-23.0, abs=0.1)
    assert (measured.duration_sec, measured.channels, measured.sample_rate) == (5.0, 2, RATE)


def test_suffixes_are_lower_case_with_their_dot():
    assert {".wav", ".aif", ".aiff", ".flac"} <= AUDIO_SUFFIXES
    assert all(suffix == suffix.lower() and suffix.startswith(".") for suffix in AUDIO_SUFFIXES)


def test_silence_has_no_loudness_and_no_peak(tmp_path):
    measured = measure_loudness(write(tmp_path / "silence.wav", np.zeros((5 * RATE, 2)), subtype="PCM_16"))
    assert measured == Loudness(integrated_lufs=None, loudness_range_lu=None, sample_peak_dbfs=None,
                                duration_sec=5.0, sample_rate=RATE, channels=2, clips=[])


def test_a_file_shorter_than_one_gating_block_has_a_peak_but_no_loudness(tmp_path):
    measured = measure_loudness(write(tmp_path / "short.wav", sine(0.3, -6)))
    assert measured.integrated_lufs is None and measured.loudness_range_lu is None
    assert measured.sample_peak_dbfs == pytest.approx(-6.0, abs=0.01)
    assert measured.duration_sec == pytest.approx(0.3)


def test_an_empty_file_measures_nothing(tmp_path):
    measured = measure_loudness(write(tmp_path / "empty.wav", np.zeros((0, 2))))
    assert (measured.integrated_lufs, measured.sample_peak_dbfs, measured.duration_sec) == (None, None, 0.0)


def test_loudness_range_needs_a_whole_3_second_window(tmp_path):
    measured = measure_loudness(write(tmp_path / "two.wav", stereo(sine(2.9, -23))))
    assert measured.integrated_lufs == pytest.approx(-23.0, abs=0.1)
    assert measured.loudness_range_lu is None


@pytest.mark.parametrize(("first", "second", "expected"), [(-20, -30, 10), (-20, -15, 5), (-10, -30, 20)])
def test_loudness_range_of_ebu_tech_3342_cases_1_to_3(tmp_path, first, second, expected):
    data = stereo(np.concatenate([sine(20, first), sine(20, second)]))
    measured = measure_loudness(write(tmp_path / "steps.wav", data, subtype="PCM_24"))
    assert measured.loudness_range_lu == pytest.approx(expected, abs=1)


def test_5_1_leaves_the_lfe_out_and_larger_layouts_get_no_loudness(tmp_path):
    tone = sine(3, -20)
    left_only, lfe_only = np.zeros((len(tone), 6)), np.zeros((len(tone), 6))
    left_only[:, 0], lfe_only[:, 3] = tone, tone
    mono = measure_loudness(write(tmp_path / "mono.wav", tone)).integrated_lufs
    assert measure_loudness(write(tmp_path / "left.wav", left_only)).integrated_lufs == pytest.approx(mono)
    assert measure_loudness(write(tmp_path / "lfe.wav", lfe_only)).integrated_lufs is None
    eight = measure_loudness(write(tmp_path / "eight.wav", np.column_stack([tone] * 8)))
    assert eight.integrated_lufs is None and eight.channels == 8
    assert eight.sample_peak_dbfs == pytest.approx(-20.0, abs=0.01)


def test_a_text_file_named_wav_is_refused(tmp_path):
    path = tmp_path / "notes.wav"
    path.write_text("Lead vocal, take 3: keep the second chorus.\n" * 20)
    with pytest.raises(AnalysisError, match="notes.wav: not a readable audio file"):
        measure_loudness(path)


def test_missing_files_and_other_suffixes_are_refused(tmp_path):
    with pytest.raises(AnalysisError, match="no such file"):
        measure_loudness(tmp_path / "gone.wav")
    mp3 = tmp_path / "song.mp3"
    mp3.write_bytes(b"ID3")
    with pytest.raises(AnalysisError, match="unsupported file type"):
        measure_loudness(mp3)


def test_samples_that_are_not_numbers_are_refused(tmp_path):
    data = sine(1, -6)
    data[100] = np.nan
    with pytest.raises(AnalysisError, match="damaged audio"):
        measure_loudness(write(tmp_path / "nan.wav", data))
