"""The demo: the main job on a simulated world, offline, in a store of its own.

simulate a world -> import its ethereum-etl files -> import the starter tags and the world's tags
-> open a case -> import the victim reports (a few are wrong on purpose, and are refused)
-> trace the case -> export the subpoena CSVs and the case's addresses -> score against the truth.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from tracers.cases import open_case
from tracers.etl import import_etl
from tracers.evaluate import format_scores, score
from tracers.exports import export_addresses, export_subpoena, render_summary
from tracers.exports.report import write_report
from tracers.findings import findings_summary
from tracers.intake import import_reports
from tracers.output import Format, render
from tracers.simulate import SimulationConfig, simulate
from tracers.store import connect
from tracers.store.summary import store_summary
from tracers.tags import builtin_tag_files, import_tag_files
from tracers.trace import TraceParams, trace_case

DEMO_CASE = "DEMO-2026-001"


def run_demo(folder: Path, seed: int, console: Console) -> Path:
    """Run every step, printing what it did; returns the demo store's path."""
    started = time.monotonic()
    world = folder / "world"
    db_path = folder / "demo.duckdb"
    for stale_dir in (world, folder / "subpoena"):
        if stale_dir.exists():
            shutil.rmtree(stale_dir)
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
        for verdict in reports.verdicts:
            if verdict.refusal is not None:
                console.print(f"   - {verdict.report_id}: ({verdict.refusal.code}) "
                              f"{escape(verdict.refusal.message)}", highlight=False, soft_wrap=True)
        render(store_summary(con), ["what", "count"], Format.table, console.file, "the demo store")

        console.print(f"[bold]5. trace[/] the case from its {reports.accepted} seeds (haircut taint)")
        run = trace_case(con, DEMO_CASE, TraceParams())
        for chain, numbers in run.summary.items():
            console.print(
                f"   {chain}: {numbers['perpetrators']} perpetrator addresses in {numbers['clusters']} "
                f"cluster(s), {numbers['victims']} victims, {numbers['deposit_wallets']} exchange "
                f"deposit addresses, {numbers['peel_chains']} peel chains"
            )

        console.print("[bold]6. export[/] the subpoena files, the case's addresses and the case report")
        subpoena = export_subpoena(con, DEMO_CASE, folder / "subpoena")
        addresses = folder / "addresses.csv"
        export_addresses(con, DEMO_CASE, addresses, force=True)  # the demo's own files of a run before
        (folder / "findings.md").write_text(render_summary(findings_summary(con, DEMO_CASE)))
        report = write_report(con, DEMO_CASE, folder / "report.html", force=True)
        for exported in subpoena.files:
            console.print(f"   {folder / 'subpoena' / exported.name}: {exported.rows} deposits")
    finally:
        con.close()

    console.print("[bold]7. score[/] the trace against the world's ground truth")
    scores = score(json.loads((world / "truth.json").read_text()), addresses, folder / "subpoena")
    console.print(format_scores(scores), highlight=False, markup=False)
    console.print(
        f"done in {time.monotonic() - started:.1f} s. The results:\n"
        f"  subpoena CSVs per exchange: {folder / 'subpoena'} (manifest.json holds their SHA-256)\n"
        f"  every address with its role and evidence: {addresses}\n"
        f"  findings, readable: {folder / 'findings.md'}\n"
        f"  the case report, for a browser (graph, exchanges, timeline, evidence): {report}\n"
        f"Explore the store:\n"
        f"  tracers --db {db_path} findings --case {DEMO_CASE}\n"
        f"  tracers --db {db_path} reports list --case {DEMO_CASE}\n"
        f"  ground truth of the world: {world / 'truth.json'}"
    )
    return db_path
