"""Victim money across assets: swaps (any pool, either leg order), WETH wraps and unwraps, in
exact integers, with the pool never a perpetrator and every conversion a finding."""

from __future__ import annotations

import json

import pytest

from test_heuristics import HOT, HOT2, SCAM, USDT, VICTIM, U, addr, case, roles, traced_into
from tracers.chains import WRAPPED_NATIVE
from tracers.heuristics.conversion import convert

WETH = WRAPPED_NATIVE["ethereum"]
TOKEN_Y = "0x" + "e7" * 20
POOL, ROUTER, HOP, DEPOSIT = addr(70), addr(71), addr(72), addr(73)
ETHER = 10**18


def victim_pays(c, amount: int = 3_000 * U) -> list:
    tx, _ = c.pay_token(USDT, VICTIM, SCAM, amount)
    c.new_block()
    c.pay_token(USDT, SCAM, HOP, amount)
    c.new_block()
    return [(tx, VICTIM, SCAM, amount)]


def pool_customers(c, n: int = 12) -> None:
    """The pool trades with many unrelated people too."""
    for i in range(n):
        tx = c.call(addr(800 + i), POOL)
        c.log_token(tx, USDT, addr(800 + i), POOL, 100 * U)
        c.pay_internal(tx, POOL, addr(800 + i), ETHER // 30)
    c.new_block()


def ether_deposit(c, amount: int) -> None:
    c.pay_ether(HOP, DEPOSIT, amount)
    c.new_block()
    c.pay_ether(DEPOSIT, HOT2, amount - 10**15)  # the exchange sweeps it, less gas


def test_usdt_swapped_for_ether_is_followed_in_ether_to_the_deposit(con, tmp_path, mini_chain):
    c = mini_chain
    c.pay_ether(addr(99), HOP, 10**16)                   # gas, clean
    pool_customers(c)
    reported = victim_pays(c)
    swap = c.call(HOP, POOL)
    c.log_token(swap, USDT, HOP, POOL, 3_000 * U)
    c.pay_internal(swap, POOL, HOP, ETHER)
    c.new_block()
    ether_deposit(c, ETHER)
    run = case(con, tmp_path, c, reported)
    r = roles(con, run)
    assert r[DEPOSIT][0] == "deposit_wallet" and POOL not in r
    # exact: the hop held 0.01 clean ether when 1 tainted ether arrived; haircut sends 1 ether of 1.01
    assert traced_into(con, run, DEPOSIT) == ETHER * ETHER // (ETHER + 10**16)
    swap_finding = con.execute("SELECT rule, asset, CAST(amount AS VARCHAR), params, tx_hashes FROM findings "
                               "WHERE run_id = ? AND kind = 'conversion'", [run.run_id]).fetchall()
    assert len(swap_finding) == 1
    rule, asset, amount, params, txs = swap_finding[0]
    assert (rule, asset, int(amount), txs) == ("swap", "native", ETHER, [swap])
    assert json.loads(params)["from_asset"] == USDT and json.loads(params)["amount_in"] == str(3_000 * U)


def test_a_pool_that_pays_out_before_it_is_paid_converts_too(con, tmp_path, mini_chain):
    """Uniswap v3 order: the pool's token leg is logged before the payer's."""
    c = mini_chain
    reported = victim_pays(c)
    swap = c.call(HOP, ROUTER)
    c.log_token(swap, TOKEN_Y, POOL, HOP, 5_000 * U)        # out first
    c.log_token(swap, USDT, HOP, POOL, 3_000 * U)           # then in
    c.new_block()
    c.pay_token(TOKEN_Y, HOP, DEPOSIT, 5_000 * U)
    c.new_block()
    c.pay_token(TOKEN_Y, DEPOSIT, HOT, 5_000 * U)
    run = case(con, tmp_path, c, reported)
    assert roles(con, run)[DEPOSIT][0] == "deposit_wallet" and POOL not in roles(con, run)
    assert traced_into(con, run, DEPOSIT) == 5_000 * U


def test_weth_from_a_pool_unwrapped_to_ether_carries_the_victim_money(con, tmp_path, mini_chain):
    c = mini_chain
    reported = victim_pays(c)
    swap = c.call(HOP, POOL)
    c.log_token(swap, USDT, HOP, POOL, 3_000 * U)
    c.log_token(swap, WETH, POOL, HOP, ETHER)
    c.new_block()
    unwrap = c.call(HOP, WETH)                             # withdraw(): no Transfer log, ether back
    c.pay_internal(unwrap, WETH, HOP, ETHER)
    c.new_block()
    ether_deposit(c, ETHER)
    run = case(con, tmp_path, c, reported)
    assert roles(con, run)[DEPOSIT][0] == "deposit_wallet" and WETH not in roles(con, run)
    assert traced_into(con, run, DEPOSIT) == ETHER
    rules = [r for (r,) in con.execute("SELECT rule FROM findings WHERE run_id = ? AND kind = 'conversion' "
                                       "ORDER BY finding_id", [run.run_id]).fetchall()]
    assert sorted(rules) == ["swap", "unwrap"]


def test_ether_wrapped_into_weth_is_followed_in_weth(con, tmp_path, mini_chain):
    c = mini_chain
    tx = c.pay_ether(VICTIM, SCAM, 2 * ETHER)
    c.new_block()
    c.pay_ether(SCAM, WETH, 2 * ETHER)                     # deposit(): no Transfer log
    c.new_block()
    c.pay_token(WETH, SCAM, DEPOSIT, 2 * ETHER)
    c.new_block()
    c.pay_token(WETH, DEPOSIT, HOT, 2 * ETHER)
    run = case_eth(con, tmp_path, c, [(tx, VICTIM, SCAM, 2 * ETHER)])
    assert roles(con, run)[DEPOSIT][0] == "deposit_wallet"
    assert traced_into(con, run, DEPOSIT) == 2 * ETHER


def case_eth(con, tmp_path, chain, payments):
    """As test_heuristics.case, for ether payments."""
    from conftest import write_csv
    from tracers.cases import open_case
    from tracers.etl import import_etl
    from tracers.intake import REPORT_COLUMNS, import_reports
    from tracers.tags import import_tag_files
    from tracers.trace import trace_case

    import_etl(con, chain.write())
    tags = tmp_path / "tags.csv"
    tags.write_text(f"address,label,category,actor\n{HOT},Binance,exchange,binance\n")
    assert import_tag_files(con, [tags]).ok
    open_case(con, "K-ETH")
    rows = [{"report_id": f"E{i}", "reported_at": "2026-06-01", "chain": "ethereum", "asset": "ETH",
             "tx_hash": tx, "victim_address": victim, "scam_address": scam, "amount": str(amount // 10**18)}
            for i, (tx, victim, scam, amount) in enumerate(payments)]
    summary = import_reports(con, "K-ETH", write_csv(tmp_path / "r.csv", list(REPORT_COLUMNS), rows))
    assert summary.refused == 0, [r.refusal for r in summary.verdicts]
    return trace_case(con, "K-ETH")


def test_the_same_asset_back_is_no_conversion(con, tmp_path, mini_chain):
    c = mini_chain
    reported = victim_pays(c)
    tx = c.call(HOP, POOL)
    c.log_token(tx, USDT, HOP, POOL, 3_000 * U)
    c.log_token(tx, USDT, POOL, HOP, 2_900 * U)            # a refund, not a trade
    c.new_block()
    run = case(con, tmp_path, c, reported)
    assert not con.execute("SELECT 1 FROM findings WHERE run_id = ? AND kind = 'conversion'", [run.run_id]).fetchall()


@pytest.mark.parametrize("traced, amount_in, amount_out", [(3, 7, 10**18), (10**6, 10**6, 1), (5, 9, 3)])
def test_conversion_rounds_down_and_never_makes_money(traced, amount_in, amount_out):
    out = convert({"A": traced, "B": amount_in - traced}, amount_in, amount_out)
    assert sum(out.values()) <= amount_out
    assert out.get("A", 0) == amount_out * traced // amount_in


TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


def test_a_real_uniswap_swap_of_ether_for_a_token_is_a_conversion(con, tmp_path):
    """Ethereum block 18,000,011, tx 0x94e2bb92…: an account pays 0.1 ETH to the Uniswap V2 router,
    which wraps it (WETH Deposit, no Transfer), pays the pair, and the pair pays the account a
    fee-on-transfer token. The account held 0.1 ETH of victim money (a payment put before the
    block): the money continues in the token."""
    from conftest import write_csv
    from test_etl_traces import etl_folder, load
    from tracers.etl import import_etl
    from tracers.trace.graph import CaseGraph, Move
    from tracers.trace.params import TraceParams
    from tracers.trace.propagate import propagate

    folder = etl_folder(tmp_path / "etl", load("traces"))
    transfers = [  # ERC-20 Transfer logs (3 topics), as ethereum-etl extracts them
        {"token_address": log["address"], "from_address": "0x" + log["topics"][1][-40:],
         "to_address": "0x" + log["topics"][2][-40:], "value": int(log["data"], 16),
         "transaction_hash": log["tx_hash"], "log_index": log["log_index"], "block_number": log["block_id"]}
        for log in load("logs") if log["topics"] and log["topics"][0] == TRANSFER_TOPIC and len(log["topics"]) == 3
    ]
    write_csv(folder / "token_transfers.csv", list(transfers[0]), transfers)
    import_etl(con, folder)

    tx = "0x94e2bb9266f73c24c406470617e89689abd4917af6ee63738b4663e6ea96decd"
    account, router = "0xe58e214bfd68887d5f1436c9fc3f839b8a96ae2f", "0x7a250d5630b4cf539739df2c5dacb4c659f2488d"
    token = "0x0a82fc64ecfd6669899857ae3bb4c85398721fdd"
    graph = CaseGraph(con, "ethereum")
    graph.load([account])
    got = [m for m in graph.in_order() if m.tx_hash == tx and m.receiver == account]
    assert [m.asset for m in got] == [token]
    moves = graph.in_order()
    paid = Move("native", "native", "0x" + "ab" * 32, 0, 17_999_000, 0, moves[0].block_time, VICTIM, account, 10**17)
    prop = propagate([paid, *moves], {paid.key: {"V": 10**17}}, {account: 1}, {"native"}, set(), TraceParams(), WETH)
    (converted,) = prop.conversions
    assert (converted.asset, converted.amount_in, converted.traced_in) == (token, 10**17, 10**17)
    assert converted.traced_out == got[0].amount == converted.amount_out
    assert router in converted.conversion.counterparties and router not in prop.reached
    assert prop.flows[got[0].key].traced == got[0].amount


def test_a_deposit_reached_in_two_assets_has_rows_per_asset_and_no_cross_asset_total(con, tmp_path, mini_chain):
    """Part of the money is swapped to ether, the rest stays USDT; both reach one deposit address."""
    import csv

    from tracers.exports.subpoena import export_subpoena
    from tracers.findings.summary import findings_summary

    c = mini_chain
    reported = victim_pays(c)
    swap = c.call(HOP, POOL)
    c.log_token(swap, USDT, HOP, POOL, 1_000 * U)
    c.pay_internal(swap, POOL, HOP, ETHER)
    c.new_block()
    c.pay_token(USDT, HOP, DEPOSIT, 2_000 * U)
    c.pay_ether(HOP, DEPOSIT, ETHER)
    c.new_block()
    c.pay_token(USDT, DEPOSIT, HOT, 2_000 * U)
    c.pay_ether(DEPOSIT, HOT, ETHER - 10**15)
    case(con, tmp_path, c, reported)
    export_subpoena(con, "K-RULES", tmp_path / "subpoena")
    rows = list(csv.DictReader((tmp_path / "subpoena" / "binance.csv").open()))
    assert sorted((r["asset_symbol"], r["asset"], r["traced_amount"]) for r in rows) == [
        ("ETH", "native", "1"), ("USDT", USDT, "2000")]
    (exchange,) = findings_summary(con, "K-RULES").exchanges
    assert exchange.deposit_addresses == 1
    assert sorted((a.symbol, a.base_units) for a in exchange.traced) == [("ETH", ETHER), ("USDT", 2_000 * U)]
