"""The one client of remote Session Stats servers: timeouts, a rate limit per source, the remote's Retry-After,
retries with backoff and jitter on what may pass (timeouts, lost connections, 5xx), and a circuit breaker per
source. Used by jobs only: a call may wait."""
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pybreaker
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from app import metrics

CLOSED, OPEN, HALF_OPEN = pybreaker.STATE_CLOSED, pybreaker.STATE_OPEN, pybreaker.STATE_HALF_OPEN
USER_AGENT = "session-stats-sync"


class RemoteError(Exception):
    """A call to a remote that did not succeed, in plain words."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class RemoteRefused(RemoteError):
    """The remote answered no (4xx other than 429), or its answer is not what a Session Stats server says: a retry
    would get the same."""


class RemoteUnavailable(RemoteError):
    """Timeouts, lost connections, 5xx or 429: worth another try later."""


class RetryLater(RemoteUnavailable):
    """The remote asked to wait (429) for `wait` seconds."""

    def __init__(self, message: str, wait: float):
        super().__init__(message, 429)
        self.wait = wait


class BreakerOpen(RemoteError):
    """The source's circuit breaker is open: no call is tried until its cool-down ends."""


@dataclass(frozen=True)
class ClientSettings:
    """How patient the client is with one source."""

    timeout: float = 30
    requests_per_second: float = 5
    retries: int = 4
    backoff: float = 0.5
    max_backoff: float = 30
    breaker_failures: int = 5
    cool_down: float = 60
    # Longer Retry-After values are cut to this: a sync waits, it does not stall for hours.
    max_retry_after: float = 300

    @classmethod
    def from_config(cls, config) -> "ClientSettings":
        """The settings of an app's config."""
        return cls(timeout=config["REMOTE_TIMEOUT_SECONDS"], requests_per_second=config["REMOTE_REQUESTS_PER_SECOND"],
                   retries=config["REMOTE_RETRIES"], backoff=config["REMOTE_BACKOFF_SECONDS"],
                   breaker_failures=config["REMOTE_BREAKER_FAILURES"],
                   cool_down=config["REMOTE_BREAKER_COOL_DOWN_SECONDS"])


