"""Prefect flows that trace a case or a wallet, pulling chain data live, hop by hop.

The library does the tracing (tracers.trace); the flow gives it a way to bring the addresses it
reaches into the store: fetch tasks run concurrently (within the source's rate limit), their
results are written by the flow itself, one writer, each fetch with its checkpoint.

    trace_case(case="FIU-2026-0142", source="explorer", explorer_url="https://api.etherscan.io/v2/api")
    trace_wallet(chain="ethereum", address="0x...", case="FIU-2026-0142", source="rpc", rpc_url=...)
"""

from __future__ import annotations

from collections.abc import Iterable

from prefect import flow, get_run_logger

from flows.tasks import fetch_address, source_head
from tracers.sources.factory import SourceSpec, spec_from_options
from tracers.sources.fetcher import plan
from tracers.store import connect
from tracers.store.write import write_fetch
from tracers.trace import Taint, TraceParams, add_address_seed, parse_duration
from tracers.trace import trace_case as trace_case_over_store


class ParallelFetcher:
    """ensure(addresses): fetch in parallel through Prefect tasks, write here (one writer)."""

    def __init__(self, con, spec: SourceSpec, start_block: int = 0):
        self.con, self.spec, self.start_block = con, spec, start_block
        self.head = source_head(spec)
        self.requests = 0
        self.fetched = 0

    def __call__(self, addresses: Iterable[str]) -> int:
        jobs = plan(self.con, self.spec.kind, self.spec.chain, self.head, addresses, self.start_block)
        if not jobs:
            return 0
        futures = [fetch_address.submit(self.spec, job) for job in jobs]
        for future in futures:  # written in submission order: the same store whatever finishes first
            result = future.result()
            write_fetch(self.con, result)
            self.requests += result.requests
        self.fetched += len(jobs)
        get_run_logger().info("fetched %d addresses from %s (%d requests so far)",
                              len(jobs), self.spec.describe(), self.requests)
        return len(jobs)


@flow(name="trace_case", log_prints=True)
def trace_case(
    case: str,
    source: str = "store",
    chain: str = "ethereum",
    db: str = "tracers.duckdb",
    rpc_url: str | None = None,
    explorer_url: str | None = None,
    tron_url: str | None = None,
    confirmations: int = 0,
    hops: int = 12,
    window: str = "30d",
    taint: str = "haircut",
    start_block: int = 0,
    rate: float = 3.0,
    timeout: float = 30.0,
) -> dict:
    """Trace a case from its seeds (victim reports, named scam addresses), pulling the chain data
    it needs from a live source (`rpc`, `explorer`, `tron`) or using the store as it is (`store`).
    Returns the run id and what was found.

    Args:
        case: Case id, e.g. FIU-2026-0142 (opened with `tracers case open`).
        chain: Chain of the live source, e.g. ethereum, bsc, polygon, tron.
        source: Where chain data comes from: store (what the store holds), rpc (an EVM JSON-RPC
            node), explorer (an Etherscan-v2 or Blockscout API) or tron (TronGrid).
        db: The store, a DuckDB file path as the serving process sees it.
        rpc_url: JSON-RPC URL for source rpc; empty: TRACERS_RPC_URL_<CHAIN> or TRACERS_RPC_URL
            of the process that runs the flow (keep URLs holding keys there).
        explorer_url: Explorer API URL for source explorer; empty: TRACERS_EXPLORER_URL. The key
            is read from TRACERS_ETHERSCAN_KEY only.
        tron_url: TronGrid URL for source tron; empty: TRACERS_TRON_URL. The key is read from
            TRACERS_TRONGRID_KEY only.
        confirmations: Live sources: leave the newest N blocks out.
        hops: Stop this many hops from a victim's payment.
        window: Follow money out of an address only this long after it arrived (12h, 30d, 2w).
        taint: How victim money is attributed: haircut (proportional), fifo (first in, first
            out) or poison.
        start_block: Live sources: the first block read for an address never fetched before.
        rate: Live sources: requests per second at most.
        timeout: Live sources: seconds to wait for one answer.
    """
    logger = get_run_logger()
    params = TraceParams(hops=hops, window_seconds=parse_duration(window), taint=Taint(taint))
    con = connect(db)
    try:
        ensure = {}
        fetcher = None
        if source != "store":
            spec = spec_from_options(source, chain, rpc_url, explorer_url, tron_url, confirmations,
                                     rate, timeout)
            fetcher = ParallelFetcher(con, spec, start_block)
            ensure[chain] = fetcher
            logger.info("pulling %s data from %s up to block %d", chain, spec.describe(), fetcher.head)
        run = trace_case_over_store(con, case, params, progress=logger.info, ensure=ensure)
    finally:
        con.close()
    return {"run_id": run.run_id, "summary": run.summary,
            "requests": fetcher.requests if fetcher else 0,
            "addresses_fetched": fetcher.fetched if fetcher else 0}


@flow(name="trace_wallet", log_prints=True)
def trace_wallet(
    chain: str,
    address: str,
    case: str,
    source: str = "store",
    db: str = "tracers.duckdb",
    rpc_url: str | None = None,
    explorer_url: str | None = None,
    tron_url: str | None = None,
    confirmations: int = 0,
    hops: int = 12,
    window: str = "30d",
    taint: str = "haircut",
    start_block: int = 0,
    rate: float = 3.0,
    timeout: float = 30.0,
) -> dict:
    """Trace from one wallet an analyst names (added to the case as a seed).

    Args:
        chain: Chain of the wallet, e.g. ethereum, bsc, polygon, tron.
        address: The wallet to trace from, e.g. a scam address a victim paid (0x... or T...).
        case: Case id the wallet is added to as a seed, e.g. FIU-2026-0142.
        source: Where chain data comes from: store (what the store holds), rpc (an EVM JSON-RPC
            node), explorer (an Etherscan-v2 or Blockscout API) or tron (TronGrid).
        db: The store, a DuckDB file path as the serving process sees it.
        rpc_url: JSON-RPC URL for source rpc; empty: TRACERS_RPC_URL_<CHAIN> or TRACERS_RPC_URL
            of the process that runs the flow (keep URLs holding keys there).
        explorer_url: Explorer API URL for source explorer; empty: TRACERS_EXPLORER_URL. The key
            is read from TRACERS_ETHERSCAN_KEY only.
        tron_url: TronGrid URL for source tron; empty: TRACERS_TRON_URL. The key is read from
            TRACERS_TRONGRID_KEY only.
        confirmations: Live sources: leave the newest N blocks out.
        hops: Stop this many hops from a victim's payment.
        window: Follow money out of an address only this long after it arrived (12h, 30d, 2w).
        taint: How victim money is attributed: haircut (proportional), fifo (first in, first
            out) or poison.
        start_block: Live sources: the first block read for an address never fetched before.
        rate: Live sources: requests per second at most.
        timeout: Live sources: seconds to wait for one answer.
    """
    con = connect(db)
    try:
        add_address_seed(con, case, chain, address)
    finally:
        con.close()
    return trace_case(case=case, source=source, chain=chain, db=db, rpc_url=rpc_url,
                      explorer_url=explorer_url, tron_url=tron_url, confirmations=confirmations,
                      hops=hops, window=window, taint=taint, start_block=start_block, rate=rate,
                      timeout=timeout)
