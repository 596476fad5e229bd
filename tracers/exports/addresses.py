"""Addresses export: every address of the trace run with its role and the findings behind it."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tracers.domain import ROLES
from tracers.exports.files import csv_bytes, out_file, write_whole
from tracers.findings import finding_rules, latest_run, run_addresses

ADDRESS_COLUMNS = ["address", "chain", "role", "subrole", "cluster_id", "label", "exchange",
                   "confidence", "hop", "evidence"]
TX_SHOWN = 5

def export_addresses(con: duckdb.DuckDBPyConnection, case_id: str, out: str | Path, *,
                     force: bool = False) -> int:
    """Write the addresses CSV of the case's latest finished trace run; returns the rows written.
    An existing file is replaced only with `force`."""
    path = out_file(out, force=force)
    run = latest_run(con, case_id)
    rows = address_rows(con, run.run_id)
    write_whole(path, csv_bytes(rows, ADDRESS_COLUMNS))
    return len(rows)


def address_rows(con: duckdb.DuckDBPyConnection, run_id: str) -> list[dict]:
    """The run's addresses, by role (victim first), then cluster (none last), then address."""
    findings = finding_rules(con, run_id)
    rows = [
        {
            "address": a.address, "chain": a.chain, "role": a.role, "subrole": a.subrole,
            "cluster_id": a.cluster_id, "label": a.label, "exchange": a.exchange,
            "confidence": a.confidence, "hop": a.hop,
            "evidence": " | ".join(describe_finding(i, findings.get(i)) for i in a.evidence),
        }
        for a in run_addresses(con, run_id)
    ]
    return sorted(rows, key=lambda r: (ROLES.index(r["role"]), r["cluster_id"] is None,
                                       r["cluster_id"] or "", r["address"], r["chain"]))


def describe_finding(finding_id: str, finding: tuple[str, tuple[str, ...]] | None) -> str:
    """`rule:n (tx1 tx2 … +N more)`: the finding id names its rule; other ids get `rule:` in front."""
    if finding is None:
        return f"{finding_id} (no such finding in this run)"
    rule, txs = finding
    name = finding_id if finding_id.startswith(f"{rule}:") else f"{rule}:{finding_id}"
    if not txs:
        return name
    shown = " ".join(txs[:TX_SHOWN])
    more = f" +{len(txs) - TX_SHOWN} more" if len(txs) > TX_SHOWN else ""
    return f"{name} ({shown}{more})"
