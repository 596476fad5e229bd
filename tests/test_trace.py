"""The trace over the store: money in time order, per asset, stops at services, evidence kept."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from conftest import MiniChain, write_csv
from tracers.cases import open_case
from tracers.cli import app
from tracers.errors import CaseError
from tracers.etl import import_etl
from tracers.intake import REPORT_COLUMNS, import_reports
from tracers.tags import import_tag_files
from tracers.trace import Taint, TraceParams, trace_case

USDT = "0xdac17f958d2ee523a2206206994597c13d831ec7"
FAKE_USDT = "0x" + "fa" * 20
CASE = "K-TRACE"


def addr(n: int) -> str:
    return "0x" + f"{n:040x}"


VICTIM, SCAM, HOP, DEPOSIT, HOT, LATER = addr(1), addr(2), addr(3), addr(4), addr(5), addr(6)


def setup_case(con, tmp_path, chain: MiniChain, payments: list[tuple[str, int]]) -> None:
    """Import the chain, tag HOT as a binance hot wallet, and report the victim payments."""
    folder = chain.write()
    write_csv(folder / "tokens.csv", ["address", "symbol", "name", "decimals"],
              [{"address": FAKE_USDT, "symbol": "USDT", "name": "Tether USD", "decimals": 6}])
    import_etl(con, folder)
    tags = tmp_path / "tags.csv"
    tags.write_text(f"address,label,category,actor\n{HOT},Binance 14,exchange,binance\n")
    assert import_tag_files(con, [tags]).ok
    open_case(con, CASE)
    rows = [{"report_id": f"R{i}", "reported_at": "2026-02-01", "chain": "ethereum", "asset": "USDT",
             "tx_hash": tx, "victim_address": VICTIM, "scam_address": SCAM,
             "amount": f"{amount / 10**6:f}".rstrip("0").rstrip(".")}
            for i, (tx, amount) in enumerate(payments)]
    summary = import_reports(con, CASE, write_csv(tmp_path / "reports.csv", list(REPORT_COLUMNS), rows))
    assert summary.refused == 0, [r.refusal for r in summary.verdicts]


def roles(con, run_id: str) -> dict[str, str]:
    return dict(con.execute("SELECT address, role FROM trace_addresses WHERE run_id = ?", [run_id]).fetchall())


def flows(con, run_id: str) -> dict[tuple, int]:
    rows = con.execute(
        "SELECT from_address, to_address, asset, CAST(traced_amount AS VARCHAR) FROM trace_flows WHERE run_id = ?",
        [run_id]).fetchall()
    return {(f, t, a): int(v) for f, t, a, v in rows}


@pytest.fixture
def peel_world(con, tmp_path, mini_chain):
    """victim -> scam (1000 USDT) -> hop -> deposit -> binance hot wallet."""
    c = mini_chain
    c.pay_token(USDT, SCAM, LATER, 5_000_000)        # before any victim money: clean (and more than it has)
    c.new_block()
    pay, _ = c.pay_token(USDT, VICTIM, SCAM, 1_000_000_000)
    c.pay_ether(addr(99), SCAM, 10**16)               # gas
    c.new_block()
    c.pay_ether(SCAM, addr(7), 10**15)                # ether out: another asset, not victim money
    c.pay_token(USDT, SCAM, HOP, 900_000_000)
    c.pay_token(USDT, SCAM, addr(8), 0)               # zero value: not followed
    c.pay_token(FAKE_USDT, SCAM, addr(9), 5_000_000)  # look-alike token: not followed
    c.new_block()
    c.pay_token(USDT, HOP, DEPOSIT, 850_000_000)
    c.pay_token(USDT, HOP, addr(10), 500)             # dust
    c.new_block()
    c.pay_token(USDT, DEPOSIT, HOT, 850_000_000)
    c.new_block()
    c.pay_token(USDT, HOT, addr(11), 850_000_000)     # the exchange pays someone: never followed
    setup_case(con, tmp_path, c, [(pay, 1_000_000_000)])
    return con


def test_money_is_followed_in_time_order_per_asset_to_the_deposit_address(peel_world):
    run = trace_case(peel_world, CASE)
    r = roles(peel_world, run.run_id)
    assert r[SCAM] == "perpetrator" and r[HOP] == "perpetrator" and r[VICTIM] == "victim"
    assert r[DEPOSIT] == "deposit_wallet"
    assert LATER not in r and addr(7) not in r and addr(11) not in r
    f = flows(peel_world, run.run_id)
    assert (SCAM, LATER, USDT) not in f                # left before the victim's money arrived
    assert f[(VICTIM, SCAM, USDT)] == 1_000_000_000
    assert f[(SCAM, HOP, USDT)] == 900_000_000
    assert f[(HOP, DEPOSIT, USDT)] == 850_000_000
    exchange = peel_world.execute("SELECT exchange FROM trace_addresses WHERE address = ?", [DEPOSIT]).fetchall()
    assert exchange == [("binance",)]


def test_what_is_not_followed_is_recorded_with_its_transactions(peel_world):
    run = trace_case(peel_world, CASE)
    found = dict(peel_world.execute(
        "SELECT rule, CAST(amount AS VARCHAR) FROM findings WHERE run_id = ? AND kind = 'not_followed'",
        [run.run_id]).fetchall())
    assert {"zero_value", "imitation_token", "dust"} <= set(found)
    assert addr(10) not in roles(peel_world, run.run_id)


def test_every_finding_names_rule_parameters_and_transactions(peel_world):
    run = trace_case(peel_world, CASE)
    rows = peel_world.execute(
        "SELECT finding_id, rule, params, tx_hashes, detail FROM findings WHERE run_id = ?", [run.run_id]
    ).fetchall()
    assert rows
    for finding_id, rule, params, txs, detail in rows:
        assert rule and detail and isinstance(json.loads(params), dict), finding_id
    deposit = [r for r in rows if r[1] == "deposit_address"]
    assert deposit and len(deposit[0][3]) >= 2 and json.loads(deposit[0][2])["max_blocks"] == 3200
    evidence = peel_world.execute(
        "SELECT evidence FROM trace_addresses WHERE run_id = ? AND address = ?", [run.run_id, DEPOSIT]
    ).fetchall()[0][0]
    assert deposit[0][0] in json.loads(evidence)


def test_a_rerun_gives_the_same_result_as_a_new_run(peel_world):
    first = trace_case(peel_world, CASE)
    second = trace_case(peel_world, CASE)
    assert first.run_id != second.run_id

    def snapshot(run_id):
        return [
            peel_world.execute(f"SELECT * EXCLUDE (run_id) FROM {t} WHERE run_id = ? ORDER BY ALL", [run_id]).fetchall()
            for t in ("trace_addresses", "trace_flows", "findings")
        ]
    assert snapshot(first.run_id) == snapshot(second.run_id)
    assert peel_world.execute("SELECT count(*) FROM trace_runs WHERE case_id = ?", [CASE]).fetchall()[0][0] == 2


def test_an_untagged_address_moving_mostly_others_money_is_a_service_endpoint(con, tmp_path, mini_chain):
    c = mini_chain
    desk = addr(20)
    for i in range(30):                              # customers who pay others too: 3,000 USDT in all
        c.pay_token(USDT, addr(100 + i), desk, 100_000_000)
        c.pay_token(USDT, addr(100 + i), addr(200 + i), 10_000_000)
    c.new_block()
    pay, _ = c.pay_token(USDT, VICTIM, SCAM, 500_000_000)
    c.new_block()
    c.pay_token(USDT, SCAM, desk, 500_000_000)
    c.new_block()
    c.pay_token(USDT, desk, addr(300), 400_000_000)
    setup_case(con, tmp_path, c, [(pay, 500_000_000)])
    run = trace_case(con, CASE)
    r = roles(con, run.run_id)
    assert r[desk] == "service"
    assert addr(300) not in r


@pytest.mark.parametrize("model", list(Taint))
def test_attributed_money_never_exceeds_what_victims_paid(peel_world, model):
    run = trace_case(peel_world, CASE, TraceParams(taint=model))
    reached = peel_world.execute(
        "SELECT CAST(sum(f.traced_amount) AS VARCHAR) FROM trace_flows f JOIN trace_addresses a "
        "ON a.run_id = f.run_id AND a.address = f.to_address "
        "WHERE f.run_id = ? AND a.role IN ('deposit_wallet', 'exchange', 'service')", [run.run_id]
    ).fetchall()[0][0]
    assert 0 < int(reached) <= 1_000_000_000


def test_fifo_and_haircut_attribute_differently(con, tmp_path, mini_chain):
    """A hop holds 300 clean (paid by an outsider: not a collection, so not victim money), then
    1000 of the victim's from the scam address; it sends 300 to A, then 1000 to B."""
    c = mini_chain
    a, b = addr(30), addr(31)
    c.pay_token(USDT, addr(50), HOP, 300_000_000)
    c.new_block()
    pay, _ = c.pay_token(USDT, VICTIM, SCAM, 1_000_000_000)
    c.new_block()
    c.pay_token(USDT, SCAM, HOP, 1_000_000_000)
    c.new_block()
    c.pay_token(USDT, HOP, a, 300_000_000)
    c.new_block()
    c.pay_token(USDT, HOP, b, 1_000_000_000)
    setup_case(con, tmp_path, c, [(pay, 1_000_000_000)])
    fifo = flows(con, trace_case(con, CASE, TraceParams(taint=Taint.fifo)).run_id)
    haircut = flows(con, trace_case(con, CASE, TraceParams(taint=Taint.haircut)).run_id)
    assert (HOP, a, USDT) not in fifo and fifo[(HOP, b, USDT)] == 1_000_000_000
    assert haircut[(HOP, a, USDT)] == 300_000_000 * 1000 // 1300
    assert haircut[(HOP, a, USDT)] + haircut[(HOP, b, USDT)] == 1_000_000_000


