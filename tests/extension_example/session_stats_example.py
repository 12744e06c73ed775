"""A small Session Stats extension, installed by the tests through an entry point: it reviews fast sessions, reads
`.tempo` files ("name|bpm" on one line), notes each attachment, and fails on purpose on a session named "boom"; its
reader of `.slow` files ("name|seconds") takes the seconds they name, as a reader stuck on a file would."""
import time


def on_session_indexed(session):
    """A review event on sessions faster than 200 BPM; how many tracks it saw; an error for "boom"."""
    if session["name"] == "boom":
        raise RuntimeError("this session makes the example fail")
    events = [{"kind": "review", "t_sec": 0, "text": "tempo above 200 BPM"}] if (session.get("bpm") or 0) > 200 else []
    return {"events": events, "attributes": {"tracks_seen": len(session.get("tracks") or [])}}


def on_attachment_added(session, attachment):
    """A review event asking to listen to each attached file."""
    return {"events": [{"kind": "review", "t_sec": 1, "text": f"listen to {attachment['filename']}"}],
            "attributes": {"bytes": attachment["size_bytes"]}}


def read_tempo_file(data, filename):
    """A session from a .tempo file."""
    name, bpm = data.decode().strip().split("|")
    return {"name": name, "bpm": float(bpm), "daw": "Tempo files"}


def read_slow_file(data, filename):
    """A session from a .slow file, after waiting the seconds it names."""
    name, seconds = data.decode().strip().split("|")
    time.sleep(float(seconds))
    return {"name": name, "daw": "Slow files"}


extractors = {".tempo": read_tempo_file, ".slow": read_slow_file}
