"""The scenario simulator: deterministic worlds whose books balance and whose truth is right."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from functools import cached_property
from pathlib import Path

import polars as pl
import pytest
from eth_utils import to_checksum_address

from tracers.simulate import SimulationConfig, SimulationConfigError, simulate

SMALL = SimulationConfig(seed=11, victims=6, users=60, transfers=3_000, days=14)
MEDIUM = SimulationConfig(seed=5, victims=30, users=300, transfers=40_000, clusters=3)
ZERO_ADDRESS = "0x" + "0" * 40
TX_HASH = re.compile(r"^0x[0-9a-f]{64}$")
DECIMALS = {"USDT": 6, "ETH": 18}
TRACE_COLUMNS = ["block_number", "transaction_hash", "transaction_index", "from_address", "to_address", "value",
                 "input", "output", "trace_type", "call_type", "reward_type", "gas", "gas_used", "subtraces",
                 "trace_address", "error", "status", "trace_id"]


class World:
    """A simulated world read back from its files, every CSV column as text."""

    def __init__(self, path: Path, summary) -> None:
        self.path = path
        self.summary = summary

    def csv(self, name: str) -> pl.DataFrame:
        return pl.read_csv(self.path / name, infer_schema=False)

    @cached_property
    def truth(self) -> dict:
        return json.loads((self.path / "truth.json").read_text())

    @cached_property
    def transactions(self) -> pl.DataFrame:
        return self.csv("transactions.csv").join(
            self.csv("receipts.csv").select(hash="transaction_hash", status="status", gas_used="gas_used"),
            on="hash",
            how="left",
        )

    @cached_property
    def transfers(self) -> pl.DataFrame:
        return self.csv("token_transfers.csv")

    @cached_property
    def usdt(self) -> str:
        return self.truth["assets"]["usdt"]["address"]

    @cached_property
    def transfer_by_hash(self) -> dict[str, dict]:
        return {row["transaction_hash"]: row for row in self.transfers.iter_rows(named=True)}

    @cached_property
    def tx_by_hash(self) -> dict[str, dict]:
        return {row["hash"]: row for row in self.transactions.iter_rows(named=True)}

    @cached_property
    def traces(self) -> pl.DataFrame:
        """traces.csv (every column as text); an empty frame when the world wrote none."""
        if not (self.path / "traces.csv").exists():
            return pl.DataFrame(schema={c: pl.String for c in TRACE_COLUMNS})
        return self.csv("traces.csv")

    @cached_property
    def internal(self) -> pl.DataFrame:
        """Internal ether transfers: successful, value-carrying, non-root call traces."""
        return self.traces.filter(pl.col("trace_address") != "", pl.col("status") == "1", pl.col("value") != "0")

    @cached_property
    def moves(self) -> list[tuple]:
        """(block, tx index, position, asset, from, to, value, ok) for every value move, chain order:
        a transaction's ether value first, then its token logs (position = log index), then its
        internal transfers; WETH minted on a wrap and burnt on an unwrap (no Transfer log) too."""
        index = {row["hash"]: int(row["transaction_index"]) for row in self.transactions.iter_rows(named=True)}
        rows = [
            (
                int(t["block_number"]),
                index[t["transaction_hash"]],
                int(t["log_index"]),
                t["token_address"],
                t["from_address"],
                t["to_address"],
                int(t["value"]),
                True,
            )
            for t in self.transfers.iter_rows(named=True)
        ]
        rows += [
            (
                int(t["block_number"]),
                int(t["transaction_index"]),
                -2,
                "ETH",
                t["from_address"],
                t["to_address"],
                int(t["value"]),
                t["status"] == "1",
            )
            for t in self.transactions.iter_rows(named=True)
            if t["value"] != "0"
        ]
        internal = 2 * 10**9  # after every log of the block
        rows += [
            (int(t["block_number"]), int(t["transaction_index"]), internal + 2 * int(t["trace_address"]) + 1, "ETH",
             t["from_address"], t["to_address"], int(t["value"]), True)
            for t in self.internal.iter_rows(named=True)
        ]
        weth = self.truth["assets"].get("weth", {}).get("address")
        if weth:
            rows += [  # wrap: WETH minted to the sender after its ether arrived
                (block, index, -1, weth, ZERO_ADDRESS, src, value, True)
                for block, index, position, asset, src, dst, value, ok in rows
                if asset == "ETH" and position == -2 and dst == weth and ok
            ] + [  # unwrap: WETH burnt just before the ether goes back
                (block, index, position - 1, weth, dst, ZERO_ADDRESS, value, True)
                for block, index, position, asset, src, dst, value, ok in rows
                if asset == "ETH" and position > internal and src == weth
            ]
        return sorted(rows)

    def final_balances(self) -> dict[tuple[str, str], int]:
        balances: dict[tuple[str, str], int] = defaultdict(int)
        for *_, asset, src, dst, value, ok in self.moves:
            if ok:
                balances[(src, asset)] -= value
                balances[(dst, asset)] += value
        return balances


def _build(tmp_path_factory, config: SimulationConfig, name: str) -> World:
    path = tmp_path_factory.mktemp(name)
    return World(path, simulate(path, config))


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> World:
    return _build(tmp_path_factory, SMALL, "small")


@pytest.fixture(scope="module")
def medium(tmp_path_factory) -> World:
    return _build(tmp_path_factory, MEDIUM, "medium")


@pytest.fixture(params=["small", "medium"])
def world(request) -> World:
    return request.getfixturevalue(request.param)


def _digests(path: Path) -> dict[str, str]:
    return {file.name: hashlib.sha256(file.read_bytes()).hexdigest() for file in sorted(path.iterdir())}


# --- determinism and size -------------------------------------------------------------------


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(small, tmp_path):
    again = tmp_path / "again"
    simulate(again, SMALL)
    other = tmp_path / "other"
    simulate(other, replace(SMALL, seed=SMALL.seed + 1))
    assert _digests(again) == _digests(small.path)
    assert len(_digests(small.path)) == 8
    differing = {name for name, digest in _digests(other).items() if _digests(small.path)[name] != digest}
    assert {"transactions.csv", "token_transfers.csv", "truth.json", "reports.csv"} <= differing


def test_world_size_follows_the_transfers_knob(small, medium, tmp_path):
    bigger = simulate(tmp_path / "bigger", replace(SMALL, transfers=2 * SMALL.transfers))
    for summary, config in [
        (small.summary, SMALL),
        (medium.summary, MEDIUM),
        (bigger, replace(SMALL, transfers=6_000)),
    ]:
        assert summary.transfers == config.transfers
    native = medium.transactions.filter(pl.col("value") != "0").height
    assert medium.transfers.height + native == medium.summary.transfers
    assert medium.transactions.height == medium.summary.transactions


def test_the_scam_does_not_change_with_the_background_size(small, tmp_path):
    bigger = World(tmp_path, simulate(tmp_path, replace(SMALL, transfers=3 * SMALL.transfers)))

    def story(world: World) -> list:
        return [[(p["amount"], p["block_number"], p["to"]) for p in v["payments"]] for v in world.truth["victims"]]

    assert story(bigger) == story(small)
    assert bigger.truth["perpetrators"] == small.truth["perpetrators"]


def test_a_bad_knob_is_refused_with_its_name():
    with pytest.raises(SimulationConfigError, match="peel_hops"):
        SimulationConfig(peel_hops=(5, 2))
    with pytest.raises(SimulationConfigError, match="unreported_share"):
        SimulationConfig(unreported_share=1.5)


# --- the books balance ----------------------------------------------------------------------


def test_nobody_spends_more_than_they_hold(world):
    sources = {wallet for exchange in world.truth["exchanges"].values() for wallet in exchange["hot_wallets"]}
    sources.add(ZERO_ADDRESS)
    balances: dict[tuple[str, str], int] = defaultdict(int)
    checked = failed = 0
    for block, _, _, asset, src, dst, value, ok in world.moves:
        if not ok:
            failed += 1
            continue
        if value and src not in sources:
            assert balances[(src, asset)] >= value, f"{src} overspends {asset} in block {block}"
            checked += 1
        balances[(src, asset)] -= value
        balances[(dst, asset)] += value
    assert failed == world.summary.failed_transactions > 0
    assert checked > world.summary.transfers // 2


def test_failed_transactions_are_native_sends_with_a_value(world):
    failed = world.transactions.filter(pl.col("status") == "0")
    assert failed.height > 0
    assert (failed["input"] == "0x").all() and (failed["value"] != "0").all()
    assert not set(failed["hash"]) & set(world.transfers["transaction_hash"])


def test_every_token_transfer_has_its_transaction(world):
    for transfer in world.transfers.iter_rows(named=True):
        tx = world.tx_by_hash[transfer["transaction_hash"]]
        assert tx["to_address"] == transfer["token_address"] and tx["value"] == "0"
        assert tx["block_number"] == transfer["block_number"]
        assert tx["input"][:10] in {"0xa9059cbb", "0x23b872dd", "0x40c10f19"}
        assert int(tx["input"][-64:], 16) == int(transfer["value"])
        if tx["input"].startswith("0xa9059cbb"):
            assert tx["from_address"] == transfer["from_address"]


def test_log_indexes_and_nonces_are_ordered(world):
    index = world.transactions.select("hash", pl.col("transaction_index").cast(pl.Int64))
    transfers = (
        world.transfers.select("transaction_hash", pl.col("log_index", "block_number").cast(pl.Int64))
        .join(index, left_on="transaction_hash", right_on="hash")
        .sort("block_number", "transaction_index")
    )
    steps = transfers.select(pl.col("log_index").diff().over("block_number")).to_series().drop_nulls()
    assert (steps > 0).all()
    nonces = (
        world.transactions.select("from_address", pl.col("block_number", "transaction_index", "nonce").cast(pl.Int64))
        .sort("block_number", "transaction_index")
        .with_columns(expected=pl.int_range(pl.len()).over("from_address"))
    )
    assert (nonces["nonce"] == nonces["expected"]).all()


def test_files_use_lowercase_hex_and_blocks_hold_their_transactions(world):
    address = re.compile(r"^0x[0-9a-f]{40}$")
    for column in ("from_address", "to_address", "token_address"):
        assert world.transfers[column].str.contains(address.pattern).all()
    assert world.transactions["from_address"].str.contains(address.pattern).all()
    assert world.transactions["hash"].str.contains(TX_HASH.pattern).all()
    blocks = world.csv("blocks.csv").with_columns(pl.col("number", "timestamp", "transaction_count").cast(pl.Int64))
    first, genesis = world.truth["blocks"]["first"], world.truth["blocks"]["genesis_timestamp"]
    assert (blocks["timestamp"] == (blocks["number"] - first) * 12 + genesis).all()
    per_block = world.transactions.group_by(number=pl.col("block_number").cast(pl.Int64)).agg(
        count=pl.len(), block_hash=pl.col("block_hash").first(), stamp=pl.col("block_timestamp").cast(pl.Int64).first()
    )
    joined = blocks.join(per_block, on="number", how="full")
    assert (joined["transaction_count"] == joined["count"]).all()
    assert (joined["hash"] == joined["block_hash"]).all() and (joined["timestamp"] == joined["stamp"]).all()
    consecutive = blocks.filter(pl.col("number").diff() == 1)
    parents = dict(zip(blocks["number"] + 1, blocks["hash"], strict=True))
    assert all(
        parents[n] == parent for n, parent in zip(consecutive["number"], consecutive["parent_hash"], strict=True)
    )


def test_ether_sweeps_of_deposit_addresses_pay_their_own_fee(world):
    single = {
        address
        for exchange in world.truth["exchanges"].values()
        if not exchange["batch_sweeps"]
        for address in exchange["deposit_addresses"]
    }
    ether = world.transactions.filter(pl.col("value") != "0", pl.col("status") == "1")
    deposited = defaultdict(list)
    for row in ether.filter(pl.col("to_address").is_in(list(single))).iter_rows(named=True):
        deposited[row["to_address"]].append(int(row["value"]))
    sweeps = ether.filter(pl.col("from_address").is_in(list(single)))
    assert sweeps.height
    for row in sweeps.iter_rows(named=True):
        fee = int(row["gas_used"]) * int(row["gas_price"])
        assert int(row["value"]) + fee in deposited[row["from_address"]]


# --- truth.json agrees with the files -------------------------------------------------------


def _truth_moves(truth: dict) -> list[dict]:
    found = []
    for victim in truth["victims"]:
        found += [{**p, "from": victim["address"]} for p in victim["payments"]]
        found += [{**p, "to": victim["address"]} for p in victim["profits_received"]]
    for cluster in truth["clusters"]:
        found += cluster["sweeps"]
        for chain in cluster["peel_chains"]:
            found += [{**chain["launch"], "from": chain["source"], "to": chain["hops"][0]}]
            found += chain["peels"] + ([chain["end"]] if "tx_hash" in chain["end"] else [])
    for deposit in truth["scam_deposits"]:
        found += [{**t, "to": deposit["deposit_address"]} for t in deposit["transfers"]]
    for bridge in truth.get("bridges", []):
        found += [{**d, "to": bridge["address"]} for d in bridge["deposits"]]
    return found


def test_every_truth_move_is_in_the_files(world):
    moves = _truth_moves(world.truth)
    assert len(moves) >= 3 * len(world.truth["victims"])
    for move in moves:
        tx = world.tx_by_hash[move["tx_hash"]]
        if move.get("asset") in ("ETH", "native"):
            assert move["log_index"] is None and int(tx["value"]) == move["amount"] and tx["status"] == "1"
            assert (tx["from_address"], tx["to_address"]) == (move["from"], move["to"])
            continue
        transfer = world.transfer_by_hash[move["tx_hash"]]
        assert transfer["token_address"] == world.usdt and move.get("asset", "USDT") in ("USDT", world.usdt)
        assert int(transfer["log_index"]) == move["log_index"]
        assert int(transfer["value"]) == move["amount"]
        assert (transfer["from_address"], transfer["to_address"]) == (move["from"], move["to"])


def test_scam_deposits_add_up_and_belong_to_their_exchange(world):
    deposits = world.truth["scam_deposits"]
    assert deposits
    received = defaultdict(int)
    for *_, asset, _, dst, value, ok in world.moves:
        if ok and asset in (world.usdt, "ETH"):
            received[(dst, "native" if asset == "ETH" else asset)] += value
    for deposit in deposits:
        address = deposit["deposit_address"]
        assert deposit["victim_amount"] == sum(t["amount"] for t in deposit["transfers"]) > 0
        assert {t["asset"] for t in deposit["transfers"]} == {deposit["asset"]} <= {world.usdt, "native"}
        assert received[(address, deposit["asset"])] == deposit["total_received"] >= deposit["victim_amount"]
        assert address in world.truth["exchanges"][deposit["exchange"]]["deposit_addresses"]
    assert any(d["total_received"] > d["victim_amount"] for d in deposits)


def test_deposit_addresses_sweep_only_to_their_exchange(world):
    collector = {}
    for exchange in world.truth["exchanges"].values():
        for address in exchange["deposit_addresses"]:
            collector[address] = exchange["collector"]
    sent_to = defaultdict(set)
    for _, _, _, _, src, dst, value, ok in world.moves:
        if ok and value and src in collector:
            sent_to[src].add(dst)
    assert sent_to
    assert all(receivers == {collector[src]} for src, receivers in sent_to.items())


def test_a_batch_exchange_sweeps_several_deposits_at_once(world):
    batch = [e for e in world.truth["exchanges"].values() if e["batch_sweeps"]]
    assert batch
    deposits = set(batch[0]["deposit_addresses"])
    counts = defaultdict(lambda: [0, 0])
    for *_, src, dst, value, ok in world.moves:
        if ok and value:
            if dst in deposits:
                counts[dst][0] += 1
            if src in deposits:
                counts[src][1] += 1
    assert any(ins > outs > 0 for ins, outs in counts.values())


def test_perpetrators_appear_in_transfers_and_in_clusters(world):
    seen = {m[4] for m in world.moves} | {m[5] for m in world.moves}
    roles = defaultdict(set)
    for perpetrator in world.truth["perpetrators"]:
        assert perpetrator["address"] in seen
        roles[perpetrator["role"]].add(perpetrator["address"])
    assert set(roles) == {"collection", "consolidator", "peel_hop", "gas_feeder", "payout"}
    for cluster in world.truth["clusters"]:
        assert set(cluster["consolidators"]) <= roles["consolidator"]
        for chain in cluster["peel_chains"]:
            low, high = world.truth["config"]["peel_hops"]
            assert low <= len(chain["hops"]) <= high and set(chain["hops"]) <= roles["peel_hop"]


def test_peel_hops_forward_most_of_what_they_hold(world):
    low, high = world.truth["config"]["peel_keep"]
    sent = defaultdict(dict)
    for *_, asset, src, dst, value, ok in world.moves:
        if asset == world.usdt and ok:
            sent[src][dst] = value
    kinds = defaultdict(int)
    for cluster in world.truth["clusters"]:
        for chain in cluster["peel_chains"]:
            kinds["end:" + chain["end"]["kind"]] += 1
            peels = {peel["from"]: peel for peel in chain["peels"]}
            for hop, following in itertools.pairwise(chain["hops"]):
                peel = peels.get(hop)
                assert set(sent[hop]) == {following} | ({peel["to"]} if peel else set())
                forwarded = sent[hop][following]
                held = forwarded + (peel["amount"] if peel else 0)
                assert low * held - 10**6 <= forwarded <= high * held + 10**6 or held < 5 * 10**6
            for peel in chain["peels"]:
                kinds[peel["to_kind"]] += 1
                assert sent[peel["from"]][peel["to"]] == peel["amount"]
    assert kinds["deposit"] and kinds["merchant"] and kinds["end:otc_desk"]


def test_every_gas_funded_scam_address_got_ether_before_sending_tokens(world):
    feeders = {c["gas_feeder"] for c in world.truth["clusters"]}
    senders = {
        p["address"] for p in world.truth["perpetrators"] if p["role"] in {"collection", "consolidator", "peel_hop"}
    }
    first_gas, first_send = {}, {}
    for block, index, _, asset, src, dst, _, ok in world.moves:
        if asset == "ETH" and src in feeders and ok:
            first_gas.setdefault(dst, (block, index))
        if asset == world.usdt and src in senders:
            first_send.setdefault(src, (block, index))
    assert first_send
    assert all(first_gas[address] < when for address, when in first_send.items())


def test_funds_at_rest_are_still_there(world):
    at_rest = world.truth["funds_at_rest"]
    assert at_rest
    balances = world.final_balances()
    for row in at_rest:
        assert balances[(row["address"], world.usdt)] == row["amount"] > 0


# --- victims, reports, poisoning, spam ------------------------------------------------------


def test_reports_match_their_expected_verdicts(world):
    expected = {r["report_id"]: r for r in world.truth["reports"]}
    rows = world.csv("reports.csv")
    assert rows.columns == [
        "report_id",
        "reported_at",
        "chain",
        "asset",
        "tx_hash",
        "victim_address",
        "scam_address",
        "amount",
    ]
    assert sorted(expected) == sorted(rows["report_id"])
    reasons = set()
    for row in rows.iter_rows(named=True):
        verdict = expected[row["report_id"]]
        reasons.add(verdict["reason"])
        amount = int(Decimal(row["amount"]).scaleb(DECIMALS[row["asset"]]))
        assert len(row["amount"].partition(".")[2]) <= DECIMALS[row["asset"]]
        if verdict["reason"] == "bad_tx_hash":
            assert not TX_HASH.match(row["tx_hash"])
            continue
        assert TX_HASH.match(row["tx_hash"])
        assert row["scam_address"] == to_checksum_address(row["scam_address"])
        if verdict["reason"] == "bad_checksum":
            assert row["victim_address"] != to_checksum_address(row["victim_address"])
            continue
        assert row["victim_address"] == to_checksum_address(row["victim_address"])
        if verdict["reason"] == "tx_not_found":
            assert row["tx_hash"] not in world.tx_by_hash
            continue
        if row["asset"] == "ETH":
            move = world.tx_by_hash[row["tx_hash"]]
        else:
            move = world.transfer_by_hash[row["tx_hash"]]
            assert move["token_address"] == world.usdt
        assert move["from_address"] == row["victim_address"].lower()
        assert move["to_address"] == row["scam_address"].lower()
        assert (int(move["value"]) == amount) == (verdict["reason"] is None)
        assert verdict["expected"] == ("accepted" if verdict["reason"] is None else "refused")
    assert reasons == {None, "bad_tx_hash", "bad_checksum", "tx_not_found", "amount_mismatch"}


def test_some_victims_never_report(world):
    reporting = {a.lower() for a in world.csv("reports.csv")["victim_address"]}
    victims = world.truth["victims"]
    silent = [v for v in victims if not v["reported"]]
    assert silent and any(v["reported"] for v in victims)
    assert not {v["address"] for v in silent} & reporting
    assert {v["address"] for v in victims if v["reported"]} == reporting


def test_victims_get_a_fake_profit_above_their_first_payment(world):
    for victim in world.truth["victims"]:
        first, profit = victim["payments"][0], victim["profits_received"][0]
        assert profit["amount"] > first["amount"] and profit["block_number"] >= first["block_number"]
        assert max(p["amount"] for p in victim["payments"] if p["asset"] == "USDT") > profit["amount"]


def test_reports_are_made_after_the_payment(world):
    paid_at = dict(zip(world.transactions["hash"], world.transactions["block_timestamp"].cast(pl.Int64), strict=True))
    checked = 0
    for row in world.csv("reports.csv").iter_rows(named=True):
        reported = datetime.strptime(row["reported_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
        if row["tx_hash"] in paid_at:
            assert reported > paid_at[row["tx_hash"]]
            checked += 1
    assert checked


def test_poisoning_uses_lookalikes_of_paid_scam_addresses(world):
    poisonings = world.truth["poisoning"]
    assert {p["kind"] for p in poisonings} == {"zero_value", "fake_token"}
    paid = {(v["address"], p["to"]) for v in world.truth["victims"] for p in v["payments"]}
    fake = world.truth["assets"]["fake_usdt"]["address"]
    for poisoning in poisonings:
        lookalike, imitated = poisoning["lookalike"], poisoning["imitates"]
        assert (poisoning["victim"], imitated) in paid
        assert lookalike != imitated and lookalike[:6] == imitated[:6] and lookalike[-4:] == imitated[-4:]
        transfer = world.transfer_by_hash[poisoning["tx_hash"]]
        assert int(transfer["log_index"]) == poisoning["log_index"]
        if poisoning["kind"] == "zero_value":
            assert transfer["value"] == "0" and transfer["token_address"] == world.usdt
            assert (transfer["from_address"], transfer["to_address"]) == (poisoning["victim"], lookalike)
            assert world.tx_by_hash[poisoning["tx_hash"]]["from_address"] != poisoning["victim"]
        else:
            assert transfer["token_address"] == fake and int(transfer["value"]) > 0
            assert (transfer["from_address"], transfer["to_address"]) == (lookalike, poisoning["victim"])


def test_spam_amounts_above_2_to_the_255_round_trip(world):
    spam = world.truth["assets"]["spam_token"]["address"]
    values = [int(v) for v in world.transfers.filter(pl.col("token_address") == spam)["value"]]
    assert values and all(2**255 < v < 2**256 for v in values)
    tokens = world.csv("tokens.csv")
    assert set(tokens["address"]) == {world.usdt, spam, world.truth["assets"]["fake_usdt"]["address"]}


def test_tags_name_only_public_services(world):
    tags = world.csv("tags.csv")
    assert tags.columns == ["address", "label", "category", "actor", "source", "confidence"]
    hot = {w for e in world.truth["exchanges"].values() for w in e["hot_wallets"]}
    assert set(tags.filter(pl.col("category") == "exchange")["address"]) == hot
    hidden = {p["address"] for p in world.truth["perpetrators"]} | {s["address"] for s in world.truth["services"]}
    hidden |= {d for e in world.truth["exchanges"].values() for d in e["deposit_addresses"]}
    assert not hidden & set(tags["address"])


def test_the_gas_rental_also_funds_scam_addresses(world):
    rental = next(s for s in world.truth["services"] if s["kind"] == "gas_rental")
    customers = {m[5] for m in world.moves if m[4] == rental["address"] and m[3] == "ETH"}
    assert set(rental["funded_perpetrators"]) <= customers
    assert len(customers) > 10 * len(rental["funded_perpetrators"])


# --- confounders ----------------------------------------------------------------------------

from tracers.simulate.config import CONFOUNDERS  # noqa: E402
from tracers.simulate.confounders import confounder_config  # noqa: E402

CONFOUNDED_SEED = 100


@pytest.fixture(scope="module")
def confounded(tmp_path_factory) -> dict[str, World]:
    """One small world per confounder, with only that one on, and one with all of them on."""
    worlds = {}
    for name in (*CONFOUNDERS, "all"):
        config = confounder_config(CONFOUNDED_SEED, confounders=CONFOUNDERS if name == "all" else (name,))
        worlds[name] = _build(tmp_path_factory, config, name)
    return worlds


def _usdt_moves(world: World) -> list[tuple]:
    return [m for m in world.moves if m[3] == world.usdt and m[7] and m[6] > 0]


def _roles(world: World) -> dict[str, set[str]]:
    roles = defaultdict(set)
    for perpetrator in world.truth["perpetrators"]:
        roles[perpetrator["role"]].add(perpetrator["address"])
    return roles


def _marked(entries: list[dict], name: str) -> set[str]:
    return {entry.get("address") or entry.get("deposit_address") for entry in entries if name in entry["confounders"]}


def _hot_wallets(world: World) -> set[str]:
    return {wallet for exchange in world.truth["exchanges"].values() for wallet in exchange["hot_wallets"]}


def test_an_unknown_confounder_is_refused_with_the_valid_names():
    with pytest.raises(SimulationConfigError, match="'peel_noise'.*split_sweeps"):
        SimulationConfig(confounders=("peel_noise",))


def test_confounder_worlds_are_deterministic(confounded, tmp_path):
    again = tmp_path / "again"
    simulate(again, confounder_config(CONFOUNDED_SEED, confounders=CONFOUNDERS))
    assert _digests(again) == _digests(confounded["all"].path)


def test_each_confounder_is_on_in_a_third_of_the_random_worlds():
    configs = [confounder_config(seed) for seed in range(100, 130)]
    assert configs == [confounder_config(seed) for seed in range(100, 130)]
    for name in CONFOUNDERS:
        assert sum(name in config.confounders for config in configs) >= 10, name
    for config in configs:
        assert 10 <= config.victims <= 25 and 100 <= config.users <= 200 and 3000 <= config.transfers <= 6000


def test_one_confounder_does_not_shift_the_others_parameters(confounded):
    everything = confounded["all"].truth["confounders"]
    for name in CONFOUNDERS:
        assert confounded[name].truth["confounders"] == {name: everything[name]}


@pytest.mark.parametrize("name", [*CONFOUNDERS, "all"])
def test_confounded_books_balance_and_truth_matches_the_files(confounded, name):
    world = confounded[name]
    test_nobody_spends_more_than_they_hold(world)
    test_every_truth_move_is_in_the_files(world)
    test_scam_deposits_add_up_and_belong_to_their_exchange(world)
    test_deposit_addresses_sweep_only_to_their_exchange(world)
    test_reports_match_their_expected_verdicts(world)
    test_log_indexes_and_nonces_are_ordered(world)
    assert world.summary.transfers == world.truth["config"]["transfers"]
    last = world.truth["blocks"]["last"]
    assert all(int(b) <= last for b in world.transactions["block_number"])


def test_consolidator_profits_pay_victims_from_consolidators_and_collections(confounded):
    world = confounded["consolidator_profits"]
    roles, victims = _roles(world), {v["address"] for v in world.truth["victims"]}
    paid = defaultdict(set)
    for *_, src, dst, _, _ in _usdt_moves(world):
        if dst in victims and (src in roles["consolidator"] or src in roles["collection"]):
            paid[src].add(dst)
    consolidators = [src for src in paid if src in roles["consolidator"]]
    assert consolidators and max(len(paid[c]) for c in consolidators) >= 5
    marked = _marked(world.truth["perpetrators"], "consolidator_profits")
    assert set(consolidators) <= marked and marked & roles["collection"]
    assert marked <= set(paid)  # collections also pay a second profit without the confounder
    marked_victims = _marked(world.truth["victims"], "consolidator_profits")
    assert {victim for c in consolidators for victim in paid[c]} <= marked_victims
    for victim in world.truth["victims"]:
        if victim["address"] in marked_victims:
            assert len(victim["profits_received"]) >= 2


def test_split_sweeps_send_one_collection_to_several_consolidators(confounded):
    world = confounded["split_sweeps"]
    roles = _roles(world)
    receivers = defaultdict(set)
    for *_, src, dst, _, _ in _usdt_moves(world):
        if src in roles["collection"] and dst in roles["consolidator"]:
            receivers[src].add(dst)
    splitting = {src for src, dsts in receivers.items() if len(dsts) >= 2}
    assert splitting and splitting <= _marked(world.truth["perpetrators"], "split_sweeps")
    assert all(len(cluster["consolidators"]) >= 2 for cluster in world.truth["clusters"])


def test_busy_collection_is_paid_by_many_mostly_silent_victims(confounded):
    world = confounded["busy_collection"]
    victims = {v["address"]: v for v in world.truth["victims"]}
    payers = defaultdict(set)
    for *_, src, dst, _, _ in _usdt_moves(world):
        if src in victims:
            payers[dst].add(src)
    busy, crowd = max(payers.items(), key=lambda item: len(item[1]))
    assert len(crowd) >= 30 and busy in _roles(world)["collection"]
    assert busy in _marked(world.truth["perpetrators"], "busy_collection")
    marked = _marked(world.truth["victims"], "busy_collection")
    assert 30 <= len(marked) <= 80 and marked <= crowd
    assert sum(not victims[v]["reported"] for v in marked) > len(marked) / 2
    swept = {dst for *_, src, dst, _, _ in _usdt_moves(world) if src == busy and dst not in victims}
    assert swept and swept <= _roles(world)["consolidator"]


def test_deposit_as_platform_victims_pay_a_mule_deposit_they_report(confounded):
    world = confounded["deposit_as_platform"]
    deposits = {d["deposit_address"]: d for d in world.truth["scam_deposits"]}
    marked = _marked(world.truth["victims"], "deposit_as_platform")
    assert 1 <= len(marked) <= 3
    direct = {(src, dst) for *_, src, dst, _, _ in _usdt_moves(world) if src in marked and dst in deposits}
    assert {src for src, _ in direct} == marked
    for _, deposit in direct:
        assert "deposit_as_platform" in deposits[deposit]["confounders"]
        assert any(t["from"] in marked for t in deposits[deposit]["transfers"])
    reported = {r["scam_address"].lower() for r in world.csv("reports.csv").iter_rows(named=True)}
    assert {deposit for _, deposit in direct} <= reported


def test_exchange_funded_victims_pay_within_minutes_or_from_the_hot_wallet(confounded):
    world = confounded["exchange_funded_victims"]
    hot, collections = _hot_wallets(world), _roles(world)["collection"]
    marked = _marked(world.truth["victims"], "exchange_funded_victims")
    direct = marked & hot
    assert 1 <= len(direct) <= 2
    assert any(src in direct and dst in collections for *_, src, dst, _, _ in _usdt_moves(world))
    reported = {r["victim_address"].lower() for r in world.csv("reports.csv").iter_rows(named=True)}
    assert direct <= reported
    bought = {}
    quick = 0
    for block, _, _, _, src, dst, value, _ in _usdt_moves(world):
        if src in hot and dst in marked:
            bought[dst] = (block, value)
        elif src in bought and dst in collections:
            at, amount = bought.pop(src)
            quick += block - at <= 150 and 990 * amount <= 1000 * value
    assert quick


def test_exchange_profits_come_from_a_hot_wallet(confounded):
    world = confounded["exchange_profits"]
    hot = _hot_wallets(world)
    marked = _marked(world.truth["victims"], "exchange_profits")
    assert marked
    for victim in world.truth["victims"]:
        from_exchange = [p for p in victim["profits_received"] if p["from"] in hot]
        assert bool(from_exchange) == (victim["address"] in marked)


def test_mule_mixing_deposits_take_money_from_many_outsiders(confounded):
    world = confounded["mule_mixing"]
    insiders = {p["address"] for p in world.truth["perpetrators"]} | {v["address"] for v in world.truth["victims"]}
    mixed = [d for d in world.truth["scam_deposits"] if "mule_mixing" in d["confounders"]]
    assert mixed
    for deposit in mixed:
        senders = {src for *_, src, dst, _, _ in _usdt_moves(world) if dst == deposit["deposit_address"]}
        assert len(senders - insiders) >= 5
        assert deposit["tolerance"] == deposit["non_victim_amount"] == deposit["total_received"] - deposit[
            "victim_amount"] > 0
    decoys = set(world.truth["confounder_decoys"]["mule_mixing"])
    assert decoys and not decoys & insiders


def test_shared_broker_deposit_counts_only_this_cases_money(confounded):
    world = confounded["shared_broker"]
    other = {o["address"] for o in world.truth["other_scam"]}
    assert other and not other & {p["address"] for p in world.truth["perpetrators"]}
    broker = [d for d in world.truth["scam_deposits"] if "shared_broker" in d["confounders"]]
    assert len(broker) == 1
    deposit = broker[0]["deposit_address"]
    inflow = sum(value for *_, src, dst, value, _ in _usdt_moves(world) if dst == deposit)
    from_other = sum(value for *_, src, dst, value, _ in _usdt_moves(world) if dst == deposit and src in other)
    assert from_other > 0 and broker[0]["victim_amount"] + from_other <= inflow
    assert broker[0]["victim_amount"] < inflow and broker[0]["tolerance"] == 0


def test_noisy_peels_forward_less_wait_longer_and_split(confounded):
    world = confounded["noisy_peels"]
    sent = defaultdict(dict)
    when = {}
    for block, _, _, asset, src, dst, value, ok in world.moves:
        if asset == world.usdt and ok and value:
            sent[src][dst] = value
            when.setdefault((src, "out"), block)
            when.setdefault((dst, "in"), block)
    chains = [chain for cluster in world.truth["clusters"] for chain in cluster["peel_chains"]]
    hops = {hop for chain in chains for hop in chain["hops"]}
    shares, waits = [], []
    for chain in chains:
        for hop, following in itertools.pairwise(chain["hops"]):
            if following in sent[hop]:
                shares.append(sent[hop][following] / sum(sent[hop].values()))
                waits.append(when[(hop, "out")] - when[(hop, "in")])
    assert min(shares) < 0.70 and max(waits) > 7200
    assert any(chain["source"] in hops for chain in chains)  # a branch split off a hop
    assert hops <= _marked(world.truth["perpetrators"], "noisy_peels") | {
        h for c in chains for h in c["hops"][-1:]}


def test_poison_tiny_sends_tiny_real_usdt_to_victims_and_collections(confounded):
    world = confounded["poison_tiny"]
    tiny = [p for p in world.truth["poisoning"] if p["kind"] == "tiny_usdt"]
    assert any(p["victim"] for p in tiny) and any(p["victim"] is None for p in tiny)
    collections = _roles(world)["collection"]
    for poisoning in tiny:
        transfer = world.transfer_by_hash[poisoning["tx_hash"]]
        assert transfer["token_address"] == world.usdt and 1_000 <= int(transfer["value"]) <= 500_000
        assert (transfer["from_address"], transfer["to_address"]) == (poisoning["lookalike"], poisoning["target"])
        assert poisoning["lookalike"][:6] == poisoning["imitates"][:6] != poisoning["lookalike"]
        assert poisoning["target"] in collections if poisoning["victim"] is None else True
    assert {p["target"] for p in tiny} == _marked(world.truth["victims"], "poison_tiny") | _marked(
        world.truth["perpetrators"], "poison_tiny")


def test_exchange_gas_comes_from_hot_wallets_to_scam_addresses(confounded):
    world = confounded["exchange_gas"]
    hot = _hot_wallets(world)
    scam = {p["address"] for p in world.truth["perpetrators"] if p["role"] != "gas_feeder"}
    gassed = {dst for _, _, _, asset, src, dst, _, ok in world.moves if asset == "ETH" and ok and src in hot}
    gassed &= scam
    assert gassed and gassed == _marked(world.truth["perpetrators"], "exchange_gas")


def test_thirty_random_confounded_worlds_build_and_balance(tmp_path):
    for seed in range(100, 130):
        config = confounder_config(seed)
        world = World(tmp_path / str(seed), simulate(tmp_path / str(seed), config))
        test_nobody_spends_more_than_they_hold(world)
        assert set(world.truth["confounders"]) == set(config.confounders)


def test_the_simulate_command_switches_confounders_on_by_name_or_at_random(tmp_path):
    from typer.testing import CliRunner

    from tracers.cli import app

    runner = CliRunner()
    named = runner.invoke(app, ["simulate", str(tmp_path / "named"), "--seed", "3", "--victims", "8", "--users", "60",
                                "--transfers", "2000", "--confounders", "split_sweeps,noisy_peels"])
    assert named.exit_code == 0, named.output
    truth = json.loads((tmp_path / "named" / "truth.json").read_text())
    assert set(truth["confounders"]) == {"split_sweeps", "noisy_peels"} and truth["config"]["victims"] == 8
    drawn = runner.invoke(app, ["simulate", str(tmp_path / "random"), "--seed", "104", "--confounders", "random"])
    assert drawn.exit_code == 0, drawn.output
    truth = json.loads((tmp_path / "random" / "truth.json").read_text())
    assert set(truth["confounders"]) == set(confounder_config(104).confounders)
    refused = runner.invoke(app, ["simulate", str(tmp_path / "bad"), "--confounders", "bogus"])
    assert refused.exit_code == 1 and "noisy_peels" in refused.output
    help_text = runner.invoke(app, ["simulate", "--help"]).output
    assert "--confounders" in help_text and all(name in help_text for name in CONFOUNDERS)


# --- ways out of USDT: a DEX pool, a mixer, a bridge ----------------------------------------

WETH_SEED = 101  # swap_then_peel draws via_weth on this seed (CONFOUNDED_SEED draws the native pool)
UNTAGGED_MIXER_SEED = 103  # mixer_deposits draws an untagged mixer here (tagged on CONFOUNDED_SEED)


@pytest.fixture(scope="module")
def weth_world(tmp_path_factory) -> World:
    return _build(tmp_path_factory, confounder_config(WETH_SEED, confounders=("swap_then_peel",)), "weth")


@pytest.fixture(scope="module")
def untagged_mixer(tmp_path_factory) -> World:
    return _build(tmp_path_factory, confounder_config(UNTAGGED_MIXER_SEED, confounders=("mixer_deposits",)), "mix")


def _logs(world: World, tx_hash: str) -> list[dict]:
    return sorted((t for t in world.transfers.iter_rows(named=True) if t["transaction_hash"] == tx_hash),
                  key=lambda t: int(t["log_index"]))


def _internal(world: World, tx_hash: str) -> list[dict]:
    return [t for t in world.internal.iter_rows(named=True) if t["transaction_hash"] == tx_hash]


def _ether_deposits(world: World, name: str) -> list[dict]:
    return [d for d in world.truth["scam_deposits"] if d["asset"] == "native" and name in d["confounders"]]


def _assert_swept_within_12_hours(world: World, deposits: list[dict]) -> None:
    """Each ether deposit reaches its exchange's collector less at most 0.01 ETH within 12 h."""
    collectors = {name: e["collector"] for name, e in world.truth["exchanges"].items()}
    for deposit in deposits:
        outs = [(b, v) for b, *_, src, dst, v, ok in world.moves if ok and src == deposit["deposit_address"]]
        assert all(dst == collectors[deposit["exchange"]] for *_, src, dst, _, ok in world.moves
                   if ok and src == deposit["deposit_address"])
        for transfer in deposit["transfers"]:
            assert any(0 <= block - transfer["block_number"] <= 3600 and 0 < transfer["amount"] - value <= 10**16
                       for block, value in outs), transfer