@pytest.mark.parametrize("hops", [1, 2, 3])
def test_a_short_hop_limit_records_where_it_stopped(peel_world, hops):
    run = trace_case(peel_world, CASE, TraceParams(hops=hops))
    r = roles(peel_world, run.run_id)
    assert r[SCAM] == "perpetrator"
    if hops == 1:  # the hop is where it stopped: recorded, not followed
        assert r[HOP] == "unknown" and DEPOSIT not in r
        stop = peel_world.execute(
            "SELECT detail FROM findings WHERE run_id = ? AND rule = 'hop_limit' AND address = ?",
            [run.run_id, HOP]).fetchall()
        assert stop and "--hops 1" in stop[0][0]
    else:  # an endpoint one hop further is still recognised for what it is
        assert r[HOP] == "perpetrator" and r[DEPOSIT] == "deposit_wallet"


def test_a_case_without_seeds_says_what_to_do(con):
    open_case(con, "EMPTY")
    with pytest.raises(CaseError, match="tracers reports import"):
        trace_case(con, "EMPTY")


def test_trace_an_address_from_the_cli(tmp_path, mini_chain):
    c = mini_chain
    c.pay_token(USDT, VICTIM, SCAM, 700_000_000)
    c.new_block()
    c.pay_token(USDT, SCAM, DEPOSIT, 700_000_000)
    c.new_block()
    c.pay_token(USDT, DEPOSIT, HOT, 700_000_000)
    db = str(tmp_path / "s.duckdb")
    runner = CliRunner()
    assert runner.invoke(app, ["--db", db, "import", "etl", str(c.write())]).exit_code == 0
    tags = tmp_path / "tags.csv"
    tags.write_text(f"address,label,category,actor\n{HOT},OKX 1,exchange,okx\n")
    assert runner.invoke(app, ["--db", db, "tags", "import", str(tags)]).exit_code == 0
    assert runner.invoke(app, ["--db", db, "case", "open", "K2"]).exit_code == 0
    result = runner.invoke(app, ["--db", db, "trace", SCAM, "--chain", "ethereum", "--case", "K2",
                                 "--hops", "4", "--window", "2w", "--taint", "fifo"])
    assert result.exit_code == 0, result.output
    assert "1 exchange deposit addresses" in result.stdout
    bad = runner.invoke(app, ["--db", db, "trace", "--case", "K2", "--window", "soon"])
    assert bad.exit_code == 1 and "12h, 30d or 2w" in bad.stderr


