"""The loudness analysis as an extension, built on the same hooks any installed package uses: each audio file
attached to a session is measured, and the places where it reaches full scale become `clip` events."""
from pathlib import Path

from app.analysis import AUDIO_SUFFIXES


def _rounded(value, places=2):
    return None if value is None else round(value, places)


def on_attachment_added(session: dict, attachment: dict) -> dict | None:
    """Loudness, range, peak, length and format of an audio attachment; its full-scale places as clip events."""
    if Path(attachment["filename"]).suffix.lower() not in AUDIO_SUFFIXES:
        return None
    # Imported on the first audio file: scipy and pyloudnorm take about a second, which no other command should wait.
    from app.analysis.loudness import measure_loudness

    measured = measure_loudness(attachment["path"], attachment["filename"])
    return {
        "attributes": {"integrated_lufs": _rounded(measured.integrated_lufs),
                       "loudness_range_lu": _rounded(measured.loudness_range_lu),
                       "sample_peak_dbfs": _rounded(measured.sample_peak_dbfs), "duration_sec": measured.duration_sec,
                       "sample_rate": measured.sample_rate, "channels": measured.channels,
                       "clips": len(measured.clips)},
        "events": [{"kind": "clip", "t_sec": round(start, 3), "end_sec": round(end, 3), "text": "reaches full scale",
                    "label": attachment["filename"][:1000]} for start, end in measured.clips],
    }
