"""Tron as a first-class rail: tags, victim reports and a live trace over a local TronGrid that
serves a simulated world as TRC-20 USDT, with the deposit addresses and amounts of its truth."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import requests

from fakes.tron_server import TronServer, tron_of
from fakes.world import Faults, World
from tracers.cases import open_case
from tracers.intake import REPORT_COLUMNS, import_reports
from tracers.simulate import SimulationConfig, simulate
from tracers.sources.fetcher import Fetcher
from tracers.sources.tron import TronGridSource
from tracers.store import connect
from tracers.tags import import_tag_files
from tracers.trace import trace_case

USDT_ETHEREUM = "0xdac17f958d2ee523a2206206994597c13d831ec7"


def tron_files(world, folder):
    """The world's tags and USDT reports as a Tron analyst would have them."""
    tags = folder / "tron_tags.csv"
    with (world / "tags.csv").open() as source, tags.open("w", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(["address", "label", "category", "actor", "chain"])
        for row in csv.DictReader(source):
            writer.writerow([tron_of(row["address"].lower()), row["label"], row["category"], row["actor"], "tron"])
    reports = folder / "tron_reports.csv"
    with (world / "reports.csv").open() as source, reports.open("w", newline="") as target:
        writer = csv.DictWriter(target, REPORT_COLUMNS)
        writer.writeheader()
        for row in csv.DictReader(source):
            if row["asset"] != "USDT" or not row["victim_address"].lower().startswith("0x"):
                continue
            try:
                victim = tron_of(row["victim_address"].lower())
            except ValueError:
                continue  # the deliberately malformed ones
            writer.writerow(dict(row, chain="tron", tx_hash=row["tx_hash"].removeprefix("0x"),
                                 victim_address=victim, scam_address=tron_of(row["scam_address"].lower())))
    return tags, reports


def test_a_live_tron_trace_reaches_the_worlds_deposit_addresses(tmp_path):
    simulate(tmp_path / "world", SimulationConfig(seed=21, victims=10, users=100, transfers=4000))
    truth = json.loads((tmp_path / "world" / "truth.json").read_text())
    tags, reports = tron_files(tmp_path / "world", tmp_path)
    con = connect(tmp_path / "tron.duckdb")
    assert import_tag_files(con, [tags]).ok
    open_case(con, "TRON-1")
    with TronServer(World.load(tmp_path / "world"), faults=Faults(share=0.2, seed=5, stall=0.6)) as server:
        source = TronGridSource(server.url, session=requests.Session(), rate=500.0, timeout=0.5)
        fetcher = Fetcher(con, source, "tron")
        intake = import_reports(con, "TRON-1", reports, ensure={"tron": fetcher.ensure})
        assert intake.accepted > 0
        run = trace_case(con, "TRON-1", ensure={"tron": fetcher.ensure})
    deposits = dict(con.execute(
        "SELECT address, exchange FROM trace_addresses WHERE run_id = ? AND role = 'deposit_wallet'",
        [run.run_id]).fetchall())
    expected = {tron_of(d["deposit_address"]): d["exchange"] for d in truth["scam_deposits"]}
    assert deposits == expected
    traced = dict(con.execute(
        "SELECT to_address, CAST(sum(traced_amount) AS VARCHAR) FROM trace_flows WHERE run_id = ? "
        "AND asset = 'TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t' GROUP BY 1", [run.run_id]).fetchall())
    for deposit in truth["scam_deposits"]:
        got, want = int(traced[tron_of(deposit["deposit_address"])]), deposit["victim_amount"]
        assert abs(got - want) <= want // 20, deposit["deposit_address"]
    services = {tron_of(s["address"]) for s in truth["services"]}
    perpetrators = {a for (a,) in con.execute(
        "SELECT address FROM trace_addresses WHERE run_id = ? AND role = 'perpetrator'", [run.run_id]).fetchall()}
    assert not services & perpetrators
    con.close()


def test_source_tron_needs_no_chain_option_and_several_chains_must_be_named(tmp_path, prefect_api):
    """`reports import FILE --case C --source tron --tron-url URL` works as written; a case whose
    seeds are on several chains asks for --chain, naming them."""
    import pytest
    from typer.testing import CliRunner

    from tracers.cli import EXIT_REFUSED, Source, app, live_chain
    from tracers.errors import TracersError

    simulate(tmp_path / "world", SimulationConfig(seed=21, victims=6, users=60, transfers=1500))
    tags, reports = tron_files(tmp_path / "world", tmp_path)
    db = str(tmp_path / "cli.duckdb")
    runner = CliRunner()
    assert runner.invoke(app, ["--db", db, "case", "open", "TRON-2"]).exit_code == 0
    with TronServer(World.load(tmp_path / "world")) as server:
        result = runner.invoke(app, ["--db", db, "reports", "import", str(reports), "--case", "TRON-2",
                                     "--source", "tron", "--tron-url", server.url])
        # the live trace runs a Prefect flow: the installed command, in its own process
        env = dict(os.environ, PREFECT_HOME=str(tmp_path / "prefect"), **prefect_api)
        traced = subprocess.run([str(Path(sys.executable).with_name("tracers")), "--db", db, "trace", "--case",
                                 "TRON-2", "--source", "tron", "--tron-url", server.url],
                                capture_output=True, text=True, env=env, timeout=600)
    assert result.exit_code in (0, EXIT_REFUSED), result.output
    assert " 0 accepted" not in result.output and "use --chain tron" not in result.output
    output = traced.stdout + traced.stderr
    assert traced.returncode == 0, output
    assert "tron: " in traced.stdout and "exchange deposit addresses" in traced.stdout
    assert "--chain" not in output and "Traceback" not in output
    assert live_chain(Source.tron, None, set()) == "tron"
    assert live_chain(Source.rpc, None, {"ethereum"}) == "ethereum"
    assert live_chain(Source.rpc, "BSC", {"ethereum", "tron"}) == "bsc"
    with pytest.raises(TracersError, match="several chains \\(ethereum, tron\\): give --chain"):
        live_chain(Source.explorer, None, {"ethereum", "tron"})
