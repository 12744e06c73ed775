"""The sample generator: deterministic, valid, and shaped like a real archive."""
from collections import Counter
from statistics import mean

from app.sample_data import PLUGINS, generate_sessions
from app.wire import SessionStatsSession


def test_same_seed_same_sessions():
    assert list(generate_sessions(5, seed=1)) == list(generate_sessions(5, seed=1))
    assert list(generate_sessions(5, seed=1)) != list(generate_sessions(5, seed=2))


def test_sessions_are_valid_and_realistic():
    sessions = list(generate_sessions(400))
    for session in sessions:
        SessionStatsSession.model_validate(session)
    tracks = [len(s["tracks"]) for s in sessions]
    instances = [sum(len(t["plugins"]) for t in s["tracks"]) for s in sessions]
    assert 32 <= mean(tracks) <= 48
    assert 95 <= mean(instances) <= 145
    assert len({s["daw"] for s in sessions}) >= 5
    assert len({s["createdAt"][:4] for s in sessions}) >= 8
    popularity = Counter(p["name"] for s in sessions for t in s["tracks"] for p in t["plugins"])
    ranked = [name for name, _ in popularity.most_common()]
    # Zipf: the catalogue's first product is the most used and dwarfs the tail.
    assert ranked[0] == PLUGINS[0][1]
    assert popularity[ranked[0]] > 10 * popularity[ranked[-1]]


def test_smaller_sessions_for_a_bigger_archive():
    sessions = list(generate_sessions(400, median_tracks=8))
    assert 7 <= mean(len(s["tracks"]) for s in sessions) <= 11
    # Only the shape changes: the same seed names the same first session.
    assert sessions[0]["name"] == next(generate_sessions(1))["name"]
