"""Freeze export: the addresses that still hold traced victim money, one CSV per issuer who can
freeze the asset (Tether for USDT, Circle for USDC), and the rest apart.

Files go to `out_dir/freeze_<issuer>.csv` (e.g. `freeze_tether.csv`), `out_dir/freeze_no_issuer.csv`
(native coins and tokens without a known issuer: no one can freeze them, they can only be seized),
and `out_dir/manifest.json`. Written like the subpoena export: each file whole (temp file + rename),
the manifest removed first and written last, other files in the folder left alone and listed.

One row per holding of the read model (tracers/findings/holdings.py: the run's funds at rest, victim
money still held by a perpetrator address):

- `traced_at_rest`: the victim-attributed amount still held, per the run's taint model (exact);
- `stored_balance`: what the store says the address holds of the asset, sum in - sum out (exact).
  `balance_history` is `complete` when a live source fetched the address's whole history (it has a
  fetch checkpoint), else `partial history` (e.g. an ethereum-etl import of a block range: the
  address may have moved money outside it). Native balances ignore gas fees, which the store does
  not hold: for a native coin the balance and the traced amount are upper bounds. `note` says
  which applies;
- `victim_share`: traced_at_rest / stored_balance, 4 places, integer arithmetic, rounded down;
- `last_movement`, `last_movement_tx`: the newest transfer touching the address (any asset);
- `report_ids`, `flow_tx_hashes`: the reports whose money flowed in and the transfers that brought
  it (trace_flows into the address, in that asset). Under `fifo` or `poison` taint some of those
  reports' money may have left again; the at_rest amount is what is left;
- `evidence`: the at_rest finding and the findings that make the address a perpetrator.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from tracers.domain import iso_utc
from tracers.exports.files import csv_bytes, out_folder, sha256, unique_stems, write_export_folder
from tracers.exports.manifest import MANIFEST_NAME, AssetTotal, export_manifest_bytes
from tracers.findings import AssetBook, Holding, RunInfo, holdings, latest_run

FREEZE_COLUMNS = [
    "case_id", "issuer", "action", "chain", "address", "role", "subrole", "cluster_id", "asset",
    "asset_symbol", "traced_at_rest", "stored_balance", "balance_history", "victim_share",
    "last_movement", "last_movement_tx", "report_ids", "flow_tx_hashes", "evidence", "note",
]
NO_ISSUER_FILE = "freeze_no_issuer.csv"
NO_ISSUER_ACTION = "no issuer: seizure only"

@dataclass(frozen=True)
class FreezeFile:
    name: str
    issuer: str | None
    rows: int
    sha256: str
    addresses: int
    traced_total: tuple[AssetTotal, ...]  # victim money at rest per (chain, asset), sorted

    @property
    def action(self) -> str:
        return action(self.issuer)

    def to_dict(self) -> dict:
        return {"name": self.name, "issuer": self.issuer, "action": self.action, "rows": self.rows,
                "sha256": self.sha256, "addresses": self.addresses,
                "traced_at_rest_total": [t.to_dict() for t in self.traced_total]}


@dataclass(frozen=True)
class FreezeResult:
    run: RunInfo
    out_dir: Path
    files: tuple[FreezeFile, ...]  # per issuer in name order; empty: no victim money at rest
    manifest: Path
    other_files: tuple[str, ...]  # already in out_dir, not written by this export (left alone)

    def describe(self) -> str:
        """One or two sentences for the command line."""
        if not self.files:
            said = (f"trace run {self.run.run_id} found no victim money at rest: wrote only "
                    f"{self.manifest}")
        else:
            names = ", ".join(f"{f.name} ({f.rows})" for f in self.files)
            said = (f"wrote {sum(f.rows for f in self.files)} address holding(s) of victim money "
                    f"from trace run {self.run.run_id} into {self.out_dir}: {names}, and {MANIFEST_NAME}")
        if self.other_files:
            said += (f"; {len(self.other_files)} other file(s) in the folder were left as they were "
                     "and are not part of this export")
        return said


def export_freeze(
    con: duckdb.DuckDBPyConnection, case_id: str, out_dir: str | Path, generated_at: datetime | None = None,
    *, force: bool = False,
) -> FreezeResult:
    """Write the freeze CSVs and manifest of the case's latest finished trace run; files an
    earlier export left that this one would write are replaced only with `force`."""
    out_dir = out_folder(out_dir)
    run = latest_run(con, case_id)
    book = AssetBook(con)
    by_issuer: dict[str | None, list[Holding]] = defaultdict(list)
    for row in holdings(con, run.run_id):
        by_issuer[row.issuer].append(row)
    names = _file_names(list(by_issuer))
    contents = {
        names[issuer]: (issuer, rows, csv_bytes(_cells(case_id, rows, book), FREEZE_COLUMNS))
        for issuer, rows in by_issuer.items()
    }  # everything rendered before anything is written: a missing decimal writes nothing
    files = [
        FreezeFile(name=name, issuer=issuer, rows=len(rows), sha256=sha256(data),
                   addresses=len({(r.chain, r.address) for r in rows}), traced_total=_totals(rows, book))
        for name, (issuer, rows, data) in sorted(contents.items())
    ]
    manifest = export_manifest_bytes(
        run, FREEZE_COLUMNS, [f.to_dict() for f in files], generated_at,
        extra={"export": "freeze", "parameters": {"case_id": case_id}},
    )
    others = write_export_folder(out_dir, {name: data for name, (_, _, data) in contents.items()}, manifest,
                                 force=force)
    return FreezeResult(run, out_dir, tuple(files), out_dir / MANIFEST_NAME, others)


def action(issuer: str | None) -> str:
    """What the file or row asks for: a freeze by the issuer, or seizure where no one can freeze."""
    return f"freeze request to {issuer}" if issuer else NO_ISSUER_ACTION


def _file_names(issuers: list[str | None]) -> dict[str | None, str]:
    stems = unique_stems([i for i in issuers if i])
    names: dict[str | None, str] = {None: NO_ISSUER_FILE}
    for issuer, stem in stems.items():
        name = f"freeze_{stem}.csv"
        names[issuer] = name if name != NO_ISSUER_FILE else f"freeze_{stem}_issuer.csv"
    return {i: names[i] for i in issuers}


def _cells(case_id: str, rows: list[Holding], book: AssetBook) -> list[dict]:
    return [
        {
            "case_id": case_id,
            "issuer": r.issuer or "",
            "action": action(r.issuer),
            "chain": r.chain,
            "address": r.address,
            "role": r.role,
            "subrole": r.subrole,
            "cluster_id": r.cluster_id,
            "asset": r.asset,
            "asset_symbol": book.symbol(r.chain, r.asset),
            "traced_at_rest": book.units(r.chain, r.asset, r.held),
            "stored_balance": book.units(r.chain, r.asset, r.balance),
            "balance_history": r.history,
            "victim_share": r.share,
            "last_movement": iso_utc(r.last_movement),
            "last_movement_tx": r.last_movement_tx,
            "report_ids": ";".join(r.report_ids),
            "flow_tx_hashes": ";".join(r.flow_tx_hashes),
            "evidence": ";".join(r.evidence),
            "note": "; ".join(r.notes),
        }
        for r in rows
    ]


def _totals(rows: list[Holding], book: AssetBook) -> tuple[AssetTotal, ...]:
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        sums[(r.chain, r.asset)] += r.held
    return tuple(
        AssetTotal(chain, asset, book.symbol(chain, asset), book.units(chain, asset, total))
        for (chain, asset), total in sorted(sums.items())
    )