def test_swap_then_peel_swaps_usdt_for_internal_ether_at_a_busy_untagged_pool(confounded):
    world = confounded["swap_then_peel"]
    (pool,) = world.truth["pools"]
    (swap,) = pool["case_swaps"]
    rate = pool["usdt_per_eth"]
    assert 2000 <= rate <= 4000 and pool["pair"] == ["USDT", "ETH"] and not pool["tagged"]
    assert swap["usdt_in"]["tx_hash"] == swap["out"]["tx_hash"]
    tx = world.tx_by_hash[swap["out"]["tx_hash"]]
    assert (tx["from_address"], tx["to_address"], tx["value"]) == (swap["hop"], pool["address"], "0")
    (log,) = _logs(world, tx["hash"])
    assert (log["token_address"], log["from_address"], log["to_address"]) == (world.usdt, swap["hop"], pool["address"])
    assert int(log["value"]) == swap["usdt_in"]["amount"]
    calls = world.traces.filter(pl.col("transaction_hash") == tx["hash"]).sort("trace_address")
    assert calls["trace_address"].to_list() == ["", "0"] and calls["call_type"].to_list() == ["call", "call"]
    root, internal = calls.iter_rows(named=True)
    assert (root["from_address"], root["to_address"], root["value"], root["subtraces"]) == (
        swap["hop"], pool["address"], "0", "1")
    assert (internal["from_address"], internal["to_address"], internal["status"]) == (pool["address"], swap["hop"], "1")
    assert int(internal["value"]) == swap["out"]["amount"] == swap["usdt_in"]["amount"] * 10**12 // rate
    traders = {t["to_address"] for t in world.internal.iter_rows(named=True) if t["from_address"] == pool["address"]}
    traders |= {m[4] for m in world.moves if m[5] == pool["address"] and m[3] == "ETH"}
    assert len(traders) >= 20  # a busy pool: people buy and sell ether there
    scam = {p["address"] for p in world.truth["perpetrators"]}
    assert pool["address"] not in scam and not set(world.truth["confounder_decoys"]["swap_then_peel"]) & scam
    assert pool["address"] not in set(world.csv("tags.csv")["address"])


