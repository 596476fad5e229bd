"""The demo: the main job on a simulated world, offline, in a store of its own.

simulate a world -> import its ethereum-etl files -> import the starter tags and the world's tags
-> open a case -> import the victim reports (a few are wrong on purpose, and are refused).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from tracers.cases import open_case
from tracers.etl import import_etl
from tracers.output import Format, render
from tracers.reports import import_reports
from tracers.simulate import SimulationConfig, simulate
from tracers.store import connect
from tracers.store.summary import store_summary
from tracers.tags import builtin_tag_files, import_tag_files

DEMO_CASE = "DEMO-2026-001"


def run_demo(folder: Path, seed: int, console: Console) -> Path:
    """Run every step, printing what it did; returns the demo store's path."""
    started = time.monotonic()
    world = folder / "world"
    db_path = folder / "demo.duckdb"
    if world.exists():
        shutil.rmtree(world)
    for stale in (db_path, db_path.with_name(db_path.name + ".wal")):
        stale.unlink(missing_ok=True)

    console.print(f"[bold]1. simulate[/] a pig-butchering world (seed {seed}) into {world}")
    summary = simulate(world, SimulationConfig(seed=seed))
    console.print(f"   {summary.token_transfers:,} token and {summary.native_transfers:,} ether "
                  f"transfers in {summary.blocks:,} blocks")

    con = connect(db_path)
    try:
        console.print(f"[bold]2. import[/] the ethereum-etl files into {db_path}")
        result = import_etl(con, world, "ethereum")
        console.print(f"   {result.transfers_added:,} transfers stored")

        console.print("[bold]3. tags[/]: the shipped starter set and the world's exchange wallets")
        tagged = import_tag_files(con, builtin_tag_files() + [world / "tags.csv"])
        for item in tagged.files:
            status = f"{item.count:,} tags" if item.error is None else f"error: {item.error}"
            console.print(f"   {item.path.name}: {status}")

        console.print(f"[bold]4. case[/] {DEMO_CASE} and its victim reports ({world / 'reports.csv'})")
        open_case(con, DEMO_CASE, "Demo: simulated pig-butchering scam")
        reports = import_reports(con, DEMO_CASE, world / "reports.csv")
        console.print(f"   {reports.accepted} accepted (now seeds), {reports.refused} refused:")
        for report in reports.verdicts:
            if report.refusal is not None:
                console.print(f"   - {report.report_id}: ({report.refusal.code}) "
                              f"{escape(report.refusal.message)}", highlight=False, soft_wrap=True)
        render(store_summary(con), ["what", "count"], Format.table, console.file, "the demo store")
    finally:
        con.close()
    console.print(
        f"done in {time.monotonic() - started:.1f} s. Explore it:\n"
        f"  tracers --db {db_path} reports list --case {DEMO_CASE}\n"
        f"  tracers --db {db_path} tags list --category exchange\n"
        f"  ground truth of the world: {world / 'truth.json'}"
    )
    return db_path
