"""The addresses of a trace run: each with its role, cluster, label, exchange, confidence, hop and
the findings behind its role; and the rule and transactions of every finding they cite."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from tracers.domain import ROLES
from tracers.errors import StoreError
from tracers.findings.deposits import finding_ids
from tracers.store.queries import rows


@dataclass(frozen=True)
class RunAddress:
    chain: str
    address: str
    role: str
    subrole: str | None
    cluster_id: str | None
    label: str | None
    exchange: str | None
    confidence: int | None
    hop: int | None
    evidence: tuple[str, ...]  # ids of the findings behind the role


def run_addresses(con: duckdb.DuckDBPyConnection, run_id: str) -> list[RunAddress]:
    """Every address of the run, as stored (no order promised); a role outside ROLES is refused."""
    found = []
    for chain, address, role, subrole, cluster_id, label, exchange, confidence, hop, evidence in rows(
        con, "queries/run_addresses", {"run_id": run_id}
    ):
        if role not in ROLES:
            raise StoreError(
                f"trace run {run_id}: address {address} on {chain} has role {role!r}, which is none "
                f"of {', '.join(ROLES)}; the trace that wrote it is faulty, trace the case again"
            )
        found.append(RunAddress(chain, address, role, subrole, cluster_id, label, exchange, confidence, hop,
                                finding_ids(run_id, address, evidence)))
    return found


def finding_rules(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """finding id -> (its rule, the transactions it rests on), for every finding of the run."""
    return {fid: (rule, tuple(txs or ())) for fid, rule, txs in rows(con, "queries/finding_rules", {"run_id": run_id})}
