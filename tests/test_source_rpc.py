"""The EVM JSON-RPC source: its pure decoder on ethereum-etl's recorded vectors, its HTTP handling
against a replaying fake node, and whole fetches against a real node (anvil) holding a replayed
simulated world, compared with the world's own ethereum-etl files."""

from __future__ import annotations

import csv
import json
import logging
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from hexbytes import HexBytes
from web3 import HTTPProvider, Web3
from web3.datastructures import AttributeDict

from conftest import ETL_VECTORS
from fakes.anvil import Anvil, anvil_binary, replay_world
from fakes.jsonrpc_replay import Fault, ReplayNode, rpc_log
from tracers.domain import FailedTx, TokenInfo
from tracers.errors import SourceError, TransientSourceError
from tracers.redact import shown_url
from tracers.simulate import SimulationConfig, simulate
from tracers.sources.evm_logs import (
    TRANSFER_TOPIC,
    address_topic,
    decode_abi_string,
    decode_abi_uint,
    decode_trace_tree,
    decode_transfer_log,
)
from tracers.sources.explorer import trace_position
from tracers.sources.retry import RetryPolicy
from tracers.sources.rpc import RpcSource

STREAM = ETL_VECTORS / "test_stream" / "blocks_17173049_17173050"
TRANSFERS_BLOCK = ETL_VECTORS / "test_export_token_transfers_job" / "block_with_transfers"
ROUTER = "0x7a250d5630b4cf539739df2c5dacb4c659f2488d"  # Uniswap V2 router: ether, tokens, failures
WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def rows(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def token_row(m) -> tuple:
    return (m.asset, m.from_address, m.to_address, m.amount, m.tx_hash, m.position, m.block_number)


# -- the pure decoder ------------------------------------------------------------------------


def test_decoder_gives_ethereum_etl_token_transfers_of_the_stream_blocks():
    logs = jsonl(STREAM / "expected_logs.json")
    decoded = [m for m in (decode_transfer_log(rpc_log(log)) for log in logs) if m is not None]
    erc721 = {(g["transaction_hash"], g["log_index"]) for g in logs
              if g["topics"] and g["topics"][0] == TRANSFER_TOPIC and len(g["topics"]) == 4}
    expected = [t for t in jsonl(STREAM / "expected_token_transfers.json")
                if (t["transaction_hash"], t["log_index"]) not in erc721]
    assert [token_row(m) for m in decoded] == [
        (t["token_address"], t["from_address"], t["to_address"], t["value"], t["transaction_hash"],
         t["log_index"], t["block_number"]) for t in expected
    ]
    assert len(decoded) == 282 and len(erc721) == 9  # ethereum-etl also counts 9 ERC-721 Transfers


def test_decoder_is_exact_and_strict():
    log = {"address": "0xDAC17F958D2EE523A2206206994597C13D831EC7", "topics": [
        TRANSFER_TOPIC, address_topic("0xAAaa000000000000000000000000000000000001"),
        address_topic("0xbbbb000000000000000000000000000000000002")],
        "data": "0x" + f"{2**255 + 7:064x}", "blockNumber": "0x10", "transactionHash": "0x" + "ab" * 32,
        "transactionIndex": "0x2", "logIndex": "0x5", "removed": False}
    moved = decode_transfer_log(log)
    assert moved.amount == 2**255 + 7
    assert (moved.asset, moved.from_address, moved.to_address) == (
        "0xdac17f958d2ee523a2206206994597c13d831ec7", "0xaaaa000000000000000000000000000000000001",
        "0xbbbb000000000000000000000000000000000002")
    assert (moved.kind, moved.position, moved.block_number, moved.tx_index) == ("token", 5, 16, 2)
    as_web3 = AttributeDict({**log, "topics": [HexBytes(t) for t in log["topics"]], "data": HexBytes(log["data"]),
                             "transactionHash": HexBytes(log["transactionHash"]), "logIndex": 5,
                             "blockNumber": 16, "transactionIndex": 2})
    assert decode_transfer_log(as_web3) == moved
    assert decode_transfer_log({**log, "data": "0x" + "f" * 64}).amount == 2**256 - 1
    assert decode_transfer_log({**log, "topics": log["topics"] + [address_topic("0x" + "0" * 39 + "1")],
                                "data": "0x"}) is None  # ERC-721: token id as 4th topic
    assert decode_transfer_log({**log, "data": "0x" + "00" * 64}) is None
    assert decode_transfer_log({**log, "topics": ["0x" + "11" * 32] + log["topics"][1:]}) is None
    assert decode_transfer_log({**log, "removed": True}) is None


def test_trace_tree_skips_value_under_a_reverted_call():
    def trace(path, value, to, error=None):
        return {"type": "call", "action": {"callType": "call", "from": "0x" + "aa" * 20, "to": to,
                                           "value": hex(value)},
                "traceAddress": path, "transactionHash": "0x" + "cd" * 32, "blockNumber": 7,
                "transactionPosition": 3, **({"error": error} if error else {})}
    tree = [trace([], 5, "0x" + "ff" * 20), trace([0], 2, "0x" + "01" * 20),
            trace([1], 0, "0x" + "02" * 20, error="Reverted"), trace([1, 0], 9, "0x" + "03" * 20)]
    root, internal = decode_trace_tree("ethereum", tree)
    assert (root.kind, root.amount, root.to_address, root.tx_index) == ("native", 5, "0x" + "ff" * 20, 3)
    assert [(m.to_address, m.amount, m.position) for m in internal] == [("0x" + "01" * 20, 2, trace_position([0]))]
    failed_root, nothing = decode_trace_tree("ethereum", [dict(tree[0], error="Reverted"), tree[1]])
    assert isinstance(failed_root, FailedTx) and nothing == []


def test_token_metadata_replies_decode():
    abi = "0x" + f"{32:064x}" + f"{4:064x}" + b"USDT".hex().ljust(64, "0")
    assert decode_abi_string(abi) == "USDT"
    assert decode_abi_string("0x" + b"MKR".hex().ljust(64, "0")) == "MKR"  # bytes32 symbol
    assert decode_abi_string("0x") is None and decode_abi_string(None) is None
    assert decode_abi_uint("0x" + f"{6:064x}") == 6 and decode_abi_uint("0x" + "f" * 64) is None


# -- over HTTP, against a node replaying recordings ------------------------------------------------


def test_block_with_transfers_through_the_replay_node():
    node = ReplayNode().add_recordings(TRANSFERS_BLOCK)
    with node.serve() as url:
        logs = RpcSource.from_url(url, "ethereum").logs([TRANSFER_TOPIC], 0x76250, 0x76250)
    decoded = [token_row(decode_transfer_log(log)) for log in logs]
    assert decoded == [(r["token_address"], r["from_address"], r["to_address"], int(r["value"]),
                        r["transaction_hash"], int(r["log_index"]), int(r["block_number"]))
                       for r in rows(TRANSFERS_BLOCK / "expected_token_transfers.csv")]
    assert node.calls == [("eth_getLogs", [{"fromBlock": "0x76250", "toBlock": "0x76250",
                                            "topics": [TRANSFER_TOPIC]}])]


def abi_string(text: str) -> str:
    return "0x" + f"{32:064x}" + f"{len(text):064x}" + text.encode().hex().ljust(64, "0")


def test_fetch_of_mainnet_blocks_by_scanning_them():
    node = ReplayNode().add_stream_export(STREAM)
    node.contracts[WETH] = {"0x95d89b41": abi_string("WETH"), "0x313ce567": "0x" + f"{18:064x}",
                            "0x06fdde03": abi_string("Wrapped Ether")}
    txs = jsonl(STREAM / "expected_transactions.json")
    times = {b["number"]: datetime.fromtimestamp(b["timestamp"], UTC) for b in jsonl(STREAM / "expected_blocks.json")}
    erc721 = {(g["transaction_hash"], g["log_index"]) for g in jsonl(STREAM / "expected_logs.json")
              if len(g["topics"]) == 4}
    with node.serve() as url:
        source = RpcSource.from_url(url, "ethereum")
        result = source.fetch("ethereum", ROUTER, 17173049, 17173050)
    mine = [t for t in txs if ROUTER in (t["from_address"], t["to_address"])]
    native = {(t["hash"], "native", "native", t["from_address"], t["to_address"], t["value"], times[t["block_number"]])
              for t in mine if t["value"] > 0 and t["receipt_status"] == 1}
    tokens = {(t["transaction_hash"], "token", t["token_address"], t["from_address"], t["to_address"], t["value"],
               times[t["block_number"]])
              for t in jsonl(STREAM / "expected_token_transfers.json")
              if ROUTER in (t["from_address"], t["to_address"]) and (t["transaction_hash"], t["log_index"]) not in erc721}
    got = {(t.tx_hash, t.kind, t.asset, t.from_address, t.to_address, t.amount, t.block_time) for t in result.transfers}
    assert native and tokens and got == native | tokens
    assert {f.tx_hash for f in result.failed} == {t["hash"] for t in mine if t["receipt_status"] == 0}
    assert len(result.failed) == 4
    assert source.support().native == "blocks" and not source.support().trace
    assert any("internal ether transfers not read" in n for n in result.notes)
    assert result.requests == node.http_requests  # detection, head, 2 getLogs, blocks, receipts, times
    assert result.tokens == (TokenInfo("ethereum", WETH, "WETH", 18, "Wrapped Ether"),)  # others revert here
    assert Counter(m for m, _ in node.calls)["eth_call"] == 3 * len({t.asset for t in result.transfers} - {"native"})


def test_block_scan_is_bounded():
    node = ReplayNode().add_stream_export(STREAM)
    with node.serve() as url, pytest.raises(SourceError, match="neither ots_searchTransactionsBefore") as caught:
        RpcSource.from_url(url, "ethereum", max_scan_blocks=1).fetch("ethereum", ROUTER, 17173049, 17173050)
    assert "explorer source" in str(caught.value)


@pytest.fixture(scope="module")
def sim_world(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("rpc") / "world"
    simulate(folder, SimulationConfig(seed=3, victims=8, users=40, transfers=1500))
    return folder


def world_logs(world: Path) -> list[dict]:
    """The world's token transfers as the logs a node would return."""
    txs = {r["hash"]: r for r in rows(world / "transactions.csv")}
    return [{"address": r["token_address"], "data": "0x" + f"{int(r['value']):064x}",
             "topics": [TRANSFER_TOPIC, address_topic(r["from_address"]), address_topic(r["to_address"])],
             "blockNumber": hex(int(r["block_number"])), "transactionHash": r["transaction_hash"],
             "transactionIndex": hex(int(txs[r["transaction_hash"]]["transaction_index"])),
             "logIndex": hex(int(r["log_index"])), "removed": False}
            for r in rows(world / "token_transfers.csv")]


@pytest.mark.parametrize("refusal", ["results", "range", "limit", "413"])
def test_long_log_ranges_are_halved_until_the_node_answers(sim_world, refusal):
    truth = json.loads((sim_world / "truth.json").read_text())
    collector = truth["exchanges"]["binance"]["collector"]
    lo, hi = truth["blocks"]["first"], truth["blocks"]["last"]
    node = ReplayNode(logs=world_logs(sim_world), max_log_range=7_000, refusal=refusal)
    with node.serve() as url:
        source = RpcSource.from_url(url, "ethereum", max_range=100_000)
        logs = source.logs([TRANSFER_TOPIC, None, address_topic(collector)], lo, hi)
        windows = len(node.log_ranges)
        again = source.logs([TRANSFER_TOPIC, None, address_topic(collector)], lo, hi)
    expected = sorted((r["transaction_hash"], int(r["log_index"])) for r in rows(sim_world / "token_transfers.csv")
                      if r["to_address"] == collector)
    assert sorted((m.tx_hash, m.position) for m in map(decode_transfer_log, logs)) == expected
    assert len(expected) > 50 and again == logs
    answered = node.log_ranges[:windows]
    assert answered[0][0] == lo and answered[-1][1] == hi
    assert all(b - a + 1 <= 7_000 for a, b in answered)
    assert all(nxt[0] == prev[1] + 1 for prev, nxt in zip(answered, answered[1:], strict=False))  # no gap, no overlap
    assert len(node.log_ranges) == 2 * windows  # the second read asks only what the node accepts


def test_a_node_refusing_even_one_block_is_an_error(sim_world):
    node = ReplayNode(logs=world_logs(sim_world), max_log_range=0)
    with node.serve() as url, pytest.raises(SourceError, match="even for the single block 21000000"):
        RpcSource.from_url(url, "ethereum").logs([TRANSFER_TOPIC], 21_000_000, 21_000_003)


@pytest.mark.parametrize("fault, retry_after, words", [
    (Fault(429, (("Retry-After", "7"),)), 7.0, "throttling (HTTP 429)"),
    (Fault(503, body=b"upstream down"), None, "HTTP 503"),
    (Fault(body=b'{"jsonrpc": "2.0", "id": 0, "resu'), None, "not JSON"),
    (Fault(delay=1.0), None, "did not answer eth_blockNumber within 0.3 s"),
])
def test_transient_failures(fault, retry_after, words):
    node = ReplayNode(head=10, faults=[fault])
    once = RetryPolicy(max_attempts=1)
    with node.serve() as url, pytest.raises(TransientSourceError) as caught:
        RpcSource.from_url(url, "ethereum", timeout=0.3, retry=once).head("ethereum")
    assert words in str(caught.value)
    assert caught.value.retry_after == retry_after


def test_transient_failures_are_tried_again_on_the_sources_policy():
    """The same faults, one after another, then the answer: the head comes back; 429 waited as told."""
    faults = [Fault(429, (("Retry-After", "7"),)), Fault(503, body=b"upstream down"),
              Fault(body=b'{"jsonrpc": "2.0", "id": 0, "resu'), Fault(delay=1.0)]
    node = ReplayNode(head=10, faults=list(faults))
    slept: list[float] = []
    with node.serve() as url:
        source = RpcSource.from_url(url, "ethereum", timeout=0.3, sleep=slept.append)
        assert source.head("ethereum") == 10
    assert len(slept) == len(faults) and 7 <= slept[0] <= 7.7
    node = ReplayNode(head=10, faults=[Fault(503)] * 3)
    with node.serve() as url, pytest.raises(TransientSourceError, match="gave up after 3 attempts"):
        RpcSource.from_url(url, "ethereum", retry=RetryPolicy(max_attempts=3), sleep=slept.append).head("ethereum")


def test_errors_say_the_fix_and_keep_keys_out(caplog):
    caplog.set_level(logging.DEBUG)
    node = ReplayNode(head=10, unsupported={"eth_getLogs"})
    key, password = "0123456789abcdef0123456789abcdef", "s3cretpass"
    with node.serve(f"/v3/{key}") as url:
        keyed = url.replace("http://", f"http://analyst:{password}@") + "?apikey=QUERYKEY99"
        source = RpcSource.from_url(keyed, "ethereum")
        with pytest.raises(SourceError) as refused:
            source.logs([TRANSFER_TOPIC], 1, 2)
        node.faults.append(Fault(401, body=b"invalid project id"))
        with pytest.raises(SourceError) as unauthorized:
            source.head("ethereum")
    logged = caplog.text
    assert "/v3/***" in logged  # web3 and urllib3 print the endpoint at DEBUG: masked
    for text in (logged, str(refused.value), str(unauthorized.value)):
        assert key not in text and password not in text and "QUERYKEY99" not in text
    for caught in (refused, unauthorized):
        text = str(caught.value)
        assert not isinstance(caught.value, TransientSourceError)
        assert key not in text and password not in text and "QUERYKEY99" not in text and "analyst" not in text
        assert "127.0.0.1" in text and caught.value.__cause__ is None
        assert caught.value.__context__ is None or caught.value.__suppress_context__  # requests' text has the URL
    assert "does not answer eth_getLogs" in str(refused.value) and "archive node" in str(refused.value)
    assert "HTTP 401" in str(unauthorized.value) and "API key" in str(unauthorized.value)
    assert shown_url(f"https://u:p@host.example:8545/v2/{key}?k=v") == "https://***@host.example:8545/v2/***?***"


def test_the_node_must_serve_the_chain():
    with ReplayNode(chain_id=56, head=5).serve() as url, pytest.raises(SourceError, match="chain id 56, not ethereum"):
        RpcSource.from_url(url, "ethereum").fetch("ethereum", ROUTER, 1, 2)


# -- on a real node: anvil with the simulated world replayed -------------------------------------


class CountingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.posts = 0

    def post(self, *args, **kwargs):
        self.posts += 1
        return super().post(*args, **kwargs)


def test_anvil_is_there():
    assert anvil_binary().is_file()  # fails (not skips) with the way to install it


@pytest.fixture(scope="module")
def chain(sim_world):
    truth = json.loads((sim_world / "truth.json").read_text())
    with Anvil.start(timestamp=truth["blocks"]["genesis_timestamp"]) as node:
        replay = replay_world(node.w3, sim_world)
        yield node, replay, truth


def world_transfers(world: Path, address: str, replay) -> list[tuple]:
    """The address's transfers straight from the world's files, in the world's order, on anvil's hashes."""
    txs = {r["hash"]: r for r in rows(world / "transactions.csv")}
    failed = {r["transaction_hash"] for r in rows(world / "receipts.csv") if r["status"] == "0"}
    found = []
    for r in rows(world / "token_transfers.csv"):
        if address in (r["from_address"], r["to_address"]):
            tx = txs[r["transaction_hash"]]
            found.append(((int(r["block_number"]), int(tx["transaction_index"]), int(r["log_index"])),
                          (replay.tx_hashes[r["transaction_hash"]], "token", r["token_address"], r["from_address"],
                           r["to_address"], int(r["value"]),
                           replay.log_indexes[(r["transaction_hash"], int(r["log_index"]))])))
    for tx in txs.values():
        if address in (tx["from_address"], tx["to_address"]) and int(tx["value"]) and tx["hash"] not in failed:
            found.append(((int(tx["block_number"]), int(tx["transaction_index"]), 0),
                          (replay.tx_hashes[tx["hash"]], "native", "native", tx["from_address"], tx["to_address"],
                           int(tx["value"]), 0)))
    return [row for _, row in sorted(found)]


def role_addresses(truth: dict) -> dict[str, str]:
    cluster = truth["clusters"][0]
    return {
        "collection": cluster["collections"][0],
        "consolidator": cluster["consolidators"][0],
        "peel hop": cluster["peel_chains"][0]["hops"][1],
        "deposit address": truth["scam_deposits"][0]["deposit_address"],
        "victim": next(v["address"] for v in truth["victims"] if len(v["payments"]) > 2),
    }


@pytest.mark.parametrize("role", ["collection", "consolidator", "peel hop", "deposit address", "victim"])
def test_fetch_on_anvil_matches_the_world_files(chain, sim_world, role):
    node, replay, truth = chain
    address = role_addresses(truth)[role]
    source = RpcSource(node.w3, "ethereum", chain_id=None)
    result = source.fetch("ethereum", address, 0, source.head("ethereum"))
    got = [(t.tx_hash, t.kind, t.asset, t.from_address, t.to_address, t.amount, t.position) for t in result.transfers]
    expected = world_transfers(sim_world, address, replay)
    assert len(expected) >= 2 and got == expected
    world_time = {int(r["number"]): int(r["timestamp"]) for r in rows(sim_world / "blocks.csv")}
    world_block = {anvil: int(r["block_number"]) for r in rows(sim_world / "transactions.csv")
                   for anvil in [replay.tx_hashes[r["hash"]]]}
    for t in result.transfers:  # each anvil block is stamped with its first world block's time
        assert t.block_time.tzinfo is UTC
        assert 0 <= world_time[world_block[t.tx_hash]] - t.block_time.timestamp() < 3600


def test_failed_ether_transaction_is_failed_not_a_transfer(chain, sim_world):
    node, replay, _ = chain
    receipts = {r["transaction_hash"]: r["status"] for r in rows(sim_world / "receipts.csv")}
    failed = [r for r in rows(sim_world / "transactions.csv") if receipts[r["hash"]] == "0" and int(r["value"])]
    assert failed
    source = RpcSource(node.w3, "ethereum", chain_id=None)
    for tx in failed:
        anvil_hash = replay.tx_hashes[tx["hash"]]
        for address in (tx["from_address"], tx["to_address"]):
            result = source.fetch("ethereum", address, 0, source.head("ethereum"))
            assert [(f.tx_hash, f.from_address, f.to_address) for f in result.failed if f.tx_hash == anvil_hash] == [
                (anvil_hash, tx["from_address"], tx["to_address"])]
            assert anvil_hash not in {t.tx_hash for t in result.transfers}


def test_spam_value_above_2_255_round_trips(chain, sim_world):
    node, replay, truth = chain
    huge = [r for r in rows(sim_world / "token_transfers.csv") if int(r["value"]) > 2**255]
    assert huge and huge[0]["token_address"] == truth["assets"]["spam_token"]["address"]
    source = RpcSource(node.w3, "ethereum", chain_id=None)
    result = source.fetch("ethereum", huge[0]["to_address"], 0, source.head("ethereum"))
    amounts = {t.tx_hash: t.amount for t in result.transfers}
    assert amounts[replay.tx_hashes[huge[0]["transaction_hash"]]] == int(huge[0]["value"])


def test_confirmations_keep_the_newest_blocks_out(chain, sim_world):
    node, replay, truth = chain
    address = role_addresses(truth)["deposit address"]
    everything = RpcSource(node.w3, "ethereum", chain_id=None)
    full = everything.fetch("ethereum", address, 0, everything.head("ethereum")).transfers
    newest = max(t.block_number for t in full)
    confirmations = replay.anvil_blocks - newest + 1  # the newest transfer's block is unconfirmed
    source = RpcSource(node.w3, "ethereum", chain_id=None, confirmations=confirmations)
    head = source.head("ethereum")
    assert head == newest - 1 == replay.anvil_blocks - confirmations
    kept = source.fetch("ethereum", address, 0, head).transfers
    assert kept == tuple(t for t in full if t.block_number <= head) and len(kept) < len(full)
    with pytest.raises(SourceError, match="not confirmed yet"):
        source.fetch("ethereum", address, 0, replay.anvil_blocks)


def test_request_count_and_what_the_node_supports(chain, sim_world):
    node, replay, truth = chain
    session = CountingSession()
    source = RpcSource(Web3(HTTPProvider(node.url, session=session, exception_retry_configuration=None)),
                       "ethereum", chain_id=None)
    address = role_addresses(truth)["consolidator"]
    first = source.fetch("ethereum", address, 0, replay.anvil_blocks)
    assert first.requests == session.posts
    before = session.posts
    second = source.fetch("ethereum", address, 0, replay.anvil_blocks)
    assert second.requests == session.posts - before < first.requests  # detection is not repeated
    assert second.transfers == first.transfers
    support = source.support()
    assert (support.chain_id, support.ots, support.trace, support.native) == (31337, True, True, "ots")
    assert "native ether read with ots_searchTransactionsBefore" in first.notes
    assert any(n.startswith("trace_filter: the node refuses long ranges") for n in first.notes)  # anvil: 300


def test_ots_pages_and_split_ranges_add_up(chain):
    node, replay, truth = chain
    address = truth["exchanges"]["binance"]["collector"]
    whole = RpcSource(node.w3, "ethereum", chain_id=None).fetch("ethereum", address, 0, replay.anvil_blocks)
    paged = RpcSource(node.w3, "ethereum", chain_id=None, ots_page_size=1)
    middle = replay.anvil_blocks // 2
    parts = [paged.fetch("ethereum", address, lo, hi) for lo, hi in ((0, middle), (middle + 1, replay.anvil_blocks))]
    assert sum(1 for t in whole.transfers if t.kind == "native") > 10
    assert parts[0].transfers + parts[1].transfers == whole.transfers
    assert parts[0].failed + parts[1].failed == whole.failed
    assert parts[1].requests > 10  # one ots page per block holding the collector's transactions


@pytest.mark.parametrize("native", ["trace", "blocks"])
def test_every_way_of_reading_ether_agrees(chain, sim_world, native):
    node, replay, truth = chain
    receipts = {r["transaction_hash"]: r["status"] for r in rows(sim_world / "receipts.csv")}
    failing = [r["from_address"] for r in rows(sim_world / "transactions.csv") if receipts[r["hash"]] == "0"]
    by_ots = RpcSource(node.w3, "ethereum", chain_id=None)
    other = RpcSource(node.w3, "ethereum", chain_id=None, native=native)
    seen = Counter()
    for address in [*role_addresses(truth).values(), *failing]:
        a = by_ots.fetch("ethereum", address, 0, replay.anvil_blocks)
        b = other.fetch("ethereum", address, 0, replay.anvil_blocks)
        assert (a.transfers, a.failed) == (b.transfers, b.failed)
        seen.update(t.kind for t in a.transfers)
        seen["failed"] += len(a.failed)
        assert f"native ether read with {other.support().native_method}" in b.notes
    assert seen["native"] and seen["token"] and seen["failed"]


@pytest.mark.parametrize("native", ["auto", "trace"])
def test_internal_ether_and_reverted_calls_on_anvil(native):
    genesis = 1_767_225_600
    sender, forwarder, payee = "0x" + "a1" * 20, "0x" + "f0" * 20, "0x" + "b2" * 20
    # forwarder: CALL(gas, to=calldata[0:32], value=callvalue); REVERT if calldata[32:64] != 0
    code = "0x6000600060006000" "34" "600035" "5a" "f1" "50" "602035" "6016" "57" "00" "5b" "60006000fd"
    with Anvil.start(timestamp=genesis) as node:
        w3 = node.w3
        w3.provider.make_request("anvil_setCode", [forwarder, code])
        w3.provider.make_request("anvil_setBalance", [sender, hex(10**21)])
        sent = []
        for value, revert in ((5 * 10**17, 0), (7 * 10**17, 1)):
            data = "0x" + payee[2:].rjust(64, "0") + f"{revert:064x}"
            reply = w3.provider.make_request("eth_sendTransaction", [{
                "from": sender, "to": forwarder, "value": hex(value), "data": data, "gas": hex(100_000),
                "gasPrice": "0x0"}])
            sent.append(reply["result"])
        w3.provider.make_request("evm_mine", [])
        with pytest.raises(SourceError, match="chain id 31337, not ethereum"):
            RpcSource(w3, "ethereum").support()
        source = RpcSource(w3, "ethereum", chain_id=31337, native=native)
        received = source.fetch("ethereum", payee, 0, 1)
        paid = source.fetch("ethereum", sender, 0, 1)
    assert [(t.kind, t.tx_hash, t.from_address, t.to_address, t.amount, t.position) for t in received.transfers] == [
        ("internal", sent[0], forwarder, payee, 5 * 10**17, trace_position([0]))]
    assert [(t.kind, t.tx_hash, t.to_address, t.amount) for t in paid.transfers] == [
        ("native", sent[0], forwarder, 5 * 10**17)]
    assert [f.tx_hash for f in paid.failed] == [sent[1]]


def test_replay_is_faithful_and_fast(chain, sim_world):
    node, replay, _ = chain
    world_txs = rows(sim_world / "transactions.csv")
    assert len(replay.tx_hashes) == len(world_txs) == 1500
    assert len(replay.log_indexes) == len(rows(sim_world / "token_transfers.csv"))
    hours = {int(r["timestamp"]) // 3600 for r in rows(sim_world / "blocks.csv")}
    assert len(hours) <= replay.anvil_blocks <= len(hours) + 2 * Counter(
        r["status"] for r in rows(sim_world / "receipts.csv"))["0"]
    assert replay.seconds < 30
