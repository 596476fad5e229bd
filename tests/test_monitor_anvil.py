"""Monitoring over a real node: passes over anvil, with new scam transfers mined between them,
raise exactly the expected alerts; a repeated pass raises none."""

from __future__ import annotations

from collections import Counter

from conftest import MiniChain, write_csv
from fakes.anvil import Anvil, _Batcher, _send, _transactions, replay_world
from tracers.cases import open_case
from tracers.monitor.pass_ import run_pass
from tracers.monitor.watch import add_monitor
from tracers.intake import REPORT_COLUMNS, import_reports
from tracers.sources.fetcher import Fetcher
from tracers.sources.rpc import RpcSource
from tracers.store import connect
from tracers.tags import import_tag_files

USDT = "0xdac17f958d2ee523a2206206994597c13d831ec7"
CASE = "MON-ANVIL"


def addr(n: int) -> str:
    return "0x" + f"{n:040x}"


VICTIM, SCAM, HOP, DEPOSIT, HOT, DEPOSIT2, MIXER = (addr(0x1000 + n) for n in range(7))


def mine(w3, folder, times) -> dict[str, str]:
    """Mine a MiniChain folder's transactions on top of what anvil holds, one block each."""
    rpc = _Batcher(w3)
    mapping = {}
    for tx, stamp in zip(_transactions(folder), times, strict=False):
        nonce = int(rpc.one("eth_getTransactionCount", [tx.sender, "latest"]), 16)
        calls = [("evm_setNextBlockTimestamp", [stamp]), _send(tx, {USDT}, {tx.sender: nonce})]
        mapping[tx.hash] = rpc.send(calls)[1]
        rpc.send([("evm_mine", [])])
    return mapping


def pass_over(con, node, **kwargs):
    fetcher = Fetcher(con, RpcSource(node.w3, "ethereum"), "ethereum")
    return run_pass(con, CASE, ensure={"ethereum": fetcher.ensure}, **kwargs)


def test_passes_over_anvil_alert_on_new_scam_transfers_once(tmp_path):
    before = MiniChain(tmp_path / "before")
    pay, _ = before.pay_token(USDT, VICTIM, SCAM, 1_000_000_000)
    before.new_block()
    before.pay_token(USDT, SCAM, HOP, 900_000_000)
    before.new_block()
    before.pay_token(USDT, HOP, DEPOSIT, 850_000_000)
    before.new_block()
    before.pay_token(USDT, DEPOSIT, HOT, 850_000_000)
    before.write()
    with Anvil.start(timestamp=MiniChain.GENESIS, chain_id=1) as node:
        replay = replay_world(node.w3, before.folder)
        con = connect(tmp_path / "store.duckdb")
        tags = tmp_path / "tags.csv"
        tags.write_text("address,label,category,actor\n"
                        f"{HOT},Binance 14,exchange,binance\n{MIXER},Tornado Cash,mixing_service,tornado\n")
        assert import_tag_files(con, [tags]).ok
        open_case(con, CASE)
        report = {"report_id": "R1", "reported_at": "2026-02-01", "chain": "ethereum", "asset": "USDT",
                  "tx_hash": replay.tx_hashes[pay], "victim_address": VICTIM, "scam_address": SCAM,
                  "amount": "1000"}
        fetcher = Fetcher(con, RpcSource(node.w3, "ethereum"), "ethereum")
        intake = import_reports(con, CASE, write_csv(tmp_path / "r.csv", list(REPORT_COLUMNS), [report]),
                                ensure={"ethereum": fetcher.ensure})
        assert intake.accepted == 1
        add_monitor(con, CASE)
        assert pass_over(con, node).is_baseline

        later = MiniChain(tmp_path / "after", first_block=before.block + 10, first_tx=5_000)
        later.pay_token(USDT, VICTIM, SCAM, 500_000_000)
        out_scam, _ = later.pay_token(USDT, SCAM, HOP, 500_000_000)
        to_d2, _ = later.pay_token(USDT, HOP, DEPOSIT2, 480_000_000)
        to_mixer, _ = later.pay_token(USDT, HOP, MIXER, 20_000_000)
        later.pay_token(USDT, DEPOSIT2, HOT, 480_000_000)
        later.write()
        start = MiniChain.GENESIS + 12 * before.block + 86_400
        hashes = mine(node.w3, later.folder, [start + 3600 * i for i in range(5)])

        second = pass_over(con, node, min_at_rest_units=60)
        got = Counter((a["kind"], a["tx_hash"]) for a in second.new_alerts)
        assert got == Counter({
            ("outflow", hashes[out_scam]): 1, ("outflow", hashes[to_d2]): 1,
            ("outflow", hashes[to_mixer]): 1, ("funds_moving", hashes[out_scam]): 1,
            ("deposit", hashes[to_d2]): 1, ("new_deposit_address", None): 1,
            ("mixer", hashes[to_mixer]): 1,
        })
        assert pass_over(con, node, min_at_rest_units=60).new_alerts == []
        con.close()
