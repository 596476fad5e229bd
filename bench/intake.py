"""Intake speed: `reports import` of 5,000 victim reports, against baselines timed in the same run.

Goal (issue 12): 5,000 reports well under 5 s (61 s when every row ran its own queries).
Baselines: DuckDB's `read_csv` of the same file (the cost of reading the bytes at all), and 500 of
the same reports imported ten times. Each import goes into a fresh case, so every row is verified
and written. Ratios, not seconds, are what to compare across machines: `5,000 / (10 x 500)` stays
at or below 1 when the cost per row does not grow with the file (below: the fixed cost of a file
is paid once instead of ten times).
The reports are built from a simulated world's stored transfers: each names a real payment (its
transaction, sender, receiver, asset and exact amount), so each one is verified and accepted.
Size: BENCH_INTAKE_REPORTS (default 5,000) reports; the world (cached in BENCH_DIR, default
bench/out) has four times as many transfers.
"""

from __future__ import annotations

import csv
import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import duckdb

from tracers.amounts import format_units
from tracers.cases import open_case
from tracers.etl import import_etl
from tracers.intake import REPORT_COLUMNS, import_reports
from tracers.simulate import SimulationConfig, simulate
from tracers.store import connect

ROUNDS = 3
SMALL_SHARE = 10  # the small file holds 1/10 of the reports and is imported ten times

_PAYMENTS = """
SELECT t.tx_hash, t.from_address, t.to_address, t.asset, a.symbol, a.decimals,
       CAST(t.amount AS VARCHAR), t.block_time
FROM transfers t JOIN assets a USING (chain, asset)
WHERE t.chain = 'ethereum' AND t.kind IN ('token', 'native') AND a.decimals IS NOT NULL
  AND t.amount > 0 AND t.from_address <> t.to_address
QUALIFY row_number() OVER (PARTITION BY t.tx_hash ORDER BY t.position) = 1
ORDER BY t.block_number, t.tx_hash
LIMIT ?
"""


def _store(folder: Path, reports: int) -> Path:
    """A store holding a simulated world with at least `reports` payments to report."""
    transfers = 4 * reports
    world = folder / f"intake-world-{transfers}"
    if not (world / "truth.json").exists():
        print(f"simulating a world of {transfers:,} transfers into {world} ...", flush=True)
        simulate(world, SimulationConfig(seed=17, transfers=transfers))
    store = folder / f"intake-store-{transfers}.duckdb"
    if not store.exists():
        con = connect(store)
        import_etl(con, world)
        con.close()
    return store


def _write_reports(con: duckdb.DuckDBPyConnection, path: Path, count: int) -> int:
    """`count` reports, one per stored payment, each saying exactly what the chain says."""
    rows = con.execute(_PAYMENTS, [count]).fetchall()
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_COLUMNS)
        for n, (tx, sender, receiver, asset, symbol, decimals, amount, paid_at) in enumerate(rows, 1):
            reported_at = (paid_at + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
            written_asset = symbol if asset == "native" else asset
            writer.writerow([f"B{n:06d}", reported_at, "ethereum", written_asset, tx, sender,
                             receiver, format_units(int(amount), decimals)])
    return len(rows)


def _read_csv(path: Path) -> float:
    con = duckdb.connect()
    started = time.perf_counter()
    con.execute(f"CREATE TABLE r AS SELECT * FROM read_csv('{path}', all_varchar = true)")
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def _import(con: duckdb.DuckDBPyConnection, path: Path, case_id: str) -> tuple[float, int]:
    open_case(con, case_id)
    started = time.perf_counter()
    summary = import_reports(con, case_id, path)
    return time.perf_counter() - started, summary.accepted


def main() -> None:
    wanted = int(os.environ.get("BENCH_INTAKE_REPORTS", "5000"))
    folder = Path(os.environ.get("BENCH_DIR", "bench/out"))
    folder.mkdir(parents=True, exist_ok=True)
    source = _store(folder, wanted)
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "bench.duckdb"
        store.write_bytes(source.read_bytes())
        con = connect(store)
        big, small = Path(tmp) / "big.csv", Path(tmp) / "small.csv"
        count = _write_reports(con, big, wanted)
        small_count = _write_reports(con, small, count // SMALL_SHARE)
        bare, ours, tens, accepted = [], [], [], 0
        for r in range(ROUNDS):
            bare.append(_read_csv(big))
            elapsed, accepted = _import(con, big, f"BENCH-BIG-{r}")
            ours.append(elapsed)
            tens.append(sum(_import(con, small, f"BENCH-SMALL-{r}-{i}")[0] for i in range(SMALL_SHARE)))
        con.close()
    b, o, t = statistics.median(bare), statistics.median(ours), statistics.median(tens)
    print(f"reports import: {count:,} reports ({accepted:,} accepted); median of {ROUNDS}")
    print(f"  duckdb read_csv of the file (baseline) {b:8.3f} s")
    print(f"  {SMALL_SHARE} x reports import of {small_count:,}       {t:8.3f} s")
    print(f"  reports import of {count:,}              {o:8.3f} s  {count / o:10,.0f} reports/s")
    print(f"  ratio import / read_csv               {o / b:8.1f}x")
    print(f"  ratio {count:,} / ({SMALL_SHARE} x {small_count:,})            {o / t:8.2f}x  (goal <= 1: no cost per row that grows with the file)")
