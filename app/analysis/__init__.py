"""Measurements of audio files: loudness, peaks and full-scale places, with no database or web code."""
