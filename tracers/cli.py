"""The `tracers` command line: parse, call the library, say what happened, map errors to exit codes.

Exit codes: 0 done; 1 an error (the message says the fix); 2 a usage error; 3 the command ran but
refused some input rows (e.g. victim reports that do not check out; the valid ones went in).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from tracers import __version__, settings
from tracers.domain import SourceKind, TaintModel, Tlp
from tracers.errors import TracersError
from tracers.output import Format, render

EXIT_REFUSED = 3
err = Console(stderr=True, soft_wrap=True, highlight=False)
out = Console(soft_wrap=True, highlight=False)


class _Group(TyperGroup):
    """Turns tracers' own errors into one readable sentence and exit code 1, anywhere below."""

    def invoke(self, ctx):  # noqa: D102
        try:
            return super().invoke(ctx)
        except TracersError as exc:
            err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, markup=True, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None


def _app(help_text: str) -> typer.Typer:
    return typer.Typer(
        cls=_Group, help=help_text, no_args_is_help=True, pretty_exceptions_enable=False,
        add_completion=False,
    )


app = _app(
    "Follow the money of pig-butchering scams: import chain data, tags and victim reports, "
    "trace cases to exchange deposit accounts, export evidence."
)
import_app = _app("Import chain data into the store.")
tags_app = _app("Import and list address tags (GraphSense TagPacks, CSV).")
case_app = _app("Open and list cases.")
reports_app = _app("Import and list victim reports of a case.")
export_app = _app(
    "Export a traced case: subpoena CSVs per exchange, freeze lists per issuer, the case's "
    "addresses, a GraphSense TagPack, a STIX 2.1 bundle."
)
monitor_app = _app("Watch known clusters and alert when they move.")
alerts_app = _app("List and deliver monitoring alerts.")
app.add_typer(import_app, name="import")
app.add_typer(tags_app, name="tags")
app.add_typer(case_app, name="case")
app.add_typer(reports_app, name="reports")
app.add_typer(export_app, name="export")
app.add_typer(monitor_app, name="monitor")
app.add_typer(alerts_app, name="alerts")


Source = SourceKind  # --source: the vocabulary of tracers.domain


FormatOpt = Annotated[Format, typer.Option("--format", help="Output format.")]
CaseOpt = Annotated[str, typer.Option("--case", help="Case id, e.g. FIU-2026-0142.")]
SourceOpt = Annotated[
    Source,
    typer.Option(
        "--source", help="Where chain data is read from: the store, or a live node/explorer."
    ),
]
RpcOpt = Annotated[
    str | None, typer.Option("--rpc-url", help="EVM JSON-RPC URL. " + settings.environment_help("rpc_url"))
]
ExplorerOpt = Annotated[
    str | None,
    typer.Option("--explorer-url", help="Etherscan-v2 or Blockscout API URL. "
                                        + settings.environment_help("explorer_url")),
]
TronOpt = Annotated[
    str | None, typer.Option("--tron-url", help="TronGrid API URL. " + settings.environment_help("tron_url"))
]
LiveChainOpt = Annotated[
    str | None,
    typer.Option("--chain", help="Chain the live source reads. Inferred when it can be: tron for "
                                 "--source tron, else the one chain the reports or the case's seeds name."),
]

ChainIdOpt = Annotated[
    int | None,
    typer.Option("--chain-id", min=1, help="--source rpc: accept a node serving this chain id (a local fork "
                                           "or test node: anvil and hardhat serve 31337). "
                                           + settings.environment_help("chain_id")),
]


class Runner(str, Enum):
    threads = "threads"
    dask = "dask"


RunnerOpt = Annotated[
    Runner | None,
    typer.Option("--runner", help="Live sources: where fetches run: threads (this process) or dask (a "
                                  "Dask cluster). " + settings.environment_help("runner")),
]
DaskAddressOpt = Annotated[
    str | None,
    typer.Option("--dask-address", help="--runner dask: the scheduler, e.g. tcp://127.0.0.1:8786; none: a "
                                        "local cluster. " + settings.environment_help("dask_address")),
]


def live_chain(source: Source, chain: str | None, named: set[str]) -> str:
    """The chain a live source reads: as given; tron for --source tron; else the one chain the
    reports or seeds name (ethereum when they name none); several: an error listing them."""
    if chain:
        return chain.strip().lower()
    if source is Source.tron:
        return "tron"
    named = {c.strip().lower() for c in named if c and c.strip()}
    if len(named) > 1:
        raise TracersError(f"the case names several chains ({', '.join(sorted(named))}): give --chain to "
                           "say which one the live source reads")
    return next(iter(named), "ethereum")


def _chains_in_file(path: Path) -> set[str]:
    """The `chain` cells of a reports CSV (empty when it cannot be read: the import says why)."""
    import csv

    try:
        with path.open(newline="", encoding="utf-8") as handle:
            return {row.get("chain") or "" for row in csv.DictReader(handle)} - {""}
    except (OSError, UnicodeDecodeError, csv.Error):
        return set()


def _chains_of_case(con, case: str | None) -> set[str]:
    query = "SELECT DISTINCT chain FROM seeds" + (" WHERE case_id = ?" if case else "")
    return {c for (c,) in con.execute(query, [case] if case else []).fetchall()}