def test_swap_then_peel_peels_ether_into_deposits_that_sweep_it_minus_gas(confounded):
    world = confounded["swap_then_peel"]
    (swap,) = world.truth["pools"][0]["case_swaps"]
    deposits = _ether_deposits(world, "swap_then_peel")
    assert deposits
    for deposit in deposits:
        for transfer in deposit["transfers"]:
            tx = world.tx_by_hash[transfer["tx_hash"]]
            assert (tx["to_address"], int(tx["value"]), transfer["asset"]) == (
                deposit["deposit_address"], transfer["amount"], "native")
    _assert_swept_within_12_hours(world, deposits)
    chain = next(c for cl in world.truth["clusters"] for c in cl["peel_chains"] if swap["hop"] in c["hops"])
    after = chain["hops"][chain["hops"].index(swap["hop"]):]
    assert set(after) <= _marked(world.truth["perpetrators"], "swap_then_peel")
    ether_out = sum(p["amount"] for p in [*chain["peels"], chain["end"]] if p.get("asset") == "ETH")
    at_rest = sum(r["amount"] for r in world.truth["funds_at_rest"] if r["asset"] == "ETH" and r["address"] in after)
    assert ether_out + at_rest == swap["out"]["amount"]  # the swapped ether, all accounted for
    assert sum(d["victim_amount"] for d in deposits) <= swap["out"]["amount"]


