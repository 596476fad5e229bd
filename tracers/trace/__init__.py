"""Trace a case over the store: follow victim money from its seeds to exchanges and services.

    run = trace_case(con, "FIU-2026-0142", TraceParams(taint=Taint.fifo))

Every run is kept with its parameters (trace_runs); the exports read the latest finished run.
A run lands whole or not at all (one transaction), so an interrupted trace leaves no trace rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from tracers import __version__
from tracers.cases import require_case
from tracers.chains import normalize_address
from tracers.errors import CaseError
from tracers.sources.fetcher import Fetcher
from tracers.store import transaction
from tracers.store.bulk import insert_rows
from tracers.trace.engine import seeds_of_case, trace_chain
from tracers.trace.params import Taint, TraceParams, parse_duration
from tracers.trace.partners import partner_findings
from tracers.trace.record import build_rows

__all__ = ["Taint", "TraceParams", "TraceRun", "add_address_seed", "parse_duration", "trace_case"]


@dataclass(frozen=True)
class TraceRun:
    run_id: str
    case_id: str
    params: TraceParams
    summary: dict


def add_address_seed(con: duckdb.DuckDBPyConnection, case_id: str, chain: str, address: str) -> str:
    """Add an address an analyst names as a seed of the case (a scam address)."""
    require_case(con, case_id)
    canonical = normalize_address(chain, address)
    seed_id = f"address:{chain}:{canonical}"
    con.execute(
        "INSERT INTO seeds (case_id, seed_id, chain, address, added_at) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [case_id, seed_id, chain, canonical, datetime.now(UTC)],
    )
    return seed_id


def trace_case(
    con: duckdb.DuckDBPyConnection,
    case_id: str,
    params: TraceParams | None = None,
    progress: Callable[[str], None] | None = None,
    ensure: Mapping[str, Callable] | None = None,
) -> TraceRun:
    """Trace the case over the store. `ensure` maps a chain to a function that fetches addresses
    from a live source into the store first (a tracers.sources.fetcher.Fetcher, whose provenance is
    kept with the run); chains without one are traced over the store as it is."""
    params = params or TraceParams()
    step = progress or (lambda _message: None)
    require_case(con, case_id)
    seeds = seeds_of_case(con, case_id)
    if not seeds:
        raise CaseError(
            f"case {case_id!r} has no seeds: import victim reports (`tracers reports import`) "
            f"or name a scam address (`tracers trace ADDRESS --chain ethereum --case {case_id}`)"
        )
    started = datetime.now(UTC)
    count = con.execute("SELECT count(*) FROM trace_runs WHERE case_id = ?", [case_id]).fetchall()[0][0]
    run_id = f"{case_id}:{count + 1}"
    rows_by_chain = []
    for chain in sorted(seeds):
        step(f"tracing {chain} from {len(seeds[chain])} seeds")
        on_chain = params.for_chain(chain)
        trace = trace_chain(con, chain, seeds[chain], on_chain, step, (ensure or {}).get(chain))
        rows_by_chain.append(build_rows(run_id, trace, on_chain))
    summary = {chain: rows.summary for chain, rows in zip(sorted(seeds), rows_by_chain)}
    run_params = json.loads(params.to_json())
    adjusted = {chain: _differences(run_params, json.loads(params.for_chain(chain).to_json())) for chain in seeds}
    if any(adjusted.values()):  # what applied on chains with other block times or another coin
        run_params["per_chain"] = {chain: diff for chain, diff in sorted(adjusted.items()) if diff}
    sources = _provenance(ensure or {})
    if sources:
        run_params["sources"] = sources
    with transaction(con):
        con.execute(
            "INSERT INTO trace_runs VALUES (?, ?, ?, ?, 'done', ?, ?, ?)",
            [run_id, case_id, started, datetime.now(UTC), json.dumps(run_params, sort_keys=True), __version__,
             json.dumps(summary, sort_keys=True)],
        )
        for rows in rows_by_chain:
            insert_rows(con, "trace_addresses", _ADDRESS_COLUMNS, rows.addresses)
            insert_rows(con, "trace_flows", _FLOW_COLUMNS, rows.flows,
                        {"amount": "BIGNUM", "traced_amount": "BIGNUM"})
            insert_rows(con, "findings", _FINDING_COLUMNS, rows.findings, {"amount": "BIGNUM"})
        partners = partner_findings(con, run_id)  # over the addresses and flows just written
        insert_rows(con, "findings", _FINDING_COLUMNS, partners, {"amount": "BIGNUM"})
    return TraceRun(run_id, case_id, params, summary)


def _differences(base: dict, applied: dict) -> dict:
    return {key: value for key, value in applied.items() if base.get(key) != value}


def _provenance(ensure: Mapping[str, Callable]) -> dict:
    """Per chain, where live data came from (source without keys, node chain id, head), from the
    fetchers the run was given; kept in the run's parameters and so in every export's manifest."""
    found = {}
    for chain, fetch in sorted(ensure.items()):
        fetcher = getattr(fetch, "__self__", fetch)  # Fetcher or its bound ensure()
        if isinstance(fetcher, Fetcher):
            found[chain] = fetcher.provenance()
    return found


_ADDRESS_COLUMNS = ["run_id", "chain", "address", "role", "subrole", "cluster_id", "label",
                    "exchange", "confidence", "hop", "evidence"]
_FLOW_COLUMNS = ["run_id", "chain", "asset", "tx_hash", "position", "kind", "block_number",
                 "block_time", "from_address", "to_address", "amount", "traced_amount", "hop",
                 "report_ids"]
_FINDING_COLUMNS = ["run_id", "finding_id", "kind", "rule", "chain", "address", "related", "asset",
                    "amount", "confidence", "params", "tx_hashes", "detail"]
