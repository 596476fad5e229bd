"""Import speed: `tracers import etl` against DuckDB's bare `read_csv` of the same files.

Goal (issue #2): the import within 1.5x of the bare read. The baseline reads every file the import
reads into a table with DuckDB's own type detection; the import also types amounts exactly,
de-duplicates, joins block times and receipts, and skips rows the store has already.
Size: BENCH_TRANSFERS (default 1,000,000) transfers of a simulated world.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from tracers.etl import find_files, import_etl
from tracers.simulate import SimulationConfig, simulate
from tracers.store import connect

ROUNDS = 3


def _world(transfers: int) -> Path:
    folder = Path(os.environ.get("BENCH_DIR", "bench/out")) / f"world-{transfers}"
    if not (folder / "truth.json").exists():
        print(f"simulating a world of {transfers:,} transfers into {folder} ...", flush=True)
        simulate(folder, SimulationConfig(seed=11, transfers=transfers))
    return folder


def _bare_read(files: list[Path], target: str = ":memory:") -> float:
    """DuckDB reading the files into tables with its own type detection, and nothing else."""
    con = duckdb.connect(target)
    started = time.perf_counter()
    for i, path in enumerate(files):
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv('{path}')")
    elapsed = time.perf_counter() - started
    con.close()
    return elapsed


def _bare_read_to_file(files: list[Path]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        return _bare_read(files, str(Path(tmp) / "bare.duckdb"))


def _import(folder: Path) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "bench.duckdb")
        started = time.perf_counter()
        result = import_etl(con, folder)
        elapsed = time.perf_counter() - started
        con.close()
    return elapsed, result.transfers_added


def main() -> None:
    transfers = int(os.environ.get("BENCH_TRANSFERS", "1000000"))
    folder = _world(transfers)
    files = [p for name, p in sorted(find_files(folder).items()) if name != "tokens"]
    rows = sum(sum(1 for _ in p.open()) - 1 for p in files)
    bare, bare_file, ours, stored = [], [], [], 0
    for _ in range(ROUNDS):
        bare.append(_bare_read(files))
        bare_file.append(_bare_read_to_file(files))
        elapsed, stored = _import(folder)
        ours.append(elapsed)
    b, bf, o = statistics.median(bare), statistics.median(bare_file), statistics.median(ours)
    print(f"import etl: {rows:,} file rows ({', '.join(p.name for p in files)}), "
          f"{stored:,} transfers stored; median of {ROUNDS}")
    print(f"  duckdb read_csv (baseline) {b:8.2f} s  {rows / b:12,.0f} rows/s  (into memory)")
    print(f"  duckdb read_csv into a file{bf:8.2f} s  {rows / bf:12,.0f} rows/s  (every column stored)")
    print(f"  tracers import etl         {o:8.2f} s  {rows / o:12,.0f} rows/s")
    print(f"  ratio import / read_csv    {o / b:8.2f}x  (goal <= 1.5x)")
    print(f"  ratio import / read_csv into a file {o / bf:5.2f}x")