def _version(value: bool) -> None:
    if value:
        out.print(f"tracers {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="The store: a DuckDB file (created if missing); default ./tracers.duckdb. "
                                  + settings.environment_help("db")),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    ctx.obj = {"db": Path(settings.resolve("db", db))}


@contextmanager
def store(ctx: typer.Context) -> Iterator[duckdb.DuckDBPyConnection]:
    from tracers.store import connect
    from tracers.store.integrity import failure

    con = connect(ctx.obj["db"])
    try:
        yield con
    except duckdb.Error as exc:  # a damaged store can fail any query: say so, with the way back
        raise failure(ctx.obj["db"], exc) or exc from None
    finally:
        con.close()


# ---------------------------------------------------------------- import

@import_app.command("etl")
def import_etl_cmd(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="Folder with blocks/transactions/token_transfers "
                                                "(.csv, .csv.gz or .parquet) as ethereum-etl writes them.")],
    chain: Annotated[str, typer.Option("--chain", help="EVM chain the export is from.")] = "ethereum",
) -> None:
    """Import an ethereum-etl export (or BigQuery crypto_ethereum extract); idempotent."""
    from tracers.etl import import_etl

    with store(ctx) as con, _stages(f"importing {folder}") as step:
        result = import_etl(con, folder, chain, progress=step)
    out.print(
        f"imported {folder}: {result.transfers_added:,} new transfers "
        f"({result.transfers_seen:,} in the files; the rest were in the store already), "
        f"{result.blocks_added:,} new blocks, {result.tokens_known:,} token descriptions"
    )


@contextmanager
def _stages(description: str) -> Iterator:
    """A progress bar on stderr: `step(stage, percent)`; percent None shows a spinner."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
        TextColumn("{task.percentage:>5.1f}%"), TimeElapsedColumn(),
        console=err, transient=True,
    ) as progress:
        task = progress.add_task(description, total=None)

        def step(stage: str, percent: float | None = None) -> None:
            if percent is None:
                progress.update(task, description=f"{description}: {stage}", total=None)
            else:
                progress.update(task, description=f"{description}: {stage}", total=100,
                                completed=percent)

        yield step


# ---------------------------------------------------------------- tags

@tags_app.command("import")
def tags_import_cmd(
    ctx: typer.Context,
    files: Annotated[list[Path] | None, typer.Argument(help="TagPack YAML or tag CSV files.")] = None,
    builtin: Annotated[
        bool, typer.Option("--builtin", help="Also import the starter tag set shipped with tracers.")
    ] = False,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Replace the tags of earlier files with the same file name "
                     "(without it, a changed file is added beside them)."),
    ] = False,
    source_org: Annotated[str | None, typer.Option(
        "--source-org", metavar="NAME",
        help="The partner organisation the files come from (an FIU, police unit, exchange, NGO): "
             "traces and monitors record a partner_match finding when they reach an address it flags.")] = None,
    tlp: Annotated[Tlp | None, typer.Option(
        "--tlp", help="The TLP marking the files were shared under; kept with each file and shown with "
                      "every partner match.")] = None,
) -> None:
    """Import tags. A file imported before changes nothing (with another --source-org or --tlp, its
    record is corrected); a changed file named like an earlier one is added beside it, or replaces
    it with --replace. Bad files import nothing."""
    from tracers.cases import check_plain_text
    from tracers.tags import Provenance, builtin_tag_files, import_tag_files

    paths = list(files or [])
    if builtin:
        paths = builtin_tag_files() + paths
    if not paths:
        raise typer.BadParameter("give tag files, or --builtin for the shipped starter set")
    if source_org is not None:
        check_plain_text("--source-org", source_org)
        if not source_org.strip():
            raise typer.BadParameter("give the partner organisation's name", param_hint="--source-org")
    provenance = Provenance(source_org, tlp.value if tlp else None)
    with store(ctx) as con:
        result = import_tag_files(con, paths, replace=replace, provenance=provenance)
    failed = 0
    for item in result.files:
        if item.error is None:
            out.print(item.summary, markup=False)
            for warning in (*item.notes, *item.warnings):
                err.print(f"[yellow]warning:[/] {escape(str(warning))}")
        else:
            failed += 1
            err.print(f"[bold red]error:[/] {escape(str(item.error))}", highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


@tags_app.command("list")
def tags_list_cmd(
    ctx: typer.Context,
    address: Annotated[str | None, typer.Option("--address", help="Only tags of this address.")] = None,
    category: Annotated[str | None, typer.Option("--category", help="Only this category.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows.")] = 100,
    fmt: FormatOpt = Format.table,
) -> None:
    """List stored tags."""
    from tracers.store.queries import rows

    with store(ctx) as con:
        found = rows(con, "queries/tags", {"address": address, "category": category, "limit": limit})
    columns = ["chain", "address", "label", "category", "actor", "confidence", "tagpack", "source_org", "tlp"]
    render([dict(zip(columns, r)) for r in found], columns, fmt, sys.stdout, "tags")


@app.command("transfers")
def transfers_cmd(
    ctx: typer.Context,
    address: Annotated[str, typer.Argument(help="Address whose transfers to list.")],
    chain: Annotated[str, typer.Option("--chain", help="Chain of the address.")] = "ethereum",
    limit: Annotated[int, typer.Option("--limit", help="At most this many rows.")] = 1000,
    fmt: FormatOpt = Format.table,
) -> None:
    """List the stored transfers into and out of an address, amounts exact."""
    from tracers.chains import normalize_address
    from tracers.store.transfers import transfers_of

    canonical = normalize_address(chain, address)
    with store(ctx) as con:
        rows = transfers_of(con, chain, canonical, limit)
    columns = ["block_time", "block_number", "tx_hash", "position", "direction", "from_address",
               "to_address", "symbol", "asset", "amount", "amount_units"]
    render(rows, columns, fmt, sys.stdout, f"transfers of {canonical}")


# ---------------------------------------------------------------- cases

@case_app.command("open")
def case_open_cmd(
    ctx: typer.Context,
    case_id: Annotated[str, typer.Argument(help="Case id, e.g. FIU-2026-0142.")],
    title: Annotated[str | None, typer.Option("--title", help="A title for people.")] = None,
) -> None:
    """Open a case (opening one that exists is fine: nothing changes but its title)."""
    from tracers.cases import open_case

    with store(ctx) as con:
        created = open_case(con, case_id, title)
    out.print(f"case {case_id} {'opened' if created else 'was open already'}")


@case_app.command("list")
def case_list_cmd(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """List cases with their report counts and the cases each shares an address with."""
    from tracers.cases import list_cases
    from tracers.findings import linked_cases

    with store(ctx) as con:
        rows = list_cases(con)
        linked = linked_cases(con)
    for row in rows:
        row["linked_cases"] = ";".join(linked.get(row["case_id"], ()))
    render(rows, ["case_id", "title", "opened_at", "accepted", "refused", "linked_cases"], fmt, sys.stdout,
           "cases")


@case_app.command("links")
def case_links_cmd(
    ctx: typer.Context,
    case: Annotated[str | None, typer.Option(
        "--case", help="Only the links of this case (with every case each one joins); default: all.")] = None,
    fmt: Annotated[Format, typer.Option(
        "--format", help="table or csv: one row per address, case and asset (LINK_COLUMNS: chain, address, "
                         "case_id, linked_cases, run_id, role, subrole, exchange, asset, asset_symbol, "
                         "traced_amount, traced_base_units, transfers, evidence, tx_hashes); json: one "
                         "object per address with each case's side.")] = Format.table,
) -> None:
    """Addresses that carry a role in more than one case: each case's role, traced money and evidence."""
    from tracers.cases import require_case
    from tracers.findings import LINK_COLUMNS, AssetBook, case_links, link_rows

    with store(ctx) as con:
        if case is not None:
            require_case(con, case)
        links = case_links(con, case)
        book = AssetBook(con)
        if fmt is Format.json:
            sys.stdout.write(json.dumps([link.to_dict(book) for link in links], indent=2) + "\n")
            return
        rows = link_rows(links, book)
    if fmt is Format.table and not rows:
        out.print(f"no address {'of ' + case + ' ' if case else ''}carries a role in more than one case's "
                  "latest trace", markup=False)
    elif fmt is Format.table:
        shown = ["address", "case_id", "linked_cases", "role", "exchange", "asset_symbol", "traced_amount",
                 "transfers", "evidence"]
        render(rows, shown, fmt, sys.stdout, f"case links{f' of {case}' if case else ''}")
    else:
        render(rows, LINK_COLUMNS, fmt, sys.stdout)


