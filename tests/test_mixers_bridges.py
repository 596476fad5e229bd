"""Endpoints where tracing never guesses on: mixers (tagged, or untagged by their shape) and
bridges, each reported as exposure: the victim money that entered, with its transactions."""

from __future__ import annotations

from test_conversions import ETHER, case_eth
from test_heuristics import HOT, SCAM, USDT, VICTIM, U, addr, case, roles, traced_into
from tracers.exports.render import render_summary
from tracers.findings.summary import findings_summary

MIXER, RELAYER, DESK = addr(90), addr(91), addr(92)


def mixer_world(c, relayed: bool) -> list:
    """Twelve people put 1-ether notes into MIXER; withdrawals go to fresh addresses, relayed as
    internal transfers of the contract (or, `relayed` False, paid by the address itself)."""
    for i in range(12):
        c.pay_ether(addr(300 + i), MIXER, ETHER)
    c.new_block()
    tx = c.pay_ether(VICTIM, SCAM, 2 * ETHER)
    c.new_block()
    c.pay_ether(SCAM, MIXER, ETHER)
    c.pay_ether(SCAM, MIXER, ETHER)
    c.new_block()
    for i in range(8):
        if relayed:
            call = c.call(RELAYER, MIXER)
            c.pay_internal(call, MIXER, addr(400 + i), ETHER)
        else:
            c.pay_ether(MIXER, addr(400 + i), ETHER)
    return [(tx, VICTIM, SCAM, 2 * ETHER)]


def test_an_untagged_mixer_is_recognised_by_its_shape_and_reported_as_exposure(con, tmp_path, mini_chain):
    run = case_eth(con, tmp_path, mini_chain, mixer_world(mini_chain, relayed=True))
    r = roles(con, run)
    assert r[MIXER] == ("service", "mixer")
    assert not any(addr(400 + i) in r for i in range(8)), "nothing beyond a mixer is guessed at"
    assert traced_into(con, run, MIXER) == 2 * ETHER
    summary = findings_summary(con, "K-ETH")
    (mixer,) = [s for s in summary.services if s.address == MIXER]
    assert mixer.kind == "mixer exposure" and "mixer exposure" in render_summary(summary)
    txs = con.execute("SELECT tx_hashes FROM findings WHERE run_id = ? AND address = ? AND kind = 'attribution'",
                      [run.run_id, MIXER]).fetchall()[0][0]
    assert len(txs) == 2  # the two deposits


def test_an_address_paying_out_in_its_own_transactions_is_no_mixer(con, tmp_path, mini_chain):
    """Round amounts from many people, but it pays out itself: a desk or an exchange, not a pool."""
    run = case_eth(con, tmp_path, mini_chain, mixer_world(mini_chain, relayed=False))
    assert roles(con, run).get(MIXER, ("", ""))[1] != "mixer"


def test_a_tagged_bridge_is_an_endpoint_with_bridge_exposure(con, tmp_path, mini_chain):
    c, bridge = mini_chain, addr(95)
    tx, _ = c.pay_token(USDT, VICTIM, SCAM, 900 * U)
    c.new_block()
    c.pay_token(USDT, SCAM, bridge, 900 * U)
    c.new_block()
    c.pay_token(USDT, bridge, addr(96), 900 * U)
    tags = tmp_path / "bridge.csv"
    tags.write_text(f"address,label,category,actor\n{bridge},Arbitrum bridge,defi_bridge,arbitrum-bridge\n")
    from tracers.tags import import_tag_files

    assert import_tag_files(con, [tags]).ok
    run = case(con, tmp_path, c, [(tx, VICTIM, SCAM, 900 * U)], hot=(HOT,))
    r = roles(con, run)
    assert r[bridge] == ("service", "defi_bridge") and addr(96) not in r
    assert traced_into(con, run, bridge) == 900 * U
    detail = con.execute("SELECT detail FROM findings WHERE run_id = ? AND rule = 'bridge'", [run.run_id]).fetchall()
    assert detail and "Arbitrum bridge" in detail[0][0]
    assert [s.kind for s in findings_summary(con, "K-RULES").services] == ["bridge exposure"]


def test_a_built_in_bridge_names_its_destination_chain(con, tmp_path, mini_chain):
    from tracers.tags import builtin_tag_files, import_tag_files

    c, router = mini_chain, "0x72ce9c846789fdb6fc1f34ac4ad25dd9ef7031ef"  # Arbitrum L1GatewayRouter
    tx, _ = c.pay_token(USDT, VICTIM, SCAM, 900 * U)
    c.new_block()
    c.pay_token(USDT, SCAM, router, 900 * U)
    assert import_tag_files(con, [p for p in builtin_tag_files() if p.name == "builtin-bridges.yaml"]).ok
    run = case(con, tmp_path, c, [(tx, VICTIM, SCAM, 900 * U)], hot=(HOT,))
    assert roles(con, run)[router] == ("service", "defi_bridge")
    (detail,) = con.execute("SELECT detail FROM findings WHERE run_id = ? AND rule = 'bridge'", [run.run_id]).fetchall()
    assert "to arbitrum" in detail[0]
