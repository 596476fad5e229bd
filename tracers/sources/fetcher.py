"""The one way chain data gets into the store: plan → fetch → write, with checkpoints.

    fetcher = Fetcher(con, source, "ethereum")            # fetches here, one address after another
    fetcher = Fetcher(con, source, "ethereum", executor=prefect_executor(spec, runner))  # flows/tasks.py
    fetcher(addresses)                                    # the store holds them up to fetcher.head

- plan: for each address, only the blocks after its checkpoint, up to one head per fetcher (every
  address of a trace is read up to the same block).
- fetch: an executor runs the jobs and yields their results in job order. The default runs them in
  this process; the flows pass one that runs Prefect tasks (retried, cached) on threads or a Dask
  cluster. Sources retry single requests on their one policy (tracers.sources.retry).
- write: here, one writer, each fetch in one transaction with its checkpoint (tracers.store.write),
  so an interrupted fetch leaves whole fetches and a rerun fetches only what is missing.

Used by `reports import`, `trace`, monitoring (flows/) and the benchmarks alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import duckdb

from tracers.domain import FetchResult
from tracers.sources import Source
from tracers.store.write import checkpoint, write_fetch


@dataclass(frozen=True)
class FetchJob:
    chain: str
    address: str
    from_block: int
    through_block: int


Executor = Callable[[Sequence[FetchJob]], Iterable[FetchResult]]  # results in job order


def plan(con: duckdb.DuckDBPyConnection, source_name: str, chain: str, head: int,
         addresses: Iterable[str], start_block: int = 0) -> list[FetchJob]:
    """The fetches needed to have every address stored up to `head`: only blocks after each
    address's checkpoint."""
    jobs = []
    for address in sorted(set(addresses)):
        done = checkpoint(con, chain, address, source_name)
        first = start_block if done is None else done + 1
        if first <= head:
            jobs.append(FetchJob(chain, address, first, head))
    return jobs


def in_process(source: Source) -> Executor:
    """Run the jobs here, one after another."""

    def run(jobs: Sequence[FetchJob]) -> Iterator[FetchResult]:
        for job in jobs:
            yield source.fetch(job.chain, job.address, job.from_block, job.through_block)

    return run


class Fetcher:
    """`fetcher(addresses)`: the store holds every transfer of these addresses up to the head."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: Source, chain: str, *,
                 executor: Executor | None = None, progress: Callable[[str], None] | None = None,
                 start_block: int = 0):
        self.con, self.source, self.chain = con, source, chain
        self.executor = executor or in_process(source)
        self.progress = progress or (lambda _message: None)
        self.start_block = start_block
        self._head: int | None = None
        self.requests = 0  # requests the fetches made, retries included
        self.fetched = 0  # fetches written

    @property
    def head(self) -> int:
        if self._head is None:
            self._head = self.source.head(self.chain)
        return self._head

    def __call__(self, addresses: Iterable[str]) -> int:
        """Fetch and store what the addresses miss; returns the number of fetches written."""
        jobs = plan(self.con, self.source.name, self.chain, self.head, addresses, self.start_block)
        if not jobs:
            return 0
        self.progress(f"fetching {len(jobs)} address(es) from {self.source.name} up to block {self.head}")
        for number, result in enumerate(self.executor(jobs), start=1):
            write_fetch(self.con, result)
            self.requests += result.requests
            self.fetched += 1
            if number % 25 == 0 or number == len(jobs):
                self.progress(f"stored {number}/{len(jobs)} fetches ({self.requests} requests so far)")
        return len(jobs)

    ensure = __call__

    def provenance(self) -> dict:
        """Where this fetcher's data came from, for the trace run's parameters and export manifests:
        the source (no keys), the chain id its node served, the head every address was read to."""
        return {**self.source.describe(), "chain": self.chain, "head": self.head}