def test_a_long_peel_chain_is_walked_to_its_exchange_with_the_default_hops(con, tmp_path, mini_chain):
    """Victim -> scam -> 20 peel hops (each forwards most, peels a slice to a fresh address) ->
    deposit -> hot wallet: the deposit is 22 hops from the victim's payment."""
    c = mini_chain
    pay, _ = c.pay_token(USDT, VICTIM, SCAM, 100_000_000_000)
    c.new_block()
    hops = [addr(0x1000 + n) for n in range(20)]
    held, sender = 100_000_000_000, SCAM
    for n, hop in enumerate(hops):
        slice_ = held // 20
        c.pay_token(USDT, sender, hop, held - slice_)
        c.pay_token(USDT, sender, addr(0x2000 + n), slice_)  # the peel
        c.new_block()
        held, sender = held - slice_, hop
    c.pay_token(USDT, sender, DEPOSIT, held)
    c.new_block()
    c.pay_token(USDT, DEPOSIT, HOT, held)
    setup_case(con, tmp_path, c, [(pay, 100_000_000_000)])
    run = trace_case(con, CASE)
    r = roles(con, run.run_id)
    assert r[DEPOSIT] == "deposit_wallet"
    assert all(r[h] == "perpetrator" for h in hops)
    assert flows(con, run.run_id)[(hops[-1], DEPOSIT, USDT)] == held
    peeled = {a for (a,) in con.execute("SELECT address FROM findings WHERE run_id = ? AND kind = 'peel_chain'",
                                        [run.run_id]).fetchall()}
    assert set(hops[:-1]) <= peeled  # each hop that peeled a slice is a peel step, with its evidence
    short = trace_case(con, CASE, TraceParams(hops=12))  # a short limit stops on the chain and says so
    assert DEPOSIT not in roles(con, short.run_id) or roles(con, short.run_id)[DEPOSIT] != "deposit_wallet"
    assert con.execute("SELECT count(*) FROM findings WHERE run_id = ? AND rule = 'hop_limit'",
                       [short.run_id]).fetchall()[0][0] >= 1


