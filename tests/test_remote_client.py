"""The client of remote sources against a real local server that misbehaves on cue: rate limits, Retry-After,
retries with backoff on 5xx and timeouts (never on 4xx), the circuit breaker, and plain words for each failure."""
import itertools
import time

import pytest

from app import metrics
from app.remote.client import (BreakerOpen, ClientSettings, RemoteClient, RemoteRefused, RemoteUnavailable,
                               breaker_state)
from tests.scripted_server import Answer, ScriptedServer

PAGE = {"sessions": [], "servedAt": "2026-01-01T00:00:00Z", "nextCursor": None}
FAST = ClientSettings(timeout=2, requests_per_second=1000, retries=2, backoff=0.01, max_backoff=0.05,
                      breaker_failures=3, cool_down=0.5)
NAMES = itertools.count()


def client_of(server, settings=FAST, token="sst_token"):
    # Each test's source has a breaker of its own.
    return RemoteClient(f"source-{next(NAMES)}-{time.monotonic_ns()}", server.url, token, settings)


def test_a_call_sends_the_token_and_reads_json():
    with ScriptedServer(Answer(200, PAGE)) as server, client_of(server) as client:
        assert client.get_json("/api/session-stats", {"limit": 1}) == PAGE
    assert server.requests[0]["path"] == "/api/session-stats?limit=1"
    assert server.requests[0]["headers"]["Authorization"] == "Bearer sst_token"


def test_a_429_is_waited_out_for_its_retry_after_then_retried():
    with ScriptedServer(Answer(429, {"error": {}}, {"Retry-After": "1"}), Answer(200, PAGE)) as server, \
            client_of(server) as client:
        waited_before = metrics.RATE_LIMIT_WAIT.labels(client.source)._value.get()
        assert client.get_json("/api/session-stats") == PAGE
        waited = metrics.RATE_LIMIT_WAIT.labels(client.source)._value.get() - waited_before
    first, second = server.requests
    # The second call started no sooner than the remote asked.
    assert second["at"] - first["at"] >= 0.9
    assert waited >= 0.9


def test_5xx_are_retried_with_backoff_then_the_call_fails():
    with ScriptedServer(Answer(503, {"error": {}})) as server, client_of(server) as client:
        with pytest.raises(RemoteUnavailable, match="failed with HTTP 503"):
            client.get_json("/api/session-stats")
    assert len(server.requests) == FAST.retries + 1


def test_a_5xx_then_a_success_is_a_success():
    with ScriptedServer(Answer(500, {}), Answer(502, {}), Answer(200, PAGE)) as server, client_of(server) as client:
        assert client.get_json("/api/session-stats") == PAGE
    assert len(server.requests) == 3


@pytest.mark.parametrize("status, words", [
    (401, "refused the token"), (403, "needs the viewer role"), (404, "not a Session Stats server"),
    (422, "refused the request"),
])
def test_4xx_are_never_retried_and_say_what_is_wrong(status, words):
    with ScriptedServer(Answer(status, {"error": {"message": "nope"}})) as server, client_of(server) as client:
        with pytest.raises(RemoteRefused, match=words):
            client.get_json("/api/session-stats")
    assert len(server.requests) == 1


def test_an_answer_that_is_not_json_is_not_a_session_stats_server():
    with ScriptedServer(Answer(200, b"<html>router login</html>", {"Content-Type": "text/html"})) as server, \
            client_of(server) as client:
        with pytest.raises(RemoteRefused, match="not in JSON"):
            client.get_json("/api/session-stats")


def test_a_hanging_server_hits_the_timeout_on_every_try():
    settings = ClientSettings(timeout=0.3, requests_per_second=1000, retries=1, backoff=0.01, breaker_failures=10)
    with ScriptedServer(Answer(200, PAGE, delay=2)) as server, client_of(server, settings) as client:
        with pytest.raises(RemoteUnavailable, match="did not answer within 0.3 s"):
            client.get_json("/api/session-stats")
    assert len(server.requests) == 2


def test_an_unreachable_server_says_so():
    with ScriptedServer(Answer(200, PAGE)) as server:
        url = server.url
    client = RemoteClient(f"gone-{time.monotonic_ns()}", url, "t", FAST)
    with pytest.raises(RemoteUnavailable, match="Cannot reach 127.0.0.1"):
        client.get_json("/api/session-stats")


def test_failures_in_a_row_open_the_breaker_which_fails_fast_then_a_probe_closes_it():
    settings = ClientSettings(timeout=2, requests_per_second=1000, retries=0, breaker_failures=2, cool_down=0.5)
    with ScriptedServer(Answer(500, {}), Answer(500, {}), Answer(200, PAGE)) as server, \
            client_of(server, settings) as client:
        for _ in range(2):
            with pytest.raises(RemoteUnavailable):
                client.get_json("/api/session-stats")
        assert breaker_state(client.source) == "open"
        with pytest.raises(BreakerOpen, match="failed 2 times in a row"):
            client.get_json("/api/session-stats")
        # Open: the call never reached the server.
        assert len(server.requests) == 2
        time.sleep(0.6)
        assert client.get_json("/api/session-stats") == PAGE
        assert breaker_state(client.source) == "closed"
    assert len(server.requests) == 3


def test_refusals_do_not_open_the_breaker():
    settings = ClientSettings(timeout=2, requests_per_second=1000, retries=0, breaker_failures=2, cool_down=30)
    with ScriptedServer(Answer(401, {})) as server, client_of(server, settings) as client:
        for _ in range(3):
            with pytest.raises(RemoteRefused):
                client.get_json("/api/session-stats")
        assert breaker_state(client.source) == "closed"


def test_the_rate_limit_spaces_calls_to_one_source():
    settings = ClientSettings(timeout=2, requests_per_second=5, retries=0)
    with ScriptedServer(Answer(200, PAGE)) as server, client_of(server, settings) as client:
        for _ in range(3):
            client.get_json("/api/session-stats")
    gaps = [b["at"] - a["at"] for a, b in zip(server.requests, server.requests[1:])]
    assert all(gap >= 0.18 for gap in gaps), gaps