# ---------------------------------------------------------------- reports

@reports_app.command("import")
def reports_import_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV: report_id,reported_at,chain,asset,tx_hash,"
                                              "victim_address,scam_address,amount")],
    case: CaseOpt,
    source: SourceOpt = Source.store,
    chain: LiveChainOpt = None,
    rpc_url: RpcOpt = None,
    explorer_url: ExplorerOpt = None,
    tron_url: TronOpt = None,
    chain_id: ChainIdOpt = None,
) -> None:
    """Check each victim report and import it; accepted reports become the case's seeds.

    With --source rpc|explorer|tron, a report whose transaction is not in the store yet is
    verified against the live source (its scam address is fetched first).
    Exit code 3 when any row was refused (the valid rows are imported all the same).
    """
    from tracers.intake import import_reports

    with store(ctx) as con:
        ensure = {}
        if source is not Source.store:
            from tracers.sources.factory import make_source, spec_from_options
            from tracers.sources.fetcher import Fetcher

            chain = live_chain(source, chain, _chains_in_file(file))
            spec = spec_from_options(source.value, chain, rpc_url, explorer_url, tron_url, chain_id=chain_id)
            ensure[chain] = Fetcher(con, make_source(spec), chain)
        summary = import_reports(con, case, file, ensure)
    for report in summary.verdicts:
        if report.refusal is not None:
            err.print(
                f"[yellow]refused[/] line {report.line} report {report.report_id or '?'}: "
                f"({report.refusal.code}) {escape(report.refusal.message)}",
                highlight=False, soft_wrap=True,
            )
    out.print(
        f"{escape(str(file))}: {summary.accepted} accepted, {summary.refused} refused "
        f"({summary.changed} new or changed) in case {case}"
    )
    if summary.refused:
        err.print(f"see `tracers reports list --case {case}` for every verdict")
        raise typer.Exit(EXIT_REFUSED)


