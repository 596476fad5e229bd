"""The TronGrid source: the pure mapper on replies in the real format, slots and positions as
documented, addresses normalised and bad ones refused, fingerprint paging, and fault-injected runs
that equal fault-free ones and the world's own rows (the world's addresses mapped to Tron)."""

from __future__ import annotations

import json
import logging
import random
import traceback
from datetime import UTC, datetime

import pytest
import requests

from conftest import MiniChain, write_csv
from fakes.tron_server import USDT_ETHEREUM, USDT_TRON, TronServer, tron_of
from fakes.world import FakeClock, Faults, World
from tracers.chains import KNOWN_TOKENS, resolve_asset, tron_hex_to_base58
from tracers.errors import AddressError, SourceError
from tracers.simulate import SimulationConfig, simulate
from tracers.sources.explorer import unindexed_position
from tracers.sources.tron import SLOT_MS, TronGridSource, map_trc20, map_trc20_items, slot_of, slot_range_ms
from tracers.store.write import write_fetch
from tracers.sources.retry import RetryPolicy

KEY = "TRON-SEKRET-456"
HUGE = 2**255 + 7


def source(server, *, key=KEY, **options) -> TronGridSource:
    clock = FakeClock()
    options.setdefault("timeout", 0.3)
    return TronGridSource(server.url, key, session=requests.Session(), clock=clock, sleep=clock.sleep,
                          rng=random.Random(5), **options)


# -- the mapper on recorded-format items -------------------------------------------------------

REPLY = json.loads("""{"data":[
 {"transaction_id":"a3c1f3d2e4b5a6978877665544332211aabbccddeeff00112233445566778899",
  "token_info":{"symbol":"USDT","address":"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t","decimals":6,"name":"Tether USD"},
  "block_timestamp":1767571344000,"from":"TJRabPrwbZy45sbavfcjinPJC18kjpRTv8",
  "to":"TLCuBEirVzB6V4menLZKw1jfBTFMZbuKq7","type":"Transfer","value":"766140000"},
 {"transaction_id":"A3C1F3D2E4B5A6978877665544332211AABBCCDDEEFF00112233445566778899",
  "token_info":{"symbol":"USDT","address":"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t","decimals":6,"name":"Tether USD"},
  "block_timestamp":1767571344000,"from":"TLCuBEirVzB6V4menLZKw1jfBTFMZbuKq7",
  "to":"TJRabPrwbZy45sbavfcjinPJC18kjpRTv8","type":"Transfer","value":"57896044618658097711785492504343953926634992332820282019728792003956564819975"},
 {"transaction_id":"b3c1f3d2e4b5a6978877665544332211aabbccddeeff00112233445566778899",
  "token_info":{"symbol":"USDT","address":"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t","decimals":6,"name":"Tether USD"},
  "block_timestamp":1767571347000,"from":"TJRabPrwbZy45sbavfcjinPJC18kjpRTv8",
  "to":"TLCuBEirVzB6V4menLZKw1jfBTFMZbuKq7","type":"Approval","value":"0"}],
 "success":true,"meta":{"at":1767571400000,"page_size":3}}""")


def test_a_trc20_item_maps_to_a_token_transfer_on_the_slot_of_its_timestamp():
    transfer, token = map_trc20(REPLY["data"][0], 4)
    assert transfer.chain == "tron" and transfer.kind == "token" and transfer.asset == USDT_TRON
    assert transfer.tx_hash == "a3c1f3d2e4b5a6978877665544332211aabbccddeeff00112233445566778899"
    assert transfer.block_number == 1767571344000 // 3000 and transfer.tx_index is None
    assert transfer.block_time == datetime(2026, 1, 5, 0, 2, 24, tzinfo=UTC)
    assert (transfer.from_address, transfer.to_address) == ("TJRabPrwbZy45sbavfcjinPJC18kjpRTv8",
                                                            "TLCuBEirVzB6V4menLZKw1jfBTFMZbuKq7")
    assert transfer.amount == 766140000 and transfer.position == 4
    assert (token.symbol, token.decimals, token.name) == ("USDT", 6, "Tether USD")


def test_values_above_2_255_stay_exact_and_approvals_are_not_transfers():
    mapped = map_trc20_items(REPLY["data"])
    assert len(mapped) == 2  # the Approval is dropped
    assert mapped[1][0].amount == HUGE
    assert mapped[1][0].tx_hash == mapped[0][0].tx_hash  # upper-case id normalised


def test_usdt_trc20_is_a_known_token():
    usdt = resolve_asset("tron", "USDT")
    assert usdt.address == USDT_TRON and usdt.decimals == 6 and usdt.issuer == "Tether"
    assert any(t.chain == "tron" and t.address == USDT_TRON for t in KNOWN_TOKENS)


