"""The TronGrid source on real recorded TronGrid replies (tests/resources/trongrid-ledger-live/,
account TL24LCps5FKwp3PoU1MvrYrwhi5LU1tHre), served over HTTP by tests/fakes/tron_replay.py.

Every expectation is computed here from the recorded JSON: the trc20 reply's items, the signed
call data inside them, the account's recorded transactions (two pages) and their receipts. The
source reads the trc20 endpoint only, so the account's transactions and receipts are read from the
files to cross-check what it returns: they are not served."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import base58
import pytest
import requests

from fakes.tron_replay import ScriptedFaults, TronReplay
from fakes.world import FakeClock
from tracers.sources.explorer import unindexed_position
from tracers.sources.tron import TronGridSource

RESOURCES = Path(__file__).parent / "resources" / "trongrid-ledger-live"
ACCOUNT = "TL24LCps5FKwp3PoU1MvrYrwhi5LU1tHre"
USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
FAILED_TX = "13df06d50a1ff1f4a164e25afc946dd7b05df044894b1073b1e92eef41d8a98a"  # OUT_OF_ENERGY
TRANSFER_SELECTOR = "a9059cbb"  # transfer(address,uint256)
TRANSFER_TOPIC = "ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


def recorded(name: str) -> dict:
    return json.loads((RESOURCES / f"{name}.fixture.json").read_text())


TRC20 = recorded("fetchTronAccountTxsTrc20")[ACCOUNT]
ITEMS = TRC20["data"]
THROUGH = TRC20["meta"]["at"] // 3000  # the slot the reply was recorded in


# -- decoding the recordings, independently of the source ---------------------------------------


def base58_of(hex_address: str) -> str:
    """The Tron address of the last 20 bytes of a hex string (41-prefixed or a 32-byte ABI word)."""
    return base58.b58encode_check(b"\x41" + bytes.fromhex(hex_address[-40:])).decode()


def decoded_call(tx: dict) -> tuple[str, str, str, int]:
    """(token, from, to, amount) of a signed TRC-20 `transfer` call: the contract called, its
    caller, and the ABI-encoded receiver and amount of the call data."""
    (call,) = tx["raw_data"]["contract"]
    assert call["type"] == "TriggerSmartContract"
    value = call["parameter"]["value"]
    data = value["data"]
    assert data[:8] == TRANSFER_SELECTOR and len(data) == 8 + 64 + 64
    return (base58_of(value["contract_address"]), base58_of(value["owner_address"]),
            base58_of(data[8:72]), int(data[72:], 16))


def logged_transfers(info: dict) -> list[tuple[str, str, str, int, str]]:
    """(token, from, to, amount, tx) of each Transfer event in a gettransactioninfobyid reply."""
    return [(base58_of(log["address"]), base58_of(log["topics"][1]), base58_of(log["topics"][2]),
             int(log["data"], 16), info["id"])
            for log in info.get("log", []) if log["topics"][0] == TRANSFER_TOPIC]


def account_transactions() -> list[dict]:
    """The account's recorded /transactions, page 1 then the page its fingerprint names."""
    pages = recorded("fetchTronAccountTxs")[ACCOUNT]
    first = pages[""]
    fingerprint = first["meta"]["fingerprint"]
    assert f"fingerprint={fingerprint}" in first["meta"]["links"]["next"]
    second = pages[fingerprint]
    assert "fingerprint" not in second["meta"] and set(pages) == {"", fingerprint}
    return first["data"] + second["data"]


