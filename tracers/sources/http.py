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
  comes with HTTP 200). Waits grow exponentially with full jitter from an injectable RNG (pass a
  seeded `random.Random` for reproducible runs); after `max_attempts` attempts
  `TransientSourceError(retry_after)` is raised. Other 4xx are not retried.
- Secrets: an API key never appears in a log record, an error or an exception: `apikey=` query
  values and every registered secret are masked, exceptions from requests are not chained (their
  text carries the URL), and urllib3's debug log of request lines is masked too.
- Counting: every attempt is counted (`client.requests`, and a per-call `Tally`) for benchmarks.
- Time: `sleep` and `clock` are injectable, so tests run on a fake clock.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from tracers.errors import SourceError, TransientSourceError

log = logging.getLogger(__name__)

MASK = "***"
_APIKEY_QUERY = re.compile(r"(?i)(apikey=)[^&\s'\"#]+")
_SECRET_HEADERS = ("TRON-PRO-API-KEY",)
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


def mask(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with `apikey=` query values and every given secret replaced by ***."""
    masked = _APIKEY_QUERY.sub(lambda m: m.group(1) + MASK, text)
    for secret in secrets:
        if secret:
            masked = masked.replace(secret, MASK)
    return masked


class _MaskFilter(logging.Filter):
    """Masks keys in urllib3's records (its DEBUG log prints each request line, query included)."""

    def __init__(self) -> None:
        super().__init__("tracers-mask")
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is urllib3's to report, not ours
            return True
        masked = mask(message, self.secrets)
        if masked != message:
            record.msg, record.args = masked, None
        return True


_URLLIB3_FILTER = _MaskFilter()
_FILTER_LOCK = threading.Lock()


def _guard_urllib3_log(secrets: Iterable[str]) -> None:
    with _FILTER_LOCK:
        _URLLIB3_FILTER.secrets.update(s for s in secrets if s)
        logger = logging.getLogger("urllib3.connectionpool")
        if _URLLIB3_FILTER not in logger.filters:
            logger.addFilter(_URLLIB3_FILTER)


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


class _Retry(Exception):
    """One attempt failed in a way worth another try."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


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
        max_attempts: int = 6,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        rng: random.Random | None = None,
        sleep: Sleep = time.sleep,
        clock: Clock = time.monotonic,
        secrets: Iterable[str | None] = (),
    ):
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {max_attempts}")
        self.session = session
        self.name = name
        self.limiter = limiter or RateLimiter(rate, burst, clock=clock, sleep=sleep)
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()
        self._sleep = sleep
        self._secrets = tuple(s for s in secrets if s)
        self._count_lock = threading.Lock()
        self._requests = 0
        _guard_urllib3_log(self._secrets)

    @property
    def requests(self) -> int:
        """Requests sent so far by this client, retries included."""
        return self._requests

    def mask(self, text: str) -> str:
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
        """The JSON reply of GET `url`, after up to `max_attempts` tries of transient failures."""
        shown = self._shown_url(url, params)
        last: _Retry | None = None
        for attempt in range(1, self.max_attempts + 1):
            self.limiter.acquire()
            self._count(tally)
            try:
                reply = self._attempt(url, params, headers, shown)
                if check is not None:
                    check(reply)
                return reply
            except TransientSourceError as exc:  # the caller's check: a throttle in a 200 reply
                last = _Retry(self.mask(str(exc)), exc.retry_after)
            except _Retry as exc:
                last = exc
            if attempt < self.max_attempts:
                delay = self._delay(attempt, last.retry_after)
                log.warning("%s: %s (attempt %d of %d); retrying in %.2f s: %s", self.name,
                            last.reason, attempt, self.max_attempts, delay, shown)
                self._sleep(delay)
        assert last is not None
        raise TransientSourceError(
            f"{self.name}: gave up after {self.max_attempts} attempts, the last one: {last.reason} "
            f"({shown}); the service is throttling or failing: wait a while and run again, or "
            "lower the request rate",
            retry_after=last.retry_after if last.retry_after is not None else self.max_backoff,
        )

    # -- one attempt ---------------------------------------------------------------------------

    def _attempt(self, url, params, headers, shown: str) -> Any:
        try:
            response = self.session.get(url, params=params, headers=headers, timeout=self.timeout)
            status = response.status_code
            body = response.content
        except requests.Timeout:
            raise _Retry(f"no answer within {self.timeout:g} s") from None
        except requests.RequestException as exc:  # connection refused/reset, truncated body
            raise _Retry(f"connection failed ({type(exc).__name__})") from None
        if status == 429:
            raise _Retry("HTTP 429 Too Many Requests",
                         retry_after_seconds(response.headers.get("Retry-After")))
        if status >= 500:
            raise _Retry(f"HTTP {status}", retry_after_seconds(response.headers.get("Retry-After")))
        if status >= 400:
            raise SourceError(
                f"{self.name} refused the request with HTTP {status} ({shown}): "
                f"{self._excerpt(body)}; check the address, the base URL and the API key"
            )
        try:
            return json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise _Retry(f"reply is not valid JSON ({len(body)} bytes, truncated?)") from None

    # -- helpers -------------------------------------------------------------------------------

    def _count(self, tally: Tally | None) -> None:
        with self._count_lock:
            self._requests += 1
            if tally is not None:
                tally.requests += 1

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        with self._rng_lock:
            jitter = self._rng.random()
        if retry_after is not None:
            return retry_after * (1.0 + 0.1 * jitter)  # as told, plus a little to spread callers
        return jitter * min(self.max_backoff, self.backoff * 2 ** (attempt - 1))  # full jitter

    def _shown_url(self, url: str, params: Mapping[str, Any] | None) -> str:
        prepared = requests.Request("GET", url, params=params).prepare().url or url
        return self.mask(prepared)

    def _excerpt(self, body: bytes) -> str:
        text = body[:_BODY_EXCERPT].decode("utf-8", "replace").strip().replace("\n", " ")
        return self.mask(text) or "(empty reply)"


def secret_headers(headers: Mapping[str, str]) -> list[str]:
    """The values of headers that carry keys (to register as secrets)."""
    wanted = {h.lower() for h in _SECRET_HEADERS}
    return [v for k, v in headers.items() if k.lower() in wanted and v]