class RateLimit:
    """Calls to one source spaced at least 1/rate apart, and held back while the remote asked to wait."""

    def __init__(self):
        self._lock = threading.Lock()
        self._next_at = 0.0

    def wait(self, per_second: float) -> float:
        """Wait for this call's turn; the seconds waited."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_at)
            self._next_at = start + 1 / per_second
        if start > now:
            time.sleep(start - now)
        return start - now

    def hold(self, seconds: float) -> None:
        """Let no call start for `seconds` (the remote's Retry-After)."""
        with self._lock:
            self._next_at = max(self._next_at, time.monotonic() + seconds)


_lock = threading.Lock()
_breakers: dict[str, pybreaker.CircuitBreaker] = {}
_rate_limits: dict[str, RateLimit] = {}


def breaker_for(source: str, settings: ClientSettings) -> pybreaker.CircuitBreaker:
    """The circuit breaker of `source` in this process (one per source, kept between jobs)."""
    with _lock:
        breaker = _breakers.get(source)
        if breaker is None or (breaker.fail_max, breaker.reset_timeout) != (settings.breaker_failures,
                                                                              settings.cool_down):
            breaker = _breakers[source] = pybreaker.CircuitBreaker(
                fail_max=settings.breaker_failures, reset_timeout=settings.cool_down, name=source,
                exclude=[RemoteRefused], throw_new_error_on_trip=False)
        return breaker


def breaker_state(source: str) -> str:
    """The state of `source`'s breaker in this process: closed, open or half-open."""
    with _lock:
        breaker = _breakers.get(source)
    return breaker.current_state if breaker is not None else CLOSED


def _rate_limit_for(source: str) -> RateLimit:
    with _lock:
        return _rate_limits.setdefault(source, RateLimit())


class RemoteClient:
    """Calls to one remote Session Stats server, as one source."""

    def __init__(self, source: str, base_url: str, token: str, settings: ClientSettings, transport=None):
        self.source = source
        self.base_url = base_url.rstrip("/")
        self.host = urlsplit(self.base_url).netloc or self.base_url
        self.settings = settings
        self.breaker = breaker_for(source, settings)
        self.rate_limit = _rate_limit_for(source)
        self.requests = 0
        # backoff × 2^attempt, plus up to `backoff` of jitter, at most max_backoff.
        self.backoff = wait_exponential_jitter(multiplier=settings.backoff, jitter=settings.backoff,
                                               max=settings.max_backoff)
        self.http = httpx.Client(base_url=self.base_url, timeout=settings.timeout, transport=transport,
                                 headers={"Authorization": f"Bearer {token}", "Accept": "application/json",
                                          "User-Agent": USER_AGENT})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.http.close()

    def get_json(self, path: str, params: dict | None = None) -> dict:
        """GET `path` of the remote as JSON, through the breaker, the rate limit and the retries; RemoteError when it
        does not work out."""
        try:
            return self.breaker.call(self._with_retries, path, params or {})
        except pybreaker.CircuitBreakerError:
            raise BreakerOpen(f"{self.host} failed {self.settings.breaker_failures} times in a row: calls to it "
                              f"are stopped for {self.settings.cool_down:g} s, then one is tried.") from None
        finally:
            metrics.BREAKER_STATE.labels(self.source).set(metrics.BREAKER_STATES.index(self.breaker.current_state))

    def _with_retries(self, path: str, params: dict) -> dict:
        retrying = Retrying(
            retry=retry_if_exception_type(RemoteUnavailable), stop=stop_after_attempt(self.settings.retries + 1),
            wait=self._wait, reraise=True)
        return retrying(self._get_once, path, params)

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception()
        if isinstance(error, RetryLater):
            self.rate_limit.hold(error.wait)
            return 0
        return self.backoff(state)

    def _get_once(self, path: str, params: dict) -> dict:
        waited = self.rate_limit.wait(self.settings.requests_per_second)
        if waited:
            metrics.RATE_LIMIT_WAIT.labels(self.source).inc(waited)
        self.requests += 1
        started = time.perf_counter()
        status = "error"
        try:
            answer = self.http.get(path, params=params)
            status = str(answer.status_code)
        except httpx.TimeoutException:
            status = "timeout"
            raise RemoteUnavailable(f"{self.host} did not answer within {self.settings.timeout:g} s.") from None
        except httpx.TransportError as exc:
            if _is_tls_error(exc):
                raise RemoteRefused(f"The TLS connection to {self.host} failed: {_reason(exc)}. Check its "
                                    "certificate, or use the address its certificate names.") from None
            raise RemoteUnavailable(f"Cannot reach {self.host}: {_reason(exc)}.") from None
        finally:
            metrics.REMOTE_LATENCY.labels(self.source, status).observe(time.perf_counter() - started)
        return self._read(answer)

    def _read(self, answer: httpx.Response) -> dict:
        code = answer.status_code
        if code == 429:
            wait = min(_retry_after(answer.headers.get("Retry-After")), self.settings.max_retry_after)
            raise RetryLater(f"{self.host} asked to slow down (429) for {wait:g} s.", wait)
        if code >= 500:
            raise RemoteUnavailable(f"{self.host} failed with HTTP {code}.", code)
        if code == 401:
            raise RemoteRefused(f"{self.host} refused the token (401): it is unknown, revoked or expired there.", code)
        if code == 403:
            raise RemoteRefused(f"{self.host} knows the token but does not let it read sessions (403): it needs the "
                                "viewer role or more.", code)
        if code == 404:
            raise RemoteRefused(f"{self.base_url} answered, but it is not a Session Stats server: it has no "
                                f"{answer.request.url.path}.", code)
        if code >= 400:
            raise RemoteRefused(f"{self.host} refused the request (HTTP {code}): {_error_text(answer)}", code)
        try:
            body = answer.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise RemoteRefused(f"{self.base_url} answered, but not in JSON: it is not a Session Stats server.", code)
        return body


def _retry_after(value: str | None) -> float:
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        # A date, or nothing: a short pause and the backoff take it from there.
        return 1.0


def _is_tls_error(exc: BaseException) -> bool:
    while exc is not None:
        if isinstance(exc, ssl.SSLError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return "connection refused" if "refused" in text.lower() else text


def _error_text(answer: httpx.Response) -> str:
    try:
        return str(answer.json().get("error", {}).get("message") or answer.reason_phrase)
    except (ValueError, AttributeError):
        return answer.reason_phrase