@reports_app.command("list")
def reports_list_cmd(ctx: typer.Context, case: CaseOpt, fmt: FormatOpt = Format.table) -> None:
    """Every report of a case with its verdict: report_id, status (accepted|refused), reason."""
    from tracers.intake import list_reports

    with store(ctx) as con:
        rows = list_reports(con, case)
    render(rows, ["report_id", "status", "reason"], fmt, sys.stdout, f"reports of {case}")


@reports_app.command("template")
def reports_template_cmd() -> None:
    """Print a template victim-report CSV (header and one example row)."""
    from importlib import resources

    sys.stdout.write((resources.files("tracers.intake") / "template.csv").read_text())


# ---------------------------------------------------------------- trace, findings, exports

TaintOpt = TaintModel  # --taint: the vocabulary of tracers.domain


@app.command("trace")
def trace_cmd(
    ctx: typer.Context,
    case: CaseOpt,
    address: Annotated[
        str | None, typer.Argument(help="A scam address to add as a seed before tracing.")
    ] = None,
    chain: Annotated[
        str | None, typer.Option("--chain", help="Chain of ADDRESS and of the live source. Inferred when it "
                                                 "can be: tron for --source tron or a Tron address, else the "
                                                 "one chain of the case's seeds, else ethereum.")
    ] = None,
    hops: Annotated[int, typer.Option("--hops", help="Stop this many hops from a victim's payment.")] = 30,
    window: Annotated[
        str, typer.Option("--window", help="Follow money out of an address only this long after "
                                            "it arrived (e.g. 12h, 30d, 2w).")
    ] = "30d",
    taint: Annotated[
        TaintOpt, typer.Option("--taint", help="How victim money is attributed: haircut "
                                               "(proportional), fifo (first in, first out), poison.")
    ] = TaintOpt.haircut,
    source: SourceOpt = Source.store,
    rpc_url: RpcOpt = None,
    explorer_url: ExplorerOpt = None,
    tron_url: TronOpt = None,
    confirmations: Annotated[
        int, typer.Option("--confirmations", help="Live sources: leave the newest N blocks out.")
    ] = 0,
    rate: Annotated[
        float, typer.Option("--rate", help="Live sources: requests per second at most.")
    ] = 3.0,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Live sources: seconds to wait for one answer.")
    ] = 30.0,
    chain_id: ChainIdOpt = None,
    runner: RunnerOpt = None,
    dask_address: DaskAddressOpt = None,
) -> None:
    """Trace a case from its seeds to exchange deposit addresses and services; keeps the run.

    With --source rpc|explorer|tron the chain data is pulled live, hop by hop, through the
    trace_case Prefect flow (only blocks after each address's checkpoint are fetched).
    """
    from tracers.trace import Taint, TraceParams, add_address_seed, parse_duration, trace_case

    if hops < 1:
        raise typer.BadParameter("--hops must be at least 1")
    params = TraceParams(hops=hops, window_seconds=parse_duration(window), taint=Taint(taint.value))
    if chain is None:
        from tracers.chains import looks_like_address

        tron_form = address and address.strip().startswith("T") and looks_like_address("tron", address)
        named = {"tron"} if tron_form else set()  # base58 T...; 0x hex is read as EVM
        if not named and not address and source is not Source.store:
            with store(ctx) as con:
                named = _chains_of_case(con, case)
        chain = live_chain(source, None, named)
    if source is not Source.store:
        from tracers.sources.factory import spec_from_options

        spec_from_options(source.value, chain, rpc_url, explorer_url, tron_url, confirmations, rate,
                          timeout, chain_id)  # a missing URL or a bad setting stops here, before any work
        if address:
            with store(ctx) as con:
                seed = add_address_seed(con, case, chain, address)
            out.print(f"seed {seed} added to case {case}")
        summary = _run_flow(ctx, f"tracing case {case} live from {source.value}", "trace_case",
                            case=case, source=source.value, chain=chain, rpc_url=rpc_url,
                            explorer_url=explorer_url, tron_url=tron_url, confirmations=confirmations,
                            hops=hops, window=window, taint=taint.value, rate=rate, timeout=timeout,
                            chain_id=chain_id, runner=runner.value if runner else None,
                            dask_address=dask_address)
        _print_trace(case, summary["run_id"], summary["summary"])
        out.print(f"{summary['addresses_fetched']} address fetches, {summary['requests']} requests "
                  f"to the {source.value} source")
        with store(ctx) as con:
            _print_links(con, case, summary["run_id"])
        return
    with store(ctx) as con:
        if address:
            seed = add_address_seed(con, case, chain, address)
            out.print(f"seed {seed} added to case {case}")
        with _stages(f"tracing case {case}") as step:
            run = trace_case(con, case, params, progress=lambda message: step(message))
        _print_trace(case, run.run_id, run.summary)
        _print_links(con, case, run.run_id)


