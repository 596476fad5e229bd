"""A local test node serves its own chain id (anvil: 31337): the check that protects evidence stays,
its error names the command-line fix, `--chain-id 31337` traces the case through that node, and the
export's manifest says which node served which chain id. Settings resolve one way: the command
line, then TRACERS_RPC_URL_<CHAIN>, then TRACERS_RPC_URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from fakes.anvil import EMITTER, Anvil, _Batcher
from test_anvil_swap import GENESIS, mine, word
from test_heuristics import HOT, SCAM, USDT, VICTIM, U
from tracers.intake import REPORT_COLUMNS

DEPOSIT = "0x" + "d1" * 20


def test_a_node_with_another_chain_id_is_refused_with_the_fix_and_accepted_with_chain_id(tmp_path, prefect_api):
    """The installed command in its own process, as an analyst runs it (its Prefect flow included)."""
    db = str(tmp_path / "s.duckdb")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACERS_RPC_CHAIN_ID_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), **prefect_api)
    command = [str(Path(sys.executable).with_name("tracers"))]

    def run(*args, **variables):
        done = subprocess.run([*command, "--db", db, *args], capture_output=True, text=True,
                              env=env | variables, timeout=600)
        done.output = done.stdout + done.stderr
        done.exit_code = done.returncode
        return done

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

        exported = run("export", "subpoena", "--case", "K-ID", "--out", str(tmp_path / "out"))
        assert exported.exit_code == 0, exported.output
        manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
        source = manifest["trace_params"]["sources"]["ethereum"]
        assert source["source"] == "rpc" and source["url"] == node.url.rstrip("/")
        assert source["chain_id"] == 31337 and source["chain_id_accepted"] is True
        assert source["head"] == node.w3.eth.block_number

        # no flags: the per-chain variables beat the generic one (which points nowhere)
        again = run("trace", "--case", "K-ID", "--source", "rpc", TRACERS_RPC_URL="http://127.0.0.1:9/",
                    TRACERS_RPC_URL_ETHEREUM=node.url, TRACERS_RPC_CHAIN_ID_ETHEREUM="31337")
        assert again.exit_code == 0, again.output
        assert "1 exchange deposit addresses" in again.output
        bad = run("trace", "--case", "K-ID", "--source", "rpc", TRACERS_RPC_URL_ETHEREUM=node.url,
                  TRACERS_RPC_CHAIN_ID_ETHEREUM="anvil")
        assert bad.exit_code != 0 and "TRACERS_RPC_CHAIN_ID_ETHEREUM='anvil'" in bad.output
        assert "e.g. TRACERS_RPC_CHAIN_ID_ETHEREUM=31337" in bad.output and "Traceback" not in bad.output
