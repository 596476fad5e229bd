"""Victim-report intake: every refusal reason, valid rows despite bad ones, idempotent re-import."""

from __future__ import annotations

import pytest

from conftest import write_csv
from tracers.cases import open_case
from tracers.chains import eip55
from tracers.errors import CaseError, ImportFileError
from tracers.etl import import_etl
from tracers.intake import REPORT_COLUMNS, import_reports, list_reports

USDT = "0xdac17f958d2ee523a2206206994597c13d831ec7"
FAKE_USDT = "0x" + "d" * 40
VICTIM = "0x5aeda56215b167893e80b4fe645ba6d5bab767de"
SCAM = "0x6330a553fc93768f612722bb8c2ec78ac90b3bbc"
OTHER = "0x" + "7" * 40
CASE = "FIU-TEST-1"


@pytest.fixture
def world(con, mini_chain):
    """A victim pays the scam 2,500.50 USDT and 1.5 ETH; a failed payment; a fake-USDT payment."""
    usdt_tx, _ = mini_chain.pay_token(USDT, VICTIM, SCAM, 2_500_500_000)
    mini_chain.new_block()
    eth_tx = mini_chain.pay_ether(VICTIM, SCAM, 1_500_000_000_000_000_000)
    failed_tx = mini_chain.pay_ether(VICTIM, SCAM, 10**18, status=0)
    fake_tx, _ = mini_chain.pay_token(FAKE_USDT, VICTIM, SCAM, 100_000_000)
    import_etl(con, mini_chain.write())
    open_case(con, CASE)
    return {"usdt": usdt_tx, "eth": eth_tx, "failed": failed_tx, "fake": fake_tx}


def broken_checksum(address: str) -> str:
    """The EIP-55 form with the case of its first letter flipped: a typo a checksum catches."""
    good = eip55(address)
    i = next(i for i, ch in enumerate(good) if i > 1 and ch.isalpha())
    return good[:i] + good[i].swapcase() + good[i + 1:]


def report(report_id, tx_hash, amount="2500.50", asset="USDT", victim=VICTIM, scam=SCAM,
           chain="ethereum", reported_at="2026-03-01T14:05:00Z"):
    return {"report_id": report_id, "reported_at": reported_at, "chain": chain, "asset": asset,
            "tx_hash": tx_hash, "victim_address": victim, "scam_address": scam, "amount": amount}


def run(con, tmp_path, rows, name="reports.csv"):
    path = write_csv(tmp_path / name, list(REPORT_COLUMNS), rows)
    summary = import_reports(con, CASE, path)
    return summary, {r.report_id: r for r in summary.verdicts}


def test_a_true_report_is_accepted_and_becomes_a_seed_on_its_exact_transfer(con, tmp_path, world):
    summary, verdicts = run(con, tmp_path, [
        report("R1", world["usdt"], victim=eip55(VICTIM), scam=SCAM.upper().replace("0X", "0x")),
        report("R2", world["eth"], amount="1.5", asset="ETH"),
    ])
    assert (summary.accepted, summary.refused) == (2, 0)
    seeds = con.execute(
        "SELECT report_id, address, asset, tx_hash, position, CAST(amount AS VARCHAR), victim_address "
        "FROM seeds WHERE case_id = ? ORDER BY report_id", [CASE]).fetchall()
    assert seeds == [
        ("R1", SCAM, USDT, world["usdt"], 0, "2500500000", VICTIM),
        ("R2", SCAM, "native", world["eth"], 0, "1500000000000000000", VICTIM),
    ]


@pytest.mark.parametrize(
    "row, code, mentions",
    [
        (dict(tx_hash="0x1234"), "bad_tx_hash", "64 hex digits"),
        (dict(victim=broken_checksum(VICTIM)), "bad_checksum", "EIP-55"),
        (dict(scam="0x123"), "bad_address", "scam_address"),
        (dict(tx_hash="0x" + "9" * 64), "tx_not_found", "not in the store"),
        (dict(amount="2500.51"), "amount_mismatch", "2500.5"),
        (dict(amount="2,500.50"), "bad_amount", "thousands"),
        (dict(amount="2500.1234567"), "bad_amount", "decimals"),
        (dict(amount="0"), "bad_amount", "zero"),
        (dict(asset="DOGE"), "unknown_asset", "USDT"),
        (dict(chain="ethereum-classic"), "unknown_chain", "ethereum"),
        (dict(reported_at="yesterday"), "bad_reported_at", "ISO 8601"),
        (dict(scam=OTHER), "transfer_mismatch", "moves no USDT"),
        (dict(scam=VICTIM), "same_address", "same address"),
        (dict(amount=""), "missing_field", "'amount'"),
    ],
)
def test_each_refusal_names_field_and_reason(con, tmp_path, world, row, code, mentions):
    args = {"tx_hash": world["usdt"], **row}
    summary, verdicts = run(con, tmp_path, [report("BAD", **args), report("GOOD", world["eth"], "1.5", "ETH")])
    refusal = verdicts["BAD"].refusal
    assert refusal is not None and refusal.code == code
    assert mentions in refusal.message
    assert verdicts["GOOD"].refusal is None
    listed = {r["report_id"]: r for r in list_reports(con, CASE)}
    assert listed["BAD"]["status"] == "refused" and listed["BAD"]["reason"] == refusal.message
    assert listed["GOOD"]["status"] == "accepted"
    assert con.execute("SELECT count(*) FROM seeds WHERE report_id = 'BAD'").fetchall()[0][0] == 0


