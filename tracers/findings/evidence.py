"""Every finding of a trace run, as rows: what the report's evidence section shows and what
`tracers findings --format csv` writes.

CSV columns (FINDING_COLUMNS), one row per finding of the case's latest finished trace run,
ordered by rule, kind and finding id:

- `case_id`, `run_id`, `finding_id`, `rule`, `kind` (role, cluster_link, peel_chain, deposit_tag,
  attribution, not_followed, endpoint);
- `chain`, `address` and its `role`/`subrole` in the run, `related` (the other address);
- `asset`, `asset_symbol`, `amount` (exact, token units; empty when the store lacks the token's
  decimals) and `amount_base_units` (exact integer);
- `confidence` (0-100), `params` (the rule's parameters, JSON), `tx_hashes` (`;`-separated: the
  transactions the finding rests on), `detail` (one sentence).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import duckdb

from tracers.amounts import format_units
from tracers.findings.assets import AssetBook
from tracers.findings.run import latest_run
from tracers.store.queries import rows

FINDING_COLUMNS = ["case_id", "run_id", "finding_id", "rule", "kind", "chain", "address", "role", "subrole",
                   "related", "asset", "asset_symbol", "amount", "amount_base_units", "confidence", "params",
                   "tx_hashes", "detail"]

@dataclass(frozen=True)
class FindingRow:
    finding_id: str
    kind: str
    rule: str
    chain: str
    address: str | None
    related: str | None
    asset: str | None
    amount: int | None
    confidence: int | None
    params: str
    tx_hashes: tuple[str, ...]
    detail: str
    role: str | None
    subrole: str | None


def read_findings(con: duckdb.DuckDBPyConnection, run_id: str) -> list[FindingRow]:
    """The run's findings, by rule, kind and finding id (`fan_in:10` after `fan_in:9`)."""
    found = [
        FindingRow(fid, kind, rule, chain, address, related, asset, None if base is None else int(base),
                   confidence, params, tuple(txs or ()), detail, role, subrole)
        for fid, kind, rule, chain, address, related, asset, base, confidence, params, txs, detail, role, subrole
        in rows(con, "queries/findings", {"run_id": run_id})
    ]
    return sorted(found, key=lambda f: (f.rule, f.kind, _natural(f.finding_id)))


def finding_rows(con: duckdb.DuckDBPyConnection, case_id: str) -> list[dict]:
    """The findings of the case's latest finished trace run as FINDING_COLUMNS rows."""
    run = latest_run(con, case_id)
    book = AssetBook(con)
    return [_row(case_id, run.run_id, f, book) for f in read_findings(con, run.run_id)]


def params_json(text: str) -> str:
    """The rule's parameters as compact JSON with sorted keys (as stored when not JSON)."""
    try:
        return json.dumps(json.loads(text), sort_keys=True)
    except (json.JSONDecodeError, TypeError):
        return text


def _row(case_id: str, run_id: str, f: FindingRow, book: AssetBook) -> dict:
    decimals = book.decimals(f.chain, f.asset) if f.asset is not None else None
    units = format_units(f.amount, decimals) if f.amount is not None and decimals is not None else None
    return {
        "case_id": case_id, "run_id": run_id, "finding_id": f.finding_id, "rule": f.rule, "kind": f.kind,
        "chain": f.chain, "address": f.address, "role": f.role, "subrole": f.subrole, "related": f.related,
        "asset": f.asset, "asset_symbol": book.symbol(f.chain, f.asset) if f.asset is not None else None,
        "amount": units, "amount_base_units": f.amount, "confidence": f.confidence,
        "params": params_json(f.params), "tx_hashes": ";".join(f.tx_hashes), "detail": f.detail,
    }


def _natural(text: str) -> tuple:
    """`ethereum:fan_in:10` after `ethereum:fan_in:9`."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", text))
