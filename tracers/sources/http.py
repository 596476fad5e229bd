"""The HTTP layer the explorer and TronGrid sources share: pacing, retries, and keeping keys secret.

    client = HttpClient(session, rate=3.0, secrets=[api_key])
    reply = client.get_json(url, params=..., headers=..., check=envelope_check)

- Pacing: a thread-safe token bucket (`RateLimiter`), `rate` requests per second with bursts of
  `burst` (default 1: requests are spaced at least 1/rate apart, which also keeps within a
  per-second window such as Etherscan's 3 calls/s). Share one limiter between clients that use
  the same key.
- Retries, of transient failures only: HTTP 429 (waiting as long as `Retry-After` says), 5xx,
  connection errors and timeouts, bodies that are not JSON (truncated), and replies the caller's
  `check` marks transient by raising `TransientSourceError` (an explorer's "Max rate limit reached"
  comes with HTTP 200), on the one policy of every source (tracers.sources.retry: Retry-After, else
  exponential backoff with full jitter from an injectable RNG). Other 4xx are not retried.
- Secrets: an API key never appears in a log record, an error or an exception: `apikey=` query
  values and every registered secret are masked (tracers.redact), exceptions from requests are not
  chained (their text carries the URL), and urllib3's debug log of request lines is masked too.
- Counting: every attempt is counted (`client.requests`, and a per-call `Tally`) for benchmarks.
- Time: `sleep` and `clock` are injectable, so tests run on a fake clock.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from tracers.errors import SourceError, TransientSourceError
from tracers.redact import mask, register
from tracers.sources.retry import DEFAULT as DEFAULT_RETRY
from tracers.sources.retry import RetryPolicy

log = logging.getLogger(__name__)

_BODY_EXCERPT = 200

Check = Callable[[Any], None]  # raises TransientSourceError (retry) or SourceError (give up)
Sleep = Callable[[float], None]
Clock = Callable[[], float]


class Tally:
    """Requests made for one unit of work (a fetch), retries included."""

    __slots__ = ("requests",)

    def __init__(self) -> None:
        self.requests = 0


class RateLimiter:
    """Token bucket: `rate` tokens a second, at most `burst` stored; each request takes one.

    A caller that finds the bucket empty reserves the next token (the bucket goes into debt) and
    sleeps outside the lock, so concurrent callers queue up in order rather than all at once.
    """

    def __init__(self, rate: float = 3.0, burst: int = 1, *, clock: Clock = time.monotonic,
                 sleep: Sleep = time.sleep):
        if rate <= 0:
            raise ValueError(f"rate must be > 0 requests per second, got {rate}")
        if burst < 1:
            raise ValueError(f"burst must be >= 1, got {burst}")
        self.rate = float(rate)
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float(burst)
        self._updated = clock()

    def acquire(self) -> float:
        """Take a token, sleeping until one is due; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1.0
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date; None if absent/bad."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class HttpClient:
    """GET JSON over a passed-in `requests.Session`, paced and retried; see the module docstring."""

    def __init__(
        self,
        session: requests.Session,
        *,
        name: str = "http",
        rate: float = 3.0,
        burst: int = 1,
        limiter: RateLimiter | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        rng: random.Random | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        secrets: Iterable[str | None] = (),
    ):
        self.session = session
        self.name = name
        self.limiter = limiter or RateLimiter(rate, burst, clock=clock, sleep=sleep)
        self.timeout = timeout
        self.retry = retry
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._secrets = tuple(s for s in secrets if s)
        self._count_lock = threading.Lock()
        self._requests = 0
        register(self._secrets)

    @property
    def requests(self) -> int:
        """Requests sent so far by this client, retries included."""
        return self._requests

    def mask(self, text: str) -> str:
        """`text` with this client's keys masked (tracers.redact.mask)."""
        return mask(text, self._secrets)

    def get_json(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        check: Check | None = None,
        tally: Tally | None = None,
    ) -> Any:
        """The JSON reply of GET `url`, tried again on transient failures (tracers.sources.retry)."""
        shown = self._shown_url(url, params)

        def attempt() -> Any:
            self.limiter.acquire()
            self._count(tally)
            reply = self._attempt(url, params, headers, shown)
            if check is not None:
                try:
                    check(reply)
                except TransientSourceError as exc:  # a throttle inside a 200 reply: keys masked
                    raise TransientSourceError(self.mask(str(exc)), exc.retry_after) from None
            return reply

        return self.retry.run(attempt, name=self.name, shown=shown, sleep=self._sleep, rng=self._rng)

    # -- one attempt ---------------------------------------------------------------------------

    def _attempt(self, url, params, headers, shown: str) -> Any:
        try:
            response = self.session.get(url, params=params, headers=headers, timeout=self.timeout)
            status = response.status_code
            body = response.content
        except requests.Timeout:
            raise TransientSourceError(f"no answer within {self.timeout:g} s") from None
        except requests.RequestException as exc:  # connection refused/reset, truncated body
            raise TransientSourceError(f"connection failed ({type(exc).__name__})") from None
        if status == 429:
            raise TransientSourceError("HTTP 429 Too Many Requests",
                                       retry_after_seconds(response.headers.get("Retry-After")))
        if status >= 500:
            raise TransientSourceError(f"HTTP {status}", retry_after_seconds(response.headers.get("Retry-After")))
        if status >= 400:
            raise SourceError(
                f"{self.name} refused the request with HTTP {status} ({shown}): "
                f"{self._excerpt(body)}; check the address, the base URL and the API key"
            )
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise TransientSourceError(f"reply is not valid JSON ({len(body)} bytes, truncated?)") from None

    # -- helpers -------------------------------------------------------------------------------

    def _count(self, tally: Tally | None) -> None:
        with self._count_lock:
            self._requests += 1
            if tally is not None:
                tally.requests += 1

    def _shown_url(self, url: str, params: Mapping[str, Any] | None) -> str:
        prepared = requests.Request("GET", url, params=params).prepare().url or url
        return self.mask(prepared)

    def _excerpt(self, body: bytes) -> str:
        text = body[:_BODY_EXCERPT].decode("utf-8", "replace").strip().replace("\n", " ")
        return self.mask(text) or "(empty reply)"