def test_swap_then_peel_via_weth_unwraps_before_peeling(weth_world):
    world = weth_world
    (pool,) = world.truth["pools"]
    weth = world.truth["assets"]["weth"]["address"]
    assert pool["pair"] == ["USDT", "WETH"] and weth == "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2" == pool["weth"]
    (swap,) = pool["case_swaps"]
    logs = _logs(world, swap["usdt_in"]["tx_hash"])
    assert [(t["token_address"], t["from_address"], t["to_address"]) for t in logs] == [
        (world.usdt, swap["hop"], pool["address"]), (weth, pool["address"], swap["hop"])]
    assert int(logs[1]["value"]) == swap["out"]["amount"] == swap["usdt_in"]["amount"] * 10**12 // pool["usdt_per_eth"]
    unwrap = world.tx_by_hash[swap["unwrap"]["tx_hash"]]
    assert (unwrap["from_address"], unwrap["to_address"], unwrap["value"]) == (swap["hop"], weth, "0")
    assert unwrap["input"].startswith("0x2e1a7d4d") and not _logs(world, unwrap["hash"])
    (back,) = _internal(world, unwrap["hash"])
    assert (back["from_address"], back["to_address"], int(back["value"])) == (weth, swap["hop"], swap["out"]["amount"])
    assert int(unwrap["block_number"]) > swap["usdt_in"]["block_number"]
    assert weth in set(world.csv("tokens.csv")["address"])
    _assert_swept_within_12_hours(world, _ether_deposits(world, "swap_then_peel"))
    test_nobody_spends_more_than_they_hold(world)


