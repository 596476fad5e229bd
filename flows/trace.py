"""Prefect flows that trace a case or a wallet, pulling chain data live, hop by hop.

The library does the tracing (tracers.trace); the flow gives it a way to bring the addresses it
reaches into the store: fetch tasks run concurrently (within the source's rate limit), their
results are written by the flow itself, one writer, each fetch with its checkpoint.

    trace_case(case="FIU-2026-0142", source="explorer", explorer_url="https://api.etherscan.io/v2/api")
    trace_wallet(chain="ethereum", address="0x...", case="FIU-2026-0142", source="rpc", rpc_url=...)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from prefect import flow, get_run_logger

from flows.tasks import fetch_runner, prefect_executor
from tracers.findings import case_links, partner_matches, trace_notes
from tracers.sources.factory import make_source, spec_from_options
from tracers.sources.fetcher import Fetcher
from tracers.store import connect
from tracers.trace import Taint, TraceParams, add_address_seed, parse_duration
from tracers.trace import trace_case as trace_case_over_store


@contextmanager
def live_fetcher(con, source: str, chain: str, *, rpc_url=None, explorer_url=None, tron_url=None,
                 chain_id=None, confirmations=0, rate=3.0, timeout=30.0, start_block=0,
                 runner=None, dask_address=None) -> Iterator[Fetcher | None]:
    """The fetcher of a flow: fetch tasks on threads or a Dask cluster, results written here
    (one writer); None for source store."""
    if source == "store":
        yield None
        return
    spec = spec_from_options(source, chain, rpc_url, explorer_url, tron_url, confirmations, rate,
                             timeout, chain_id)
    logger = get_run_logger()
    with fetch_runner(runner, dask_address) as task_runner:
        fetcher = Fetcher(con, make_source(spec), chain, executor=prefect_executor(spec, task_runner),
                          progress=logger.info, start_block=start_block)
        logger.info("pulling %s data from %s up to block %d (fetches on %s)", chain, spec.describe(),
                    fetcher.head, type(task_runner).__name__)
        yield fetcher


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
    hops: int = 30,
    window: str = "30d",
    taint: str = "haircut",
    start_block: int = 0,
    rate: float = 3.0,
    timeout: float = 30.0,
    chain_id: int | None = None,
    runner: str | None = None,
    dask_address: str | None = None,
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
        explorer_url: Explorer API URL for source explorer; empty: TRACERS_EXPLORER_URL_<CHAIN> or
            TRACERS_EXPLORER_URL. The key
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
        chain_id: Source rpc: accept a node serving this chain id (a local fork or test node:
            31337); empty: TRACERS_RPC_CHAIN_ID_<CHAIN>, else the chain's own id.
        runner: Where fetches run: threads (this process) or dask (a Dask cluster).
        dask_address: Runner dask: the scheduler, e.g. tcp://dask-scheduler:8786; empty:
            TRACERS_DASK_ADDRESS, else a local cluster of 2 worker processes.
    """
    logger = get_run_logger()
    params = TraceParams(hops=hops, window_seconds=parse_duration(window), taint=Taint(taint))
    con = connect(db)
    try:
        with live_fetcher(con, source, chain, rpc_url=rpc_url, explorer_url=explorer_url,
                          tron_url=tron_url, chain_id=chain_id, confirmations=confirmations, rate=rate,
                          timeout=timeout, start_block=start_block, runner=runner,
                          dask_address=dask_address) as fetcher:
            ensure = {chain: fetcher} if fetcher else {}
            run = trace_case_over_store(con, case, params, progress=logger.info, ensure=ensure)
        shared = _report_exchange(con, case, run.run_id, logger)
    finally:
        con.close()
    return {"run_id": run.run_id, "summary": run.summary,
            "requests": fetcher.requests if fetcher else 0,
            "addresses_fetched": fetcher.fetched if fetcher else 0, **shared}


def _report_exchange(con, case: str, run_id: str, logger) -> dict:
    """Log the run's partner matches and the cases it shares an address with; return them."""
    for line in trace_notes(con, case, run_id):
        logger.info(line)
    matches = partner_matches(con, run_id)
    links = case_links(con, case)
    return {"partner_matches": len(matches),
            "linked_cases": sorted({c for link in links for c in link.case_ids if c != case})}


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
    hops: int = 30,
    window: str = "30d",
    taint: str = "haircut",
    start_block: int = 0,
    rate: float = 3.0,
    timeout: float = 30.0,
    chain_id: int | None = None,
    runner: str | None = None,
    dask_address: str | None = None,
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
        explorer_url: Explorer API URL for source explorer; empty: TRACERS_EXPLORER_URL_<CHAIN> or
            TRACERS_EXPLORER_URL. The key
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
        chain_id: Source rpc: accept a node serving this chain id (a local fork or test node:
            31337); empty: TRACERS_RPC_CHAIN_ID_<CHAIN>, else the chain's own id.
        runner: Where fetches run: threads (this process) or dask (a Dask cluster).
        dask_address: Runner dask: the scheduler, e.g. tcp://dask-scheduler:8786; empty:
            TRACERS_DASK_ADDRESS, else a local cluster of 2 worker processes.
    """
    con = connect(db)
    try:
        add_address_seed(con, case, chain, address)
    finally:
        con.close()
    return trace_case(case=case, source=source, chain=chain, db=db, rpc_url=rpc_url,
                      explorer_url=explorer_url, tron_url=tron_url, confirmations=confirmations,
                      hops=hops, window=window, taint=taint, start_block=start_block, rate=rate,
                      timeout=timeout, chain_id=chain_id, runner=runner, dask_address=dask_address)
