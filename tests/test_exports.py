"""Exports of a traced case: subpoena CSVs + manifest, addresses CSV, findings summary.

The store holds a hand-made trace (three runs of one case: an old finished one, the latest finished
one the exports must read, and a later failed one), so every expected value is written out here.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from datetime import UTC, datetime

import pytest

from tracers import __version__
from tracers.errors import CaseError, OutputError, StoreError
from tracers.exports import (
    ADDRESS_COLUMNS,
    SUBPOENA_COLUMNS,
    export_addresses,
    export_subpoena,
    render_summary,
)
from tracers.exports.files import safe_stem, unique_stems, write_whole
from tracers.findings import MissingDecimalsError, findings_summary, latest_run
from tracers.store import connect

CASE = "FIU-2026-0142"
USDT = "0xdac17f958d2ee523a2206206994597c13d831ec7"
SPAM = "0x" + "5" * 40
MAX = 2**256 - 1


def a(char: str) -> str:
    return "0x" + char * 40


def tx(n: int) -> str:
    return "0x" + f"{n:064x}"


V1, V2 = a("1"), a("2")  # victims: reported, discovered
COLLECT, CONSOL = a("3"), a("4")
H1, H2, H3 = a("6"), a("7"), a("8")  # peel hops
D1, D2, D3, D9 = a("d"), a("e"), a("f"), a("9")  # deposit addresses (D9: the old run's)
HOT = a("b")
OTC = a("c")
STRAY = a("0")
T0 = datetime(2026, 1, 5, 3, 4, 5, tzinfo=UTC)

PARAMS = {"hops": 12, "taint": "haircut", "dust": {"native": 10**15, "token": 10**6}}


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(T0.timestamp() + seconds, UTC)


def add_run(con, run_id, started, status, params=PARAMS):
    con.execute(
        "INSERT INTO trace_runs VALUES (?, ?, ?, ?, ?, ?, '0.1.0', NULL)",
        [run_id, CASE, started, started if status == "done" else None, status, json.dumps(params)],
    )


def add_address(con, run_id, address, role, subrole=None, cluster=None, label=None,
                exchange=None, confidence=None, hop=None, evidence=()):
    con.execute(
        "INSERT INTO trace_addresses VALUES (?, 'ethereum', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [run_id, address, role, subrole, cluster, label, exchange, confidence, hop, json.dumps(list(evidence))],
    )


def add_flow(con, run_id, n, sender, receiver, amount, traced, hop, reports, *, asset=USDT,
             kind="token", position=0, block=None, seconds=0):
    con.execute(
        "INSERT INTO trace_flows VALUES (?, 'ethereum', ?, ?, ?, ?, ?, ?, ?, ?, "
        "CAST(? AS BIGNUM), CAST(? AS BIGNUM), ?, ?)",
        [run_id, asset, tx(n), position, kind, block or 1000 + n, at(seconds), sender, receiver,
         str(amount), str(traced), hop, list(reports)],
    )


def add_finding(con, run_id, finding_id, kind, address, *, related=None, asset=None, amount=None,
                txs=(), rule=None):
    con.execute(
        "INSERT INTO findings VALUES (?, ?, ?, ?, 'ethereum', ?, ?, ?, CAST(? AS BIGNUM), 80, '{}', ?, ?)",
        [run_id, finding_id, kind, rule or finding_id.split(":")[0], address, related, asset,
         None if amount is None else str(amount), list(txs), f"finding {finding_id}"],
    )


@pytest.fixture
def store(tmp_path):
    con = connect(tmp_path / "s.duckdb")
    con.execute("INSERT INTO cases VALUES (?, 'Romance scam', ?)", [CASE, T0])
    con.execute("INSERT INTO assets VALUES ('ethereum', ?, 'SPAM', 'Spam', 0, NULL, 'tokens.csv')", [SPAM])
    for report_id, amount in (("R-1", 2_500_500_000), ("R-2", 99_000_000)):
        con.execute(
            "INSERT INTO reports (case_id, report_id, line, chain, asset, victim_address, amount, "
            "status, imported_at) VALUES (?, ?, 2, 'ethereum', ?, ?, CAST(? AS BIGNUM), 'accepted', ?)",
            [CASE, report_id, USDT, V1, str(amount), T0],
        )

    # An older finished run and a later failed one: neither may reach the exports.
    add_run(con, f"{CASE}:1", at(-86400), "done", {"hops": 5})
    add_address(con, f"{CASE}:1", D9, "deposit_wallet", exchange="OldEx", evidence=["deposit_address:1"])
    add_flow(con, f"{CASE}:1", 90, V1, D9, 10**6, 10**6, 1, ["R-1"])
    add_run(con, f"{CASE}:3", at(3600), "failed")
    add_address(con, f"{CASE}:3", D9, "deposit_wallet", exchange="FailEx", evidence=[])
    add_flow(con, f"{CASE}:3", 91, V1, D9, 10**6, 10**6, 1, ["R-1"])

    run = f"{CASE}:2"
    add_run(con, run, at(0), "done")
    add_address(con, run, V1, "victim", "reported", "C1", hop=0, evidence=["victim:1"])
    add_address(con, run, V2, "victim", "discovered", "C1", hop=0, evidence=["victim:2"])
    add_address(con, run, COLLECT, "perpetrator", "collection", "C1", hop=1, evidence=["fan_in:1"])
    add_address(con, run, CONSOL, "perpetrator", "consolidator", "C1", hop=2, evidence=["fan_in:1"])
    for hop, address in enumerate((H1, H2, H3), start=3):
        add_address(con, run, address, "perpetrator", "peel_hop", "C1", hop=hop, evidence=[f"peel_chain:{hop - 2}"])
    add_address(con, run, D1, "deposit_wallet", exchange="Binance", confidence=90, hop=4,
                evidence=["deposit_address:1"])
    add_address(con, run, D2, "deposit_wallet", exchange="Binance", hop=5, evidence=["deposit_address:2", "fan_in:1"])
    add_address(con, run, D3, "deposit_wallet", exchange="=Evil.Exchange", hop=6, evidence=["deposit_address:3"])
    add_address(con, run, HOT, "exchange", "hot_wallet", label='=HYPERLINK("http://x","y")',
                exchange="Binance", confidence=100, evidence=[])
    add_address(con, run, OTC, "service", "otc_like", label="OTC desk", hop=6, evidence=["service:1"])
    add_address(con, run, STRAY, "unknown", hop=2, evidence=[])

    add_flow(con, run, 1, V1, COLLECT, 2_500_500_000, 2_500_500_000, 1, ["R-1"], position=3)
    add_flow(con, run, 2, V2, COLLECT, 1_000_000_000, 1_000_000_000, 1, ["discovered:" + V2])
    add_flow(con, run, 3, COLLECT, CONSOL, 3_500_500_000, 3_500_500_000, 2, ["R-1", "discovered:" + V2])
    add_flow(con, run, 4, CONSOL, H1, 3_500_500_000, 3_500_500_000, 3, ["R-1", "discovered:" + V2])
    add_flow(con, run, 5, H1, H2, 3_000_500_000, 3_000_500_000, 4, ["R-1", "discovered:" + V2])
    add_flow(con, run, 6, H2, H3, 2_000_000_000, 2_000_000_000, 5, ["R-1"])
    # into deposit addresses: D1 twice in one later transaction (log 10 and 9) and once earlier
    add_flow(con, run, 20, H1, D1, 300_000_000, 300_000_000, 4, ["R-1", "discovered:" + V2],
             position=10, block=2000, seconds=60)
    add_flow(con, run, 21, H1, D1, 200_000_000, 200_000_000, 4, ["R-1"], position=9, block=1990, seconds=30)
    con.execute("UPDATE trace_flows SET tx_hash = ?, position = 9, block_number = 2000 "
                "WHERE run_id = ? AND tx_hash = ?", [tx(20), run, tx(21)])
    add_flow(con, run, 22, H1, D1, 700_000_000, 700_000_000, 4, ["R-1"], position=0, block=1500, seconds=20)
    add_flow(con, run, 23, STRAY, D1, 5_000_000, 0, 3, [])  # no victim money: not exported
    add_flow(con, run, 24, H2, D2, 400_123_456, 300_000_001, 5, ["R-1"], position=1, seconds=90)
    add_flow(con, run, 25, H3, D3, 1_500_000_000_000_000_000, 10**18, 6, ["=1+1"], asset="native",
             kind="native", seconds=120)
    add_flow(con, run, 26, H3, D3, MAX, MAX - 1, 6, ["R-1"], asset=SPAM, position=4, seconds=150)
    add_flow(con, run, 27, H3, OTC, 200_000_000, 200_000_000, 6, ["R-1"], position=2)

    many = [tx(100 + i) for i in range(7)]
    add_finding(con, run, "deposit_address:1", "deposit_tag", D1, related=HOT, txs=many)
    add_finding(con, run, "deposit_address:2", "deposit_tag", D2, related=HOT, txs=[tx(24)])
    add_finding(con, run, "deposit_address:3", "deposit_tag", D3, txs=[tx(25)])
    add_finding(con, run, "fan_in:1", "cluster_link", CONSOL, related=COLLECT, txs=[tx(3)])
    add_finding(con, run, "victim:1", "role", V1, txs=[tx(1)])
    add_finding(con, run, "victim:2", "role", V2, txs=[tx(2)])
    add_finding(con, run, "service:1", "role", OTC, txs=[])
    add_finding(con, run, "peel_chain:3", "peel_chain", H3, related=OTC, asset=USDT, amount=200_000_000, txs=[tx(27)])
    add_finding(con, run, "peel_chain:1", "peel_chain", H1, related=D1, asset=USDT, amount=1_200_000_000, txs=[tx(20)])
    add_finding(con, run, "peel_chain:2", "peel_chain", H2, related=D2, asset=USDT, amount=400_123_456, txs=[tx(24)])
    add_finding(con, run, "at_rest:1", "endpoint", H3, asset=USDT, amount=1_800_000_000, txs=[tx(6)])
    add_finding(con, run, "at_rest:2", "endpoint", COLLECT, asset=USDT, amount=250_000, txs=[tx(1)])
    add_finding(con, run, "dust:1", "not_followed", CONSOL, asset=USDT, amount=500_000, txs=[tx(50)])
    add_finding(con, run, "dust:2", "not_followed", CONSOL, asset=USDT, amount=250_001, txs=[tx(51)])
    add_finding(con, run, "window:1", "not_followed", H2, asset=USDT, amount=7_000_000, txs=[tx(52)])
    yield con
    con.close()


def read_csv(path):
    data = path.read_bytes()
    assert b"\r" not in data  # LF line endings only
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def as_dicts(path):
    header, *rows = read_csv(path)
    return [dict(zip(header, r, strict=True)) for r in rows]


# ---------------------------------------------------------------- latest run

def test_the_latest_finished_run_is_used_and_later_unfinished_runs_are_named(store):
    run = latest_run(store, CASE)
    assert run.run_id == f"{CASE}:2"
    assert run.params == PARAMS
    assert run.newer_unfinished == ((f"{CASE}:3", "failed"),)


def test_a_case_without_a_finished_trace_says_to_run_the_trace(store, tmp_path):
    store.execute("INSERT INTO cases VALUES ('K-2', NULL, now())")
    store.execute("INSERT INTO trace_runs VALUES ('K-2:1', 'K-2', now(), NULL, 'running', '{}', '0.1.0', NULL)")
    message = "case K-2 has no finished trace: run `tracers trace --case K-2` first"
    for call in (lambda: latest_run(store, "K-2"), lambda: findings_summary(store, "K-2"),
                 lambda: export_addresses(store, "K-2", tmp_path / "a.csv"),
                 lambda: export_subpoena(store, "K-2", tmp_path / "out")):
        with pytest.raises(CaseError) as caught:
            call()
        assert str(caught.value) == message
    assert not (tmp_path / "a.csv").exists() and not (tmp_path / "out").exists()


def test_an_unknown_case_says_to_open_it(store, tmp_path):
    with pytest.raises(CaseError, match="tracers case open NOPE"):
        export_subpoena(store, "NOPE", tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- subpoena

def test_one_file_per_exchange_plus_manifest_from_the_latest_run(store, tmp_path):
    result = export_subpoena(store, CASE, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "binance.csv", "evil_exchange.csv", "manifest.json"]
    assert {f.exchange: f.rows for f in result.files} == {"Binance": 4, "=Evil.Exchange": 2}
    assert result.reached_deposits and result.run.run_id == f"{CASE}:2"
    assert "wrote 6 transfer(s)" in result.describe()


def test_subpoena_columns_exact_amounts_times_and_order(store, tmp_path):
    export_subpoena(store, CASE, tmp_path / "out")
    header, *_ = read_csv(tmp_path / "out" / "binance.csv")
    assert header == SUBPOENA_COLUMNS == [
        "case_id", "exchange", "chain", "asset", "asset_symbol", "deposit_address", "tx_hash",
        "log_index", "block_number", "block_time", "amount", "traced_amount", "hops", "report_ids",
        "from_address", "evidence"]
    rows = as_dicts(tmp_path / "out" / "binance.csv")
    # by deposit address, then block, tx hash and log index as a number (9 before 10)
    assert [(r["deposit_address"], r["block_number"], r["tx_hash"], r["log_index"]) for r in rows] == [
        (D1, "1500", tx(22), "0"), (D1, "2000", tx(20), "9"), (D1, "2000", tx(20), "10"),
        (D2, "1024", tx(24), "1")]  # the transfer that carried no victim money (tx 23) is absent
    first = rows[0]
    assert first == {
        "case_id": CASE, "exchange": "Binance", "chain": "ethereum", "asset": USDT, "asset_symbol": "USDT",
        "deposit_address": D1, "tx_hash": tx(22), "log_index": "0", "block_number": "1500",
        "block_time": "2026-01-05T03:04:25Z", "amount": "700", "traced_amount": "700", "hops": "4",
        "report_ids": "R-1", "from_address": H1, "evidence": "deposit_address:1"}
    partial = [r for r in rows if r["deposit_address"] == D2][0]
    assert (partial["amount"], partial["traced_amount"]) == ("400.123456", "300.000001")
    assert partial["evidence"] == "deposit_address:2;fan_in:1"
    assert rows[2]["report_ids"] == f"R-1;discovered:{V2}"


def test_native_and_spam_rows_keep_exact_amounts_and_formulas_are_neutralised(store, tmp_path):
    export_subpoena(store, CASE, tmp_path / "out")
    native, spam = as_dicts(tmp_path / "out" / "evil_exchange.csv")
    assert native["exchange"] == "'=Evil.Exchange"
    assert (native["asset"], native["asset_symbol"], native["log_index"]) == ("native", "ETH", "")
    assert (native["amount"], native["traced_amount"]) == ("1.5", "1")
    assert native["report_ids"] == "'=1+1"
    assert (spam["asset_symbol"], spam["amount"], spam["traced_amount"]) == ("SPAM", str(MAX), str(MAX - 1))
    assert spam["log_index"] == "4"


def test_manifest_hashes_the_files_and_names_run_params_and_totals(store, tmp_path):
    out = tmp_path / "out"
    export_subpoena(store, CASE, out, generated_at=datetime(2026, 2, 1, 12, 0, 0, 123, tzinfo=UTC))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["case_id"] == CASE and manifest["run_id"] == f"{CASE}:2"
    assert manifest["generated_at"] == "2026-02-01T12:00:00Z"
    assert manifest["tool_version"] == __version__
    assert manifest["trace_params"] == PARAMS
    by_name = {f["name"]: f for f in manifest["files"]}
    assert sorted(by_name) == ["binance.csv", "evil_exchange.csv"]
    for name, entry in by_name.items():
        data = (out / name).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["rows"] == data.count(b"\n") - 1
    assert by_name["binance.csv"]["exchange"] == "Binance"
    assert by_name["binance.csv"]["deposit_addresses"] == 2
    assert by_name["binance.csv"]["traced_total"] == [
        {"chain": "ethereum", "asset": USDT, "asset_symbol": "USDT", "amount": "1500.000001"}]
    assert by_name["evil_exchange.csv"]["traced_total"] == [
        {"chain": "ethereum", "asset": SPAM, "asset_symbol": "SPAM", "amount": str(MAX - 1)},
        {"chain": "ethereum", "asset": "native", "asset_symbol": "ETH", "amount": "1"}]
    raw = (out / "manifest.json").read_bytes()
    assert b"\r" not in raw and raw.endswith(b"}\n")
    assert raw == (json.dumps(manifest, sort_keys=True, indent=2) + "\n").encode()


def test_re_export_gives_the_same_bytes_but_the_generation_time(store, tmp_path):
    export_subpoena(store, CASE, tmp_path / "a", generated_at=datetime(2026, 2, 1, tzinfo=UTC))
    export_subpoena(store, CASE, tmp_path / "b")
    for name in ("binance.csv", "evil_exchange.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    first, second = (json.loads((tmp_path / d / "manifest.json").read_text()) for d in "ab")
    assert first.pop("generated_at") != second.pop("generated_at")
    assert first == second
    export_subpoena(store, CASE, tmp_path / "c", generated_at=datetime(2026, 2, 1, tzinfo=UTC))
    assert (tmp_path / "a" / "manifest.json").read_bytes() == (tmp_path / "c" / "manifest.json").read_bytes()


def test_exporting_into_a_used_folder_replaces_its_own_files_and_leaves_the_rest(store, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("analyst notes")
    (out / "binance.csv").write_text("stale")
    (out / "oldex.csv").write_text("from an earlier export")
    with pytest.raises(OutputError, match="holds binance.csv already .* give --force"):
        export_subpoena(store, CASE, out)  # without --force: nothing is touched
    assert sorted(p.name for p in out.iterdir()) == ["binance.csv", "notes.txt", "oldex.csv"]
    assert (out / "binance.csv").read_text() == "stale"
    result = export_subpoena(store, CASE, out, force=True)
    assert (out / "notes.txt").read_text() == "analyst notes"
    assert (out / "binance.csv").read_text().startswith("case_id,exchange,")
    assert result.other_files == ("notes.txt", "oldex.csv")
    assert "2 other file(s)" in result.describe()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left


def test_a_run_that_reached_no_deposit_address_writes_only_the_manifest(store, tmp_path):
    store.execute("INSERT INTO cases VALUES ('K-3', NULL, now())")
    store.execute("INSERT INTO trace_runs VALUES ('K-3:1', 'K-3', now(), now(), 'done', '{}', '0.1.0', NULL)")
    result = export_subpoena(store, "K-3", tmp_path / "out")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["manifest.json"]
    assert not result.reached_deposits and result.files == ()
    assert "reached no exchange deposit address" in result.describe()
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["files"] == []


def test_an_asset_without_decimals_stops_the_export_before_anything_is_written(store, tmp_path):
    store.execute("UPDATE assets SET decimals = NULL WHERE asset = ?", [SPAM])
    with pytest.raises(MissingDecimalsError, match="tokens.csv"):
        export_subpoena(store, CASE, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_exchange_names_become_safe_distinct_file_names():
    assert safe_stem("Crypto.com") == "crypto_com"
    assert safe_stem("../../etc/passwd") == "etc_passwd"
    assert safe_stem("=Evil.Exchange") == "evil_exchange"
    assert safe_stem("") == safe_stem("币安") == "unknown_exchange"
    assert safe_stem("CON") == "con_"
    stems = unique_stems(["Crypto.com", "crypto_com", "okx"])
    assert stems["okx"] == "okx"
    assert stems["Crypto.com"] != stems["crypto_com"]
    assert all(s.startswith("crypto_com-") for k, s in stems.items() if k != "okx")


def test_a_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    target = tmp_path / "f.csv"
    target.write_bytes(b"old\n")

    def crash(*_):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OutputError, match=r"cannot write .*f\.csv: disk full; nothing of it was written"):
        write_whole(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.csv"]


# ---------------------------------------------------------------- addresses

def test_addresses_export_lists_every_address_by_role_with_its_evidence(store, tmp_path):
    out = tmp_path / "addresses.csv"
    assert export_addresses(store, CASE, out) == 13
    header, *_ = read_csv(out)
    assert header == ADDRESS_COLUMNS
    rows = as_dicts(out)
    assert [(r["role"], r["address"]) for r in rows] == [
        ("victim", V1), ("victim", V2),
        ("perpetrator", COLLECT), ("perpetrator", CONSOL), ("perpetrator", H1), ("perpetrator", H2),
        ("perpetrator", H3),
        ("deposit_wallet", D1), ("deposit_wallet", D2), ("deposit_wallet", D3),
        ("exchange", HOT), ("service", OTC), ("unknown", STRAY)]
    hot = rows[10]
    assert hot["label"] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert (hot["confidence"], hot["hop"], hot["evidence"], hot["cluster_id"]) == ("100", "", "", "")
    d1 = rows[7]
    assert d1["evidence"] == "deposit_address:1 (" + " ".join(tx(100 + i) for i in range(5)) + " +2 more)"
    assert rows[8]["evidence"] == f"deposit_address:2 ({tx(24)}) | fan_in:1 ({tx(3)})"
    assert rows[11]["evidence"] == "service:1"


def test_an_address_with_an_unknown_role_is_refused_and_nothing_written(store, tmp_path):
    store.execute("UPDATE trace_addresses SET role = 'mixer' WHERE address = ? AND run_id = ?", [OTC, f"{CASE}:2"])
    with pytest.raises(StoreError, match="'mixer'"):
        export_addresses(store, CASE, tmp_path / "addresses.csv")
    assert not (tmp_path / "addresses.csv").exists()


# ---------------------------------------------------------------- summary

def test_summary_gathers_what_the_trace_found(store):
    s = findings_summary(store, CASE)
    assert (s.case_id, s.title, s.run.run_id) == (CASE, "Romance scam", f"{CASE}:2")

    by_subrole = s.victims_by_subrole()
    assert {k: (n, [a.units for a in t]) for k, (n, t) in by_subrole.items()} == {
        "discovered": (1, ["1000"]), "reported": (1, ["2500.5"])}
    reported = s.victims[0]
    assert (reported.address, reported.report_ids) == (V1, ("R-1", "R-2"))
    assert [a.units for a in reported.reported] == ["2599.5"]

    (cluster,) = s.clusters
    assert cluster.to_dict()["counts"] == {
        "collection": 1, "consolidator": 1, "discovered": 1, "peel_hop": 3, "reported": 1}

    (chain,) = s.peel_chains
    assert [h.address for h in chain.hops] == [H1, H2, H3]
    assert [(p.destination, p.amount.units) for h in chain.hops for p in h.peels] == [
        (D1, "1200"), (D2, "400.123456"), (OTC, "200")]
    assert chain.hops[0].peels[0].destination_exchange == "Binance"

    exchanges = {e.exchange: e for e in s.exchanges}
    assert sorted(exchanges) == ["=Evil.Exchange", "Binance"]
    assert exchanges["Binance"].deposit_addresses == 2 and exchanges["Binance"].transfers == 4
    assert [(t.symbol, t.units) for t in exchanges["Binance"].traced] == [("USDT", "1500.000001")]
    assert [(t.symbol, t.units) for t in exchanges["=Evil.Exchange"].traced] == [
        ("SPAM", str(MAX - 1)), ("ETH", "1")]

    (service,) = s.services
    assert (service.address, service.subrole, [t.units for t in service.traced]) == (OTC, "otc_like", ["200"])

    assert [(r.address, r.amount.units) for r in s.at_rest] == [(H3, "1800"), (COLLECT, "0.25")]
    assert [t.units for t in s.at_rest_total()] == ["1800.25"]

    assert [(n.rule, n.count, [t.units for t in n.amounts]) for n in s.not_followed] == [
        ("dust", 2, ["0.750001"]), ("window", 1, ["7"])]


def test_summary_json_keeps_amounts_exact_as_strings(store):
    data = json.loads(json.dumps(findings_summary(store, CASE).to_dict()))
    evil = [e for e in data["exchanges"] if e["exchange"] == "=Evil.Exchange"][0]
    assert evil["traced"][0] == {"chain": "ethereum", "asset": SPAM, "symbol": "SPAM", "decimals": 0,
                                 "amount": str(MAX - 1), "base_units": str(MAX - 1)}
    assert data["run"]["params"] == PARAMS
    assert data["run"]["newer_unfinished"] == [{"run_id": f"{CASE}:3", "status": "failed"}]


def test_rendered_summary_has_its_sections_and_aligned_exact_amounts(store):
    text = render_summary(findings_summary(store, CASE))
    for heading in ("# Findings of case FIU-2026-0142: Romance scam", "## Victims", "## Clusters",
                    "## Peel chains", "## Exchanges reached", "## Services reached", "## Funds at rest",
                    "## Not followed"):
        assert heading in text
    assert f"a later run, {CASE}:3, is failed" in text
    assert str(MAX - 1) in text and "1500.000001" in text
    rest = text.split("## Funds at rest")[1].split("##")[0]
    amounts = [line for line in rest.splitlines() if "USDT" in line]
    dots = {line.index(".") for line in amounts if "." in line.split("|")[4]}
    assert len(amounts) == 3 and len(dots) == 1  # 1800, 0.25 and the total 1800.25, points aligned
    assert "peeled 1200 USDT to " + D1 in text


def test_rendered_summary_escapes_control_characters(store):
    store.execute("UPDATE trace_addresses SET label = 'desk\x1b[2J' WHERE address = ?", [OTC])
    text = render_summary(findings_summary(store, CASE))
    assert "\x1b" not in text and "desk\\x1b[2J" in text
