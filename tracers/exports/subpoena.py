"""Subpoena export: one CSV per exchange of every transfer of victim money into its deposit
addresses, and a manifest with each file's sha256.

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
from tracers.exports.files import check_replaceable, csv_bytes, out_folder, sha256, unique_stems, write_whole
from tracers.exports.manifest import MANIFEST_NAME, AssetTotal, ExportedFile, manifest_bytes
from tracers.findings import AssetBook, DepositFlow, RunInfo, deposit_flows, latest_run

SUBPOENA_COLUMNS = [
    "case_id", "exchange", "chain", "asset", "asset_symbol", "deposit_address", "tx_hash",
    "log_index", "block_number", "block_time", "amount", "traced_amount", "hops", "report_ids",
    "from_address", "evidence",
]


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

    @property
    def rows_per_exchange(self) -> dict[str, int]:
        return {f.exchange: f.rows for f in self.files}

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
    check_replaceable(out_dir, [*contents, MANIFEST_NAME], force=force)

    out_dir.mkdir(exist_ok=True)
    manifest = out_dir / MANIFEST_NAME
    manifest.unlink(missing_ok=True)
    files = []
    for name in sorted(contents):
        exchange, flows, data = contents[name]
        write_whole(out_dir / name, data)
        files.append(ExportedFile(
            name=name, exchange=exchange, rows=len(flows), sha256=sha256(data),
            deposit_addresses=len({(f.chain, f.deposit_address) for f in flows}),
            traced_total=_totals(flows, book),
        ))
    write_whole(manifest, manifest_bytes(run, SUBPOENA_COLUMNS, files, generated_at))
    written = {MANIFEST_NAME, *contents}
    others = tuple(sorted(p.name for p in out_dir.iterdir() if p.name not in written))
    return SubpoenaResult(run, out_dir, tuple(files), manifest, others)


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