def test_mixer_deposits_take_equal_notes_among_strangers_and_relay_withdrawals(confounded):
    world = confounded["mixer_deposits"]
    (mixer,) = world.truth["mixers"]
    address = mixer["address"]
    notes = [m for m in world.moves if m[5] == address and m[3] == "ETH" and m[7]]
    assert {m[6] for m in notes} <= {10**17, 10**18, 10**19} and len({m[4] for m in notes}) >= 20
    case = mixer["deposits"]
    assert len(case) >= 2 and len({d["amount"] for d in case}) == 1 and len({d["from"] for d in case}) == 1
    assert mixer["victim_amount"] == sum(d["amount"] for d in case)
    for deposit in case:
        tx = world.tx_by_hash[deposit["tx_hash"]]
        assert (tx["from_address"], tx["to_address"], int(tx["value"])) == (deposit["from"], address, deposit["amount"])
        assert tx["input"].startswith("0xb214faa5")
    assert case[0]["from"] in _marked(world.truth["perpetrators"], "mixer_deposits")
    relayers = set(mixer["relayers"])
    withdrawals = world.traces.filter(pl.col("to_address") == address, pl.col("trace_address") == "")
    assert withdrawals.height and set(withdrawals["from_address"]) <= relayers
    decoys = set(world.truth["confounder_decoys"]["mixer_deposits"])
    paid = {d["withdrawn_to"] for d in case if d["withdrawn_to"]}
    assert paid and paid <= decoys
    for recipient in paid:
        (out,) = [t for t in world.internal.iter_rows(named=True) if t["to_address"] == recipient]
        assert out["from_address"] == address and world.tx_by_hash[out["transaction_hash"]]["from_address"] in relayers
    assert not decoys & {p["address"] for p in world.truth["perpetrators"]}
    tags = world.csv("tags.csv").filter(pl.col("address") == address)
    assert mixer["tagged"] and tags["category"].to_list() == ["mixing_service"]


