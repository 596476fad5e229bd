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
    from tracers.reports import REPORT_COLUMNS, import_reports
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
