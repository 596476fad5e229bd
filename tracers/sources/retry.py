"""The one retry policy of every live source (RPC, explorer, TronGrid) and of the fetch tasks.

    policy = RetryPolicy(max_attempts=6, backoff=0.5, max_backoff=30.0)
    reply = policy.run(one_request, name="explorer", shown=url_without_keys)

Only transient failures are tried again: the request raised `TransientSourceError` (HTTP 429, 5xx,
timeouts, connection failures, truncated or non-JSON bodies, a throttle inside a 200 reply, a node
behind the head). Anything else is final at once. The wait before try n+1 is what the service
asked for (`Retry-After`, carried as `retry_after`, plus up to 10% to spread callers), else
exponential backoff with full jitter: uniform(0, min(max_backoff, backoff * 2**(n-1))). After
`max_attempts` tries the last failure is raised again as `TransientSourceError` saying so.

Prefect's fetch tasks retry a whole fetch on the same policy (`task_delays`) when a source gave up,
so a flow outlasts an outage longer than one request's tries.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tracers.errors import TransientSourceError

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    backoff: float = 0.5  # seconds before the 2nd try (at most; full jitter)
    max_backoff: float = 30.0

    def __post_init__(self) -> None:
        if not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise ValueError(f"max_attempts must be an integer >= 1, got {self.max_attempts!r}")
        if self.backoff < 0 or self.max_backoff < 0:
            raise ValueError("backoff and max_backoff must be >= 0 seconds")

    def delay(self, attempt: int, retry_after: float | None, jitter: float) -> float:
        """Seconds to wait after failed try `attempt` (1-based); `jitter` is uniform in [0, 1)."""
        if retry_after is not None:
            return retry_after * (1.0 + 0.1 * jitter)
        return jitter * min(self.max_backoff, self.backoff * 2 ** (attempt - 1))

    def run(self, attempt: Callable[[], T], *, name: str, shown: str, sleep: Sleep = time.sleep,
            rng: random.Random | None = None) -> T:
        """`attempt()`'s result, trying again on `TransientSourceError` as the module says.
        `name` (the source) and `shown` (what was asked, without keys) go into logs and the error."""
        rng = rng or random.Random()
        last: TransientSourceError | None = None
        for number in range(1, self.max_attempts + 1):
            try:
                return attempt()
            except TransientSourceError as exc:
                last = exc
            if number < self.max_attempts:
                wait = self.delay(number, last.retry_after, rng.random())
                log.warning("%s: %s (attempt %d of %d); retrying in %.2f s: %s", name, last, number,
                            self.max_attempts, wait, shown)
                sleep(wait)
        assert last is not None
        if self.max_attempts == 1:
            raise TransientSourceError(f"{name}: {last} ({shown})", last.retry_after) from None
        raise TransientSourceError(
            f"{name}: gave up after {self.max_attempts} attempts, the last one: {last} ({shown}); "
            "the service is throttling or failing: wait a while and run again, or lower the request rate",
            retry_after=last.retry_after if last.retry_after is not None else self.max_backoff,
        ) from None

    def task_delays(self, retries: int) -> list[float]:
        """Prefect `retry_delay_seconds` for a task retried `retries` times on this policy (the
        upper end of each backoff step; Prefect adds its own jitter)."""
        return [min(self.max_backoff, max(1.0, self.backoff) * 2 ** (n + 2)) for n in range(retries)]


DEFAULT = RetryPolicy()