def test_an_untagged_mixer_is_not_in_the_tags(untagged_mixer):
    (mixer,) = untagged_mixer.truth["mixers"]
    assert not mixer["tagged"] and mixer["deposits"]
    assert mixer["address"] not in set(untagged_mixer.csv("tags.csv")["address"])
    test_nobody_spends_more_than_they_hold(untagged_mixer)


def test_bridge_deposit_moves_usdt_into_a_tagged_bridge(confounded):
    world = confounded["bridge_deposit"]
    (bridge,) = world.truth["bridges"]
    (deposit,) = bridge["deposits"]
    tx = world.tx_by_hash[deposit["tx_hash"]]
    assert (tx["from_address"], tx["to_address"]) == (deposit["from"], bridge["address"])
    (log,) = _logs(world, tx["hash"])
    assert (log["token_address"], log["from_address"], log["to_address"], int(log["value"])) == (
        world.usdt, deposit["from"], bridge["address"], deposit["amount"])
    assert bridge["victim_amount"] == deposit["amount"]
    assert deposit["from"] in _marked(world.truth["perpetrators"], "bridge_deposit")
    (tag,) = world.csv("tags.csv").filter(pl.col("address") == bridge["address"]).iter_rows(named=True)
    assert tag["category"] == "defi_bridge" and tag["label"] == f"{bridge['destination_chain']} bridge"
    senders = {src for *_, src, dst, _, _ in _usdt_moves(world) if dst == bridge["address"]}
    assert len(senders) >= 10