def _run_flow(ctx, what: str, name: str, **parameters) -> dict:
    """Run a Prefect flow of flows/ (trace_case, monitor_clusters): the CLI's only door into them.
    Settings the command line left out are resolved by the flow, as for deployments. A TracersError
    the flow raises reaches `_Group` (one `error:` line); Prefect's console copy of it, with its
    traceback, is left out (the Prefect API still logs it)."""
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    from flows.console import tracers_errors_quiet

    chosen: Callable[..., dict]
    if name == "trace_case":
        from flows.trace import trace_case as chosen
    else:
        from flows.monitor import monitor_clusters as chosen
    given = {key: value for key, value in parameters.items() if value is not None}
    with _stages(what) as step, tracers_errors_quiet():
        step("starting the Prefect flow")
        return chosen(db=str(ctx.obj["db"]), **given)


def _print_links(con, case: str, run_id: str) -> None:
    """After a trace: addresses partners flag, and those this case shares with other cases."""
    from tracers.findings import trace_notes

    for line in trace_notes(con, case, run_id):
        out.print(line, markup=False)


def _print_trace(case: str, run_id: str, summaries: dict) -> None:
    for chain_name, summary in summaries.items():
        out.print(
            f"{chain_name}: {summary['perpetrators']} perpetrator addresses in "
            f"{summary['clusters']} cluster(s), {summary['victims']} victims, "
            f"{summary['deposit_wallets']} exchange deposit addresses, "
            f"{summary['peel_chains']} peel chains"
        )
    out.print(f"{run_id}: see `tracers findings --case {case}`; export with "
              f"`tracers export subpoena --case {case} --out DIR`")