def expected_rows(items: list[dict]) -> list[tuple]:
    """What each trc20 item says, as (tx, token, from, to, amount, slot, time), sorted."""
    return sorted((i["transaction_id"], i["token_info"]["address"], i["from"], i["to"], int(i["value"]),
                   i["block_timestamp"] // 3000, datetime.fromtimestamp(i["block_timestamp"] / 1000, UTC))
                  for i in items)


def rows(result) -> list[tuple]:
    return sorted((t.tx_hash, t.asset, t.from_address, t.to_address, t.amount, t.block_number, t.block_time)
                  for t in result.transfers)


def source(server, **options) -> tuple[TronGridSource, FakeClock]:
    clock = FakeClock()
    tron = TronGridSource(server.url, session=requests.Session(), clock=clock, sleep=clock.sleep,
                          rng=random.Random(5), timeout=2.0, **options)
    return tron, clock


def fetch(**options):
    """The account's fetch over every slot up to the recording, with the requests it made."""
    with TronReplay({ACCOUNT: TRC20}) as server:
        tron, _ = source(server, **options)
        return tron.fetch("tron", ACCOUNT, 0, THROUGH), server.requests


# -- the tests ---------------------------------------------------------------------------------


def test_every_recorded_trc20_transfer_is_fetched_once_with_its_exact_fields():
    result, requests_made = fetch()
    assert [r.path for r in requests_made] == [f"/v1/accounts/{ACCOUNT}/transactions/trc20"]
    assert requests_made[0].params["only_confirmed"] == "true" and result.requests == 1
    assert len(result.transfers) == len(ITEMS) == 14
    assert rows(result) == expected_rows(ITEMS)
    for t in result.transfers:  # one transfer per transaction here: occurrence 0
        assert (t.chain, t.kind, t.tx_index) == ("tron", "token", None)
        assert t.position == unindexed_position(t.asset, t.from_address, t.to_address, t.amount, 0)
    tokens = {(i["token_info"]["address"], i["token_info"]["symbol"], i["token_info"]["decimals"],
               i["token_info"]["name"]) for i in ITEMS}
    assert {(k.address, k.symbol, k.decimals, k.name) for k in result.tokens} == tokens
    assert len(tokens) == 4  # USDT, SUNDOG, JST, WIN
    (spot,) = [t for t in result.transfers if t.tx_hash.startswith("0130dfde")]
    assert (spot.asset, spot.amount) == (USDT, 41677389)
    assert (spot.from_address, spot.to_address) == (ACCOUNT, "TXVj38D1XR3TPgSHTCZGC8wkLDAGqF1oqx")


def test_trongrids_decoded_fields_agree_with_the_signed_call_data():
    """The source trusts TronGrid's token, from, to and value; each equals the `transfer` call
    the sender signed (`detail`, whose hash is the item's transaction id)."""
    from_call_data = []
    for item in ITEMS:
        detail = item["detail"]
        assert detail["txID"] == item["transaction_id"]
        assert detail["ret"][0]["contractRet"] == "SUCCESS"
        assert detail["block_timestamp"] == item["block_timestamp"]
        token, sender, receiver, amount = decoded_call(detail)
        assert (token, sender, receiver, amount) == (item["token_info"]["address"], item["from"],
                                                     item["to"], int(item["value"]))
        from_call_data.append((item["transaction_id"], token, sender, receiver, amount))
    result, _ = fetch()
    assert sorted(r[:5] for r in rows(result)) == sorted(from_call_data)


@pytest.mark.parametrize("page_limit", [1, 5, 7, 14, 200])
def test_paging_reaches_every_recorded_transfer_whatever_the_page_size(page_limit):
    result, requests_made = fetch(page_limit=page_limit)
    pages = -(-len(ITEMS) // page_limit)
    assert result.requests == len(requests_made) == pages
    assert all(r.params["limit"] == str(page_limit) for r in requests_made)
    fingerprints = [r.params.get("fingerprint") for r in requests_made]
    assert fingerprints[0] is None and None not in fingerprints[1:]
    assert len(set(fingerprints[1:])) == pages - 1  # each page asked once, by a new fingerprint
    assert rows(result) == expected_rows(ITEMS)


def test_a_contract_filter_and_a_slot_range_keep_what_the_recording_holds_inside_them():
    usdt, requests_made = fetch(contract=USDT)
    assert requests_made[0].params["contract_address"] == USDT
    usdt_items = [i for i in ITEMS if i["token_info"]["address"] == USDT]
    assert len(usdt_items) == 11 and rows(usdt) == expected_rows(usdt_items)

    slots = sorted(i["block_timestamp"] // 3000 for i in ITEMS)
    first, last = slots[3], slots[9]  # both ends hold a transfer
    inside = [i for i in ITEMS if first <= i["block_timestamp"] // 3000 <= last]
    with TronReplay({ACCOUNT: TRC20}) as server:
        tron, _ = source(server)
        result = tron.fetch("tron", ACCOUNT, first, last)
    assert rows(result) == expected_rows(inside) and 0 < len(inside) < len(ITEMS)
    assert {t.block_number for t in result.transfers} >= {first, last}


def test_a_429_a_500_and_truncated_bodies_change_nothing():
    clean, _ = fetch(page_limit=5)
    # page 1: 429 then OK; page 2: 500, truncated, OK; page 3: truncated, 429, OK
    script = ("429", None, "500", "truncated", None, "truncated", "429", None)
    with TronReplay({ACCOUNT: TRC20}, faults=ScriptedFaults(script=script, retry_after=7.0)) as server:
        tron, clock = source(server, page_limit=5)
        result = tron.fetch("tron", ACCOUNT, 0, THROUGH)
        assert [server.count(kind) for kind in ("429", "500", "truncated", None)] == [2, 1, 2, 3]
        assert result.requests == len(server.requests) == len(script)
    assert result.transfers == clean.transfers and result.tokens == clean.tokens
    assert rows(result) == expected_rows(ITEMS)
    assert sum(1 for s in clock.slept if 7.0 <= s <= 7.7) == 2  # each 429 waited its Retry-After


def test_the_failed_usdt_transfer_is_not_a_transfer():
    """The account's own transactions (both recorded pages) hold one USDT `transfer` call that ran
    out of energy; its receipt says FAILED and logs nothing. The fetch has the account's nine
    successful USDT calls, each as its call data and its receipt's Transfer log say, and not it."""
    txs = account_transactions()
    assert len(txs) == len({tx["txID"] for tx in txs}) == 105
    infos = recorded("getTransactionInfoById")
    assert set(infos) == {tx["txID"] for tx in txs}
    (failed,) = [tx for tx in txs if tx["ret"][0]["contractRet"] != "SUCCESS"]
    assert failed["txID"] == FAILED_TX and failed["ret"][0]["contractRet"] == "OUT_OF_ENERGY"
    assert decoded_call(failed)[:2] == (USDT, ACCOUNT)  # it looks like a USDT payment
    assert infos[FAILED_TX]["result"] == "FAILED" and logged_transfers(infos[FAILED_TX]) == []

    result, _ = fetch()
    assert FAILED_TX not in {t.tx_hash for t in result.transfers}
    # The source reads only the trc20 endpoint, which lists Transfer events (a failed call has
    # none), so it never sees a failed transaction and reports none.
    assert result.failed == ()

    called = Counter(decoded_call(tx) + (tx["txID"],) for tx in txs
                     if tx["raw_data"]["contract"][0]["type"] == "TriggerSmartContract"
                     and tx["ret"][0]["contractRet"] == "SUCCESS")
    logged = Counter(entry for info in infos.values() for entry in logged_transfers(info))
    own = Counter((t.asset, t.from_address, t.to_address, t.amount, t.tx_hash) for t in result.transfers
                  if t.tx_hash in infos)
    assert called == logged == own and sum(own.values()) == 9


def test_fetched_slots_order_the_transfers_as_block_heights_do():
    """The slot design (tracers.sources.tron) on real blocks: every block timestamp sits on the
    3-second grid, slots rise with heights and never by less (a missed slot leaves a gap)."""
    infos = recorded("getTransactionInfoById")
    blocks = sorted({(i["blockNumber"], i["blockTimeStamp"]) for i in infos.values()})
    assert all(ms % 3000 == 0 for _, ms in blocks)
    for (h1, ms1), (h2, ms2) in zip(blocks, blocks[1:], strict=False):
        assert ms2 // 3000 - ms1 // 3000 >= h2 - h1
    result, _ = fetch()
    known = [t for t in result.transfers if t.tx_hash in infos]
    assert len(known) == 9
    assert [t.block_number for t in known] == [infos[t.tx_hash]["blockTimeStamp"] // 3000 for t in known]
    assert (sorted(known, key=lambda t: t.block_number)
            == sorted(known, key=lambda t: infos[t.tx_hash]["blockNumber"]))
