"""Subpoena export: one CSV per exchange of every transfer of victim money into its deposit
addresses, and a manifest with each file's sha256.

A combined request (`export_combined_subpoena`, `tracers export subpoena --cases C1,C2` or
`--case C1 --linked`) puts several cases' rows in one file per exchange: a deposit address reached by
several cases gets one row per case and transfer, each with that case's own traced amount (column
`deposit_address_cases` names the cases of the request whose money reached that address), and the
manifest states each case's traced total per asset apart; nothing is summed across cases or assets.

Files go to `out_dir/<exchange>.csv` and `out_dir/manifest.json`. Each file is written whole (temp
file + rename); the manifest is removed first and written last, so a folder with a manifest holds
a complete export. Files of an earlier export that this one would write are replaced only with
`force` (checked before anything is written); other files in the folder are left alone and listed
in the result.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from tracers.domain import iso_utc
from tracers.exports.files import csv_bytes, out_folder, sha256, unique_stems, write_export_folder
from tracers.exports.manifest import (
    MANIFEST_NAME,
    AssetTotal,
    ExportedFile,
    combined_manifest_bytes,
    manifest_bytes,
)
from tracers.findings import AssetBook, DepositFlow, RunInfo, deposit_flows, latest_run

SUBPOENA_COLUMNS = [
    "case_id", "exchange", "chain", "asset", "asset_symbol", "deposit_address", "tx_hash",
    "log_index", "block_number", "block_time", "amount", "traced_amount", "hops", "report_ids",
    "from_address", "evidence",
]
COMBINED_COLUMNS = [*SUBPOENA_COLUMNS, "deposit_address_cases"]


@dataclass(frozen=True)
class SubpoenaResult:
    run: RunInfo
    out_dir: Path
    files: tuple[ExportedFile, ...]  # one per exchange, in name order; empty: no deposit reached
    manifest: Path
    other_files: tuple[str, ...]  # already in out_dir, not written by this export (left alone)

    @property
    def reached_deposits(self) -> bool:
        return bool(self.files)

    def describe(self) -> str:
        """One or two sentences for the command line."""
        if not self.files:
            said = (f"trace run {self.run.run_id} reached no exchange deposit address: "
                    f"wrote only {self.manifest}")
        else:
            rows = sum(f.rows for f in self.files)
            names = ", ".join(f"{f.name} ({f.rows})" for f in self.files)
            said = (f"wrote {rows} transfer(s) from trace run {self.run.run_id} into {self.out_dir}: "
                    f"{names}, and {MANIFEST_NAME}")
        if self.other_files:
            said += (f"; {len(self.other_files)} other file(s) in the folder were left as they were "
                     "and are not part of this export")
        return said


def export_subpoena(
    con: duckdb.DuckDBPyConnection, case_id: str, out_dir: str | Path, generated_at: datetime | None = None,
    *, force: bool = False,
) -> SubpoenaResult:
    """Write the subpoena CSVs and manifest of the case's latest finished trace run; files an
    earlier export left that this one would write are replaced only with `force`."""
    out_dir = out_folder(out_dir)
    run = latest_run(con, case_id)
    book = AssetBook(con)
    by_exchange: dict[str, list[DepositFlow]] = defaultdict(list)
    for flow in deposit_flows(con, run.run_id):
        by_exchange[flow.exchange].append(flow)
    stems = unique_stems(list(by_exchange))
    contents = {
        stems[exchange] + ".csv": (exchange, flows, csv_bytes(_rows(case_id, flows, book), SUBPOENA_COLUMNS))
        for exchange, flows in by_exchange.items()
    }  # everything rendered before anything is written: a missing decimal writes nothing
    files = [
        ExportedFile(name=name, exchange=exchange, rows=len(flows), sha256=sha256(data),
                     deposit_addresses=len({(f.chain, f.deposit_address) for f in flows}),
                     traced_total=_totals(flows, book))
        for name, (exchange, flows, data) in sorted(contents.items())
    ]
    manifest = manifest_bytes(run, SUBPOENA_COLUMNS, files, generated_at)
    others = write_export_folder(out_dir, {name: data for name, (_, _, data) in contents.items()}, manifest,
                                 force=force)
    return SubpoenaResult(run, out_dir, tuple(files), out_dir / MANIFEST_NAME, others)


def _rows(case_id: str, flows: list[DepositFlow], book: AssetBook) -> list[dict]:
    return [
        {
            "case_id": case_id,
            "exchange": f.exchange,
            "chain": f.chain,
            "asset": f.asset,
            "asset_symbol": book.symbol(f.chain, f.asset),
            "deposit_address": f.deposit_address,
            "tx_hash": f.tx_hash,
            "log_index": "" if f.log_index is None else f.log_index,
            "block_number": f.block_number,
            "block_time": iso_utc(f.block_time),
            "amount": book.units(f.chain, f.asset, f.amount),
            "traced_amount": book.units(f.chain, f.asset, f.traced_amount),
            "hops": f.hop,
            "report_ids": ";".join(f.report_ids),
            "from_address": f.from_address,
            "evidence": ";".join(f.evidence),
        }
        for f in flows
    ]


def _totals(flows: list[DepositFlow], book: AssetBook) -> tuple[AssetTotal, ...]:
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for f in flows:
        sums[(f.chain, f.asset)] += f.traced_amount
    return tuple(
        AssetTotal(chain, asset, book.symbol(chain, asset), book.units(chain, asset, total))
        for (chain, asset), total in sorted(sums.items())
    )


@dataclass(frozen=True)
class CaseTotal:
    """One case's traced total of one asset in a file of a combined request (never summed with others)."""

    case_id: str
    total: AssetTotal

    def to_dict(self) -> dict:
        return {"case_id": self.case_id, **self.total.to_dict()}


