"""Scoring a trace's exports against truth.json: perfect exports meet every target, each flaw moves its metric."""

from __future__ import annotations

import copy
import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tracers.amounts import format_units
from tracers.evaluate import (
    EvaluationError,
    format_confounder_scores,
    format_scores,
    score,
    score_by_confounder,
    to_base_units,
)
from tracers.simulate import SimulationConfig, simulate
from tracers.simulate.config import CONFOUNDERS
from tracers.simulate.confounders import confounder_config

SUBPOENA_COLUMNS = ["case_id", "exchange", "chain", "asset", "asset_symbol", "deposit_address", "tx_hash",
                    "log_index", "block_number", "block_time", "amount", "traced_amount", "hops", "report_ids",
                    "from_address", "evidence"]
ADDRESS_COLUMNS = ["address", "chain", "role", "subrole", "cluster_id", "label", "exchange", "confidence", "hop",
                   "evidence"]
OUTSIDER = "0x" + "ab" * 20


@pytest.fixture(scope="module")
def truth(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("world")
    simulate(folder, SimulationConfig(seed=5, victims=15, users=60, transfers=3000))
    return json.loads((folder / "truth.json").read_text())


@dataclass
class Exports:
    """Export rows in the export format, to perturb and write."""

    subpoena: list[dict] = field(default_factory=list)
    addresses: list[dict] = field(default_factory=list)

    def write(self, folder: Path) -> tuple[Path, Path]:
        subpoena_dir = folder / "subpoena"
        subpoena_dir.mkdir(parents=True)
        for exchange in sorted({row["exchange"] for row in self.subpoena}):
            _write(subpoena_dir / f"{exchange}.csv", SUBPOENA_COLUMNS,
                   [row for row in self.subpoena if row["exchange"] == exchange])
        (subpoena_dir / "manifest.json").write_text(json.dumps({"case_id": "T-1"}))
        return _write(folder / "addresses.csv", ADDRESS_COLUMNS, self.addresses), subpoena_dir

    def score(self, truth: dict, folder: Path):
        addresses_csv, subpoena_dir = self.write(folder)
        return score(truth, addresses_csv, subpoena_dir)


def _write(path: Path, columns: list[str], rows: list[dict]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


def subpoena_row(truth: dict, exchange: str, deposit: str, transfer: dict, traced: int | None = None) -> dict:
    """A subpoena row in the transfer's asset (USDT unless the truth says 'native')."""
    native = transfer.get("asset") == "native"
    asset = truth["assets"]["eth" if native else "usdt"]
    return {
        "case_id": "T-1", "exchange": exchange, "chain": "ethereum", "asset": "native" if native else asset["address"],
        "asset_symbol": asset["symbol"], "deposit_address": deposit, "tx_hash": transfer["tx_hash"],
        "log_index": "" if transfer["log_index"] is None else transfer["log_index"],
        "block_number": transfer["block_number"],
        "amount": format_units(transfer["amount"], asset["decimals"]),
        "traced_amount": format_units(transfer["amount"] if traced is None else traced, asset["decimals"]),
        "hops": 3, "report_ids": "R-1", "from_address": transfer["from"], "evidence": "[]",
    }


def perfect(truth: dict) -> Exports:
    """What a flawless trace would export for this world."""
    exports = Exports()
    for deposit in truth["scam_deposits"]:
        for transfer in deposit["transfers"]:
            exports.subpoena.append(subpoena_row(truth, deposit["exchange"], deposit["deposit_address"], transfer))
        exports.addresses.append({"address": deposit["deposit_address"], "chain": "ethereum",
                                  "role": "deposit_wallet", "exchange": deposit["exchange"]})
    for victim in truth["victims"]:
        subrole = "reported" if victim["reported"] else "discovered"
        exports.addresses.append({"address": victim["address"], "role": "victim", "subrole": subrole})
    for perpetrator in truth["perpetrators"]:
        exports.addresses.append({"address": perpetrator["address"], "role": "perpetrator",
                                  "subrole": perpetrator["role"], "cluster_id": perpetrator["cluster_id"]})
    for service in truth["services"]:
        exports.addresses.append({"address": service["address"], "role": "service", "subrole": service["kind"]})
    for key, subrole in (("pools", "dex_pool"), ("mixers", "mixer"), ("bridges", "bridge")):
        for way_out in truth.get(key, []):
            exports.addresses.append({"address": way_out["address"], "role": "service", "subrole": subrole})
    for name, exchange in truth["exchanges"].items():
        for wallet in exchange["hot_wallets"]:
            exports.addresses.append({"address": wallet, "role": "exchange", "exchange": name})
    return exports


def service(truth: dict, kind: str) -> dict:
    return next(s for s in truth["services"] if s["kind"] == kind)


def test_perfect_exports_meet_every_target(truth, tmp_path):
    scores = perfect(truth).score(truth, tmp_path)
    assert all(scores.meets_targets().values()), scores.meets_targets()
    assert (scores.deposit_precision, scores.deposit_recall) == (1.0, 1.0)
    assert (scores.deposit_wallet_precision, scores.deposit_wallet_recall) == (1.0, 1.0)
    assert (scores.perpetrator_precision, scores.perpetrator_recall) == (1.0, 1.0)
    assert scores.discovered_victim_recall == 1.0
    assert scores.traced_within_5pct_share == 1.0
    assert scores.deposits.tp == len(truth["scam_deposits"])
    assert scores.perpetrators.tp == len(truth["perpetrators"])
    assert scores.discovered_victims.tp == sum(not v["reported"] for v in truth["victims"]) > 0
    assert [t.traced for t in scores.traced] == [d["victim_amount"] for d in truth["scam_deposits"]]
    assert not (scores.missed_deposits or scores.false_deposits or scores.missed_perpetrators
                or scores.false_perpetrators or scores.missed_discovered_victims or scores.services_swallowed
                or scores.subpoena_leaks or scores.misfiled_deposits)


def test_a_dropped_deposit_lowers_deposit_recall_and_the_traced_share(truth, tmp_path):
    exports = perfect(truth)
    dropped = truth["scam_deposits"][0]["deposit_address"]
    exports.subpoena = [row for row in exports.subpoena if row["deposit_address"] != dropped]
    scores = exports.score(truth, tmp_path)
    n = len(truth["scam_deposits"])
    assert scores.deposit_recall == (n - 1) / n
    assert scores.deposit_precision == 1.0
    assert scores.missed_deposits == (dropped,)
    assert scores.traced_within_5pct_share == (n - 1) / n
    assert scores.traced[0].traced is None and not scores.traced[0].within_5pct
    assert scores.deposit_wallet_recall == 1.0  # the addresses CSV still lists it
    assert scores.meets_targets()["deposit_recall"] is False


def test_a_false_perpetrator_lowers_perpetrator_precision_only(truth, tmp_path):
    exports = perfect(truth)
    exports.addresses.append({"address": OUTSIDER, "role": "perpetrator"})
    scores = exports.score(truth, tmp_path)
    n = len(truth["perpetrators"])
    assert scores.perpetrators.fp == 1
    assert scores.perpetrator_precision == n / (n + 1)
    assert scores.perpetrator_recall == 1.0
    assert scores.false_perpetrators == (OUTSIDER,)
    assert not scores.services_swallowed


def test_a_missed_perpetrator_lowers_recall(truth, tmp_path):
    exports = perfect(truth)
    missed = truth["perpetrators"][0]["address"]
    exports.addresses = [row for row in exports.addresses if row["address"] != missed]
    scores = exports.score(truth, tmp_path)
    assert scores.missed_perpetrators == (missed,)
    assert scores.perpetrator_recall == (len(truth["perpetrators"]) - 1) / len(truth["perpetrators"])
    assert scores.perpetrator_precision == 1.0


def test_a_halved_traced_amount_fails_that_deposit_only(truth, tmp_path):
    exports = perfect(truth)
    target = truth["scam_deposits"][-1]
    for row, transfer in zip([r for r in exports.subpoena if r["deposit_address"] == target["deposit_address"]],
                             target["transfers"], strict=True):
        row["traced_amount"] = format_units(transfer["amount"] // 2, 6)
    scores = exports.score(truth, tmp_path)
    n = len(truth["scam_deposits"])
    halved = scores.traced[-1]
    assert halved.deposit_address == target["deposit_address"]
    assert halved.traced == sum(t["amount"] // 2 for t in target["transfers"])
    assert not halved.within_5pct
    assert scores.traced_within_5pct_share == (n - 1) / n
    assert (scores.deposit_precision, scores.deposit_recall) == (1.0, 1.0)


@pytest.mark.parametrize("kind", ["otc_desk", "merchant", "gas_rental"])
def test_a_service_listed_as_perpetrator_is_swallowed(truth, tmp_path, kind):
    exports = perfect(truth)
    address = service(truth, kind)["address"]
    exports.addresses = [row for row in exports.addresses if row["address"] != address]
    exports.addresses.append({"address": address, "role": "perpetrator", "subrole": "consolidator"})
    scores = exports.score(truth, tmp_path)
    assert [(hit.address, hit.kind) for hit in scores.services_swallowed] == [(address, kind)]
    assert scores.meets_targets()["services_swallowed"] is False
    assert scores.false_perpetrators == (address,)


def test_a_subpoena_row_for_the_merchants_deposit_is_a_leak(truth, tmp_path):
    exports = perfect(truth)
    merchant_deposit = service(truth, "merchant")["deposit_address"]
    leak = subpoena_row(truth, "binance", merchant_deposit,
                        {"tx_hash": "0x" + "cd" * 32, "log_index": 0, "block_number": 1, "amount": 250_000_000,
                         "from": service(truth, "merchant")["address"]})
    exports.subpoena.append(leak)
    scores = exports.score(truth, tmp_path)
    assert [(row.file, row.deposit_address, row.tx_hash, row.traced_base_units) for row in scores.subpoena_leaks] \
        == [("binance.csv", merchant_deposit, "0x" + "cd" * 32, 250_000_000)]
    assert scores.false_deposits == (merchant_deposit,)
    n = len(truth["scam_deposits"])
    assert scores.deposit_precision == n / (n + 1)
    assert scores.deposit_recall == 1.0
    assert scores.traced_within_5pct_share == 1.0
    assert scores.meets_targets()["subpoena_leaks"] is False


def test_a_missing_discovered_victim_lowers_discovered_recall(truth, tmp_path):
    exports = perfect(truth)
    discovered = [v["address"] for v in truth["victims"] if not v["reported"]]
    exports.addresses = [row for row in exports.addresses if row["address"] != discovered[0]]
    exports.addresses.append({"address": OUTSIDER, "role": "victim", "subrole": "discovered"})
    scores = exports.score(truth, tmp_path)
    assert scores.missed_discovered_victims == (discovered[0],)
    assert scores.discovered_victim_recall == (len(discovered) - 1) / len(discovered)
    assert scores.discovered_victims.fp == 1


def test_reported_victims_do_not_count_toward_discovered_recall(truth, tmp_path):
    exports = perfect(truth)
    reported = {v["address"] for v in truth["victims"] if v["reported"]}
    exports.addresses = [row for row in exports.addresses if row["address"] not in reported]
    assert exports.score(truth, tmp_path).discovered_victim_recall == 1.0


def test_a_deposit_filed_under_another_exchange_is_misfiled(truth, tmp_path):
    exports = perfect(truth)
    moved = truth["scam_deposits"][0]
    other = next(name for name in truth["exchanges"] if name != moved["exchange"])
    for row in exports.subpoena:
        if row["deposit_address"] == moved["deposit_address"]:
            row["exchange"] = other
    scores = exports.score(truth, tmp_path)
    assert scores.misfiled_deposits == (moved["deposit_address"],)
    assert scores.deposit_recall == 1.0


def test_addresses_compare_in_lowercase(truth, tmp_path):
    exports = perfect(truth)
    for row in exports.subpoena:
        row["deposit_address"] = "0x" + row["deposit_address"][2:].upper()
    for row in exports.addresses:
        row["address"] = "0x" + row["address"][2:].upper()
    scores = exports.score(truth, tmp_path)
    assert all(scores.meets_targets().values())


def test_the_5pct_line_is_drawn_in_exact_base_units(truth, tmp_path):
    """At 10^25 base units a float cannot tell 95% from 95% minus one base unit; the score can."""
    huge = copy.deepcopy(truth)
    deposit = huge["scam_deposits"][0]
    deposit["victim_amount"] = 20 * 10**25
    transfer = {**deposit["transfers"][0], "amount": 19 * 10**25}
    for traced, within in [(19 * 10**25, True), (19 * 10**25 - 1, False), (21 * 10**25, True),
                           (21 * 10**25 + 1, False)]:
        exports = perfect(huge)
        exports.subpoena = [row for row in exports.subpoena if row["deposit_address"] != deposit["deposit_address"]]
        exports.subpoena.append(subpoena_row(huge, deposit["exchange"], deposit["deposit_address"], transfer, traced))
        folder = tmp_path / str(traced)
        scores = exports.score(huge, folder)
        assert scores.traced[0].traced == traced
        assert scores.traced[0].within_5pct is within
    assert float(19 * 10**25 - 1) == float(19 * 10**25)


def test_amounts_parse_exactly():
    assert to_base_units("2500.5", 6) == 2_500_500_000
    assert to_base_units("0.000001", 6) == 1
    assert to_base_units("12.500000", 6) == 12_500_000  # trailing zeros beyond nothing are fine
    assert to_base_units("7", 18) == 7 * 10**18
    max_uint = 2**256 - 1
    assert to_base_units(format_units(max_uint, 18), 18) == max_uint
    assert to_base_units("123456789012345678.123456", 6) == 123_456_789_012_345_678_123_456
    assert int(float("123456789012345678.123456") * 10**6) != 123_456_789_012_345_678_123_456
    for bad in ["1e3", "-1", "1,000", "1.2345678", "", "0x10", "nan", " . "]:
        with pytest.raises(ValueError):
            to_base_units(bad, 6)


def test_ether_rows_are_converted_with_18_decimals_and_kept_apart(truth, tmp_path):
    exports = perfect(truth)
    first = dict(exports.subpoena[0])
    exports.subpoena.append({**first, "asset": "native", "asset_symbol": "ETH", "traced_amount": "1.5",
                             "tx_hash": "0x" + "ef" * 32})
    exports.subpoena.append({**first, "asset": "native", "asset_symbol": "ETH", "traced_amount": "0.000000000000000001",
                             "deposit_address": OUTSIDER})
    scores = exports.score(truth, tmp_path)
    assert scores.traced[0].other_asset_rows == 1
    assert scores.traced[0].traced == truth["scam_deposits"][0]["victim_amount"]
    assert scores.traced_within_5pct_share == 1.0
    assert [(row.asset, row.traced_base_units) for row in scores.subpoena_leaks] == [("native", 1)]


def test_an_unscorable_export_is_an_error_naming_the_file_and_the_fix(truth, tmp_path):
    exports = perfect(truth)
    exports.subpoena[0]["traced_amount"] = "1.5e3"
    with pytest.raises(EvaluationError, match=r"line 2: traced_amount '1.5e3' is not a plain decimal"):
        exports.score(truth, tmp_path / "a")
    exports = perfect(truth)
    exports.subpoena[0]["asset"] = OUTSIDER
    with pytest.raises(EvaluationError, match="is none of the world's assets"):
        exports.score(truth, tmp_path / "b")
    exports = perfect(truth)
    exports.addresses[0]["role"] = "scammer"
    with pytest.raises(EvaluationError, match="addresses.csv line 2: role 'scammer' is none of"):
        exports.score(truth, tmp_path / "c")
    with pytest.raises(EvaluationError, match="tracers export addresses"):
        score(truth, tmp_path / "nowhere.csv", tmp_path / "c" / "subpoena")
    (tmp_path / "d").mkdir()
    _write(tmp_path / "d" / "binance.csv", ["exchange", "deposit_address"], [])
    with pytest.raises(EvaluationError, match="lacks column"):
        score(truth, tmp_path / "a" / "addresses.csv", tmp_path / "d")


def test_an_empty_subpoena_scores_zero_not_a_perfect_precision(truth, tmp_path):
    exports = perfect(truth)
    exports.subpoena = []
    scores = exports.score(truth, tmp_path)
    assert (scores.deposit_precision, scores.deposit_recall, scores.traced_within_5pct_share) == (0.0, 0.0, 0.0)


def test_format_scores_shows_each_metric_its_target_and_whether_it_is_met(truth, tmp_path):
    exports = perfect(truth)
    exports.addresses.append({"address": service(truth, "otc_desk")["address"], "role": "perpetrator"})
    scores = exports.score(truth, tmp_path)
    text = format_scores(scores)
    lines = {line.split("  ")[0]: line.split() for line in text.splitlines()}
    assert lines["deposit recall (subpoena)"][-2:] == ["0.95", "yes"]
    assert lines["services swallowed"][-3:] == ["1", "0", "NO"]
    assert "perpetrator precision" in lines and "deposits traced within 5%" in lines
    detailed = format_scores(scores, details=True)
    assert f"{service(truth, 'otc_desk')['address']} (otc_desk)" in detailed


# --- per confounder -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def confounded_truth(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("confounded")
    simulate(folder, confounder_config(100, confounders=CONFOUNDERS))
    return json.loads((folder / "truth.json").read_text())


def by_confounder(exports: Exports, truth: dict, folder: Path):
    addresses_csv, subpoena_dir = exports.write(folder)
    return score_by_confounder(truth, addresses_csv, subpoena_dir)


def test_perfect_exports_score_full_recall_under_every_confounder(confounded_truth, tmp_path):
    scores = by_confounder(perfect(confounded_truth), confounded_truth, tmp_path)
    assert sorted(scores) == sorted(CONFOUNDERS)
    for name, found in scores.items():
        assert found.deposits.recall == found.perpetrators.recall == found.victims.recall == 1.0, name
        assert found.traced_within_share == 1.0 and not found.decoys_flagged, name
    assert scores["noisy_peels"].deposits.tp and scores["busy_collection"].victims.tp >= 30
    assert scores["split_sweeps"].perpetrators.tp and scores["mule_mixing"].deposits.tp
    ether = [t for t in scores["swap_then_peel"].traced if t.asset == "native"]
    assert ether and all(t.traced == t.victim_amount and t.decimals == 18 for t in ether)
    assert scores["mixer_deposits"].perpetrators.tp and scores["bridge_deposit"].perpetrators.tp
    assert score_by_confounder(*_plain_world(tmp_path)) == {}


def test_perfect_exports_meet_every_target_with_ether_deposits_and_ways_out(confounded_truth, tmp_path):
    scores = perfect(confounded_truth).score(confounded_truth, tmp_path)
    assert all(scores.meets_targets().values()), format_scores(scores, details=True)
    assert {"pools_swallowed", "mixers_swallowed", "bridges_swallowed"} <= set(scores.meets_targets())
    assert any(t.asset == "native" for t in scores.traced) and scores.traced_within_5pct_share == 1.0
    assert (scores.mixers_found.tp, scores.mixers_found.fn) == (1, 0)


def test_an_ether_deposit_counts_only_its_ether_rows(confounded_truth, tmp_path):
    deposit = next(d for d in confounded_truth["scam_deposits"] if d["asset"] == "native")
    exports = perfect(confounded_truth)
    rows = [row for row in exports.subpoena if row["deposit_address"] == deposit["deposit_address"]]
    usdt = confounded_truth["assets"]["usdt"]
    for row in rows:  # the same amounts claimed in USDT: another asset, not summed in
        row.update(asset=usdt["address"], asset_symbol="USDT", traced_amount="1000")
    traced = next(t for t in exports.score(confounded_truth, tmp_path).traced
                  if t.deposit_address == deposit["deposit_address"])
    assert (traced.traced, traced.other_asset_rows, traced.within_5pct) == (0, len(rows), False)
    exports = perfect(confounded_truth)
    row = next(row for row in exports.subpoena if row["deposit_address"] == deposit["deposit_address"])
    row["traced_amount"] = format_units(int(deposit["transfers"][0]["amount"]) + deposit["victim_amount"] // 10, 18)
    traced = next(t for t in exports.score(confounded_truth, tmp_path / "off").traced
                  if t.deposit_address == deposit["deposit_address"])
    assert traced.traced == deposit["victim_amount"] + deposit["victim_amount"] // 10 and not traced.within_5pct


def test_a_pool_mixer_or_bridge_called_a_perpetrator_fails_its_list(confounded_truth, tmp_path):
    for key, metric in (("pools", "pools_swallowed"), ("mixers", "mixers_swallowed"),
                        ("bridges", "bridges_swallowed")):
        exports = perfect(confounded_truth)
        address = confounded_truth[key][0]["address"]
        exports.addresses = [row for row in exports.addresses if row["address"] != address]
        exports.addresses.append({"address": address, "role": "perpetrator"})
        scores = exports.score(confounded_truth, tmp_path / key)
        assert [hit.address for hit in getattr(scores, metric)] == [address]
        assert scores.meets_targets()[metric] is False
        assert "ways out called perpetrators" in format_scores(scores, details=True)
        if key == "mixers":
            assert (scores.mixers_found.tp, scores.mixers_found.fn) == (0, 1)


def test_mixer_withdrawals_and_bridge_strangers_are_decoys_of_their_confounder(confounded_truth, tmp_path):
    exports = perfect(confounded_truth)
    mixer = confounded_truth["mixers"][0]
    paid_to = next(d["withdrawn_to"] for d in mixer["deposits"] if d["withdrawn_to"])
    decoys = confounded_truth["confounder_decoys"]
    stranger = next(a for a in decoys["bridge_deposit"] if a != confounded_truth["bridges"][0]["address"])
    trader = next(a for a in decoys["swap_then_peel"] if a != confounded_truth["pools"][0]["address"])
    exports.addresses += [{"address": paid_to, "role": "perpetrator"}, {"address": stranger, "role": "victim"},
                          {"address": trader, "role": "perpetrator"}]
    scores = by_confounder(exports, confounded_truth, tmp_path)
    assert scores["mixer_deposits"].decoys_flagged == (paid_to,) and scores["mixer_deposits"].perpetrators.fp == 1
    assert scores["bridge_deposit"].decoys_flagged == (stranger,) and scores["bridge_deposit"].victims.fp == 1
    assert scores["swap_then_peel"].decoys_flagged == (trader,)


def _plain_world(tmp_path: Path) -> tuple[dict, Path, Path]:
    folder = tmp_path / "plain"
    simulate(folder / "world", SimulationConfig(seed=5, victims=6, users=60, transfers=2000, days=14))
    truth = json.loads((folder / "world" / "truth.json").read_text())
    return (truth, *perfect(truth).write(folder))


def test_a_missed_deposit_lowers_recall_only_under_the_confounders_that_touched_it(confounded_truth, tmp_path):
    exports = perfect(confounded_truth)
    broker = next(d for d in confounded_truth["scam_deposits"] if "shared_broker" in d["confounders"])
    exports.subpoena = [row for row in exports.subpoena if row["deposit_address"] != broker["deposit_address"]]
    scores = by_confounder(exports, confounded_truth, tmp_path)
    for name, found in scores.items():
        assert (found.deposits.fn == 1) == (name in broker["confounders"]), name
    assert scores["shared_broker"].deposits.recall == 0.0 and scores["shared_broker"].traced_within == 0


def test_a_decoy_called_a_perpetrator_is_flagged_under_its_confounder(confounded_truth, tmp_path):
    exports = perfect(confounded_truth)
    other = confounded_truth["other_scam"][0]["address"]
    mixer = confounded_truth["confounder_decoys"]["mule_mixing"][0]
    exports.addresses += [{"address": other, "role": "perpetrator"}, {"address": mixer, "role": "victim"}]
    scores = by_confounder(exports, confounded_truth, tmp_path)
    assert scores["shared_broker"].perpetrators.fp == 1 and scores["shared_broker"].decoys_flagged == (other,)
    assert scores["mule_mixing"].victims.fp == 1 and scores["mule_mixing"].decoys_flagged == (mixer,)
    assert not scores["noisy_peels"].decoys_flagged


def test_a_mixed_deposit_may_be_off_by_its_tolerance_and_no_more(confounded_truth, tmp_path):
    mixed = next(d for d in confounded_truth["scam_deposits"] if d["tolerance"] > d["victim_amount"] // 20)
    address = mixed["deposit_address"]

    def traced_off_by(extra: int):
        exports = perfect(confounded_truth)
        rows = [row for row in exports.subpoena if row["deposit_address"] == address]
        rows[0]["traced_amount"] = format_units(mixed["transfers"][0]["amount"] + extra, 6)
        found = by_confounder(exports, confounded_truth, tmp_path / str(extra))["mule_mixing"]
        return next(t for t in found.traced if t.deposit_address == address).within_5pct

    assert traced_off_by(mixed["tolerance"])
    assert not traced_off_by(mixed["tolerance"] + 1)


def test_format_confounder_scores_has_a_row_per_confounder(confounded_truth, tmp_path):
    table = format_confounder_scores(by_confounder(perfect(confounded_truth), confounded_truth, tmp_path))
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["confounder", "deposit", "recall"]
    assert sorted(line.split()[0] for line in lines[2:]) == sorted(CONFOUNDERS)
    assert "1.000 (" in table