def test_failed_transaction_and_lookalike_token_are_refused(con, tmp_path, world):
    _, verdicts = run(con, tmp_path, [
        report("FAILED", world["failed"], amount="1", asset="ETH"),
        report("FAKE", world["fake"], amount="100"),
    ])
    assert verdicts["FAILED"].refusal.code == "tx_failed"
    assert verdicts["FAKE"].refusal.code == "transfer_mismatch"
    assert FAKE_USDT in verdicts["FAKE"].refusal.message


def test_a_token_given_by_contract_address_uses_the_stores_decimals(con, tmp_path, world):
    _, verdicts = run(con, tmp_path, [report("BYADDR", world["usdt"], asset=eip55(USDT))])
    assert verdicts["BYADDR"].refusal is None


def test_duplicate_report_ids_keep_the_first(con, tmp_path, world):
    summary, _ = run(con, tmp_path, [report("R1", world["usdt"]), report("R1", world["eth"], "1.5", "ETH")])
    assert (summary.accepted, summary.refused) == (1, 1)
    assert summary.verdicts[1].refusal.code == "duplicate_report_id"
    assert "line 2" in summary.verdicts[1].refusal.message


def test_reimporting_the_same_file_changes_nothing(con, tmp_path, world):
    rows = [report("R1", world["usdt"]), report("R2", "0x" + "9" * 64)]
    first, _ = run(con, tmp_path, rows)
    snapshot = con.execute("SELECT * EXCLUDE (amount) FROM reports ORDER BY ALL").fetchall()
    seeds = con.execute("SELECT * EXCLUDE (amount) FROM seeds ORDER BY ALL").fetchall()
    second, _ = run(con, tmp_path, rows)
    assert first.changed == 2 and second.changed == 0
    assert con.execute("SELECT * EXCLUDE (amount) FROM reports ORDER BY ALL").fetchall() == snapshot
    assert con.execute("SELECT * EXCLUDE (amount) FROM seeds ORDER BY ALL").fetchall() == seeds


def test_a_corrected_report_replaces_its_verdict_and_seed(con, tmp_path, world):
    run(con, tmp_path, [report("R1", world["usdt"])])
    _, verdicts = run(con, tmp_path, [report("R1", world["usdt"], amount="9")])
    assert verdicts["R1"].refusal.code == "amount_mismatch"
    assert con.execute("SELECT count(*) FROM seeds").fetchall()[0][0] == 0


def test_unknown_case_and_bad_header_are_whole_file_errors(con, tmp_path, world):
    path = write_csv(tmp_path / "r.csv", list(REPORT_COLUMNS), [report("R1", world["usdt"])])
    with pytest.raises(CaseError, match="tracers case open NOPE"):
        import_reports(con, "NOPE", path)
    bad = write_csv(tmp_path / "bad.csv", ["report_id", "tx"], [])
    with pytest.raises(ImportFileError, match="header lacks reported_at"):
        import_reports(con, CASE, bad)
    assert con.execute("SELECT count(*) FROM reports").fetchall()[0][0] == 0


@pytest.mark.parametrize("seed", [3, 29])
def test_intake_verdicts_on_a_simulated_world_match_its_truth(con, tmp_path, seed):
    """Every report of a simulated world gets the verdict (and reason) its ground truth expects."""
    import json

    from tracers.simulate import SimulationConfig, simulate

    world = tmp_path / "world"
    simulate(world, SimulationConfig(seed=seed, victims=25, users=60, transfers=3000))
    import_etl(con, world)
    open_case(con, CASE)
    summary = import_reports(con, CASE, world / "reports.csv")
    truth = {r["report_id"]: r for r in json.loads((world / "truth.json").read_text())["reports"]}
    got = {r.report_id: (r.refusal.code if r.refusal else None) for r in summary.verdicts}
    assert set(got) == set(truth)
    for report_id, expected in truth.items():
        assert (got[report_id] is None) == (expected["expected"] == "accepted"), report_id
        if expected["reason"]:
            assert got[report_id] == expected["reason"], report_id
