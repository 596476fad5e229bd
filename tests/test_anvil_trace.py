"""On a real node: a simulated world replayed onto anvil as real transactions, traced live through
JSON-RPC from an empty store, finds the same deposit addresses, clusters and traced amounts as
the store-only trace of the same world (tx hashes and block numbers are anvil's own)."""

from __future__ import annotations

import csv
import json

import pytest

from fakes.anvil import Anvil, replay_world
from tracers.cases import open_case
from tracers.etl import import_etl
from tracers.intake import REPORT_COLUMNS, import_reports
from tracers.simulate import SimulationConfig, simulate
from tracers.sources.fetcher import Fetcher
from tracers.sources.rpc import RpcSource
from tracers.store import connect
from tracers.tags import import_tag_files
from tracers.trace import trace_case

CASE = "ANVIL-1"


def outcome(con, run_id):
    """What a trace found, in terms that do not depend on tx hashes or block numbers."""
    roles = dict(con.execute(
        "SELECT address, role || ':' || coalesce(exchange, '') FROM trace_addresses WHERE run_id = ?",
        [run_id]).fetchall())
    clusters = {}
    for address, cluster in con.execute(
            "SELECT address, cluster_id FROM trace_addresses WHERE run_id = ? AND role = 'perpetrator'",
            [run_id]).fetchall():
        clusters.setdefault(cluster, set()).add(address)
    traced = dict(con.execute(
        "SELECT to_address || ':' || asset, CAST(sum(traced_amount) AS VARCHAR) FROM trace_flows f "
        "JOIN trace_addresses a ON a.run_id = f.run_id AND a.address = f.to_address "
        "WHERE f.run_id = ? AND a.role = 'deposit_wallet' GROUP BY 1", [run_id]).fetchall())
    return roles, sorted(sorted(c) for c in clusters.values()), traced


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("anvil-world")
    simulate(folder / "world", SimulationConfig(seed=19, victims=10, users=60, transfers=2500))
    con = connect(folder / "store.duckdb")
    import_etl(con, folder / "world")
    assert import_tag_files(con, [folder / "world" / "tags.csv"]).ok
    open_case(con, CASE)
    import_reports(con, CASE, folder / "world" / "reports.csv")
    reference = outcome(con, trace_case(con, CASE).run_id)
    con.close()
    return folder, reference


def test_live_trace_over_anvil_equals_the_store_trace(world, tmp_path):
    folder, reference = world
    truth = json.loads((folder / "world" / "truth.json").read_text())
    with Anvil.start(timestamp=truth["blocks"]["genesis_timestamp"], chain_id=1) as node:
        replay = replay_world(node.w3, folder / "world")
        reports = tmp_path / "reports.csv"  # the victims' hashes are now anvil's
        with (folder / "world" / "reports.csv").open() as source, reports.open("w", newline="") as target:
            writer = csv.DictWriter(target, REPORT_COLUMNS)
            writer.writeheader()
            for row in csv.DictReader(source):
                writer.writerow(dict(row, tx_hash=replay.tx_hashes.get(row["tx_hash"].lower(), row["tx_hash"])))
        con = connect(tmp_path / "live.duckdb")
        assert import_tag_files(con, [folder / "world" / "tags.csv"]).ok
        open_case(con, CASE)
        fetcher = Fetcher(con, RpcSource(node.w3, "ethereum"), "ethereum")
        intake = import_reports(con, CASE, reports, ensure={"ethereum": fetcher.ensure})
        assert intake.accepted > 0
        run = trace_case(con, CASE, ensure={"ethereum": fetcher.ensure})
        live = outcome(con, run.run_id)
        con.close()
    assert fetcher.requests > 0
    roles, clusters, traced = live
    assert {a: r for a, r in roles.items() if r.startswith("deposit_wallet")} == \
        {a: r for a, r in reference[0].items() if r.startswith("deposit_wallet")}
    assert roles == reference[0]
    assert clusters == reference[1]
    assert traced == reference[2]