def test_slots_are_three_second_steps_of_the_block_timestamp():
    assert SLOT_MS == 3000
    assert slot_of(1767571344000) == 589190448 and slot_of(1767571346999) == 589190448
    assert slot_of(1767571347000) == 589190449
    assert slot_range_ms(10, 12) == (30_000, 38_999)  # both ends included


def test_positions_are_the_same_from_every_address_view_of_a_transaction():
    """A → B → C in one transaction: an index among the items each address sees would number both
    transfers 0 from A's and C's side; the documented position depends on the transfer alone."""
    a, b, c = (tron_hex_to_base58("0x" + f"{i:040x}") for i in (1, 2, 3))
    base = {"transaction_id": "cc" * 32, "block_timestamp": 1767571344000, "type": "Transfer",
            "token_info": {"symbol": "USDT", "address": USDT_TRON, "decimals": 6}}
    ab, bc = {**base, "from": a, "to": b, "value": "10"}, {**base, "from": b, "to": c, "value": "5"}
    seen_by = {"A": [ab], "B": [ab, bc], "C": [bc]}
    positions = {who: {(t.from_address, t.to_address): t.position for t, _ in map_trc20_items(items)}
                 for who, items in seen_by.items()}
    assert positions["A"][(a, b)] == positions["B"][(a, b)]
    assert positions["C"][(b, c)] == positions["B"][(b, c)]
    assert positions["B"][(a, b)] != positions["B"][(b, c)]
    assert positions["B"][(a, b)] == unindexed_position(USDT_TRON, a, b, 10, 0)
    twice = map_trc20_items([ab, ab])  # two identical transfers in one transaction both count
    assert [t.position for t, _ in twice] == [positions["A"][(a, b)], positions["A"][(a, b)] + 1]


def test_a_bad_address_in_a_reply_is_a_source_error():
    item = {**REPLY["data"][0], "to": "TLCuBEirVzB6V4menLZKw1jfBTFMZbuKq8"}
    with pytest.raises(SourceError, match="does not validate"):
        map_trc20(item, 0)


# -- the source against a local TronGrid -------------------------------------------------------


@pytest.fixture(scope="module")
def sim_world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tron") / "world"
    simulate(folder, SimulationConfig(seed=11, victims=20, users=200, transfers=30_000))
    truth = json.loads((folder / "truth.json").read_text())
    service = {s["kind"]: s["address"] for s in truth["services"]}
    cluster = truth["clusters"][0]
    roles = {
        "collection": cluster["collections"][0],
        "consolidator": cluster["consolidators"][0],
        "deposit": truth["scam_deposits"][0]["deposit_address"],
        "otc_desk": service["otc_desk"],
        "merchant": service["merchant"],
    }
    return World.load(folder), roles


def expected(world: World, evm_address: str, first: int = 0, last: int | None = None):
    """The world's token transfers of the address as Tron rows (all but the position)."""
    rows = set()
    for r in world.transfers_of(evm_address):
        ms = world.block_time(int(r["block_number"])) * 1000
        if first <= ms // 3000 <= (last if last is not None else 10**15):
            rows.add((r["transaction_hash"][2:], tron_of(r["token_address"]), ms // 3000,
                      datetime.fromtimestamp(ms / 1000, UTC), tron_of(r["from_address"]),
                      tron_of(r["to_address"]), int(r["value"])))
    return rows


def rows_of(result):
    return {(t.tx_hash, t.asset, t.block_number, t.block_time, t.from_address, t.to_address, t.amount)
            for t in result.transfers}


def test_twenty_percent_faults_change_nothing_and_match_the_worlds_rows(sim_world):
    world, roles = sim_world
    assert len(world.transfers_of(roles["merchant"])) > 2500
    with TronServer(world, api_key=KEY) as clean_server:
        clean_source = source(clean_server)
        head = clean_source.head("tron")
        clean = {role: clean_source.fetch("tron", tron_of(a), 0, head) for role, a in roles.items()}
    faults = Faults(share=0.2, seed=3, stall=0.6)
    with TronServer(world, api_key=KEY, faults=faults) as server:
        faulty_source = source(server, retry=RetryPolicy(max_attempts=8))
        faulty = {role: faulty_source.fetch("tron", tron_of(a), 0, head) for role, a in roles.items()}
        for kind in ("429", "500", "timeout", "truncated"):
            assert server.count(kind) > 0, kind
        assert sum(r.requests for r in faulty.values()) == len(server.requests)
        pages = [r for r in server.requests if r.path.endswith("/trc20")]
        assert all(r.headers.get("TRON-PRO-API-KEY") == KEY for r in server.requests)
        assert any("fingerprint" in r.params for r in pages)
    for role, address in roles.items():
        assert faulty[role].transfers == clean[role].transfers, role
        assert rows_of(clean[role]) == expected(world, address), role
        assert len(clean[role].transfers) == len(world.transfers_of(address)), role
        assert {t.address for t in clean[role].tokens} == {t.asset for t in clean[role].transfers}
    assert clean["merchant"].tokens[0].address == USDT_TRON
    assert head == world.block_time(world.head) * 1000 // 3000


