"""Measurements of audio files: loudness, peaks and full-scale places, with no database or web code."""

# What libsndfile reads that studios hand around; it recognises the format from the file's header, not its name.
# Kept here, not beside the measurement, so that checking a name does not import scipy.
AUDIO_SUFFIXES = frozenset({".wav", ".wave", ".bwf", ".aif", ".aiff", ".aifc", ".flac"})
