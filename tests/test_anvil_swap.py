"""On a real node: a swap through a pool contract (USDT in, ether back as an internal transfer),
traced live over JSON-RPC, continues past the swap exactly as the store trace of the same
transfers does (same roles, same victim money at the ether deposit, the same conversion)."""

from __future__ import annotations

from fakes.anvil import EMITTER, Anvil, _Batcher
from test_conversions import DEPOSIT, ETHER, HOP, POOL, ROUTER, WETH
from test_heuristics import HOT, SCAM, USDT, VICTIM, U, case
from tracers.cases import open_case
from tracers.intake import REPORT_COLUMNS, import_reports
from tracers.sources.fetcher import Fetcher
from tracers.sources.rpc import RpcSource
from tracers.store import connect
from tracers.tags import import_tag_files

GENESIS = 1_767_225_600
PAID, GAS = 3_000 * U, 10**15


def pool_code(token: str) -> str:
    """A pool, hand-assembled: calldata [from][to][value][recipient][ether]; it has the token log
    Transfer(from, to, value) (the emitter at `token` logs what it is called with), then pays
    `ether` wei to `recipient` (an internal transfer).

        6060 6000 6000 37          CALLDATACOPY(mem 0, calldata 0, 96)
        6000 6000 6060 6000 6000   retSize retOffset argsSize argsOffset value
        73 <token> 5a f1 50        PUSH20 token, GAS, CALL, POP
        6000 6000 6000 6000        retSize retOffset argsSize argsOffset
        608035 606035 5a f1 50     value = calldata[128], to = calldata[96], GAS, CALL, POP
        00                         STOP
    """
    return ("0x606060006000" "37" "60006000606060006000" "73" + token.removeprefix("0x")
            + "5af150" "6000600060006000" "608035" "606035" "5af150" "00")


ROUTER_CODE = ("0x6000" "5b" "368110" "600a57" "00" "5b" "6060" "81602001" "6000" "37"
               "60006000606060006000" "8535" "5af150" "608001" "600256")
"""A router, hand-assembled: for each 128-byte chunk [target][from][to][value] of its calldata it
calls `target` with (from, to, value): a token emitter logs that Transfer. Several legs, one tx.

    00 6000 5b               i = 0; loop:
    03 36 81 10 600a 57 00   if i < size: body, else STOP
    0a 5b 6060 81602001 6000 37    CALLDATACOPY(mem 0, calldata i+32, 96)
    14 6000 6000 6060 6000 6000    retSize retOffset argsSize argsOffset value
    1e 85 35 5a f1 50        target = calldata[i]; CALL; POP
    23 608001 600256         i += 128; loop
"""


def weth_code() -> str:
    """The wrapped-native contract, hand-assembled: called with one 32-byte word it pays that many
    wei to the caller (withdraw: an internal transfer, no Transfer log); with (from, to, value)
    triples it logs them as Transfers, as the token emitter does (relocated 7 bytes on)."""
    emitter = EMITTER.removeprefix("0x").replace("600a57", "601157", 1).replace("600256", "600956", 1)
    withdraw = "5b" "6000600060006000" "600035" "33" "5af150" "00"
    head = "36" "6020" "14" f"60{7 + len(emitter) // 2:02x}" "57"
    return "0x" + head + emitter + withdraw


def word(value: int | str) -> str:
    return (value.removeprefix("0x") if isinstance(value, str) else f"{value:x}").rjust(64, "0")


def store_trace(con, tmp_path, chain) -> dict:
    chain.pay_token(USDT, VICTIM, SCAM, PAID)
    payment = chain.token_transfers[-1]["transaction_hash"]
    chain.new_block()
    chain.pay_token(USDT, SCAM, HOP, PAID)
    chain.new_block()
    swap = chain.call(HOP, POOL)
    chain.log_token(swap, USDT, HOP, POOL, PAID)
    chain.pay_internal(swap, POOL, HOP, ETHER)
    chain.new_block()
    chain.pay_ether(HOP, DEPOSIT, ETHER)
    chain.new_block()
    chain.pay_ether(DEPOSIT, HOT, ETHER - GAS)
    run = case(con, tmp_path, chain, [(payment, VICTIM, SCAM, PAID)])
    return outcome(con, run.run_id)


def outcome(con, run_id) -> dict:
    roles = dict(con.execute("SELECT address, role || '/' || coalesce(subrole, '') FROM trace_addresses "
                             "WHERE run_id = ?", [run_id]).fetchall())
    traced = dict(con.execute("SELECT to_address || ':' || asset, CAST(sum(traced_amount) AS VARCHAR) "
                              "FROM trace_flows WHERE run_id = ? GROUP BY 1", [run_id]).fetchall())
    conversions = con.execute("SELECT rule, address, related, asset, CAST(amount AS VARCHAR) FROM findings "
                              "WHERE run_id = ? AND kind = 'conversion'", [run_id]).fetchall()
    return {"roles": roles, "traced": traced, "conversions": conversions}