def test_block_windows_and_native_amounts_follow_the_chain():
    """Windows are written in Ethereum's 12-second blocks, native amounts in ether: on a chain with
    3-second blocks and a 6-decimal coin (Tron) the same hours and the chain's own coin apply."""
    base = TraceParams()
    assert base.for_chain("ethereum") == base
    tron = base.for_chain("tron")
    assert tron.deposit_max_blocks == 4 * base.deposit_max_blocks  # the same ~11 hours
    assert tron.deposit_batch_max_blocks == 4 * base.deposit_batch_max_blocks
    assert tron.dust["native"] == 10 * 10**6 and tron.dust["token"] == base.dust["token"]  # 10 TRX
    assert tron.gas_max_wei < base.gas_max_wei and tron.deposit_max_wei_diff < base.deposit_max_wei_diff
    assert base.for_chain("arbitrum").deposit_max_blocks == 48 * base.deposit_max_blocks
    assert base.for_chain("no-such-chain") == base


def test_a_run_records_what_applied_on_each_chain(con, tmp_path):
    """A trace on a chain with 3-second blocks (BSC) matches a sweep 6,000 blocks (5 hours) after
    the deposit, which Ethereum's 3,200 blocks would not, and its findings and run say so."""
    bsc_usdt, unit = "0x55d398326f99059ff775485246999027b3197955", 10**18  # BSC's USDT has 18 decimals
    c = MiniChain(tmp_path / "bsc")
    c.pay_token(bsc_usdt, addr(60), DEPOSIT, 2 * unit)   # the account holder's own money first:
    c.new_block()
    c.pay_token(bsc_usdt, DEPOSIT, addr(50), unit // 10)     # once to someone else,
    for _ in range(10):                               # nearly all of it to the exchange
        c.pay_token(bsc_usdt, DEPOSIT, HOT, unit // 10)
    c.new_block()
    pay, _ = c.pay_token(bsc_usdt, VICTIM, SCAM, 1000 * unit)
    c.new_block()
    c.pay_token(bsc_usdt, SCAM, DEPOSIT, 1000 * unit)
    c.block += 6000
    c.new_block()
    c.pay_token(bsc_usdt, DEPOSIT, HOT, 1000 * unit)
    folder = c.write()
    import_etl(con, folder, "bsc")
    tags = tmp_path / "tags.csv"
    tags.write_text(f"address,label,category,actor,currency\n{HOT},Binance 14,exchange,binance,bsc\n")
    assert import_tag_files(con, [tags]).ok
    open_case(con, CASE)
    rows = [{"report_id": "R1", "reported_at": "2026-02-01", "chain": "bsc", "asset": "USDT", "tx_hash": pay,
             "victim_address": VICTIM, "scam_address": SCAM, "amount": "1000"}]
    summary = import_reports(con, CASE, write_csv(tmp_path / "reports.csv", list(REPORT_COLUMNS), rows))
    assert summary.refused == 0, [r.refusal for r in summary.verdicts]
    run = trace_case(con, CASE)
    assert roles(con, run.run_id)[DEPOSIT] == "deposit_wallet"
    (params,) = con.execute("SELECT params FROM findings WHERE run_id = ? AND rule = 'deposit_address'",
                            [run.run_id]).fetchall()[0]
    assert json.loads(params)["max_blocks"] == 12_800
    stored = json.loads(con.execute("SELECT params FROM trace_runs WHERE run_id = ?", [run.run_id]).fetchall()[0][0])
    assert stored["deposit_max_blocks"] == 3200 and stored["per_chain"]["bsc"]["deposit_max_blocks"] == 12_800
