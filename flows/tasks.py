"""Prefect tasks: the network work, with retries of transient failures and caching declared here."""

from __future__ import annotations

from datetime import timedelta

from prefect import task
from prefect.tasks import exponential_backoff

from tracers.domain import FetchResult
from tracers.errors import TransientSourceError
from tracers.sources.factory import SourceSpec, make_source
from tracers.sources.fetcher import FetchJob


def only_transient(task_, task_run, state) -> bool:
    """Retry a fetch only when it failed for a passing reason (429, 5xx, timeout, truncated)."""
    try:
        state.result()
    except TransientSourceError:
        return True
    except Exception:  # noqa: BLE001 - anything else is final
        return False
    return False


def fetch_cache_key(context, parameters) -> str:
    spec: SourceSpec = parameters["spec"]
    job: FetchJob = parameters["job"]
    return f"fetch:{spec.describe()}:{job.chain}:{job.address}:{job.from_block}-{job.through_block}"


@task(
    name="fetch-address",
    retries=4,
    retry_delay_seconds=exponential_backoff(backoff_factor=2),
    retry_jitter_factor=0.5,
    retry_condition_fn=only_transient,
    cache_key_fn=fetch_cache_key,
    cache_expiration=timedelta(days=1),
    task_run_name="fetch {job.address} {job.from_block}-{job.through_block}",
)
def fetch_address(spec: SourceSpec, job: FetchJob) -> FetchResult:
    """Every transfer of one address over a block range, from the live source."""
    return make_source(spec).fetch(job.chain, job.address, job.from_block, job.through_block)


@task(name="source-head", retries=3, retry_delay_seconds=2, retry_condition_fn=only_transient)
def source_head(spec: SourceSpec) -> int:
    """The newest block the source will serve (its confirmations applied)."""
    return make_source(spec).head(spec.chain)