def test_a_slot_range_becomes_a_timestamp_range_and_bounds_the_result(sim_world):
    world, roles = sim_world
    address = roles["merchant"]
    slots = sorted({world.block_time(int(r["block_number"])) // 3 for r in world.transfers_of(address)})
    first, last = slots[10], slots[40]  # both ends hold transfers
    with TronServer(world) as server:
        result = source(server, key=None).fetch("tron", tron_of(address), first, last)
        request = server.requests[0]
    assert request.params["min_timestamp"] == str(first * 3000 - 1)  # bounds inclusive or not
    assert request.params["max_timestamp"] == str(last * 3000 + 2999)
    assert request.params["only_confirmed"] == "true" and request.params["limit"] == "200"
    assert rows_of(result) == expected(world, address, first, last)
    assert {t.block_number for t in result.transfers} >= {first, last}


def test_addresses_are_normalised_and_bad_ones_refused_before_any_request(sim_world):
    world, roles = sim_world
    address = tron_of(roles["deposit"])
    with TronServer(world) as server:
        tron = source(server, key=None)
        as_hex = "41" + roles["deposit"][2:]
        result = tron.fetch("tron", as_hex, 0, 10**12)
        assert result.address == address and f"/v1/accounts/{address}/" in server.requests[0].path
        typo = address[:-1] + ("1" if address[-1] != "1" else "2")
        with pytest.raises(AddressError, match="checksum"):
            tron.fetch("tron", typo, 0, 10**12)
        with pytest.raises(AddressError, match="base58"):
            tron.fetch("tron", "T" + "0" * 33, 0, 10**12)
        with pytest.raises(SourceError, match="reads tron"):
            tron.fetch("ethereum", address, 0, 10**12)
        assert len(server.requests) == 1


def test_a_contract_filter_is_passed_on(sim_world):
    world, roles = sim_world
    with TronServer(world) as server:
        result = source(server, key=None, contract=USDT_TRON).fetch("tron", tron_of(roles["otc_desk"]), 0, 10**12)
        assert server.requests[0].params["contract_address"] == USDT_TRON
    assert {t.asset for t in result.transfers} == {USDT_TRON}


def test_the_key_never_appears_in_errors_or_logs(sim_world, caplog):
    world, roles = sim_world
    caplog.set_level(logging.DEBUG)
    with TronServer(world, api_key="the-right-one") as server:
        with pytest.raises(SourceError, match="HTTP 401") as refused:
            source(server).fetch("tron", tron_of(roles["deposit"]), 0, 10**12)
    with TronServer(world, faults=Faults(share=1.0, kinds=("500", "truncated"))) as server:
        with pytest.raises(SourceError) as gave_up:
            source(server, retry=RetryPolicy(max_attempts=3)).head("tron")
    for exc in (refused.value, gave_up.value):
        assert KEY not in "".join(traceback.format_exception(exc)) + repr(exc.__context__)
    assert KEY not in caplog.text


def test_multi_transfer_transactions_are_stored_once_each(tmp_path, con):
    """A world where one transaction moves USDT twice (A → B, B → C): B's fetch returns both,
    A's and C's fetches return the same positions for their halves, and the store keeps both."""
    mini = MiniChain(tmp_path / "world")
    a, b, c = ("0x" + f"{i:040x}" for i in (0xA, 0xB, 0xC))
    tx, _ = mini.pay_token(USDT_ETHEREUM, a, b, 10)
    mini.token_transfers.append({"token_address": USDT_ETHEREUM, "from_address": b, "to_address": c,
                                 "value": 5, "transaction_hash": tx, "log_index": 1, "block_number": mini.block})
    mini.write()
    write_csv(mini.folder / "tokens.csv", ["address", "symbol", "name", "decimals"],
              [{"address": USDT_ETHEREUM, "symbol": "USDT", "name": "Tether USD", "decimals": 6}])
    with TronServer(World.load(mini.folder)) as server:
        tron = source(server, key=None)
        fetched = {who: tron.fetch("tron", tron_of(x), 0, 10**12) for who, x in zip("ABC", (a, b, c), strict=True)}
    views = {who: result.transfers for who, result in fetched.items()}
    keys = {who: {(t.tx_hash, t.kind, t.position) for t in ts} for who, ts in views.items()}
    assert len(keys["B"]) == 2 and keys["A"] | keys["C"] == keys["B"]
    for who in "ACB":
        write_fetch(con, fetched[who])
    stored = con.execute("SELECT from_address, to_address, CAST(amount AS VARCHAR) FROM transfers "
                         "WHERE chain = 'tron' ORDER BY amount").fetchall()
    assert stored == [(tron_of(b), tron_of(c), "5"), (tron_of(a), tron_of(b), "10")]