def test_a_live_trace_over_anvil_continues_past_a_swap_as_the_store_trace_does(con, tmp_path, mini_chain):
    reference = store_trace(con, tmp_path, mini_chain)
    assert reference["roles"][DEPOSIT] == "deposit_wallet/" and POOL not in reference["roles"]
    assert reference["traced"][f"{DEPOSIT}:native"] == str(ETHER)

    with Anvil.start(timestamp=GENESIS, chain_id=1) as node:
        rpc = _Batcher(node.w3)
        rpc.send([("anvil_setCode", [USDT, EMITTER]), ("anvil_setCode", [POOL, pool_code(USDT)]),
                  ("anvil_setBalance", [POOL, hex(10 * ETHER)])])
        steps = [
            {"from": VICTIM, "to": USDT, "data": "0x" + word(VICTIM) + word(SCAM) + word(PAID)},
            {"from": SCAM, "to": USDT, "data": "0x" + word(SCAM) + word(HOP) + word(PAID)},
            {"from": HOP, "to": POOL, "data": "0x" + word(HOP) + word(POOL) + word(PAID) + word(HOP) + word(ETHER)},
            {"from": HOP, "to": DEPOSIT, "value": hex(ETHER)},
            {"from": DEPOSIT, "to": HOT, "value": hex(ETHER - GAS)},
        ]
        hashes = mine(rpc, steps)
        assert len(rpc.send([("eth_getTransactionReceipt", [hashes[2]])])[0]["logs"]) == 1
        got = live_outcome(node, tmp_path, hashes[0])
    assert got["roles"] == reference["roles"]
    assert got["traced"] == reference["traced"]
    assert got["conversions"] == reference["conversions"] == [("swap", HOP, POOL, "native", str(ETHER))]


def test_a_swap_into_weth_unwrapped_on_a_real_node_is_traced_as_in_the_store(con, tmp_path, mini_chain):
    """A router takes the hop's USDT for the pool and has the pool pay WETH (two logs, one tx); the
    hop then withdraws ether from the WETH contract (an internal transfer, no Transfer log)."""
    c = mini_chain
    c.pay_token(USDT, VICTIM, SCAM, PAID)
    payment = c.token_transfers[-1]["transaction_hash"]
    c.new_block()
    c.pay_token(USDT, SCAM, HOP, PAID)
    c.new_block()
    swap = c.call(HOP, ROUTER)
    c.log_token(swap, USDT, HOP, POOL, PAID)
    c.log_token(swap, WETH, POOL, HOP, ETHER)
    c.new_block()
    unwrap = c.call(HOP, WETH)
    c.pay_internal(unwrap, WETH, HOP, ETHER)
    c.new_block()
    c.pay_ether(HOP, DEPOSIT, ETHER)
    c.new_block()
    c.pay_ether(DEPOSIT, HOT, ETHER - GAS)
    reference = outcome(con, case(con, tmp_path, c, [(payment, VICTIM, SCAM, PAID)]).run_id)
    assert reference["traced"][f"{DEPOSIT}:native"] == str(ETHER)
    assert sorted(r for r, *_ in reference["conversions"]) == ["swap", "unwrap"]

    with Anvil.start(timestamp=GENESIS, chain_id=1) as node:
        rpc = _Batcher(node.w3)
        rpc.send([("anvil_setCode", [USDT, EMITTER]), ("anvil_setCode", [WETH, weth_code()]),
                  ("anvil_setCode", [ROUTER, ROUTER_CODE]), ("anvil_setBalance", [WETH, hex(10 * ETHER)])])
        steps = [
            {"from": VICTIM, "to": USDT, "data": "0x" + word(VICTIM) + word(SCAM) + word(PAID)},
            {"from": SCAM, "to": USDT, "data": "0x" + word(SCAM) + word(HOP) + word(PAID)},
            {"from": HOP, "to": ROUTER, "data": "0x" + word(USDT) + word(HOP) + word(POOL) + word(PAID)
             + word(WETH) + word(POOL) + word(HOP) + word(ETHER)},
            {"from": HOP, "to": WETH, "data": "0x" + word(ETHER)},
            {"from": HOP, "to": DEPOSIT, "value": hex(ETHER)},
            {"from": DEPOSIT, "to": HOT, "value": hex(ETHER - GAS)},
        ]
        hashes = mine(rpc, steps)
        got = live_outcome(node, tmp_path, hashes[0])
    assert got == reference


def mine(rpc, steps: list[dict]) -> list[str]:
    hashes = []
    for i, step in enumerate(steps):
        sent = rpc.send([("evm_setNextBlockTimestamp", [GENESIS + 60 * (i + 1)]),
                         ("eth_sendTransaction", [{"gas": hex(300_000), "gasPrice": "0x0", **step}])])
        rpc.send([("evm_mine", [])])
        hashes.append(sent[1])
    receipts = rpc.send([("eth_getTransactionReceipt", [h]) for h in hashes])
    assert [r["status"] for r in receipts] == ["0x1"] * len(steps), receipts
    return hashes


def live_outcome(node, tmp_path, payment: str) -> dict:
    """Trace the case live from the node into an empty store: the victim's report, the tags."""
    from tracers.trace import trace_case

    live = connect(tmp_path / "live.duckdb")
    tags = tmp_path / "live-tags.csv"
    tags.write_text(f"address,label,category,actor\n{HOT},Binance,exchange,binance\n")
    assert import_tag_files(live, [tags]).ok
    open_case(live, "K-RULES")
    reports = tmp_path / "live-reports.csv"
    row = {"report_id": "R0", "reported_at": "2026-06-01", "chain": "ethereum", "asset": "USDT",
           "tx_hash": payment, "victim_address": VICTIM, "scam_address": SCAM, "amount": "3000"}
    reports.write_text(",".join(REPORT_COLUMNS) + "\n" + ",".join(row[c] for c in REPORT_COLUMNS) + "\n")
    fetcher = Fetcher(live, RpcSource(node.w3, "ethereum"), "ethereum")
    assert import_reports(live, "K-RULES", reports, ensure={"ethereum": fetcher.ensure}).accepted == 1
    run = trace_case(live, "K-RULES", ensure={"ethereum": fetcher.ensure})
    try:
        return outcome(live, run.run_id)
    finally:
        live.close()