@app.command("findings")
def findings_cmd(
    ctx: typer.Context,
    case: CaseOpt,
    fmt: Annotated[Format, typer.Option(
        "--format", help="table: a readable summary; json: the summary as data; csv: one row per "
                         "finding (case_id, run_id, finding_id, rule, kind, chain, address, role, subrole, "
                         "related, asset, asset_symbol, amount, amount_base_units, confidence, params, "
                         "tx_hashes, detail).")] = Format.table,
) -> None:
    """A readable summary of the latest trace: clusters, peel chains, exchanges, funds at rest."""
    from tracers.exports import render_summary
    from tracers.findings import FINDING_COLUMNS, finding_rows, findings_summary
    from tracers.output import write_csv

    with store(ctx) as con:
        if fmt is Format.csv:
            write_csv(finding_rows(con, case), FINDING_COLUMNS, sys.stdout)
            return
        summary = findings_summary(con, case)
    if fmt is Format.json:
        sys.stdout.write(json.dumps(summary.to_dict(), indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write(render_summary(summary))


ForceOpt = Annotated[bool, typer.Option(
    "--force", help="Replace files an earlier export left at --out (never a folder, link or pipe).")]


def _out_file_opt(what: str) -> typer.models.OptionInfo:
    return typer.Option("--out", metavar="FILE", help=f"{what} It must not exist yet, unless --force.")


@export_app.command("subpoena")
def export_subpoena_cmd(
    ctx: typer.Context,
    out_dir: Annotated[str, typer.Option("--out", metavar="FOLDER",
                                         help="Folder for <exchange>.csv and manifest.json.")],
    case: Annotated[str | None, typer.Option("--case", help="Case id, e.g. FIU-2026-0142.")] = None,
    cases: Annotated[str | None, typer.Option(
        "--cases", metavar="C1,C2,...",
        help="A combined request for several cases: one row per case and transfer, each case's "
             "traced amount apart (column deposit_address_cases names who else reached the address).")] = None,
    linked: Annotated[bool, typer.Option(
        "--linked", help="With --case: a combined request for the case and every case it shares an "
                         "address with (tracers case links).")] = False,
    force: ForceOpt = False,
) -> None:
    """One CSV per exchange of every deposit that received victim money, and a manifest."""
    from tracers.exports import export_subpoena, out_folder
    from tracers.exports.subpoena import export_combined_subpoena
    from tracers.findings import linked_cases

    if (case is None) == (cases is None):
        raise typer.BadParameter("give one case with --case C, or several with --cases C1,C2",
                                 param_hint="--case / --cases")
    if linked and case is None:
        raise typer.BadParameter("--linked goes with --case C: the case whose links join the request",
                                 param_hint="--linked")
    asked = [c.strip() for c in cases.split(",") if c.strip()] if cases is not None else []
    if cases is not None and len(set(asked)) < 2:
        raise typer.BadParameter(f"{cases!r}: name two cases or more, comma-separated (one case: --case)",
                                 param_hint="--cases")
    out_folder(out_dir)  # a bad --out stops here, before the store is opened
    with store(ctx) as con:
        if linked:
            assert case is not None
            asked = [case, *linked_cases(con).get(case, ())]
            if len(asked) < 2:
                out.print(f"case {case} shares no address with another case: a request for it alone",
                          markup=False)
        if len(asked) >= 2:
            said = export_combined_subpoena(con, asked, out_dir, force=force).describe()
        else:
            said = export_subpoena(con, case or asked[0], out_dir, force=force).describe()
    out.print(said, markup=False)


@export_app.command("addresses")
def export_addresses_cmd(
    ctx: typer.Context,
    case: CaseOpt,
    out_file: Annotated[str, _out_file_opt("CSV file to write.")],
    force: ForceOpt = False,
) -> None:
    """Every address of the case graph with its role, cluster, exchange and evidence."""
    from tracers.exports import export_addresses
    from tracers.exports import out_file as checked_out_file

    checked_out_file(out_file, force=force)  # a bad --out stops here, before the store is opened
    with store(ctx) as con:
        rows = export_addresses(con, case, out_file, force=force)
    out.print(f"wrote {out_file}: {rows} addresses", markup=False)


@app.command("report")
def report_cmd(
    ctx: typer.Context,
    case: CaseOpt,
    out_file: Annotated[str, _out_file_opt("HTML file to write: one self-contained file, opens offline.")],
    tx_url: Annotated[str, typer.Option(
        "--tx-url",
        help="Link for each transaction, {tx} standing for its hash; e.g. "
             "https://tronscan.org/#/transaction/{tx}.",
    )] = "https://etherscan.io/tx/{tx}",
    force: ForceOpt = False,
) -> None:
    """The case as one HTML page: money-flow graph, exchanges, funds at rest, timeline, evidence."""
    from tracers.exports import out_file as checked_out_file
    from tracers.exports.report import write_report

    checked_out_file(out_file, force=force)  # a bad --out stops here, before the store is opened
    with store(ctx) as con:
        path = write_report(con, case, out_file, tx_url, force=force)
    out.print(f"wrote {path}: open it in a browser (it needs no network)", markup=False)


@export_app.command("freeze")
def export_freeze_cmd(
    ctx: typer.Context,
    case: CaseOpt,
    out_dir: Annotated[str, typer.Option(
        "--out", metavar="FOLDER", help="Folder for freeze_<issuer>.csv, freeze_no_issuer.csv and manifest.json.")],
    force: ForceOpt = False,
) -> None:
    """Addresses still holding traced victim money: one CSV per issuer that can freeze it
    (Tether, Circle), native coins apart, and a manifest."""
    from tracers.exports import export_freeze, out_folder

    out_folder(out_dir)  # a bad --out stops here, before the store is opened
    with store(ctx) as con:
        result = export_freeze(con, case, out_dir, force=force)
    out.print(result.describe(), markup=False)


TlpOpt = Annotated[Tlp, typer.Option(
    "--tlp", help="The TLP 2.0 marking of what you share: how far the partners receiving it may pass it on.")]
IncludeVictimsOpt = Annotated[bool, typer.Option(
    "--include-victims/--no-victims", "--victims",
    help="Include victims' addresses (personal data); left out by default. --victims is the old name.")]


@export_app.command("tagpack")
def export_tagpack_cmd(
    ctx: typer.Context,
    case: CaseOpt,
    out_file: Annotated[str, _out_file_opt("TagPack file to write (.yaml).")],
    tlp: TlpOpt = Tlp.amber,
    include_victims: IncludeVictimsOpt = False,
    force: ForceOpt = False,
) -> None:
    """The case's perpetrators and deposit addresses (victims if asked) as a GraphSense TagPack."""
    from tracers.exports import export_tagpack
    from tracers.exports import out_file as checked_out_file

    checked_out_file(out_file, force=force)  # a bad --out stops here, before the store is opened
    with store(ctx) as con:
        count = export_tagpack(con, case, out_file, tlp=tlp.value, include_victims=include_victims, force=force)
    out.print(f"wrote {out_file}: {count} tags", markup=False)


@export_app.command("stix")
def export_stix_cmd(
    ctx: typer.Context,
    case: CaseOpt,
    out_file: Annotated[str, _out_file_opt("STIX 2.1 bundle to write (JSON).")],
    tlp: TlpOpt = Tlp.amber,
    include_victims: IncludeVictimsOpt = False,
    force: ForceOpt = False,
) -> None:
    """The case as a STIX 2.1 bundle for partner units: indicators with roles, exchanges, clusters; TLP-marked."""
    from tracers.exports import export_stix
    from tracers.exports import out_file as checked_out_file

    checked_out_file(out_file, force=force)  # a bad --out stops here, before the store is opened
    with store(ctx) as con:
        result = export_stix(con, case, out_file, tlp=tlp.value, include_victims=include_victims, force=force)
    out.print(result.describe(), markup=False)


@app.command("verify")
def verify_cmd(
    folder: Annotated[Path, typer.Argument(help="An export folder (it holds manifest.json).")],
) -> None:
    """Check every file of an export folder against the SHA-256 in its manifest.json."""
    from tracers.exports import verify_dir

    result = verify_dir(folder)  # needs no store
    out.print(result.describe(), markup=False)
    if not result.ok:
        raise typer.Exit(1)


# ---------------------------------------------------------------- monitoring

WebhookOpt = Annotated[
    str | None, typer.Option("--webhook", help="POST each new alert as JSON to this http(s) URL; its "
                                               "host must resolve to public addresses only.")
]
AllowPrivateOpt = Annotated[
    bool, typer.Option("--allow-private-webhook",
                       help="Let --webhook be on a private or loopback address (a receiver on this "
                            "machine or your own network); link-local and metadata addresses stay refused.")
]


def _checked_webhook(webhook: str | None, allow_private: bool) -> None:
    """Refuse a webhook tracers will not POST to before any work; warn when its host does not
    resolve now (every delivery checks it again, and sends nothing until it resolves)."""
    from tracers.monitor.webhook import WebhookUnresolved, check_webhook

    if webhook is not None:
        try:
            check_webhook(webhook, allow_private=allow_private)
        except WebhookUnresolved as exc:
            err.print(f"[yellow]warning:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)


@monitor_app.command("add")
def monitor_add_cmd(
    ctx: typer.Context,
    case: CaseOpt,
    addresses: Annotated[
        list[str] | None, typer.Argument(help="Addresses to watch (default: the case's cluster).")
    ] = None,
    chain: Annotated[str, typer.Option("--chain", help="Chain of the addresses.")] = "ethereum",
    cron: Annotated[str, typer.Option("--cron", help="When to run a pass (cron).")] = "*/30 * * * *",
    webhook: WebhookOpt = None,
    allow_private_webhook: AllowPrivateOpt = False,
) -> None:
    """Watch a case's cluster, or named addresses (added to the case as seeds)."""
    from tracers.monitor.watch import add_monitor

    _checked_webhook(webhook, allow_private_webhook)
    with store(ctx) as con:
        ids = add_monitor(con, case, cron, webhook, chain, addresses or None,
                          allow_private_webhook=allow_private_webhook)
    for monitor_id in ids:
        out.print(f"watching {monitor_id} ({cron})")


@monitor_app.command("list")
def monitor_list_cmd(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """The active monitors with their schedule and last pass."""
    from tracers.monitor.deliver import shown_url
    from tracers.monitor.watch import list_monitors

    with store(ctx) as con:
        rows = list_monitors(con)
    for row in rows:  # a webhook URL carries its token (Slack, Discord): shown without it
        row["webhook"] = shown_url(row["webhook"]) if row.get("webhook") else row.get("webhook")
    render(rows, ["monitor_id", "case_id", "chain", "address", "cron", "webhook", "last_pass"],
           fmt, sys.stdout, "monitors")


@monitor_app.command("remove")
def monitor_remove_cmd(
    ctx: typer.Context,
    monitor_id: Annotated[str, typer.Argument(help="A monitor id from `tracers monitor list`.")],
) -> None:
    """Stop watching (the alerts raised so far are kept)."""
    from tracers.monitor.watch import remove_monitor

    with store(ctx) as con:
        remove_monitor(con, monitor_id)
    out.print(f"stopped watching {monitor_id}")


@monitor_app.command("run")
def monitor_run_cmd(
    ctx: typer.Context,
    case: Annotated[str | None, typer.Option("--case", help="Only this case.")] = None,
    source: SourceOpt = Source.store,
    chain: LiveChainOpt = None,
    rpc_url: RpcOpt = None,
    explorer_url: ExplorerOpt = None,
    tron_url: TronOpt = None,
    webhook: WebhookOpt = None,
    allow_private_webhook: AllowPrivateOpt = False,
    chain_id: ChainIdOpt = None,
    runner: RunnerOpt = None,
    dask_address: DaskAddressOpt = None,
) -> None:
    """One monitoring pass now (the monitor_clusters Prefect flow)."""
    _checked_webhook(webhook, allow_private_webhook)
    if chain is None:
        with store(ctx) as con:
            chain = live_chain(source, None, _chains_of_case(con, case) if source is not Source.store else set())
    if source is not Source.store:
        from tracers.sources.factory import spec_from_options

        spec_from_options(source.value, chain, rpc_url, explorer_url, tron_url, chain_id=chain_id)
    summary = _run_flow(ctx, "monitoring", "monitor_clusters", case=case, source=source.value, chain=chain,
                        rpc_url=rpc_url, explorer_url=explorer_url, tron_url=tron_url, webhook=webhook,
                        allow_private_webhook=allow_private_webhook or None, chain_id=chain_id,
                        runner=runner.value if runner else None,
                        dask_address=dask_address)
    deliveries = summary.pop("_deliveries", {})
    for case_id, numbers in summary.items():
        if numbers["baseline"]:
            out.print(f"{case_id}: baseline recorded ({numbers['run_id']}); later passes alert on changes")
        else:
            out.print(f"{case_id}: {numbers['alerts']} new alert(s) ({numbers['pass_id']})")
    if deliveries:
        out.print(f"webhook deliveries: {deliveries.get('delivered', 0)} delivered, "
                  f"{deliveries.get('pending', 0)} pending (retried on the next pass)")


@alerts_app.command("list")
def alerts_list_cmd(
    ctx: typer.Context,
    case: Annotated[str | None, typer.Option("--case", help="Only this case.")] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only alerts raised since (ISO 8601, or 24h, 7d).")
    ] = None,
    fmt: FormatOpt = Format.table,
) -> None:
    """Alerts raised by monitoring passes, oldest first."""
    from datetime import UTC, datetime, timedelta

    from tracers.amounts import format_units
    from tracers.intake.parse import parse_time
    from tracers.monitor.pass_ import list_alerts
    from tracers.trace import parse_duration

    start = None
    if since:
        try:
            start = datetime.now(UTC) - timedelta(seconds=parse_duration(since))
        except TracersError:
            try:
                start = parse_time(since)
            except ValueError:
                raise typer.BadParameter("--since: an ISO 8601 time or a duration like 24h") from None
    with store(ctx) as con:
        rows = list_alerts(con, case, start)
    for row in rows:
        row["amount_units"] = (format_units(int(row["amount"]), row["decimals"])
                               if row["amount"] is not None and row["decimals"] is not None else "")
    render(rows, ["created_at", "case_id", "kind", "address", "related", "amount_units", "tx_hash",
                  "detail", "delivery"], fmt, sys.stdout, "alerts")


@alerts_app.command("deliver")
def alerts_deliver_cmd(ctx: typer.Context) -> None:
    """Deliver the alerts whose webhook delivery is still pending."""
    import requests

    from tracers.monitor.deliver import deliver_pending

    with store(ctx) as con:
        report = deliver_pending(con, requests.Session())
    out.print(f"{report.delivered} delivered, {report.still_pending} still pending")
    if report.still_pending:
        raise typer.Exit(1)


# ---------------------------------------------------------------- simulate, demo, status

@app.command("simulate")
def simulate_cmd(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the world into.")],
    seed: Annotated[int, typer.Option("--seed", help="Same seed, same world.")] = 7,
    victims: Annotated[
        int | None, typer.Option("--victims", help="Scam victims (default 40; with random confounders 10-25).")
    ] = None,
    users: Annotated[
        int | None, typer.Option("--users", help="Ordinary users around them (default 400; random: 100-200).")
    ] = None,
    transfers: Annotated[
        int | None, typer.Option("--transfers", help="Transfers in all (default 20000; random: 3000-6000).")
    ] = None,
    confounders: Annotated[
        str, typer.Option(
            "--confounders",
            help="Hard cases to switch on, comma-separated (consolidator_profits, split_sweeps, busy_collection, "
                 "deposit_as_platform, exchange_funded_victims, exchange_profits, mule_mixing, shared_broker, "
                 "noisy_peels, poison_tiny, exchange_gas, swap_then_peel, mixer_deposits, bridge_deposit), or "
                 "'random': each on with probability 1/2, drawn with the seed, in a small world. truth.json says "
                 "which touched what; swaps and mixers add traces.csv (internal ether transfers).",
        ),
    ] = "",
) -> None:
    """Write a synthetic pig-butchering world: ethereum-etl files, tags, reports and truth.json."""
    from tracers.simulate import simulate
    from tracers.simulate.confounders import requested_config

    size = {"victims": victims, "users": users, "transfers": transfers}
    config = requested_config(seed, confounders, **{k: v for k, v in size.items() if v is not None})
    with _stages(f"simulating into {out_dir}") as step:
        summary = simulate(out_dir, config, progress=lambda stage, *_: step(stage))
    out.print(_describe_world(out_dir, summary))


def _describe_world(out_dir: Path, summary) -> str:
    fields = {k: v for k, v in vars(summary).items() if isinstance(v, int)}
    counts = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in fields.items())
    return f"wrote {out_dir}: {counts}"


@app.command("demo")
def demo_cmd(
    folder: Annotated[Path, typer.Option("--dir", help="Where the demo writes its world and store.")]
    = Path("tracers-demo"),
    seed: Annotated[int, typer.Option("--seed", help="World seed.")] = 7,
) -> None:
    """Run the whole job on a simulated world, offline, in a fresh store of its own (DIR/demo.duckdb)."""
    from tracers.demo import run_demo

    run_demo(folder, seed, out)


@app.command("status")
def status_cmd(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """What the store holds: schema version, transfers per chain and asset kind, tags, cases."""
    from tracers.store.summary import store_summary

    with store(ctx) as con:
        rows = store_summary(con)
    render(rows, ["what", "count"], fmt, sys.stdout, f"store {ctx.obj['db']}")


@app.command("doctor")
def doctor_cmd(ctx: typer.Context, fmt: FormatOpt = Format.table) -> None:
    """Check the store without writing to it: a DuckDB file tracers made, its schema version, every
    table and column, every block readable, transfers_to as long as transfers. Each problem comes
    with the way to recover; exit 0 when the store is whole, 1 otherwise."""
    from tracers.store.doctor import COLUMNS, diagnose, verdict

    rows = diagnose(ctx.obj["db"])
    render(rows, COLUMNS, fmt, sys.stdout, f"store {ctx.obj['db']}")
    verdict(ctx.obj["db"], rows)


@app.command("serve")
def serve_cmd(
    ctx: typer.Context,
    cron: Annotated[
        str, typer.Option("--cron", help="How often the monitor looks for due cases (cron, UTC); "
                                         "each monitor's own --cron says when its case is due.")
    ] = "*/5 * * * *",
    source: SourceOpt = Source.store,
    chain: Annotated[str, typer.Option("--chain", help="Chain of the live source.")] = "ethereum",
    limit: Annotated[
        int, typer.Option("--limit", help="Flow runs at a time (one store has one writer: keep 1).")
    ] = 1,
    runner: RunnerOpt = None,
) -> None:
    """Serve the Prefect deployments until stopped: trace a case or a wallet from the Prefect UI,
    the monitor on its schedule.

    Needs a Prefect server (PREFECT_API_URL). Source URLs and API keys come from the environment,
    never from parameters. See docs/deploy.md.
    """
    from flows.serve import serve

    serve(ctx.obj["db"], cron=cron, source=source.value, chain=chain, limit=limit,
          runner=settings.resolve("runner", runner.value if runner else None))


def main() -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    app(prog_name="tracers")


if __name__ == "__main__":
    main()