@dataclass(frozen=True)
class CombinedFile:
    name: str
    exchange: str
    rows: int
    sha256: str
    deposit_addresses: int
    shared_deposit_addresses: int  # reached by more than one case of the request
    traced_per_case: tuple[CaseTotal, ...]  # per case (in the request's order), chain and asset

    def to_dict(self) -> dict:
        return {"name": self.name, "exchange": self.exchange, "rows": self.rows, "sha256": self.sha256,
                "deposit_addresses": self.deposit_addresses,
                "shared_deposit_addresses": self.shared_deposit_addresses,
                "traced_per_case": [t.to_dict() for t in self.traced_per_case]}


@dataclass(frozen=True)
class CombinedResult:
    runs: tuple[RunInfo, ...]  # one per case, in the order asked
    out_dir: Path
    files: tuple[CombinedFile, ...]
    manifest: Path
    other_files: tuple[str, ...]

    def describe(self) -> str:
        cases = ", ".join(r.case_id for r in self.runs)
        if not self.files:
            said = f"cases {cases} reached no exchange deposit address: wrote only {self.manifest}"
        else:
            names = ", ".join(f"{f.name} ({f.rows}; {f.shared_deposit_addresses} shared deposit address(es))"
                              for f in self.files)
            said = (f"wrote {sum(f.rows for f in self.files)} transfer(s) of cases {cases} into "
                    f"{self.out_dir}: {names}, and {MANIFEST_NAME} (each case's traced total apart)")
        if self.other_files:
            said += (f"; {len(self.other_files)} other file(s) in the folder were left as they were "
                     "and are not part of this export")
        return said


def export_combined_subpoena(
    con: duckdb.DuckDBPyConnection, case_ids: list[str], out_dir: str | Path,
    generated_at: datetime | None = None, *, force: bool = False,
) -> CombinedResult:
    """One request per exchange for several cases (their latest finished runs): one row per case
    and transfer into a deposit address, each case's amounts its own."""
    cases = list(dict.fromkeys(case_ids))
    if len(cases) < 2:
        raise ValueError("a combined request needs two cases or more")
    out_dir = out_folder(out_dir)
    runs = tuple(latest_run(con, case) for case in cases)
    book = AssetBook(con)
    by_exchange: dict[str, list[tuple[str, DepositFlow]]] = defaultdict(list)
    for run in runs:
        for flow in deposit_flows(con, run.run_id):
            by_exchange[flow.exchange].append((run.case_id, flow))
    reached: dict[tuple[str, str], set[str]] = defaultdict(set)
    for pairs in by_exchange.values():
        for case, f in pairs:
            reached[(f.chain, f.deposit_address)].add(case)
    stems = unique_stems(list(by_exchange))
    contents = {}
    for exchange, pairs in by_exchange.items():
        pairs.sort(key=lambda pair: (*pair[1].sort_key(), pair[0]))
        cells = [
            {**_rows(case, [f], book)[0],
             "deposit_address_cases": ";".join(sorted(reached[(f.chain, f.deposit_address)]))}
            for case, f in pairs
        ]
        contents[stems[exchange] + ".csv"] = (exchange, pairs, csv_bytes(cells, COMBINED_COLUMNS))
    files = []
    for name, (exchange, pairs, data) in sorted(contents.items()):
        addresses = {(f.chain, f.deposit_address) for _, f in pairs}
        files.append(CombinedFile(
            name=name, exchange=exchange, rows=len(pairs), sha256=sha256(data),
            deposit_addresses=len(addresses),
            shared_deposit_addresses=sum(1 for a in addresses if len(reached[a]) > 1),
            traced_per_case=tuple(
                CaseTotal(case, total) for case in cases
                for total in _totals([f for c, f in pairs if c == case], book)
            ),
        ))
    manifest = combined_manifest_bytes(
        list(runs), COMBINED_COLUMNS, [f.to_dict() for f in files], generated_at,
        extra={"export": "subpoena", "parameters": {"case_ids": cases}},
    )
    others = write_export_folder(out_dir, {name: data for name, (_, _, data) in contents.items()}, manifest,
                                 force=force)
    return CombinedResult(runs, out_dir, tuple(files), out_dir / MANIFEST_NAME, others)
