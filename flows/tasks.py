"""Prefect's part in fetching: the fetch task (retried on the sources' policy, cached by address and
block range) and the executor that runs it on threads or on a Dask cluster for
tracers.sources.fetcher.Fetcher, which plans the jobs and writes their results (one writer).

    with fetch_runner("dask", "tcp://scheduler:8786") as runner:
        fetcher = Fetcher(con, make_source(spec), chain, executor=prefect_executor(spec, runner))

On Dask each worker process builds its own source from the spec (keys from the worker's own
environment: TRACERS_ETHERSCAN_KEY, TRACERS_TRONGRID_KEY) and returns the transfers; the flow's
process writes them. `rate` stays the total: it is shared out among the cluster's workers.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import timedelta

from prefect import task
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from tracers import settings
from tracers.domain import FetchResult
from tracers.errors import TransientSourceError
from tracers.sources.factory import SourceSpec, make_source
from tracers.sources.fetcher import Executor, FetchJob
from tracers.sources.retry import DEFAULT as RETRY

FETCH_RETRIES = 3  # a whole fetch again when its source gave up on a request after its own tries
THREADS = 8  # concurrent fetches in one process; the source's rate limit paces their requests


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
    retries=FETCH_RETRIES,
    retry_delay_seconds=RETRY.task_delays(FETCH_RETRIES),
    retry_jitter_factor=0.5,
    retry_condition_fn=only_transient,
    cache_key_fn=fetch_cache_key,
    cache_expiration=timedelta(days=1),
    task_run_name="fetch {job.address} {job.from_block}-{job.through_block}",
)
def fetch_address(spec: SourceSpec, job: FetchJob) -> FetchResult:
    """Every transfer of one address over a block range, from the live source."""
    return make_source(spec).fetch(job.chain, job.address, job.from_block, job.through_block)


def fetch_runner(runner: str = "threads", dask_address: str | None = None) -> TaskRunner:
    """The task runner fetches run on (enter it for the flow's duration): threads in this process,
    or Dask: the cluster at `dask_address` (or TRACERS_DASK_ADDRESS), else a local one."""
    runner = settings.resolve("runner", runner)
    if runner == "threads":
        return ThreadPoolTaskRunner(max_workers=THREADS)
    if runner != "dask":
        raise settings.SettingError(f"--runner {runner!r}: give one of {', '.join(settings.RUNNERS)}")
    from prefect_dask import DaskTaskRunner

    address = settings.resolve("dask_address", dask_address)
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 4, "processes": True})


def prefect_executor(spec: SourceSpec, runner: TaskRunner) -> Executor:
    """Run fetch jobs as `fetch_address` tasks on an entered task runner, results in job order."""

    def run(jobs: Sequence[FetchJob]) -> Iterator[FetchResult]:
        shared = replace(spec, rate=spec.rate / _workers(runner))
        futures = [runner.submit(fetch_address, {"spec": shared, "job": job}) for job in jobs]
        for future in futures:  # in submission order: the same store whatever finishes first
            yield future.result()

    return run


def _workers(runner: TaskRunner) -> int:
    """Processes that each pace their own requests (Dask workers); 1 for threads."""
    client = getattr(runner, "client", None)
    if client is None:
        return 1
    with contextlib.suppress(Exception):  # a scheduler that does not say: pace as one
        return max(1, len(client.scheduler_info()["workers"]))
    return 1
