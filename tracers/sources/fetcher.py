"""Bring the store up to date for the addresses a trace reaches: fetch each from its checkpoint to
the source's head, write each fetch whole (tracers.store.write), one address at a time.

The Prefect flows (flows/) do the same with fetches in parallel and one writer; this sequential
form is the library's, for scripts and tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import duckdb

from tracers.sources import Source
from tracers.store.write import checkpoint, write_fetch


@dataclass(frozen=True)
class FetchJob:
    chain: str
    address: str
    from_block: int
    through_block: int


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


class Fetcher:
    """`ensure(addresses)`: the store holds every transfer of these addresses up to the head."""

    def __init__(self, con: duckdb.DuckDBPyConnection, source: Source, chain: str,
                 progress: Callable[[str], None] | None = None, start_block: int = 0):
        self.con, self.source, self.chain = con, source, chain
        self.progress = progress or (lambda _message: None)
        self.start_block = start_block
        self._head: int | None = None
        self.requests = 0

    @property
    def head(self) -> int:
        if self._head is None:  # one head per trace: every address is read up to the same block
            self._head = self.source.head(self.chain)
        return self._head

    def ensure(self, addresses: Iterable[str]) -> int:
        jobs = plan(self.con, self.source.name, self.chain, self.head, addresses, self.start_block)
        for number, job in enumerate(jobs, start=1):
            self.progress(f"fetching {job.address} ({number}/{len(jobs)}) from {self.source.name}")
            result = self.source.fetch(job.chain, job.address, job.from_block, job.through_block)
            self.requests += result.requests
            write_fetch(self.con, result)
        return len(jobs)