def test_worlds_without_ways_out_write_no_traces(small, confounded):
    assert not (small.path / "traces.csv").exists()
    assert not (confounded["bridge_deposit"].path / "traces.csv").exists()
    assert confounded["all"].csv("traces.csv").columns == TRACE_COLUMNS
    for name in ("consolidator_profits", "noisy_peels"):
        assert confounded[name].truth["pools"] == confounded[name].truth["mixers"] == []


def test_existing_seeds_keep_their_sizes_and_first_confounders():
    # drawn before swap_then_peel, mixer_deposits and bridge_deposit joined CONFOUNDERS
    before = {
        104: (21, 101, 5395, 48, ("busy_collection", "exchange_funded_victims", "exchange_profits", "mule_mixing",
                                  "shared_broker", "noisy_peels")),
        200: (14, 108, 3404, 47, ("consolidator_profits", "split_sweeps", "busy_collection", "exchange_funded_victims",
                                  "exchange_profits", "shared_broker", "noisy_peels")),
    }
    for seed, (victims, users, transfers, days, names) in before.items():
        config = confounder_config(seed)
        assert (config.victims, config.users, config.transfers, config.days) == (victims, users, transfers, days)
        assert tuple(n for n in config.confounders if CONFOUNDERS.index(n) < 11) == names
