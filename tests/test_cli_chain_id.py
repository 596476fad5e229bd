"""A local test node serves its own chain id (anvil: 31337): the check that protects evidence stays,
its error names the command-line fix, and `--chain-id 31337` traces the case through that node."""

from __future__ import annotations

from typer.testing import CliRunner

from fakes.anvil import EMITTER, Anvil, _Batcher
from test_anvil_swap import GENESIS, mine, word
from test_heuristics import HOT, SCAM, USDT, VICTIM, U
from tracers.cli import app
from tracers.reports import REPORT_COLUMNS

DEPOSIT = "0x" + "d1" * 20


def test_a_node_with_another_chain_id_is_refused_with_the_fix_and_accepted_with_chain_id(
        tmp_path, monkeypatch, prefect_server):
    monkeypatch.setenv("TRACERS_RPC_CHAIN_ID_ETHEREUM", "")  # whatever the CLI sets is undone afterwards
    db = str(tmp_path / "s.duckdb")
    runner = CliRunner()

    def run(*args):
        return runner.invoke(app, ["--db", db, *args])

    with Anvil.start(timestamp=GENESIS) as node:  # anvil's own chain id, 31337
        rpc = _Batcher(node.w3)
        rpc.send([("anvil_setCode", [USDT, EMITTER])])
        hashes = mine(rpc, [
            {"from": VICTIM, "to": USDT, "data": "0x" + word(VICTIM) + word(SCAM) + word(700 * U)},
            {"from": SCAM, "to": USDT, "data": "0x" + word(SCAM) + word(DEPOSIT) + word(700 * U)},
            {"from": DEPOSIT, "to": USDT, "data": "0x" + word(DEPOSIT) + word(HOT) + word(700 * U)},
        ])
        tags = tmp_path / "tags.csv"
        tags.write_text(f"address,label,category,actor\n{HOT},OKX 1,exchange,okx\n")
        reports = tmp_path / "reports.csv"
        row = {"report_id": "R1", "reported_at": "2026-06-01", "chain": "ethereum", "asset": "USDT",
               "tx_hash": hashes[0], "victim_address": VICTIM, "scam_address": SCAM, "amount": "700"}
        reports.write_text(",".join(REPORT_COLUMNS) + "\n" + ",".join(row[c] for c in REPORT_COLUMNS) + "\n")
        assert run("tags", "import", str(tags)).exit_code == 0
        assert run("case", "open", "K-ID").exit_code == 0
        live = ["--source", "rpc", "--rpc-url", node.url]

        refused = run("reports", "import", str(reports), "--case", "K-ID", *live)
        assert refused.exit_code != 0
        assert "--chain-id 31337" in refused.output and "TRACERS_RPC_CHAIN_ID_ETHEREUM=31337" in refused.output

        taken = run("reports", "import", str(reports), "--case", "K-ID", *live, "--chain-id", "31337")
        assert taken.exit_code == 0, taken.output
        traced = run("trace", "--case", "K-ID", *live, "--chain-id", "31337")
        assert traced.exit_code == 0, traced.output
        assert "1 exchange deposit addresses" in traced.output
